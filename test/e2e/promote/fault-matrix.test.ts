// Fault matrix for a Unity Catalog promotion with a serving rollout and a monitor, through runCli on
// the Databricks emulator (real HTTP, simulated clock): for every write route of the promotion ×
// (503, 429, connection reset, lost response, client timeout), and a "kill" after each step (the process stops, its
// lock is left behind), a re-run converges to the planned end state with exactly one READY copy,
// no PENDING version, no lock left, the endpoint on the new version; a second re-run writes nothing.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilledError } from '../../../src/apply/executor.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import type { FaultRule } from '../../../src/emulator/core/faults.js';
import { runCliJson } from '../../support/run-cli.js';
import { projectMode } from '../../support/strict.js';

// Runs in both emulator modes: the `e2e` and `e2e-strict` vitest projects (vitest.config.ts).
const { mode, strict } = projectMode();

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'double', name: 'probability', required: true }] };
const version = (pkl: string) => ({ description: 'Gradient boosting on the 2026-11 snapshot.', tags: { owner: 'churn-team' }, signature: SIGNATURE, files: { 'model.pkl': pkl, 'data/notes.txt': pkl } });

const SEED = {
  workspaces: {
    default: {
      catalog: {
        catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml', 'monitoring'] }],
        tables: [{ name: 'prod.monitoring.churn_payload', columns: [{ name: 'timestamp_ms', type_name: 'LONG' }, { name: 'prediction', type_name: 'DOUBLE' }] }],
      },
      registry: {
        models: [
          { name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version('v1'), version('v2')] },
          { name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version('v1')] },
        ],
      },
      serving: {
        update_duration_ms: 10_000,
        ready_delay_ms: 0,
        // The endpoint's users: the canary's health check needs requests to judge.
        live_traffic_per_minute: 100,
        endpoints: [{ name: 'churn-prod', config: { served_entities: [{ name: 'churn-1', entity_name: 'prod.ml.churn', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] } }],
      },
      monitors: { activation_ms: 0, refresh_duration_ms: 500 },
    },
  },
};

const CONFIG = (host: string) => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${host}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${host}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [release]
    serving: { endpoint: "churn-\${env}", strategy: canary, steps: [50, 100], pause: 1m, workload_size: Small, wait_timeout: 5m }
    monitor:
      table: "prod.monitoring.churn_payload"
      output_schema: "prod.monitoring"
      inference_log: { problem_type: classification, prediction_col: prediction, timestamp_col: timestamp_ms, model_id_col: model_version, granularities: ["1 day"] }
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
`;

let now = 1_800_000_000_000;
const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
let emu: RunningEmulator;
let configFile: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-fault-matrix-'));
  configFile = join(dir, 'mlops.yml');
  writeFileSync(configFile, CONFIG(emu.url));
});
afterAll(async () => {
  await emu.close();
});

// The same CI job across attempts (a re-run may reclaim the lock a killed attempt left).
const ENV = { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'release-bot', GITHUB_REPOSITORY: 'acme/churn', GITHUB_RUN_ID: '42' };

const promote = (afterStep?: (id: string, index: number) => Promise<void>, env: Readonly<Record<string, string>> = {}) => cli(['promote'], afterStep, env);
const rollback = (env: Readonly<Record<string, string>> = {}) => cli(['rollback', '--model', 'churn', '--env', 'prod'], undefined, env);

const cli = (argv: string[], afterStep?: (id: string, index: number) => Promise<void>, env: Readonly<Record<string, string>> = {}) =>
  runCliJson(argv, configFile, { env: { ...ENV, ...env }, cwd: process.cwd(), servingClock: clock, ...(afterStep ? { afterStep } : {}) });

const get = async <T>(path: string, query: Record<string, string> = {}): Promise<T> => {
  const res = await fetch(`${emu.url}${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
};
const writesSince = (seq: number) =>
  emu.admin
    .requests()
    .entries.filter((e) => e.seq > seq && e.method !== 'GET' && !e.path.startsWith('/__emulator'))
    .map((e) => `${e.method} ${e.path}`);
const lastSeq = () => emu.admin.requests().entries.at(-1)?.seq ?? 0;

/**
 * Waits until the emulator has answered every request the (single) fault rule matched. A latency
 * fault holds a request *before* its handler runs: the client gives up at 2 s, but the server applies
 * the write at 3 s. Without this wait that write lands after the case's re-runs — in the next case's
 * freshly reset state (an extra PENDING version, a stray create, an endpoint update) — and the re-run
 * here would not face the "applied after the client gave up" state the case is about.
 */
async function serverSettled(sinceSeq = 0): Promise<void> {
  const rule = emu.admin.faults().rules[0];
  if (!rule) return;
  const pattern = new RegExp(`^${rule.path!.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const answered = () => emu.admin.requests().entries.filter((e) => e.seq > sinceSeq && e.method === rule.method && pattern.test(e.path)).length;
  // Bounded so a regression fails here with a message instead of hanging the suite.
  for (let i = 0; i < 500 && answered() < emu.admin.faults().rules[0]!.matched; i++) await new Promise((r) => setTimeout(r, 20));
  expect(answered(), `the emulator answered every request matching ${rule.method} ${rule.path}`).toBe(emu.admin.faults().rules[0]!.matched);
}

/** The end state every case must reach. */
async function expectConverged(): Promise<void> {
  const versions = (
    (await get<{ model_versions?: { version: string; status: string; tags?: { key: string; value: string }[] }[] }>('/api/2.0/mlflow/unity-catalog/model-versions/search', {
      filter: "name='prod.ml.churn'",
    })).model_versions ?? []
  ).sort((a, b) => Number(a.version) - Number(b.version));
  // Exactly one copy, READY; no orphaned PENDING version; nothing deleted.
  expect(versions.map((v) => [v.version, v.status])).toEqual([
    ['1', 'READY'],
    ['2', 'READY'],
  ]);
  // Unity Catalog search answers no tags: the copy's identity tag is read with get.
  expect(versions[1]!.tags, 'search answers no tags').toBeUndefined();
  const copy = await get<{ model_version: { tags?: { key: string; value: string }[] } }>('/api/2.0/mlflow/unity-catalog/model-versions/get', { name: 'prod.ml.churn', version: '2' });
  expect(copy.model_version.tags?.some((t) => t.key === 'mlops_gate_copy_of')).toBe(true);
  const model = await get<{ registered_model: { aliases?: { alias: string; version: string | number }[] } }>('/api/2.0/mlflow/unity-catalog/registered-models/get', { name: 'prod.ml.churn' });
  expect(model.registered_model.aliases?.map((a) => [a.alias, String(a.version)])).toEqual([['champion', '2']]);
  const endpoint = await get<{ state: { config_update: string }; config: { traffic_config: { routes: { served_model_name?: string; served_entity_name?: string; traffic_percentage: number }[] } } }>(
    '/api/2.0/serving-endpoints/churn-prod',
  );
  expect(endpoint.state.config_update).toBe('NOT_UPDATING');
  expect(endpoint.config.traffic_config.routes.map((r) => `${r.served_entity_name ?? r.served_model_name}:${r.traffic_percentage}`)).toEqual(['churn-2:100']);
  // No lock left behind in the destination schema: a run releases its own, and a re-run of the same
  // job releases what an earlier attempt left (killed, or a lock create that landed late).
  const models = await get<{ registered_models?: { name: string }[] }>('/api/2.1/unity-catalog/models', { catalog_name: 'prod', schema_name: 'ml' });
  expect((models.registered_models ?? []).map((m) => m.name).sort()).toEqual(['churn']);
}

/** Re-run converges; a second re-run makes zero writes. */
async function expectRecovery(): Promise<void> {
  const rerun = await promote();
  expect(rerun.code, `${rerun.stderr}\n${JSON.stringify(rerun.result?.targets[0]?.plan?.message)}`).toBe(0);
  expect(['applied', 'up-to-date']).toContain(rerun.result!.targets[0]!.plan!.status);
  await expectConverged();
  const seq = lastSeq();
  const again = await promote();
  expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0 });
  expect(writesSince(seq)).toEqual([]);
}

const WRITE_ROUTES: readonly { readonly name: string; readonly method: string; readonly path: string }[] = [
  { name: 'lock create', method: 'POST', path: '/api/2.0/mlflow/unity-catalog/registered-models/create' },
  { name: 'version create', method: 'POST', path: '/api/2.0/mlflow/unity-catalog/model-versions/create' },
  { name: 'file upload', method: 'PUT', path: '/api/2.0/fs/files/Models/prod/ml/churn/*' },
  { name: 'version finalize', method: 'POST', path: '/api/2.0/mlflow/unity-catalog/model-versions/finalize' },
  { name: 'alias', method: 'POST', path: '/api/2.0/mlflow/unity-catalog/registered-models/alias' },
  { name: 'endpoint config', method: 'PUT', path: '/api/2.0/serving-endpoints/churn-prod/config' },
  { name: 'monitor create', method: 'POST', path: '/api/data-quality/v1/monitors' },
  { name: 'monitor refresh', method: 'POST', path: '/api/data-quality/v1/monitors/*/refreshes' },
  { name: 'lock release', method: 'DELETE', path: '/api/2.0/mlflow/unity-catalog/registered-models/delete' },
];

const FAULTS: readonly { readonly name: string; readonly rule: Omit<FaultRule, 'method' | 'path'>; readonly env?: Readonly<Record<string, string>> }[] = [
  { name: '503', rule: { kind: 'error', status: 503, errorCode: 'TEMPORARILY_UNAVAILABLE', times: 1 } },
  { name: '429', rule: { kind: 'rate_limit', retryAfterSeconds: 0, times: 1 } },
  { name: 'reset', rule: { kind: 'reset', times: 1 } },
  { name: 'lost response', rule: { kind: 'lost_response', times: 1 } },
  // The answer comes after the client gave up (MLOPS_GATE_HTTP_TIMEOUT_SECONDS=2 for the faulty run);
  // the server still applies the change.
  { name: 'timeout', rule: { kind: 'latency', latencyMs: 3_000, times: 1 }, env: { MLOPS_GATE_HTTP_TIMEOUT_SECONDS: '2' } },
];

// A create the server applies after the client gave up (the timeout kind on the two create routes)
// leaves a stray: a late lock generation (after the run released its own) or an unfinished copy
// beside the READY one. The re-run of the same job removes both (lock: releaseStaleLocks; copy: the
// copy step deletes strays), which expectConverged checks like every other case.
const LATE_CREATE_STRAYS: Readonly<Record<string, string>> = {
  'lock create × timeout': 'DELETE /api/2.0/mlflow/unity-catalog/registered-models/delete',
  'version create × timeout': 'DELETE /api/2.0/mlflow/unity-catalog/model-versions/delete',
};
const CASES = WRITE_ROUTES.flatMap((route) => FAULTS.map((fault) => ({ route, fault })));

describe(`fault matrix: UC copy + serving rollout + monitor (${mode} emulator)`, () => {
  it(`runs on the ${mode} emulator`, () => {
    expect(emu.admin.strict()).toEqual(strict);
  });

  it.each(CASES.map((c) => [`${c.route.name} × ${c.fault.name}`, c] as const))('%s: a re-run converges, then zero writes', async (_name, { route, fault }) => {
    await emu.admin.reset();
    emu.admin.addFault({ ...fault.rule, method: route.method, path: route.path } as FaultRule);
    const first = await promote(undefined, fault.env);
    // The faulty run either converged on its own (retries, verify after a lost answer) or stopped cleanly.
    expect([0, 3]).toContain(first.code);
    expect(emu.admin.faults().rules[0]!.fired, 'the fault fired').toBe(1);
    await serverSettled();
    const beforeRerun = lastSeq();
    await expectRecovery();
    // The late creates are real strays here, and the re-run is what removed them.
    const stray = LATE_CREATE_STRAYS[`${route.name} × ${fault.name}`];
    if (stray) expect(writesSince(beforeRerun)).toContain(stray);
  });

  it.each([1, 2, 3, 4, 5, 6, 7].map((n) => [n] as const))('killed after step %i (lock left behind): a re-run of the same job converges', async (n) => {
    await emu.admin.reset();
    let killedAt: string | null = null;
    const killed = await promote(async (id, index) => {
      if (index + 1 === n) {
        killedAt = id;
        throw new KilledError(`killed after ${id}`);
      }
    });
    expect(killedAt, 'the kill hook fired').not.toBeNull();
    expect(killed.code).toBe(4); // the process "died"
    await expectRecovery();
  });

  it.each(FAULTS.map((f) => [f.name, f] as const))('rollback × endpoint restore %s: a re-run restores v1 traffic, then zero writes', async (_name, fault) => {
    await emu.admin.reset();
    expect((await promote()).code).toBe(0);
    const faultAddedAt = lastSeq();
    emu.admin.addFault({ ...fault.rule, method: 'PUT', path: '/api/2.0/serving-endpoints/churn-prod/config' } as FaultRule);
    const first = await rollback(fault.env);
    expect([0, 3]).toContain(first.code);
    expect(emu.admin.faults().rules[0]!.fired).toBe(1);
    await serverSettled(faultAddedAt);
    const rerun = await rollback();
    expect(rerun.code, JSON.stringify(rerun.result?.targets[0]?.plan?.message)).toBe(0);
    const model = await get<{ registered_model: { aliases?: { alias: string; version: string | number }[] } }>('/api/2.0/mlflow/unity-catalog/registered-models/get', { name: 'prod.ml.churn' });
    expect(model.registered_model.aliases?.map((a) => [a.alias, String(a.version)])).toEqual([['champion', '1']]);
    const endpoint = await get<{ state: { config_update: string }; config: { traffic_config: { routes: { served_model_name?: string; served_entity_name?: string; traffic_percentage: number }[] } } }>(
      '/api/2.0/serving-endpoints/churn-prod',
    );
    expect(endpoint.config.traffic_config.routes.map((r) => `${r.served_entity_name ?? r.served_model_name}:${r.traffic_percentage}`)).toEqual(['churn-1:100']);
    const seq = lastSeq();
    expect((await rollback()).code).toBe(0);
    expect(writesSince(seq)).toEqual([]);
  });
});
