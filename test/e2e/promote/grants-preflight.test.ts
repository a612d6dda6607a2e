// Grants on promoted models and the permission preflight, on the Databricks emulator with Unity
// Catalog permissions enforced: `plan` finds the privilege `promote` would fail for and blocks the
// target (the finding as the PR comment shows it); `promote` indeed fails there; once the group
// holds it, the plan passes, the promotion applies the environment's grants idempotently (journaled),
// and the rollback puts the grants back as they were.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { runCliOnConfigText } from '../../support/run-cli.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
const DEPLOYER = 'deployer@example.com';

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
          // The readers already hold APPLY_TAG somewhere else: untouched by the model grants.
          { securable_type: 'schema', full_name: 'prod.ml', principal: 'churn-readers', privileges: ['USE_SCHEMA'] },
        ],
      },
    },
  },
};

let emu: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0 });
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-grants-'));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.admin.reset();
});

const CONFIG = () => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${emu.url}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${emu.url}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    grants:
      prod:
        churn-readers: [EXECUTE]
        ml-platform: [APPLY TAG, EXECUTE]
`;

const env = { DATABRICKS_TOKEN: 'dapi-deployer', GITHUB_ACTOR: 'release-bot' };
const cli = (argv: string[]) => runCliOnConfigText(argv, CONFIG(), dir, { env });

const admin = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: 'Bearer dapi-admin', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
};

const grantsOn = async (model: string) => (await admin('GET', `/api/2.1/unity-catalog/permissions/function/${model}`)).privilege_assignments;

describe('permission preflight', () => {
  it('plan blocks the target with what promote would fail for; promote indeed fails there', async () => {
    const plan = await cli(['plan']);
    const target = plan.result!.targets[0]!;
    expect(target.verdict).toBe('fail');
    const gate = target.gates.find((g) => g.id === 'permissions')!;
    expect(gate.outcome).toBe('fail');
    expect(gate.message).toBe(
      `promote would fail: the principal ${DEPLOYER} lacks CREATE MODEL or CREATE FUNCTION on prod.ml (needed for the promotion lock (a registered model in this schema))`,
    );
    expect(plan.code).not.toBe(0);

    // promote (its gates have no permission check) goes ahead and fails exactly there, writing nothing.
    const promote = await cli(['promote']);
    const report = promote.result!.targets[0]!.plan!;
    expect(report.status).toBe('failed');
    expect(report.message).toMatch(/does not have CREATE MODEL on Schema 'prod.ml'/);
    const models = Object.keys((emu.admin.state().default!.registry as { models: Record<string, unknown> }).models);
    expect(models.filter((m) => m.startsWith('prod.'))).toEqual([]);
  });

  it('renders the finding in the markdown the PR comment carries', async () => {
    let out = '';
    const file = join(dir, 'mlops-md.yml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, CONFIG());
    await runCli(['plan', '--config', file, '--format', 'markdown'], { env, cwd: dir, stdout: (s) => (out += s), stderr: () => undefined });
    // As GitHub shows it: the mention-breaking word joiner (src/report/escape.ts) taken out.
    expect(out.replace(/\u2060/g, '')).toContain('promote would fail: the principal deployer@example.com lacks CREATE MODEL or CREATE FUNCTION on prod.ml');
  });
});

describe('grants on the promoted model', () => {
  it('with CREATE MODEL through a group: plan passes, promote grants exactly, re-runs write nothing, rollback puts the grants back', async () => {
    await admin('PATCH', '/api/2.1/unity-catalog/permissions/schema/prod.ml', { changes: [{ principal: 'ml-deployers', add: ['CREATE_MODEL'] }] });

    const plan = await cli(['plan']);
    const target = plan.result!.targets[0]!;
    expect(target.gates.find((g) => g.id === 'permissions')).toBeUndefined();
    expect(target.verdict).toBe('pass');
    expect(target.plan!.steps.map((s) => s.kind)).toContain('ensure-grants');

    const promoted = await cli(['promote']);
    expect(promoted.result!.targets[0]!.plan!.status, promoted.result!.targets[0]!.plan!.message).toBe('applied');
    expect(await grantsOn('prod.ml.churn')).toEqual([
      { principal: 'churn-readers', privileges: ['EXECUTE'] },
      { principal: 'ml-platform', privileges: ['APPLY_TAG', 'EXECUTE'] },
    ]);

    const again = await cli(['promote']);
    expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0 });

    // A grant changed by hand afterwards is drift from the config: the next promote sets it back.
    await admin('PATCH', '/api/2.1/unity-catalog/permissions/function/prod.ml.churn', { changes: [{ principal: 'churn-readers', add: ['APPLY_TAG'] }] });
    const fixed = await cli(['promote']);
    expect(fixed.result!.targets[0]!.plan!.status).toBe('applied');
    // Only the grants step had anything to do (the journal still holds what they were before the promotion).
    expect(fixed.result!.targets[0]!.plan!.steps.filter((s) => s.status === 'done').map((s) => s.kind)).toEqual(['ensure-grants']);
    expect(await grantsOn('prod.ml.churn')).toEqual([
      { principal: 'churn-readers', privileges: ['EXECUTE'] },
      { principal: 'ml-platform', privileges: ['APPLY_TAG', 'EXECUTE'] },
    ]);
  });

  it('rollback of a promotion restores the grants the promotion replaced', async () => {
    await admin('PATCH', '/api/2.1/unity-catalog/permissions/schema/prod.ml', { changes: [{ principal: 'ml-deployers', add: ['CREATE_MODEL'] }] });
    // v1 promoted without grants: the model exists with churn-readers holding APPLY_TAG.
    const first = await runCliOnConfigText(['promote'], CONFIG().replace(/ {4}grants:[\s\S]*$/, ''), dir, { env });
    expect(first.result!.targets[0]!.plan!.status).toBe('applied');
    await admin('PATCH', '/api/2.1/unity-catalog/permissions/function/prod.ml.churn', { changes: [{ principal: 'churn-readers', add: ['APPLY_TAG'] }] });
    // A second version, promoted with the grants.
    const dev = await admin('POST', '/api/2.0/mlflow/unity-catalog/model-versions/create', { name: 'dev.ml.churn', source: 'dbfs:/x' });
    const v2 = (dev.model_version as { version: string }).version;
    const mlmodel = await fetch(`${emu.url}/api/2.0/fs/files/Models/dev/ml/churn/1/MLmodel`, { headers: { authorization: 'Bearer dapi-admin' } });
    await fetch(`${emu.url}/api/2.0/fs/files/Models/dev/ml/churn/${v2}/MLmodel?overwrite=true`, { method: 'PUT', headers: { authorization: 'Bearer dapi-admin', 'content-type': 'application/octet-stream' }, body: await mlmodel.arrayBuffer() });
    await admin('POST', '/api/2.0/mlflow/unity-catalog/model-versions/finalize', { name: 'dev.ml.churn', version: v2 });
    await admin('POST', '/api/2.0/mlflow/unity-catalog/model-versions/set-tag', { name: 'dev.ml.churn', version: v2, key: 'owner', value: 'risk' });
    await admin('POST', '/api/2.0/mlflow/unity-catalog/registered-models/alias', { name: 'dev.ml.churn', alias: 'challenger', version: v2 });

    const second = await cli(['promote']);
    expect(second.result!.targets[0]!.plan!.status, second.result!.targets[0]!.plan!.message).toBe('applied');
    expect(await grantsOn('prod.ml.churn')).toEqual([
      { principal: 'churn-readers', privileges: ['EXECUTE'] },
      { principal: 'ml-platform', privileges: ['APPLY_TAG', 'EXECUTE'] },
    ]);

    const back = await cli(['rollback', '--model', 'churn', '--env', 'prod']);
    expect(back.result!.targets[0]!.plan!.status, back.result!.targets[0]!.plan!.message).toBe('applied');
    expect(await grantsOn('prod.ml.churn')).toEqual([{ principal: 'churn-readers', privileges: ['APPLY_TAG'] }]);
  });
});
