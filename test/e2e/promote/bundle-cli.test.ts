// An MLOps Stacks-style repository (test/fixtures/bundles/04-mlops-stacks): the Asset Bundle declares
// the registered model, the serving endpoint and the monitor per target; mlops.yml leaves them to the
// bundle (owner: bundle). Through the CLI on the Databricks emulator (real HTTP): validate lists what
// the bundle declares and flags double ownership at both files' line:column before any request; the
// first promotion creates the endpoint the bundle declares before its first model version existed
// (mlops-stacks#217); a setting the bundle's deploy changed later is no drift to mlops-gate, which
// moves versions and traffic only; a model the bundle has not deployed yet is refused, not created.

import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { runCliJson } from '../../support/run-cli.js';

const FIXTURE = join(dirname(), '..', '..', 'fixtures', 'bundles', '04-mlops-stacks');
function dirname(): string {
  return new URL('.', import.meta.url).pathname;
}

const SIGNATURE = { inputs: [{ type: 'double', name: 'amount', required: true }], outputs: [{ type: 'double', name: 'score', required: true }] };
const version = (pkl: string) => ({ tags: { owner: 'fraud-team' }, signature: SIGNATURE, files: { 'model.pkl': pkl } });

const SEED = (prodModel: boolean) => ({
  workspaces: {
    default: {
      catalog: {
        catalogs: [
          { name: 'staging', schemas: ['fraud_detection'] },
          { name: 'prod', schemas: ['fraud_detection', 'fraud_detection_monitoring'] },
        ],
      },
      registry: {
        models: [
          { name: 'staging.fraud_detection.fraud_detection_model', aliases: { challenger: 1 }, versions: [version('v1'), version('v2')] },
          // `bundle deploy` made the registered model (it has no version yet); the endpoint could not be deployed.
          ...(prodModel ? [{ name: 'prod.fraud_detection.fraud_detection_model', versions: [] }] : []),
        ],
      },
      serving: { update_duration_ms: 10_000, ready_delay_ms: 0, endpoints: [] },
    },
  },
});

let now = 1_800_000_000_000;
const clock = {
  now: () => now,
  async sleep(ms: number) {
    now += ms;
  },
};

let emu: RunningEmulator;
let dir: string;
const start = async (prodModel: boolean) => {
  await emu?.close();
  emu = await startEmulator({ port: 0, seed: SEED(prodModel), modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
};
beforeAll(async () => {
  await start(true);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bundle-'));
  cpSync(FIXTURE, dir, { recursive: true });
});

const env = () => ({ DATABRICKS_TOKEN: DEFAULT_TOKEN, DATABRICKS_HOST_STAGING: emu.url, DATABRICKS_HOST_PROD: emu.url, GITHUB_ACTOR: 'release-bot' });
const cli = (argv: string[]) => runCliJson(argv, 'mlops.yml', { env: env(), cwd: dir, servingClock: clock });
const validate = async (): Promise<{ code: number; out: string }> => {
  let out = '';
  const code = await runCli(['validate', '--config', 'mlops.yml'], { env: env(), cwd: dir, stdout: (s) => (out += s), stderr: (s) => (out += s) });
  return { code, out };
};

type Json = Record<string, unknown>;
const api = async <T = Json>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
};
/** The endpoint as the emulator holds it (GET may leave out environment variables in strict mode). */
const held = (): Json => (emu.admin.state().default!.serving as { endpoints: Record<string, Json> }).endpoints['fraud-detection-prod']!;

describe('an MLOps Stacks repository: the bundle owns the model, the endpoint and the monitor', () => {
  it('validate reads the bundle (includes, merge keys, variables per target) and names each object and its owner', async () => {
    const { code, out } = await validate();
    expect(code, out).toBe(0);
    expect(out).toContain('Asset Bundle "fraud_detection"');
    expect(out).toContain('target prod → environment prod');
    expect(out).toMatch(/serving endpoint fraud-detection-prod \(fraud_detection\/resources\/model-serving-resource\.yml:6:5\): owner: bundle \(models\.fraud\)/);
    expect(out).toMatch(/registered model prod\.fraud_detection\.fraud_detection_model \(fraud_detection\/resources\/ml-artifacts-resource\.yml:47:5\): owner: bundle/);
    expect(out).toMatch(/quality monitor prod\.fraud_detection\.fraud_predictions \(fraud_detection\/resources\/batch-monitoring-resource\.yml:4:5\): owner: bundle/);
    expect(out).toContain('target dev → no environment (not checked)');
  });

  it('validate flags an endpoint both own at mlops.yml and at the bundle, before any request', async () => {
    const text = readFileSync(join(dir, 'mlops.yml'), 'utf8').replace('      owner: bundle\n      strategy', '      owner: mlops-gate\n      strategy');
    writeFileSync(join(dir, 'mlops.yml'), text);
    const before = emu.admin.requests().entries.length;
    const { code, out } = await validate();
    expect(code).not.toBe(0);
    expect(out).toMatch(/mlops\.yml:23:14: .*the bundle declares this too — serving endpoint "fraud-detection-prod" \(in "prod"\) at fraud_detection\/resources\/model-serving-resource\.yml:6:5 \(target prod\), and mlops\.yml says owner: mlops-gate/);
    expect(out).toMatch(/fraud_detection\/resources\/model-serving-resource\.yml:6:5: .*which mlops\.yml models\.fraud\.serving also manages \(mlops\.yml:23:14\)/);
    expect(emu.admin.requests().entries.length).toBe(before);
  });

  it('the first promotion creates the endpoint the bundle declares; a later bundle deploy changing its size is no drift; rollback restores', async () => {
    const plan = await cli(['promote', '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = plan.result!.targets[0]!.plan!;
    const serving = planned.steps.find((s) => s.kind === 'serving-rollout')!;
    expect(serving.description).toMatch(/settings owned by the bundle \(.*model-serving-resource\.yml:6:5, target prod\): versions and traffic only, created as the bundle declares it/);
    // The bundle owns the model: it is not created, and no grant of ours is planned.
    expect(planned.steps.map((s) => s.kind)).not.toContain('ensure-grants');

    const first = await cli(['promote']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.result!.targets[0]!.plan!.status, first.result!.targets[0]!.plan!.message).toBe('applied');
    const created = held();
    const entities = (created.config as { served_entities: Json[] }).served_entities;
    expect(entities).toHaveLength(1);
    // The prod target's declaration: variables per target (Medium, no scale to zero), env vars with the secret as a reference.
    expect(entities[0]).toMatchObject({
      entity_name: 'prod.fraud_detection.fraud_detection_model',
      entity_version: '1',
      workload_size: 'Medium',
      scale_to_zero_enabled: false,
      environment_vars: { RULES_API_TOKEN: '{{secrets/fraud/rules-api-token}}', SCORE_THRESHOLD: '0.7' },
    });
    expect([...((created.tags as { key: string; value: string }[]) ?? [])].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'cost-center', value: 'risk-4711' },
      { key: 'project', value: 'fraud_detection' },
    ]);
    expect(created.ai_gateway).toMatchObject({ usage_tracking_config: { enabled: true }, rate_limits: [{ calls: 1200, key: 'endpoint', renewal_period: 'minute' }] });
    expect(first.stderr).not.toMatch(/rules-api-token[^}]/);

    // Later `bundle deploy --var model_version=1` with workload_size Large (the bundle's change).
    const entity = { ...entities[0]!, workload_size: 'Large' } as Json;
    delete entity.state;
    delete entity.creator;
    delete entity.creation_timestamp;
    await api('PUT', '/api/2.0/serving-endpoints/fraud-detection-prod/config', { served_entities: [entity], traffic_config: (created.config as Json).traffic_config });
    await api('POST', '/__emulator/serving/endpoints/fraud-detection-prod/complete-update');

    // v2 becomes the candidate in staging and is promoted: no drift refusal; the bundle's size stays.
    await api('POST', '/api/2.0/mlflow/unity-catalog/registered-models/alias', { name: 'staging.fraud_detection.fraud_detection_model', alias: 'challenger', version: '2' });
    const second = await cli(['promote']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.result!.targets[0]!.plan!.status, second.result!.targets[0]!.plan!.message).toBe('applied');
    const after = (held().config as { served_entities: Json[] }).served_entities;
    expect(after.map((e) => [e.entity_version, e.workload_size, e.scale_to_zero_enabled])).toEqual([['2', 'Large', false]]);

    const back = await cli(['rollback', '--model', 'fraud', '--env', 'prod']);
    expect(back.code, back.stderr).toBe(0);
    expect(((held().config as { served_entities: Json[] }).served_entities).map((e) => [e.entity_version, e.workload_size])).toEqual([['1', 'Large']]);
  });

  it('a registered model the bundle has not deployed yet: refused, never created by mlops-gate', async () => {
    await start(false);
    try {
      const run = await cli(['promote']);
      const plan = run.result!.targets[0]!.plan!;
      expect(plan.status).toBe('drift');
      expect(plan.message).toMatch(/registered model "prod\.fraud_detection\.fraud_detection_model" does not exist yet; the bundle declares it \(.*ml-artifacts-resource\.yml:47:5, target prod\): deploy the bundle first/);
      const models = emu.admin.state().default!.registry as { models: Record<string, unknown> };
      expect(Object.keys(models.models).some((m) => m.startsWith('prod.'))).toBe(false);
    } finally {
      await start(true);
    }
  });
});
