// The soak and drift gates through the CLI on the Databricks emulator (real HTTP): the candidate's
// served entity on staging's endpoint, its requests in the endpoint's inference table and the
// monitor's metric tables, read with the SQL Statement Execution API on staging's warehouse.
// Blocked and passing plans (the gate messages carry the evidence), not enough evidence, SQL
// failures as `error`, statements that run long (PENDING → RUNNING → SUCCEEDED, polled), the
// request economy, and config errors before any request. Runs in both emulator modes: the strict
// readings (system table without custom models, metric tables without a model id column) turn
// the evidence unreadable, which the gates report as `error`, never as a pass.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import type { GateEntry } from '../../../src/result/types.js';
import { runCliOnConfigText } from '../../support/run-cli.js';
import { projectMode } from '../../support/strict.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const WAREHOUSE = 'a1b2c3d4e5f60718';
const { mode } = projectMode();
const strict = mode === 'strict';

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'double', required: true }] };
const version = () => ({ description: 'Gradient boosting on the 2026-11 snapshot.', tags: { owner: 'churn-team' }, signature: SIGNATURE });

const driftRow = (column: string, stats: Record<string, unknown>, end: number, extra: Record<string, unknown> = {}) => ({
  window: { start: end - DAY, end },
  granularity: '1 day',
  slice_key: null,
  slice_value: null,
  column_name: column,
  data_type: 'double',
  drift_type: 'BASELINE',
  model_version: '3',
  ...stats,
  ...extra,
});
const profileRow = (column: string, figures: Record<string, unknown>, end: number) => ({
  window: { start: end - DAY, end },
  granularity: '1 day',
  log_type: 'INPUT',
  slice_key: null,
  slice_value: null,
  column_name: column,
  data_type: 'double',
  model_version: '3',
  ...figures,
});

let now = T0;
const clock = {
  now: () => now,
  async sleep(ms: number) {
    now += ms;
  },
};

const seed = () => ({
  workspaces: {
    default: {
      catalog: { catalogs: [{ name: 'staging', schemas: ['ml', 'monitoring'] }, { name: 'prod', schemas: ['ml'] }] },
      registry: {
        models: [
          { name: 'staging.ml.churn', aliases: { champion: 3 }, versions: [version(), version(), version()] },
          { name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version()] },
        ],
      },
      sql: {
        statement_duration_ms: 500,
        warehouses: [{ id: WAREHOUSE, name: 'gates', state: 'RUNNING' }],
        tables: {
          'staging.monitoring.churn_payload_drift_metrics': {
            rows: [
              // An older window with drift, then the latest one within bounds.
              driftRow('tenure_months', { js_distance: 0.31, population_stability_index: 0.4, ks_test: { statistic: 0.2, pvalue: 0.001 } }, T0 + 2 * DAY),
              driftRow('tenure_months', { js_distance: 0.04, population_stability_index: 0.07, ks_test: { statistic: 0.03, pvalue: 0.41 } }, T0 + 3 * DAY),
              // Another model's rows (the champion) are not the candidate's.
              driftRow('tenure_months', { js_distance: 0.9, population_stability_index: 0.9 }, T0 + 3 * DAY, { model_version: '1' }),
            ],
          },
          'staging.monitoring.churn_payload_profile_metrics': {
            rows: [profileRow('tenure_months', { count: 4800, num_nulls: 24, percent_null: 0.005 }, T0 + 3 * DAY), profileRow(':table', { count: 4800 }, T0 + 3 * DAY)],
          },
        },
      },
      serving: {
        update_duration_ms: 10_000,
        endpoints: [
          {
            name: 'churn-staging',
            config: { served_entities: [{ name: 'churn-3', entity_name: 'staging.ml.churn', entity_version: '3', workload_size: 'Small', scale_to_zero_enabled: false }] },
            ai_gateway: { inference_table_config: { catalog_name: 'staging', schema_name: 'monitoring', table_name_prefix: 'churn', enabled: true } },
          },
        ],
      },
    },
  },
});

let emu: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: seed(), modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-live-gates-'));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  now = T0;
  await emu.admin.reset();
  // Three days later: the candidate has been served since T0.
  now = T0 + 3 * DAY + 2 * HOUR;
});

const SOAK = `      - type: soak
        min_duration: 24h
        min_requests: 1000
        max_error_rate: 0.01
        max_p95_latency_ms: 250`;
const DRIFT = `      - type: drift
        columns:
          tenure_months: { js_distance: 0.1, population_stability_index: 0.2, ks_test.pvalue: 0.05 }
        quality:
          tenure_months: { percent_null: 0.01 }
          ":table": { count: 1000 }`;

const config = (gates: string, staging = `sql_warehouse_id: ${WAREHOUSE}`) => `version: 1
environments:
  staging: { registry: databricks-uc, host: ${emu.url}, catalog: staging, schema: ml, ${staging} }
  prod: { registry: databricks-uc, host: ${emu.url}, catalog: prod, schema: ml, promote_from: staging }
models:
  churn:
    name: churn
    candidate: { alias: champion }
    policies: [live]
    serving:
      endpoint: "churn-\${env}"
      inference_table: { catalog: "\${env}", schema: monitoring, prefix: churn }
    monitor:
      table: "\${env}.monitoring.churn_payload"
      output_schema: "\${env}.monitoring"
      inference_log: { problem_type: classification, prediction_col: prediction, timestamp_col: request_time, model_id_col: model_version }
policies:
  live:
    gates:
${gates}
`;

const cli = (argv: string[], text: string) => runCliOnConfigText(argv, text, dir, { env: { DATABRICKS_TOKEN: DEFAULT_TOKEN }, servingClock: clock });

const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
};

/** The candidate's requests, logged as the endpoint would have, in [from, to). */
const traffic = (requests: number, from: number, to: number, extra: Record<string, unknown> = {}) =>
  api('POST', '/__emulator/serving/endpoints/churn-staging/inference-log', { served_entity_name: 'churn-3', requests, from_ms: from, to_ms: to, latency_ms: [40, 60, 80, 120], ...extra });

const gate = (gates: readonly GateEntry[], type: string): GateEntry => gates.find((g) => g.type === type)!;

describe(`soak and drift gates through the CLI (emulator ${mode} mode)`, () => {
  it('both pass on a candidate that soaked with healthy traffic and no drift; the messages carry the evidence', async () => {
    await traffic(7200, T0 + 2 * HOUR, now);
    const { code, stderr, result } = await cli(['plan'], config(`${SOAK}\n${DRIFT}`));
    const [soak, drift] = [gate(result!.targets[0]!.gates, 'soak'), gate(result!.targets[0]!.gates, 'drift')];
    if (strict) {
      // The strict readings leave nothing to judge by: reported as errors, never passed.
      expect(code, stderr).toBe(3);
      expect(soak.outcome).toBe('error');
      expect(soak.message).toMatch(/system\.serving\.served_entities has no row for churn-3/);
      expect(drift.outcome).toBe('error');
      expect(drift.message).toMatch(/UNRESOLVED_COLUMN.*model_version/);
      return;
    }
    expect(code, stderr).toBe(0);
    expect(soak.outcome, soak.message).toBe('pass');
    expect(soak.message).toBe(
      '2,400 requests, 5xx 0% (0) ≤ 1%, p95 execution 120 ms ≤ 250 ms in the 1 d window 2026-12-03 10:00 UTC → 2026-12-04 10:00 UTC ' +
        '(staging.ml.churn v3 served in staging as churn-3 on "churn-staging" at 100% since 2026-12-01 09:00 UTC; window ends 1 h before the plan (the inference table\'s ingestion lag)).',
    );
    expect(soak.measured).toMatchObject({ requests: 2400, errors_5xx: 0, p95_ms: 120, served_entity: 'churn-3', traffic_percent: 100, inference_table: 'staging.monitoring.churn_payload' });
    expect(drift.outcome, drift.message).toBe('pass');
    expect(drift.message).toBe(
      'tenure_months JS distance 0.04 ≤ 0.1, tenure_months PSI 0.07 ≤ 0.2 and tenure_months KS p-value 0.41 ≥ 0.05; tenure_months percent_null 0.005 ≤ 0.01 and :table count 4800 ≥ 1000 ' +
        '(baseline drift of staging.ml.churn v3 in staging: staging.monitoring.churn_payload_drift_metrics (granularity 1 day, model_version = 3), window 2026-12-03 09:00 UTC → 2026-12-04 09:00 UTC; ' +
        'profile of staging.ml.churn v3 in staging: staging.monitoring.churn_payload_profile_metrics (granularity 1 day, model_version = 3), window 2026-12-03 09:00 UTC → 2026-12-04 09:00 UTC).',
    );
  });

  it('a soak-blocked plan: the comment shows the blocking gate with its window, counts and rates', async () => {
    await traffic(7200, T0 + 2 * HOUR, now, { errors_5xx: 180 });
    const text = config(SOAK);
    const { code, result } = await cli(['plan'], text);
    const soak = gate(result!.targets[0]!.gates, 'soak');
    if (strict) {
      expect(soak.outcome).toBe('error');
      return;
    }
    // 2.5% errors, spread over 3 days: 60 of them in the window.
    expect(code).toBe(1);
    expect(soak.outcome).toBe('fail');
    expect(soak.message).toMatch(/^5xx rate 2.5% above 1%: 2,400 requests, 5xx 2.5% \(60\) > 1%, p95 execution 120 ms ≤ 250 ms in the 1 d window 2026-12-03 10:00 UTC → 2026-12-04 10:00 UTC \(/);
    let markdown = '';
    const { runCli } = await import('../../../src/cli.js');
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'soak-blocked.yml');
    writeFileSync(file, text);
    await runCli(['plan', '--config', file, '--format', 'markdown'], { stdout: (s) => (markdown += s), stderr: () => undefined, env: { DATABRICKS_TOKEN: DEFAULT_TOKEN }, cwd: dir, servingClock: clock });
    // The PR comment's gate row: the blocking gate with its evidence (window, counts, rates).
    expect(markdown).toContain('| ❌ | `live/soak` | 2,400 requests 12-03 10:⁠00 → 12-04 10:⁠00 UTC, 5xx 2.5% &gt; 1%, p95 120 ms ≤ 250 ms |');
  });

  it('a soak-blocked promotion: promote stops before any write in prod, the summary says blocked and why', async () => {
    await traffic(7200, T0 + 2 * HOUR, now, { errors_5xx: 180 });
    const before = emu.admin.requests().entries.at(-1)?.seq ?? 0;
    const { code, result } = await cli(['promote'], config(SOAK));
    const target = result!.targets[0]!;
    expect(target.plan?.status).toBe('blocked');
    // Nothing written anywhere: no copy, no alias, no endpoint change, no lock.
    const writes = emu.admin.requests().entries.filter((e) => e.seq > before && e.method !== 'GET' && !e.path.startsWith('/__emulator') && !e.path.startsWith('/api/2.0/sql/statements'));
    expect(writes.map((e) => `${e.method} ${e.path}`)).toEqual([]);
    const soak = gate(target.gates, 'soak');
    if (strict) {
      expect(code).toBe(3);
      expect(soak.outcome).toBe('error');
      return;
    }
    expect(code).toBe(1);
    expect(soak.outcome).toBe('fail');
    const { renderResult } = await import('../../../src/report/renderers.js');
    expect(renderResult(result!, 'markdown')).toMatch(/❌&nbsp;blocked/);
    expect(renderResult(result!, 'markdown')).toContain('5xx 2.5% &gt; 1%');
  });

  it('a drift-blocked plan: the breaching statistic first, with the table, model id and window', async () => {
    await api('POST', '/__emulator/sql/tables/staging.monitoring.churn_payload_drift_metrics/rows', {
      rows: [driftRow('tenure_months', { js_distance: 0.27, population_stability_index: 0.35, ks_test: { statistic: 0.2, pvalue: 0.002 } }, T0 + 3 * DAY + HOUR)],
    });
    const { code, result } = await cli(['plan'], config(DRIFT));
    const drift = gate(result!.targets[0]!.gates, 'drift');
    if (strict) {
      expect(drift.outcome).toBe('error');
      return;
    }
    expect(code).toBe(1);
    expect(drift.outcome).toBe('fail');
    expect(drift.message).toMatch(
      /^tenure_months JS distance 0\.27 > 0\.1, tenure_months PSI 0\.35 > 0\.2 and tenure_months KS p-value 0\.002 < 0\.05 \(baseline drift of staging\.ml\.churn v3 in staging: staging\.monitoring\.churn_payload_drift_metrics \(granularity 1 day, model_version = 3\), window 2026-12-03 10:00 UTC → 2026-12-04 10:00 UTC\)\.$/,
    );
    expect(drift.measured).toMatchObject({ 'tenure_months.js_distance': 0.27, drift_table: 'staging.monitoring.churn_payload_drift_metrics' });
  });

  describe('not enough evidence never passes', () => {
    const soakOutcome = async (): Promise<GateEntry> => {
      const { result } = await cli(['plan'], config(SOAK));
      return gate(result!.targets[0]!.gates, 'soak');
    };

    it('served for less than the window: fail, with what there is so far', async () => {
      now = T0 + 10 * HOUR;
      await traffic(900, T0, now);
      const soak = await soakOutcome();
      if (strict) return void expect(soak.outcome).toBe('error');
      expect(soak.outcome).toBe('fail');
      expect(soak.message).toMatch(/^staging\.ml\.churn v3 has soaked 9 h in staging, less than the 1 d required \(churn-3 on "churn-staging" since 2026-12-01 09:00 UTC; evidence ends 1 h before the plan \(the inference table's ingestion lag\)\); so far 810 requests/);
    });

    it('served for less than the ingestion lag: no evidence yet, fail', async () => {
      now = T0 + 20 * 60_000;
      const soak = await soakOutcome();
      expect(soak.outcome).toBe('fail');
      expect(soak.message).toMatch(/served in staging only 20 min .* less than the inference table's 1 h ingestion lag: no evidence yet \(1 d with ≥ 1,000 requests needed\)/);
    });

    it('no requests in the window: fail; no inference table yet (nothing ever logged): error', async () => {
      const missing = await soakOutcome();
      expect(missing.outcome).toBe('error');
      expect(missing.message).toMatch(/ended FAILED \(BAD_REQUEST, SQLSTATE 42P01\): \[TABLE_OR_VIEW_NOT_FOUND\] The table or view `staging`\.`monitoring`\.`churn_payload` cannot be found/);
      // Requests only before the window.
      await traffic(500, T0 + HOUR, T0 + 20 * HOUR);
      const soak = await soakOutcome();
      if (strict) return void expect(soak.outcome).toBe('error');
      expect(soak.outcome, soak.message).toBe('fail');
      expect(soak.message).toMatch(/^0 requests in the window, fewer than the 1,000 required: 0 requests in the 1 d window 2026-12-03 10:00 UTC → 2026-12-04 10:00 UTC/);
    });

    it('a candidate that is not served, or takes no traffic: fail', async () => {
      await api('PUT', '/api/2.0/serving-endpoints/churn-staging/config', {
        served_entities: [
          { name: 'churn-3', entity_name: 'staging.ml.churn', entity_version: '3', workload_size: 'Small', scale_to_zero_enabled: false },
          { name: 'churn-2', entity_name: 'staging.ml.churn', entity_version: '2', workload_size: 'Small', scale_to_zero_enabled: false },
        ],
        traffic_config: { routes: [{ served_model_name: 'churn-3', traffic_percentage: 0 }, { served_model_name: 'churn-2', traffic_percentage: 100 }] },
      });
      await api('POST', '/__emulator/serving/endpoints/churn-staging/complete-update');
      expect((await soakOutcome()).message).toMatch(/^staging\.ml\.churn v3 takes no traffic in staging now \(churn-3 on "churn-staging" at 0%\)/);
      await api('DELETE', '/api/2.0/serving-endpoints/churn-staging');
      const soak = await soakOutcome();
      expect(soak.outcome).toBe('fail');
      expect(soak.message).toBe('staging.ml.churn v3 is not served in staging: serving endpoint "churn-staging" does not exist, so it has not soaked (1 d with ≥ 1,000 requests needed).');
    });

    it('only stale drift rows, or none for the candidate: fail', async () => {
      const later = now + 8 * DAY;
      now = later;
      const stale = gate((await cli(['plan'], config(DRIFT.replace('columns:', 'max_age: 2d\n        columns:')))).result!.targets[0]!.gates, 'drift');
      if (strict) return void expect(stale.outcome).toBe('error');
      expect(stale.outcome).toBe('fail');
      expect(stale.message).toMatch(/^The latest baseline drift metrics of staging\.ml\.churn v3 in staging are stale: their window ended 8 d 2 h before the plan \(max_age 2 d\); refresh the monitor; the latest profile metrics/);
      await api('PUT', '/__emulator/sql/tables/staging.monitoring.churn_payload_drift_metrics', { rows: [driftRow('tenure_months', { js_distance: 0.01 }, T0 + 3 * DAY, { model_version: '2' })] });
      now = T0 + 3 * DAY + 2 * HOUR;
      const none = gate((await cli(['plan'], config(DRIFT))).result!.targets[0]!.gates, 'drift');
      expect(none.outcome).toBe('fail');
      expect(none.message).toMatch(/^No baseline drift metrics for staging\.ml\.churn v3 in staging \(baseline drift needs the monitor to have a baseline table\) \(staging\.monitoring\.churn_payload_drift_metrics \(granularity 1 day, model_version = 3\) has no rows: nothing shows it behaves\)/);
    });
  });

  describe('SQL failures are errors, never a verdict on the model', () => {
    it('no SELECT on the inference table, a missing metric table: error with the warehouse\'s message', async () => {
      await traffic(7200, T0 + 2 * HOUR, now);
      await api('PUT', '/__emulator/sql/tables/staging.monitoring.churn_payload', { rows: [], denied: true });
      await api('DELETE', '/__emulator/sql/tables/staging.monitoring.churn_payload_profile_metrics');
      const { code, result } = await cli(['plan'], config(`${SOAK}\n${DRIFT}`));
      expect(code).toBe(3);
      const [soak, drift] = [gate(result!.targets[0]!.gates, 'soak'), gate(result!.targets[0]!.gates, 'drift')];
      expect(soak.outcome).toBe('error');
      expect(soak.message).toMatch(/^Could not read the soak evidence of staging\.ml\.churn v3 in staging \(denied\): could not read the soak evidence .* ended FAILED \(BAD_REQUEST, SQLSTATE 42501\): \[INSUFFICIENT_PERMISSIONS\]/);
      expect(drift.outcome).toBe('error');
      // (Strict: the drift table's statement fails first, on the model id column.)
      if (strict) return void expect(drift.message).toMatch(/UNRESOLVED_COLUMN/);
      expect(drift.message).toMatch(/\(not_found\): could not read staging\.monitoring\.churn_payload_profile_metrics \(staging\): statement \w+ ended FAILED .*TABLE_OR_VIEW_NOT_FOUND/);
    });

    it('the endpoint logs to no inference table: error', async () => {
      await api('PUT', '/api/2.0/serving-endpoints/churn-staging/ai-gateway', { inference_table_config: { enabled: false } });
      const { result } = await cli(['plan'], config(SOAK));
      const soak = gate(result!.targets[0]!.gates, 'soak');
      expect(soak.outcome).toBe('error');
      expect(soak.message).toMatch(/endpoint "churn-staging" logs to no inference table/);
    });
  });

  it('a warehouse that has to start: the statements are polled to SUCCEEDED on the serving clock', async () => {
    await traffic(7200, T0 + 2 * HOUR, now);
    await api('PUT', `/__emulator/sql/warehouses/${WAREHOUSE}`, { state: 'STOPPED' });
    const before = now;
    const { code, stderr, result } = await cli(['plan'], config(`${SOAK}\n${DRIFT}`));
    if (!strict) expect(code, stderr).toBe(0);
    expect(now - before).toBeGreaterThanOrEqual(30_000);
    const states = ((await api('GET', '/__emulator/sql/statements')) as { statements: { state: string }[] }).statements.map((s) => s.state);
    expect(states).toHaveLength(3);
    expect(new Set(states)).toEqual(new Set(strict ? ['SUCCEEDED', 'FAILED'] : ['SUCCEEDED']));
    expect(result!.requests!.byEndpoint['GET /api/2.0/sql/statements/{statement_id}']).toBeGreaterThan(3);
  });

  it('request economy: one endpoint read and one statement per evidence kind, only for the gates configured', async () => {
    await traffic(7200, T0 + 2 * HOUR, now);
    emu.admin.clearRequests();
    const both = (await cli(['plan'], config(`${SOAK}\n${DRIFT}`))).result!.requests!.byEndpoint;
    expect(emu.admin.requests().entries.filter((e) => e.path === '/api/2.0/serving-endpoints/churn-staging')).toHaveLength(1);
    expect(both['POST /api/2.0/sql/statements']).toBe(3);
    const soakOnly = (await cli(['plan'], config(SOAK))).result!.requests!.byEndpoint;
    expect(soakOnly['POST /api/2.0/sql/statements']).toBe(1);
    const neither = (await cli(['plan'], config('      - type: description'))).result!.requests!.byEndpoint;
    expect(neither['POST /api/2.0/sql/statements']).toBeUndefined();
    // (The only endpoint read left is the promotion plan's look at prod's endpoint.)
    expect(neither['GET /api/2.0/serving-endpoints/{name}']).toBe(1);
  });

  it('a live gate on an environment without a SQL warehouse is refused at its line, before any request', async () => {
    emu.admin.clearRequests();
    const { code, stderr } = await cli(['plan'], config(SOAK, ''));
    expect(code).toBe(2);
    expect(stderr).toMatch(/mlops-[a-z0-9]+\.yml:\d+:9: error: gate live\/soak \(model "churn", staging → prod\): a soak gate runs SQL statements in "staging" \(where the candidate comes from\), which has no sql_warehouse_id/);
    expect(stderr).toContain('add sql_warehouse_id: <warehouse id> to environments.staging');
    expect(emu.admin.requests().entries).toEqual([]);
  });
});
