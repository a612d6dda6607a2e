// The action bundle on pull requests against the Databricks emulator (Unity Catalog permissions
// enforced), GitHub = the local stand-in: the permission preflight's finding ("promote would fail:
// … lacks CREATE MODEL …") is in the sticky PR comment; an Asset Bundle beside mlops.yml is read from
// the base commit with its includes (directory listings through the contents API), and a PR that
// edits a bundle file is planned against the base bundle without being blocked for it.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { buildActionBundle, runAction, type RunSpec } from './harness.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const PR = 8;
const DEPLOYER = 'deployer@example.com';
const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };

const SEED = {
  workspaces: {
    default: {
      tokens: { 'dapi-deployer': DEPLOYER, 'dapi-admin': 'platform-admin@example.com' },
      catalog: {
        catalogs: [
          { name: 'dev', owner: 'ml-engineer@example.com', schemas: ['ml'] },
          { name: 'prod', owner: 'platform-admin@example.com', schemas: ['ml'] },
        ],
      },
      registry: { models: [{ name: 'dev.ml.churn', owner: 'ml-engineer@example.com', aliases: { challenger: 1 }, versions: [{ signature: SIGNATURE, tags: { owner: 'risk' } }] }] },
      permissions: {
        enforce: true,
        admins: ['platform-admin@example.com'],
        groups: { [DEPLOYER]: ['ml-deployers'] },
        grants: [
          { securable_type: 'catalog', full_name: 'dev', principal: 'ml-deployers', privileges: ['USE_CATALOG'] },
          { securable_type: 'schema', full_name: 'dev.ml', principal: 'ml-deployers', privileges: ['USE_SCHEMA'] },
          { securable_type: 'function', full_name: 'dev.ml.churn', principal: 'ml-deployers', privileges: ['EXECUTE'] },
          { securable_type: 'catalog', full_name: 'prod', principal: DEPLOYER, privileges: ['USE_CATALOG'] },
          { securable_type: 'schema', full_name: 'prod.ml', principal: DEPLOYER, privileges: ['USE_SCHEMA'] },
        ],
      },
      serving: { update_duration_ms: 0, ready_delay_ms: 0, endpoints: [] },
    },
  },
};

const BUNDLE = `bundle:
  name: churn
include:
  - resources/*.yml
targets:
  prod:
    workspace:
      host: https://dbc-7c7c7c7c-prod.cloud.databricks.com
`;
const SERVING = (name: string, size: string) => `resources:
  model_serving_endpoints:
    churn_endpoint:
      name: ${name}
      config:
        served_entities:
          - entity_name: prod.ml.churn
            entity_version: "1"
            workload_size: ${size}
            scale_to_zero_enabled: true
`;

let bundle: string;
let emu: RunningEmulator;
let api: GitHubStandIn;
beforeAll(async () => {
  bundle = await buildActionBundle();
}, 600_000);
beforeEach(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0 });
  api = await startGitHubStandIn({ token: 'ghs_testtoken' });
});
afterEach(async () => {
  api.close();
  await emu.close();
});
afterAll(() => undefined);

const config = (serving = '') => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${emu.url}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${emu.url}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
${serving}`;

const prEvent = {
  action: 'synchronize',
  number: PR,
  pull_request: { number: PR, user: { login: 'alice' }, base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/models', fork: false } }, head: { sha: HEAD, ref: 'f', repo: { full_name: 'acme/models', fork: false } } },
};
const run = (workspace: Record<string, string>, over: Partial<RunSpec> = {}) =>
  runAction({ bundle, apiUrl: api.url, workspace, event: prEvent, eventName: 'pull_request', github: api, env: { DATABRICKS_TOKEN: 'dapi-deployer' }, ...over });
const comment = () => api.commentsOn('acme', 'models', PR).find((c) => c.body.includes('<!-- mlops-gate:plan:mlops.yml -->'))?.body ?? '';

describe('the action on a pull request, Databricks emulator', () => {
  it('puts the permission preflight finding in the PR comment: promote would fail, before anyone merges', async () => {
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['train.py'] });
    api.contents.set(BASE, new Map([['mlops.yml', config()]]));
    const result = await run({ 'mlops.yml': config() });
    expect(result.code).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    // As GitHub shows it: the mention-breaking word joiner (src/report/escape.ts) taken out.
    expect(comment().replace(/\u2060/g, '')).toContain('promote would fail: the principal deployer@example.com lacks CREATE MODEL or CREATE FUNCTION on prod.ml');
    // Read-only: the plan wrote nothing to the workspace.
    const writes = emu.admin.requests().entries.filter((e) => e.method !== 'GET' && !e.path.startsWith('/__emulator'));
    expect(writes).toEqual([]);
  }, 120_000);

  it('reads the Asset Bundle from the base commit (includes listed there); a PR editing it is planned against the base, not blocked for it', async () => {
    // The deployer may create models in prod: no preflight finding, the plan passes.
    const res = await fetch(`${emu.url}/api/2.1/unity-catalog/permissions/schema/prod.ml`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer dapi-admin', 'content-type': 'application/json' },
      body: JSON.stringify({ changes: [{ principal: 'ml-deployers', add: ['CREATE_MODEL'] }] }),
    });
    expect(res.status).toBe(200);
    const mlops = config('    serving:\n      endpoint: "churn-${env}"\n      owner: bundle\n');
    api.contents.set(BASE, new Map([['mlops.yml', mlops], ['databricks.yml', BUNDLE], ['resources/serving.yml', SERVING('churn-prod', 'Small')]]));
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['resources/serving.yml'] });
    // The PR renames the endpoint in its checkout: read, it would leave owner: bundle with no declaration (an error).
    const result = await run({ 'mlops.yml': mlops, 'databricks.yml': BUNDLE, 'resources/serving.yml': SERVING('churn-renamed', 'Large') });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toContain('This PR changes Asset Bundle files (resources/serving.yml): planned with their base versions');
    expect(comment()).not.toContain('policy-integrity');
    const doc = JSON.parse(readFileSync(resolve(result.workspaceDir, result.outputs['result-json']!), 'utf8')) as { targets: { plan?: { steps: { kind: string; description: string }[] } }[] };
    const step = doc.targets[0]!.plan!.steps.find((s) => s.kind === 'serving-rollout')!;
    expect(step.description).toMatch(/settings owned by the bundle \(resources\/serving\.yml:3:5, target prod\): versions and traffic only, created as the bundle declares it/);
    // Every bundle read went to the base commit.
    const reads = api.callsTo('GET', /\/contents/);
    expect(reads.length).toBeGreaterThan(2);
    expect(reads.every((c) => c.query.ref === BASE)).toBe(true);
  }, 120_000);
});
