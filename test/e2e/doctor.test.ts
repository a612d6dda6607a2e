// `mlops-gate doctor` against the emulator in both readings (each emulator started with its own
// strictness, whatever the project runs with): read-only by default (no write reaches the
// emulator), the write probes report which reading the workspace follows and delete what they made,
// problems come out as `fail` rows with their fix, and no secret is ever printed.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { DoctorCheck, DoctorReport } from '../../src/doctor/types.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

const version = (run: string) => ({
  run: { experiment: '/Shared/churn', name: run },
  signature: { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', required: true }] },
});

const SEED = {
  workspaces: {
    default: {
      catalog: {
        catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml', 'monitoring', 'scratch'] }],
        tables: [{ name: 'prod.monitoring.churn_payload', columns: [{ name: 'ts', type_name: 'TIMESTAMP' }] }],
      },
      tracking: { experiments: [{ name: '/Shared/churn', runs: [{ name: 'r1', status: 'FINISHED' }, { name: 'r2', status: 'FINISHED' }] }] },
      registry: {
        models: [
          { name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version('r1'), version('r2')] },
          { name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version('r1')] },
        ],
      },
      serving: {
        update_duration_ms: 0,
        endpoints: [{ name: 'churn-prod', config: { served_entities: [{ name: 'churn-1', entity_name: 'prod.ml.churn', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] } }],
      },
    },
  },
};

const config = (url: string, extra: { prodCatalog?: string } = {}) => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${url}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${url}, catalog: ${extra.prodCatalog ?? 'prod'}, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    serving: { endpoint: "churn-\${env}", strategy: canary, steps: [10, 100], pause: 5m, health: { max_error_rate: 0.01 } }
    monitor:
      table: "prod.monitoring.churn_payload"
      output_schema: "prod.monitoring"
      inference_log: { problem_type: classification, prediction_col: prediction, timestamp_col: ts, model_id_col: model_version }
`;

let dir: string;
const emulators: Record<'default' | 'strict', RunningEmulator> = {} as never;
let now = 1_800_000_000_000;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-doctor-'));
  emulators.default = await startEmulator({ port: 0, strict: 'none', seed: SEED, modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  emulators.strict = await startEmulator({ port: 0, strict: 'all', seed: SEED, modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
});
afterAll(async () => {
  await emulators.default?.close();
  await emulators.strict?.close();
});

async function doctor(emu: RunningEmulator, args: string[], env: Record<string, string> = { DATABRICKS_TOKEN: DEFAULT_TOKEN }, text = config(emu.url)) {
  const file = join(dir, `mlops-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text);
  let stdout = '';
  let stderr = '';
  const code = await runCli(['doctor', '--config', file, ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, cwd: dir });
  const report = args.includes('json') && stdout.trim().startsWith('{') ? (JSON.parse(stdout) as DoctorReport) : null;
  return { code, stdout, stderr, report };
}

const row = (report: DoctorReport | null, environment: string, check: string | RegExp): DoctorCheck => {
  const found = report?.checks.find((c) => c.environment === environment && (typeof check === 'string' ? c.check === check : check.test(c.check)));
  if (!found) throw new Error(`no row ${environment} / ${String(check)} in ${JSON.stringify(report?.checks.map((c) => `${c.environment}/${c.check}`))}`);
  return found;
};

const writes = (emu: RunningEmulator, since: number) => emu.admin.requests().entries.filter((e) => e.seq > since && e.method !== 'GET' && !e.path.startsWith('/__emulator'));
const lastSeq = (emu: RunningEmulator) => emu.admin.requests().entries.at(-1)?.seq ?? 0;

describe('doctor, read-only', () => {
  it.each(['default', 'strict'] as const)('checks every environment of mlops.yml and writes nothing (%s reading)', async (mode) => {
    const emu = emulators[mode];
    const since = lastSeq(emu);
    const { code, report, stderr } = await doctor(emu, ['--format', 'json']);
    expect(code, stderr).toBe(0);
    expect(writes(emu, since)).toEqual([]);
    expect(report!.probeWrites).toBeNull();
    for (const env of ['dev', 'prod']) {
      expect(row(report, env, 'reachable').status).toBe('pass');
      expect(row(report, env, 'who am I')).toMatchObject({ status: 'pass', detail: 'emulator-user@example.com (auth: pat)' });
    }
    expect(row(report, 'dev', 'catalog dev').status).toBe('pass');
    expect(row(report, 'prod', 'schema prod.ml').status).toBe('pass');
    expect(row(report, 'dev', 'model dev.ml.churn').status).toBe('pass');
    // The candidate's files are read through the Files API, as plan reads them.
    expect(row(report, 'dev', 'model files of dev.ml.churn v2').status).toBe('pass');
    expect(row(report, 'prod', 'model files through the Files API').status).toBe('pass');
    // The emulator does not model grants: effective permissions are unknown there, never "granted".
    expect(row(report, 'prod', 'privileges on schema prod.ml')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/could not be read .*ENDPOINT_NOT_FOUND.*needed: USE_SCHEMA, CREATE_MODEL/) });
    expect(row(report, 'prod', 'privileges on model prod.ml.churn')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/owns it/) });
    expect(row(report, 'prod', 'serving endpoint churn-prod').status).toBe('pass');
    expect(row(report, 'prod', /^monitor API \(data-quality\)/)).toMatchObject({ status: 'pass', detail: expect.stringMatching(/absent \(promote creates it\)/) });
    // The metrics export, as each reading renders an endpoint without traffic.
    const metrics = row(report, 'prod', 'metrics export of churn-prod');
    if (mode === 'default') expect(metrics).toMatchObject({ status: 'pass', detail: 'request_count_total gauge, with timestamps; served entities labelled by served_entity_name' });
    else expect(metrics).toMatchObject({ status: 'warn', detail: expect.stringMatching(/without timestamps; no request series in the latest minute \(no traffic\?\)/) });
  });

  it('reads the label of a served entity once the endpoint has traffic (strict reading: served_model_name)', async () => {
    const emu = emulators.strict;
    await fetch(`${emu.url}/__emulator/serving/settings`, { method: 'PATCH', body: JSON.stringify({ live_traffic_per_minute: 30 }), headers: { 'content-type': 'application/json' } });
    await fetch(`${emu.url}/api/2.0/serving-endpoints/churn-prod`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
    now += 120_000;
    try {
      const { report } = await doctor(emu, ['--format', 'json', '--env', 'prod']);
      expect(report!.checks.every((c) => c.environment === 'prod')).toBe(true);
      expect(row(report, 'prod', 'metrics export of churn-prod')).toMatchObject({ status: 'pass', detail: 'request_count_total gauge, without timestamps; served entities labelled by served_model_name' });
    } finally {
      await fetch(`${emu.url}/__emulator/serving/settings`, { method: 'PATCH', body: JSON.stringify({ live_traffic_per_minute: 0 }), headers: { 'content-type': 'application/json' } });
    }
  });

  it('fails a missing catalog and refused credentials with their fix (exit 1), and prints no secret', async () => {
    const emu = emulators.default;
    const wrong = 'dapi-wrong-token-0123456789';
    const { code, stdout, stderr } = await doctor(emu, [], { DATABRICKS_TOKEN: DEFAULT_TOKEN, DATABRICKS_TOKEN_PROD: wrong }, config(emu.url));
    expect(code).toBe(1);
    expect(stdout).toMatch(/prod +who am I +✗ fail +SCIM Me: .*403/);
    expect(stdout).toMatch(/fix: the credentials were refused: check DATABRICKS_TOKEN/);
    expect(stdout + stderr).not.toContain(wrong);
    const missing = await doctor(emu, ['--format', 'json'], { DATABRICKS_TOKEN: DEFAULT_TOKEN }, config(emu.url, { prodCatalog: 'prd' }));
    expect(missing.code).toBe(1);
    expect(row(missing.report, 'prod', 'catalog prd')).toMatchObject({ status: 'fail', detail: 'does not exist', fix: 'create it or fix environments.prod.catalog' });
  });

  it('reports an unreachable host as one failed row, and refuses a malformed --probe-writes before any request', async () => {
    const down = await doctor(emulators.default, ['--format', 'json', '--env', 'prod'], { DATABRICKS_TOKEN: DEFAULT_TOKEN }, config('http://127.0.0.1:9'));
    expect(down.code).toBe(1);
    expect(down.report!.checks).toEqual([expect.objectContaining({ environment: 'prod', check: 'reachable', status: 'fail' })]);
    const since = lastSeq(emulators.default);
    const bad = await doctor(emulators.default, ['--probe-writes', 'scratch']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--probe-writes takes a scratch schema as CATALOG\.SCHEMA \(got "scratch"\)/);
    expect(emulators.default.admin.requests().entries.filter((e) => e.seq > since)).toEqual([]);
  });
});

describe('doctor --probe-writes', () => {
  const probe = async (mode: 'default' | 'strict') => {
    const emu = emulators[mode];
    const { code, report, stderr } = await doctor(emu, ['--format', 'json', '--probe-writes', 'prod.scratch']);
    expect(code, stderr).toBe(0);
    const scratch = await fetch(`${emu.url}/api/2.1/unity-catalog/models?catalog_name=prod&schema_name=scratch`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
    // Everything the probes created was deleted.
    expect(((await scratch.json()) as { registered_models?: unknown[] }).registered_models ?? []).toEqual([]);
    return (title: string | RegExp) => row(report, 'dev', typeof title === 'string' ? `probe: ${title}` : title);
  };

  it('tells the two readings apart, each row right for its workspace', async () => {
    const d = await probe('default');
    const s = await probe('strict');
    // Requirements: met in both.
    for (const p of [d, s]) {
      for (const title of ['create a model with a tag in the create call', "a tag key as mlops-gate writes it (mlops_gate_…)", 'create a version with a tag in the create call', 'finalize the version', 'an alias on a READY version', 'delete what the probe created']) {
        expect(p(title).status, title).toBe('pass');
      }
      expect(p('tags in search results').detail).toMatch(/no tags \(as mlflow says/);
    }
    // Readings: the default one accepts, the strict one refuses, and both are fine for mlops-gate.
    const pairs: [string, RegExp, RegExp][] = [
      ['a tag key with a reserved character (mlops_gate.doctor)', /^accepted: this route does not apply/, /^refused, as the documented tag rules say .*: 400 INVALID_PARAMETER_VALUE$/],
      ['a tag value of 1001 characters', /^accepted/, /^refused, as documented: 400 INVALID_PARAMETER_VALUE$/],
      ['an alias on a PENDING_REGISTRATION version', /^accepted/, /^refused .*: 400 INVALID_STATE$/],
      ['finalize a READY version again (a retry after a lost answer)', /^answered READY again$/, /^refused .*: 400 INVALID_STATE$/],
      ['get a version by an alias that does not exist', /404 RESOURCE_DOES_NOT_EXIST, which mlops-gate reads as absent/, /400 INVALID_PARAMETER_VALUE, which mlops-gate reads as absent/],
      ['get a version that does not exist', /404 RESOURCE_DOES_NOT_EXIST/, /404 NOT_FOUND/],
      ['delete a tag that does not exist', /^answered 200/, /^refused .*: 404 NOT_FOUND$/],
      ['an update that changes nothing', /^answered the model/, /^refused .*: 400 INVALID_PARAMETER_VALUE$/],
      ['model-versions/search without a filter', /^answered \d+ row/, /^refused .*: 400 INVALID_PARAMETER_VALUE$/],
      ["model-versions/search with run_id='…'", /^accepted/, /^refused .*: 400 INVALID_PARAMETER_VALUE$/],
      ['model-versions/search for a model that does not exist', /404 RESOURCE_DOES_NOT_EXIST, which mlops-gate reads as absent/, /200 with 0 row\(s\)/],
    ];
    for (const [title, lenient, strict] of pairs) {
      expect(d(title), title).toMatchObject({ status: 'pass', detail: expect.stringMatching(lenient) });
      expect(s(title), title).toMatchObject({ status: 'pass', detail: expect.stringMatching(strict) });
    }
    expect(d('an alias on a PENDING_REGISTRATION version').ledger).toEqual([58]);
  });

  it('fails the probes mlops-gate needs when the workspace refuses them, and says what was not probed', async () => {
    const emu = emulators.default;
    const { code, report } = await doctor(emu, ['--format', 'json', '--probe-writes', 'prod.nope']);
    expect(code).toBe(1);
    expect(row(report, 'dev', 'probe: create a model with a tag in the create call')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/refused .*SCHEMA_DOES_NOT_EXIST|refused .*does not exist/) });
    expect(row(report, 'dev', 'probe: finalize the version')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^not probed: the model prod\.nope\.mlops_gate_doctor_\w+ could not be created/) });
    expect(row(report, 'dev', 'probe: delete what the probe created')).toMatchObject({ status: 'pass', detail: 'nothing was created' });
  });

  it('renders one row per check as text, with the fix under a warn or fail', async () => {
    const { stdout } = await doctor(emulators.default, []);
    expect(stdout).toMatch(/^mlops-gate doctor \S+ — .*mlops-\w+\.yml \(read-only\)/);
    expect(stdout).toMatch(/^ENV +CHECK +STATUS +DETAIL$/m);
    expect(stdout).toMatch(/^prod +privileges on schema prod\.ml +! warn/m);
    expect(stdout).toMatch(/^ +fix: check by hand that emulator-user@example\.com has USE_SCHEMA, CREATE_MODEL on prod\.ml/m);
    expect(stdout).toMatch(/\d+ pass, \d+ warn, 0 fail\n$/);
  });
});
