// Ensuring Lakehouse monitors on the emulator over real HTTP, through both APIs: create, unchanged
// (zero writes), update of exactly the changed fields, refresh, a concurrent create, a missing
// table, and a monitor made through one API judged through the other.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../../src/config/types.js';
import { createMonitoringClient } from '../../../src/platform/monitoring/index.js';
import { startBed, type Bed } from '../rollout/harness.js';
import { createMonitorPort } from '../../../src/endpoint/monitor-step.js';
import { desiredMonitor, normalizeGranularity, type DesiredMonitor, type MonitorApi } from '../../../src/endpoint/monitor.js';
import type { MonitoringClient } from '../../../src/endpoint/ports.js';

const TABLES = ['dq_t', 'legacy_t', 'cross_t', 'race_t', 'refresh_t'];

let bed: Bed;
let client: MonitoringClient;
beforeAll(async () => {
  bed = await startBed({
    catalog: {
      catalogs: [{ name: 'main', schemas: ['ml', 'monitoring', 'monitoring_v2'] }],
      tables: TABLES.map((t) => ({ name: `main.ml.${t}_prod`, columns: [{ name: 'ts', type_name: 'TIMESTAMP' }] })),
    },
    monitors: { activation_ms: 0, refresh_duration_ms: 60_000 },
  });
  client = createMonitoringClient({ http: bed.http });
});
afterAll(() => bed?.close());
beforeEach(() => bed.emulator.admin.clearRequests());

const config = (table: string, extra: Partial<MonitorConfig> = {}): MonitorConfig => ({
  table: `main.ml.${table}_\${env}`,
  outputSchema: 'main.monitoring',
  api: 'data-quality',
  inferenceLog: {
    problemType: 'classification',
    predictionCol: 'prediction',
    labelCol: 'label',
    timestampCol: 'ts',
    modelIdCol: 'model_version',
    granularities: ['1 day'],
  },
  schedule: null,
  slicingExprs: [],
  refreshAfterUpdate: true,
  environments: null,
  ...extra,
});

const desired = (c: MonitorConfig): DesiredMonitor => {
  const r = desiredMonitor(c, 'prod');
  if (!r.ok) throw new Error(r.message);
  return r.monitor;
};

const writes = () => bed.writes().map((w) => `${w.method} ${w.path.replace(/[0-9a-f-]{36}/g, '{id}')} ${w.status}`);

describe('monitor config mapping', () => {
  it('normalises granularities and rejects unsupported ones with the allowed list', () => {
    expect(['1 Day', '1 days', ' 2  week', '30 minutes', '1 hours'].map(normalizeGranularity)).toEqual(['1 day', '1 day', '2 weeks', '30 minutes', '1 hour']);
    expect(normalizeGranularity('2 days')).toBeNull();
    const bad = desiredMonitor(config('x', { inferenceLog: { ...config('x').inferenceLog, granularities: ['2 days'] } }), 'prod');
    expect(bad).toEqual({ ok: false, message: expect.stringMatching(/^monitor granularity "2 days" is not supported; use one of "5 minutes"/) });
    expect(desired(config('dq_t')).table).toBe('main.ml.dq_t_prod');
  });
});

describe.each<[MonitorApi, string]>([
  ['data-quality', 'dq_t'],
  ['legacy', 'legacy_t'],
])('ensure monitor through the %s API', (api, table) => {
  const base = config(table, { api });

  it('creates it when absent, then refreshes', async () => {
    const result = await client.ensureMonitor({ api, monitor: desired(base), refresh: 'after-change' });
    expect(result).toMatchObject({ action: 'created', changes: [], monitorVersion: 1, writes: 2, refresh: { state: 'started' } });
    expect(writes()).toEqual(
      api === 'legacy'
        ? [`POST /api/2.1/unity-catalog/tables/main.ml.${table}_prod/monitor 200`, `POST /api/2.1/unity-catalog/tables/main.ml.${table}_prod/monitor/refreshes 200`]
        : ['POST /api/data-quality/v1/monitors 200', 'POST /api/data-quality/v1/monitors/table/{id}/refreshes 200'],
    );
    // Granularities reach each API in its own spelling.
    const legacy = await bed.call('GET', `/api/2.1/unity-catalog/tables/main.ml.${table}_prod/monitor`);
    expect(legacy.json.inference_log).toMatchObject({ problem_type: 'PROBLEM_TYPE_CLASSIFICATION', granularities: ['1 day'], label_col: 'label' });
    const id = (await bed.call('GET', `/api/2.1/unity-catalog/tables/main.ml.${table}_prod`)).json.table_id;
    const dq = await bed.call('GET', `/api/data-quality/v1/monitors/table/${id}`);
    expect(dq.json.data_profiling_config.inference_log).toMatchObject({ problem_type: 'INFERENCE_PROBLEM_TYPE_CLASSIFICATION', granularities: ['AGGREGATION_GRANULARITY_1_DAY'] });
  });

  it('makes zero writes when nothing changed (no refresh either)', async () => {
    const result = await client.ensureMonitor({ api, monitor: desired(base), refresh: 'after-change' });
    expect(result).toMatchObject({ action: 'unchanged', writes: 0, refresh: null });
    expect(writes()).toEqual([]);
    expect(await createMonitorPort(client).check({ api, monitor: desired(base), refresh: 'after-change' })).toEqual({ state: 'satisfied' });
  });

  it('updates exactly the changed fields', async () => {
    // A legacy monitor's output schema is never changed in place (see below): the rest is updated.
    const outputSchema = api === 'legacy' ? 'main.monitoring' : 'main.monitoring_v2';
    const changed = config(table, {
      api,
      outputSchema,
      inferenceLog: { ...base.inferenceLog, granularities: ['1 day', '1 week'] },
      schedule: { cron: '0 0 6 * * ?', timezone: 'UTC' },
    });
    const port = createMonitorPort(client);
    const spec = { api, monitor: desired(changed), refresh: 'never' as const };
    const fields = api === 'legacy' ? ['inference_log', 'schedule'] : ['output_schema', 'inference_log', 'schedule'];
    expect(await port.check(spec)).toEqual({ state: 'pending', reason: `monitor on main.ml.${table}_prod differs in ${fields.join(', ')}` });
    bed.emulator.admin.clearRequests();
    const result = await port.act(spec);
    expect(result).toMatchObject({ action: 'updated', changes: fields, monitorVersion: 2, writes: 1, refresh: null });
    expect(writes()).toEqual(
      api === 'legacy' ? [`PUT /api/2.1/unity-catalog/tables/main.ml.${table}_prod/monitor 200`] : ['PATCH /api/data-quality/v1/monitors/table/{id} 200'],
    );
    if (api === 'data-quality') {
      const patch = bed.emulator.admin.requests().entries.find((e) => e.method === 'PATCH');
      expect(patch).toBeDefined();
    }
    const legacy = await bed.call('GET', `/api/2.1/unity-catalog/tables/main.ml.${table}_prod/monitor`);
    expect(legacy.json).toMatchObject({
      output_schema_name: outputSchema,
      schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'UTC' },
      inference_log: { granularities: ['1 day', '1 week'], label_col: 'label', prediction_col: 'prediction' },
    });
    expect(await port.verify(spec)).toBe(true);
    bed.emulator.admin.clearRequests();
    expect((await client.ensureMonitor(spec)).action).toBe('unchanged');
    expect(writes()).toEqual([]);
  });

  it('refuses, writing nothing, when the inference table does not exist (whatever code the monitor routes use for it)', async () => {
    const spec = { api, monitor: desired(config('missing', { api })), refresh: 'after-change' as const };
    expect(await createMonitorPort(client).check(spec)).toEqual({ state: 'pending', reason: expect.stringMatching(/inference table main\.ml\.missing_prod does not exist yet/) });
    const result = await client.ensureMonitor(spec);
    expect(result.action).toBe('failed');
    expect(result.message).toMatch(/inference table main\.ml\.missing_prod does not exist yet/);
    expect(writes()).toEqual([]);
  });

  it('reports, writing nothing, an output schema that differs from the monitor\'s (legacy: not changeable in place)', async () => {
    if (api !== 'legacy') return;
    const moved = { api, monitor: desired(config(table, { api, outputSchema: 'main.monitoring_v2' })), refresh: 'never' as const };
    const check = await createMonitorPort(client).check(moved);
    expect(check).toEqual({ state: 'pending', reason: expect.stringMatching(/writes its metric tables to main\.monitoring, the config says main\.monitoring_v2.*nothing was changed/) });
    bed.emulator.admin.clearRequests();
    const result = await client.ensureMonitor(moved);
    expect(result).toMatchObject({ action: 'failed', writes: 0 });
    expect(result.message).toMatch(/set monitor\.output_schema back, or delete the monitor \(its metric tables stay\) and re-run/);
    expect(writes()).toEqual([]);
    // The spelling of a name is not a difference: Unity Catalog stores names in lower case.
    const upper = { ...moved, monitor: desired(config(table, { api, outputSchema: 'Main.Monitoring', schedule: { cron: '0 0 6 * * ?', timezone: 'UTC' }, inferenceLog: { ...base.inferenceLog, granularities: ['1 day', '1 week'] } })) };
    expect(await client.ensureMonitor(upper)).toMatchObject({ action: 'unchanged', writes: 0 });
  });
});

describe('request economy', () => {
  it('looks the table and output schema up once per client (a run), not once per check; a failed look-up is not remembered', async () => {
    const fresh = createMonitoringClient({ http: bed.http });
    const spec = { api: 'data-quality' as const, monitor: desired(config('refresh_t')), refresh: 'never' as const };
    const port = createMonitorPort(fresh);
    await port.check(spec);
    await port.act(spec);
    await port.verify(spec);
    const lookups = () => bed.emulator.admin.requests().entries.filter((e) => e.method === 'GET' && /^\/api\/2\.1\/unity-catalog\/(tables|schemas)\/[^/]+$/.test(e.path));
    expect(lookups().map((e) => e.path)).toEqual(['/api/2.1/unity-catalog/tables/main.ml.refresh_t_prod', '/api/2.1/unity-catalog/schemas/main.monitoring']);

    const missing = { ...spec, monitor: desired(config('missing')) };
    bed.emulator.admin.clearRequests();
    expect((await fresh.inspect('data-quality', missing.monitor)).state).toBe('failed');
    expect((await fresh.inspect('data-quality', missing.monitor)).state).toBe('failed');
    expect(lookups().map((e) => e.path)).toEqual(['/api/2.1/unity-catalog/tables/main.ml.missing_prod', '/api/2.1/unity-catalog/tables/main.ml.missing_prod']);
  });
});

describe('across APIs, races and refreshes', () => {
  it('judges a monitor created through the legacy API as unchanged through Data Quality', async () => {
    const c = config('cross_t');
    expect((await client.ensureMonitor({ api: 'legacy', monitor: desired(c), refresh: 'never' })).action).toBe('created');
    bed.emulator.admin.clearRequests();
    expect(await client.ensureMonitor({ api: 'data-quality', monitor: desired(c), refresh: 'after-change' })).toMatchObject({ action: 'unchanged', writes: 0 });
    expect(writes()).toEqual([]);
  });

  it('treats "already exists" from a concurrent create as no error, and compares with that monitor', async () => {
    const monitor = desired(config('race_t'));
    // Two runs at once: both read "absent" before either creates, so one create meets 409.
    const results = await Promise.all([
      client.ensureMonitor({ api: 'legacy', monitor, refresh: 'never' }),
      createMonitoringClient({ http: bed.http }).ensureMonitor({ api: 'legacy', monitor, refresh: 'never' }),
    ]);
    expect(results.map((r) => r.action).sort()).toEqual(['created', 'unchanged']);
    expect(writes().sort()).toEqual([
      'POST /api/2.1/unity-catalog/tables/main.ml.race_t_prod/monitor 200',
      'POST /api/2.1/unity-catalog/tables/main.ml.race_t_prod/monitor 409',
    ]);
  });

  it('refreshes on request; a refresh already running is not an error', async () => {
    const monitor = desired(config('refresh_t'));
    expect((await client.ensureMonitor({ api: 'data-quality', monitor, refresh: 'never' })).refresh).toBeNull();
    const first = await client.ensureMonitor({ api: 'data-quality', monitor, refresh: 'always' });
    expect(first).toMatchObject({ action: 'unchanged', writes: 1, refresh: { state: 'started' } });
    const second = await client.ensureMonitor({ api: 'data-quality', monitor, refresh: 'always' });
    expect(second).toMatchObject({ action: 'unchanged', refresh: { state: 'already-running' } });
    expect(second.message).toMatch(/a refresh was already running/);
    bed.clock.advance(60_000);
    const third = await client.ensureMonitor({ api: 'legacy', monitor, refresh: 'always' });
    expect(third.refresh).toMatchObject({ state: 'started' });
    const refreshes = await bed.call('GET', '/api/2.1/unity-catalog/tables/main.ml.refresh_t_prod/monitor/refreshes');
    expect(refreshes.json.refreshes.map((r: { state: string }) => r.state)).toEqual(['PENDING', 'SUCCESS']);
  });
});
