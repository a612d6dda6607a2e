// The example release workflow (examples/workflows/release-promote.yml) run end to end with one
// blocked and one passing model: every job in `needs` order with its `if:` as GitHub evaluates it,
// each mlops-gate step as the real action bundle, the registry a real MLflow server, GitHub the
// local stand-in. A blocked model must never hold another model's release: churn reaches test and
// prod, fraud is blocked in test, and the run still fails visibly where fraud is blocked.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { startMlflowServer, type MlflowServer } from '../../support/mlflow-server.js';
import { runWorkflow, type WorkflowRun } from '../../support/workflow-runner.js';
import { buildActionBundle, runAction, type ActionRun } from './harness.js';

const SHA = 'e'.repeat(40);
const SUFFIX = Math.random().toString(36).slice(2, 8);
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

const versionsOf = async (name: string): Promise<{ version: string; tags: Record<string, string> }[]> => {
  const body = await rest<{ model_versions?: { version: string; tags?: { key: string; value: string }[] }[] }>('GET', '/model-versions/search', { filter: `name='${name}'` });
  return (body.model_versions ?? []).map((v) => ({ version: String(v.version), tags: Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value])) }));
};
const aliasesOf = async (name: string): Promise<Record<string, string>> => {
  const body = await rest<{ registered_model: { aliases?: { alias: string; version: string }[] } }>('GET', '/registered-models/get', { name });
  return Object.fromEntries((body.registered_model.aliases ?? []).map((a) => [a.alias, String(a.version)]));
};

const config = () => `version: 1
environments:
  dev:  { registry: mlflow, tracking_uri: "${mlflow.url}" }
  test: { registry: mlflow, tracking_uri: "${mlflow.url}", promote_from: dev, github_environment: test }
  prod: { registry: mlflow, tracking_uri: "${mlflow.url}", promote_from: test, github_environment: production }
defaults:
  champion_alias: champion
  promotion: copy
models:
  churn:
    name: churn-${SUFFIX}-\${env}
    candidate: { latest: true }
    policies: [release]
  fraud:
    name: fraud-${SUFFIX}-\${env}
    candidate: { latest: true }
    policies: [release]
policies:
  release:
    description: Validated before it reaches test (copies carry no user tags, so prod has its own gates or none).
    applies_to: { environments: [test] }
    gates:
      - type: required_tags
        tags: { validation_status: passed }
`;

beforeAll(async () => {
  [bundle, mlflow] = await Promise.all([buildActionBundle(), startMlflowServer()]);
  api = await startGitHubStandIn({ token: 'ghs_testtoken' });
  for (const model of ['churn', 'fraud']) for (const env of ['dev', 'test', 'prod']) await rest('POST', '/registered-models/create', { name: `${model}-${SUFFIX}-${env}` });
  for (const model of ['churn', 'fraud']) {
    await rest('POST', '/model-versions/create', { name: `${model}-${SUFFIX}-dev`, source: `s3://models-bucket/${model}/1`, description: `${model} model, version 1` });
  }
  // churn is validated; fraud is not: its gate blocks it.
  await rest('POST', '/model-versions/set-tag', { name: `churn-${SUFFIX}-dev`, version: '1', key: 'validation_status', value: 'passed' });
}, 600_000);
afterAll(async () => {
  await api?.close();
  await mlflow?.stop();
});

describe('examples/workflows/release-promote.yml with one blocked and one passing model', () => {
  const runs: { job: string; inputs: Record<string, string>; run: ActionRun }[] = [];
  let workflow: WorkflowRun;

  beforeAll(async () => {
    workflow = await runWorkflow(readFileSync('examples/workflows/release-promote.yml', 'utf8'), {
      checkout: { 'mlops.yml': config() },
      action: async (step) => {
        const run = await runAction({
          bundle,
          apiUrl: api.url,
          workspace: step.workspace,
          event: { ref: 'refs/heads/main', after: SHA },
          eventName: 'push',
          inputs: step.with,
          runId: 77,
        });
        runs.push({ job: step.job, inputs: step.with, run });
        const resultJson = run.outputs['result-json'];
        return { code: run.code ?? 1, outputs: run.outputs, files: resultJson ? { [resultJson]: readFileSync(resultJson, 'utf8') } : {} };
      },
    });
  }, 600_000);

  it('promotes the passing model through test and prod while the blocked one fails its stage visibly', async () => {
    expect(Object.fromEntries(Object.entries(workflow.jobs).map(([name, job]) => [name, job.result]))).toEqual({
      'plan-test': 'failure', // fraud is blocked: the dry run exits 1 …
      'promote-test': 'failure', // … and so does the promotion, after applying churn
      'plan-prod': 'success',
      'promote-prod': 'success',
    });
    // The plan was published although its step failed.
    expect(workflow.artifacts.has('plan-test')).toBe(true);
    expect(workflow.jobs['plan-test']!.outputs).toMatchObject({ promotable: 'churn', blocked: 'fraud', verdict: 'fail' });
    expect(workflow.jobs['promote-test']!.outputs).toEqual({ promoted: 'churn' });
    expect(workflow.jobs['promote-prod']!.outputs).toEqual({ promoted: 'churn' });

    // The registry: churn copied to test and to prod, champion alias on each copy; fraud nowhere.
    expect((await versionsOf(`churn-${SUFFIX}-test`)).map((v) => v.version)).toEqual(['1']);
    expect((await versionsOf(`churn-${SUFFIX}-prod`)).map((v) => v.version)).toEqual(['1']);
    expect(await aliasesOf(`churn-${SUFFIX}-test`)).toMatchObject({ champion: '1' });
    expect(await aliasesOf(`churn-${SUFFIX}-prod`)).toMatchObject({ champion: '1' });
    expect(await versionsOf(`fraud-${SUFFIX}-test`)).toEqual([]);
    expect(await versionsOf(`fraud-${SUFFIX}-prod`)).toEqual([]);

    // GitHub: one Deployment per promotion of churn, none for fraud.
    expect(api.deployments.map((d) => [d.environment, (d.payload as { model: string; kind: string }).model, (d.payload as { kind: string }).kind, d.statuses.map((s) => s.state)])).toEqual([
      ['test', 'churn', 'mlops-gate/promotion', ['success']],
      ['production', 'churn', 'mlops-gate/promotion', ['success']],
    ]);
  });

  it('the promote step says which model was promoted and which is blocked: outputs, failure line, annotation, summary', () => {
    const promoteTest = runs.find((r) => r.job === 'promote-test')!.run;
    expect(promoteTest.code).toBe(1);
    expect(promoteTest.outputs).toMatchObject({ promoted: 'churn', blocked: 'fraud', failed: '' });
    const failure = promoteTest.annotations.find((a) => a.level === 'error' && !a.props.file)!;
    expect(failure.message).toMatch(/^mlops-gate promote: churn dev → test applied; fraud dev → test blocked \(1 fail: release\/required_tags\)$/);
    // The failing gate is annotated at its line in mlops.yml, titled with model and gate.
    expect(promoteTest.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', props: expect.objectContaining({ file: 'mlops.yml', line: '23', title: 'mlops-gate: fraud dev → test: release/required_tags fails' }) }),
    );
    // The summary starts with what changed.
    const table = promoteTest.summary.split('\n').slice(0, 12).join('\n');
    expect(table).toContain('### ❌ mlops-gate promote: 1 applied, 1 blocked');
    expect(table).toContain('| churn dev → test | ✅&nbsp;applied | v1 | — |');
    expect(table).toContain('| fraud dev → test | ❌&nbsp;blocked | v1 (no champion yet) | — |');
    expect(promoteTest.summary).toContain('by alice');
    // The dry run of the test stage fails for fraud too, and says so.
    const planTest = runs.find((r) => r.job === 'plan-test')!.run;
    expect(planTest.code).toBe(1);
    expect(planTest.annotations.find((a) => a.level === 'error' && !a.props.file)?.message).toMatch(/^mlops-gate promote \(dry run\): churn dev → test will promote; fraud dev → test blocked/);
  });
});
