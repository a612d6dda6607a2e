// promote and rollback through the action bundle against a real MLflow server (alias mode, no
// artifacts to copy) with GitHub = the stand-in: the registry changes, the GitHub Deployment
// records it, and a re-run writes nothing new on either side.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowServer, type MlflowServer } from '../../support/mlflow-server.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { buildActionBundle, runAction } from './harness.js';

const SHA = 'f'.repeat(40);
let bundle: string;
let mlflow: MlflowServer;
let api: GitHubStandIn;

async function rest<T = Record<string, unknown>>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
  const q = method === 'GET' && body ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
  const res = await fetch(`${mlflow.url}/api/2.0/mlflow${path}${q}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const aliasesOf = async (name: string): Promise<Record<string, string>> => {
  const body = await rest<{ registered_model: { aliases?: { alias: string; version: string }[] } }>('GET', '/registered-models/get', { name });
  return Object.fromEntries((body.registered_model.aliases ?? []).map((a) => [a.alias, String(a.version)]));
};

const MODEL = `gh-e2e-${Math.random().toString(36).slice(2, 8)}`;
const config = () => `version: 1
environments:
  dev:
    registry: mlflow
    tracking_uri: ${mlflow.url}
  prod:
    registry: mlflow
    tracking_uri: ${mlflow.url}
    promote_from: dev
    github_environment: production
defaults:
  champion_alias: champion
models:
  m:
    name: ${MODEL}
    promotion: alias
    candidate: { alias: challenger }
    policies: [docs]
policies:
  docs:
    gates:
      - type: description
        min_length: 10
`;

beforeAll(async () => {
  [bundle, mlflow] = await Promise.all([buildActionBundle(), startMlflowServer()]);
  api = await startGitHubStandIn({ token: 'ghs_testtoken' });
  await rest('POST', '/registered-models/create', { name: MODEL });
  for (const v of ['1', '2']) {
    await rest('POST', '/model-versions/create', { name: MODEL, source: `s3://models-bucket/${MODEL}/${v}`, description: `churn model version ${v}, documented` });
  }
  await rest('POST', '/registered-models/alias', { name: MODEL, alias: 'champion', version: '1' });
  await rest('POST', '/registered-models/alias', { name: MODEL, alias: 'prod', version: '1' });
  await rest('POST', '/registered-models/alias', { name: MODEL, alias: 'challenger', version: '2' });
}, 600_000);
afterAll(async () => {
  await api?.close();
  await mlflow?.stop();
});

const act = (inputs: Record<string, string>) =>
  runAction({
    bundle,
    apiUrl: api.url,
    workspace: { 'mlops.yml': config() },
    event: { ref: 'refs/heads/main', after: SHA },
    eventName: 'push',
    inputs,
  });

describe('promote and rollback in the action', () => {
  it('promotes, records a GitHub Deployment, converges on re-run, and rolls back', async () => {
    const first = await act({ command: 'promote', environment: 'prod' });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await aliasesOf(MODEL)).toMatchObject({ champion: '2', prod: '2' });
    expect(first.outputs.verdict).toBe('pass');
    expect(first.outputs).toMatchObject({ promotable: 'm', promoted: 'm', blocked: '', failed: '' });
    expect(first.summary).toMatch(/^### ✅ mlops-gate promote: 1 applied$/m);
    expect(first.outputs['plan-hash']).toMatch(/^(sha256:)?[0-9a-f]{12,}/);
    expect(api.deployments).toHaveLength(1);
    expect(api.deployments[0]).toMatchObject({ environment: 'production', ref: SHA, payload: { model: 'm', name: MODEL, version: '2', previousChampion: { version: '1' } } });
    expect(api.deployments[0]!.statuses.map((s) => s.state)).toEqual(['success']);
    expect(api.deployments[0]!.statuses[0]!.log_url).toBe('https://github.example/acme/models/actions/runs/42');

    const writesBefore = api.calls.filter((c) => c.method !== 'GET').length;
    const again = await act({ command: 'promote', environment: 'prod' });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(api.calls.filter((c) => c.method !== 'GET').length).toBe(writesBefore);

    const back = await act({ command: 'rollback', models: 'm', environment: 'prod' });
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await aliasesOf(MODEL)).toMatchObject({ champion: '1', prod: '1' });
    // The rollback speaks of a rollback: its own headline and outcome, no promote wording, its own Deployment kind.
    expect(back.summary).toMatch(/^### ✅ mlops-gate rollback: m in prod, v2 → v1$/m);
    expect(back.summary).toContain('| m in prod | ✅&nbsp;rolled back | v2 → v1 | — |');
    expect(back.summary).not.toMatch(/prod → prod|No gates apply/);
    expect(back.outputs.promoted).toBe('m');
    expect(api.deployments).toHaveLength(2);
    expect(api.deployments[0]).toMatchObject({ payload: { kind: 'mlops-gate/promotion' } });
    expect(api.deployments[1]).toMatchObject({ environment: 'production', payload: { kind: 'mlops-gate/rollback', version: '1', previousChampion: { version: '2' } } });
    expect(api.deployments[1]!.statuses.map((s) => s.state)).toEqual(['success']);
  });
});
