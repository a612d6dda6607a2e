// A live registry for the action end-to-end tests: the real MLflow server, with candidates seeded
// over its REST API (a run carrying the `auc` metric, a registered model version pointing at it).
// Pull request runs read registry facts live: an evidence file is never trusted there.

import type { MlflowServer } from '../../support/mlflow-server.js';

export async function mlflowRest<T = Record<string, unknown>>(server: MlflowServer, method: string, path: string, body?: Record<string, unknown>): Promise<T> {
  const q = method === 'GET' && body ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
  const res = await fetch(`${server.url}/api/2.0/mlflow${path}${q}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let experimentId: string | null = null;

/** Registers a new version of `model` whose run logged `auc`; returns the version number. */
export async function seedVersion(server: MlflowServer, model: string, auc: number, description = 'gradient boosted churn model'): Promise<string> {
  experimentId ??= (
    await mlflowRest<{ experiment_id: string }>(server, 'POST', '/experiments/create', { name: `action-e2e-${Date.now()}-${Math.random().toString(36).slice(2, 6)}` })
  ).experiment_id;
  const { run } = await mlflowRest<{ run: { info: { run_id: string } } }>(server, 'POST', '/runs/create', { experiment_id: experimentId, start_time: Date.now() });
  const runId = run.info.run_id;
  await mlflowRest(server, 'POST', '/runs/log-metric', { run_id: runId, key: 'auc', value: auc, timestamp: Date.now(), step: 0 });
  await mlflowRest(server, 'POST', '/runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  try {
    await mlflowRest(server, 'POST', '/registered-models/create', { name: model });
  } catch (e) {
    if (!/RESOURCE_ALREADY_EXISTS/.test(String(e))) throw e;
  }
  const { model_version } = await mlflowRest<{ model_version: { version: string } }>(server, 'POST', '/model-versions/create', {
    name: model,
    source: `s3://models-bucket/${model}/${runId}`,
    run_id: runId,
    description,
  });
  return String(model_version.version);
}
