// Seeds a real MLflow tracking server with the benchmark world over its REST API (the Python
// seeder trains real models, ~1 s each: too slow for hundreds). Per model `mNNNN`: two finished
// runs with params, metrics, the git-commit tag and a scikit-learn pyfunc `model/MLmodel` artifact
// carrying the signature; registered models `mNNNN-dev` (v1 run 1, v2 run 2 @challenger),
// `mNNNN-test` (v1 run 1 @champion, v2 run 2 @challenger), `mNNNN-prod` (v1 run 1 @champion).
// Versions have `runs:/<run>/model` sources, so copies of a version share one MLmodel.

import { modelId, runFacts, SIGNATURE_INPUTS, SIGNATURE_OUTPUTS, VERSION_TAGS } from './support.js';
import { defaultMlmodel } from '../src/emulator/registry/index.js';

const call = async <T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`MLflow ${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
};

const mlmodel = (runId: string): string => defaultMlmodel(runId, Date.now(), { inputs: SIGNATURE_INPUTS, outputs: SIGNATURE_OUTPUTS });

const seedModel = async (base: string, experimentId: string, i: number): Promise<void> => {
  const id = modelId(i);
  const runIds: Record<1 | 2, string> = { 1: '', 2: '' };
  for (const which of [1, 2] as const) {
    const facts = runFacts(i, which);
    const now = Date.now();
    const created = await call<{ run: { info: { run_id: string; artifact_uri: string } } }>(base, 'POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: facts.name,
      start_time: now,
    });
    const { run_id: runId, artifact_uri: artifactUri } = created.run.info;
    runIds[which] = runId;
    await call(base, 'POST', 'runs/log-batch', {
      run_id: runId,
      metrics: Object.entries(facts.metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
      params: Object.entries(facts.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(facts.tags).map(([key, value]) => ({ key, value })),
    });
    // Proxied artifacts: mlflow-artifacts:/<exp>/<run>/artifacts → PUT /api/2.0/mlflow-artifacts/artifacts/<...>.
    const relative = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
    const put = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${relative}/model/MLmodel`, { method: 'PUT', body: mlmodel(runId) });
    if (!put.ok) throw new Error(`artifact upload for ${facts.name} → ${put.status}: ${await put.text()}`);
    await call(base, 'POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  }
  const tags = Object.entries(VERSION_TAGS).map(([key, value]) => ({ key, value }));
  const register = async (env: string, which: readonly (1 | 2)[], aliases: Record<string, number>) => {
    const name = `${id}-${env}`;
    await call(base, 'POST', 'registered-models/create', { name });
    for (const w of which) {
      await call(base, 'POST', 'model-versions/create', { name, source: `runs:/${runIds[w]}/model`, run_id: runIds[w], tags });
    }
    for (const [alias, version] of Object.entries(aliases)) {
      await call(base, 'POST', 'registered-models/alias', { name, alias, version: String(version) });
    }
  };
  await register('dev', [1, 2], { challenger: 2 });
  await register('test', [1, 2], { champion: 1, challenger: 2 });
  await register('prod', [1], { champion: 1 });
};

/** Seeds models `from`..`to-1` (a few at a time: SQLite serialises writers anyway). */
export async function seedMlflowBench(base: string, from: number, to: number, onProgress?: (done: number) => void): Promise<void> {
  const name = 'mlops-gate-bench';
  let experimentId: string;
  try {
    experimentId = (await call<{ experiment: { experiment_id: string } }>(base, 'GET', `experiments/get-by-name?experiment_name=${name}`)).experiment
      .experiment_id;
  } catch {
    experimentId = (await call<{ experiment_id: string }>(base, 'POST', 'experiments/create', { name })).experiment_id;
  }
  let next = from;
  let done = 0;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      await seedModel(base, experimentId, i);
      done++;
      if (done % 25 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}
