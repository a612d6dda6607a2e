// Lakehouse monitoring (legacy table-monitor API) and Data Quality v1, over real HTTP against the emulator.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let target: Target;

const columns = [
  { name: 'ts', type_name: 'TIMESTAMP' },
  { name: 'prediction', type_name: 'DOUBLE' },
  { name: 'label', type_name: 'DOUBLE' },
  { name: 'model_version', type_name: 'STRING' },
];

beforeAll(async () => {
  target = await startServingMonitorsTarget({
    catalog: {
      catalogs: [{ name: 'main', schemas: ['ml', 'monitoring'] }],
      tables: ['churn_inference', 'fraud_inference', 'sales', 'orders', 'flaky', 'dq_only'].map((t) => ({ name: `main.ml.${t}`, columns })),
    },
    monitors: { activation_ms: 0, refresh_duration_ms: 60_000 },
  });
});
afterAll(async () => {
  await target?.close();
});

const inferenceLog = {
  problem_type: 'PROBLEM_TYPE_CLASSIFICATION',
  timestamp_col: 'ts',
  granularities: ['1 day', '1 hour'],
  prediction_col: 'prediction',
  model_id_col: 'model_version',
  label_col: 'label',
};

const legacyCreate = (table: string, extra: Json = {}) =>
  target.call('POST', `/api/2.1/unity-catalog/tables/${table}/monitor`, {
    output_schema_name: 'main.monitoring',
    assets_dir: `/Workspace/Users/me/monitors/${table}`,
    inference_log: inferenceLog,
    ...extra,
  });

async function tableId(fullName: string): Promise<string> {
  const res = await target.call('GET', `/api/2.1/unity-catalog/tables/${fullName}`);
  expect(res.status).toBe(200);
  return res.json.table_id;
}

async function waitForRefresh(path: string, done: (state: string) => boolean): Promise<Json> {
  let body: Json = {};
  for (let i = 0; i < 200; i++) {
    body = (await target.call('GET', path)).json;
    if (done(body.state)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
  return body;
}

describe('legacy quality monitors', () => {
  it('creates a monitor, answers MonitorInfo and registers the metric tables in the output schema', async () => {
    const res = await legacyCreate('main.ml.churn_inference', { schedule: { quartz_cron_expression: '0 0 12 * * ?', timezone_id: 'UTC' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      table_name: 'main.ml.churn_inference',
      status: 'MONITOR_STATUS_ACTIVE',
      monitor_version: 1,
      output_schema_name: 'main.monitoring',
      profile_metrics_table_name: 'main.monitoring.churn_inference_profile_metrics',
      drift_metrics_table_name: 'main.monitoring.churn_inference_drift_metrics',
      inference_log: inferenceLog,
      schedule: { quartz_cron_expression: '0 0 12 * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' },
    });
    expect(res.json.dashboard_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await target.call('GET', '/api/2.1/unity-catalog/tables/main.monitoring.churn_inference_profile_metrics')).status).toBe(200);
    expect((await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.churn_inference/monitor')).json.monitor_version).toBe(1);
  });

  it('reports PENDING until the activation time has passed', async () => {
    await target.call('PATCH', '/__emulator/monitors/settings', { activation_ms: 600_000 });
    try {
      const res = await legacyCreate('main.ml.orders', { snapshot: {}, inference_log: undefined });
      expect(res.json.status).toBe('MONITOR_STATUS_PENDING');
      expect(res.json.snapshot).toEqual({});
    } finally {
      await target.call('PATCH', '/__emulator/monitors/settings', { activation_ms: 0 });
    }
  });

  it('answers 409 RESOURCE_ALREADY_EXISTS to a second create on the same table', async () => {
    const res = await legacyCreate('main.ml.churn_inference');
    expect(res.status).toBe(409);
    expect(res.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it.each([
    ['no assets_dir', { assets_dir: undefined }, 400, 'INVALID_PARAMETER_VALUE', /assets_dir is required/],
    ['two analysis types', { snapshot: {} }, 400, 'INVALID_PARAMETER_VALUE', /Exactly one of/],
    ['no analysis type', { inference_log: undefined }, 400, 'INVALID_PARAMETER_VALUE', /Exactly one of/],
    ['an unsupported granularity', { inference_log: { ...inferenceLog, granularities: ['2 hours'] } }, 400, 'INVALID_PARAMETER_VALUE', /'2 hours' is not supported/],
    ['a bad problem type', { inference_log: { ...inferenceLog, problem_type: 'CLASSIFICATION' } }, 400, 'INVALID_PARAMETER_VALUE', /PROBLEM_TYPE_CLASSIFICATION/],
    ['a missing prediction column', { inference_log: { ...inferenceLog, prediction_col: undefined } }, 400, 'INVALID_PARAMETER_VALUE', /prediction_col is required/],
    ['a custom metric of unknown type', { custom_metrics: [{ name: 'm', definition: 'avg(x)', input_columns: [':table'], output_data_type: 'double', type: 'SUM' }] }, 400, 'INVALID_PARAMETER_VALUE', /CUSTOM_METRIC_TYPE_AGGREGATE/],
    ['six failure emails', { notifications: { on_failure: { email_addresses: ['a', 'b', 'c', 'd', 'e', 'f'] } } }, 400, 'INVALID_PARAMETER_VALUE', /at most 5/],
    ['an unknown output schema', { output_schema_name: 'main.nope' }, 404, 'SCHEMA_DOES_NOT_EXIST', /main\.nope/],
  ])('rejects %s', async (_label, extra, status, code, message) => {
    const res = await legacyCreate('main.ml.fraud_inference', extra);
    expect(res.status).toBe(status);
    expect(res.json.error_code).toBe(code);
    expect(res.json.message).toMatch(message);
  });

  it('answers 404 for a table that does not exist and for a table without a monitor', async () => {
    const noTable = await legacyCreate('main.ml.ghost');
    expect(noTable.status).toBe(404);
    expect(noTable.json.error_code).toBe('TABLE_DOES_NOT_EXIST');
    const noMonitor = await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.sales/monitor');
    expect(noMonitor.status).toBe(404);
    expect(noMonitor.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('updates with PUT (monitor_version increments) and refuses to change the profile type', async () => {
    const res = await target.call('PUT', '/api/2.1/unity-catalog/tables/main.ml.churn_inference/monitor', {
      output_schema_name: 'main.monitoring',
      inference_log: inferenceLog,
      slicing_exprs: ['model_version'],
      schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'Europe/Berlin', pause_status: 'PAUSED' },
    });
    expect(res.status).toBe(200);
    expect(res.json.monitor_version).toBe(2);
    expect(res.json.slicing_exprs).toEqual(['model_version']);
    expect(res.json.schedule.pause_status).toBe('PAUSED');
    expect(res.json.assets_dir).toBe('/Workspace/Users/me/monitors/main.ml.churn_inference');
    const change = await target.call('PUT', '/api/2.1/unity-catalog/tables/main.ml.churn_inference/monitor', {
      output_schema_name: 'main.monitoring',
      snapshot: {},
    });
    expect(change.status).toBe(400);
    expect(change.json.message).toMatch(/profile type/);
  });

  it('regenerates the dashboard with a new id', async () => {
    const before = (await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.churn_inference/monitor')).json.dashboard_id;
    const res = await target.call('POST', '/api/2.1/quality-monitoring/tables/main.ml.churn_inference/monitor/dashboard', { warehouse_id: 'abc' });
    expect(res.status).toBe(200);
    expect(res.json.dashboard_id).not.toBe(before);
    expect(res.json.parent_folder).toBe('/Workspace/Users/me/monitors/main.ml.churn_inference');
    expect((await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.churn_inference/monitor')).json.dashboard_id).toBe(res.json.dashboard_id);
  });

  it('runs refreshes PENDING → RUNNING → SUCCESS, one at a time, newest first in the list', async () => {
    await target.call('PATCH', '/__emulator/monitors/settings', { refresh_duration_ms: 400 });
    try {
      const base = '/api/2.1/unity-catalog/tables/main.ml.churn_inference/monitor/refreshes';
      const first = await target.call('POST', base);
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ state: 'PENDING', trigger: 'MANUAL' });
      expect(typeof first.json.start_time_ms).toBe('number');
      const busy = await target.call('POST', base);
      expect(busy.status).toBe(409);
      expect(busy.json.error_code).toBe('RESOURCE_CONFLICT');

      const running = await waitForRefresh(`${base}/${first.json.refresh_id}`, (s) => s !== 'PENDING');
      expect(['RUNNING', 'SUCCESS']).toContain(running.state);
      const done = await waitForRefresh(`${base}/${first.json.refresh_id}`, (s) => s === 'SUCCESS' || s === 'FAILED');
      expect(done.state).toBe('SUCCESS');
      expect(done.end_time_ms).toBeGreaterThanOrEqual(done.start_time_ms);

      const second = await target.call('POST', base);
      const list = await target.call('GET', base);
      expect(list.json.refreshes.map((r: Json) => r.refresh_id)).toEqual([second.json.refresh_id, first.json.refresh_id]);
    } finally {
      await target.call('PATCH', '/__emulator/monitors/settings', { refresh_duration_ms: 60_000 });
    }
  });

  it('fails refreshes of tables marked failing and cancels running refreshes', async () => {
    await target.call('PATCH', '/__emulator/monitors/settings', { refresh_duration_ms: 0, failing_tables: ['main.ml.flaky'] });
    try {
      await legacyCreate('main.ml.flaky', { inference_log: undefined, time_series: { timestamp_col: 'ts', granularities: ['5 minutes'] } });
      const failed = await target.call('POST', '/api/2.1/unity-catalog/tables/main.ml.flaky/monitor/refreshes');
      expect(failed.json.state).toBe('FAILED');
      expect(failed.json.message).toMatch(/fail/);
    } finally {
      await target.call('PATCH', '/__emulator/monitors/settings', { refresh_duration_ms: 60_000, failing_tables: [] });
    }
    const base = '/api/2.1/unity-catalog/tables/main.ml.flaky/monitor/refreshes';
    const started = await target.call('POST', base);
    expect(started.json.state).toBe('PENDING');
    expect((await target.call('POST', `${base}/${started.json.refresh_id}/cancel`)).status).toBe(200);
    expect((await target.call('GET', `${base}/${started.json.refresh_id}`)).json.state).toBe('CANCELED');
    expect((await target.call('GET', `${base}/999999`)).status).toBe(404);
  });
});

describe('Data Quality v1 monitors', () => {
  it('shows a legacy monitor under the table id with Data Quality spellings', async () => {
    const id = await tableId('main.ml.churn_inference');
    const schema = await target.call('GET', '/api/2.1/unity-catalog/schemas/main.monitoring');
    const res = await target.call('GET', `/api/data-quality/v1/monitors/table/${id}`);
    expect(res.status).toBe(200);
    expect(res.json.object_type).toBe('table');
    expect(res.json.object_id).toBe(id);
    expect(res.json.data_profiling_config).toMatchObject({
      output_schema_id: schema.json.schema_id,
      status: 'DATA_PROFILING_STATUS_ACTIVE',
      monitored_table_name: 'main.ml.churn_inference',
      inference_log: {
        problem_type: 'INFERENCE_PROBLEM_TYPE_CLASSIFICATION',
        timestamp_column: 'ts',
        granularities: ['AGGREGATION_GRANULARITY_1_DAY', 'AGGREGATION_GRANULARITY_1_HOUR'],
        prediction_column: 'prediction',
        model_id_column: 'model_version',
        label_column: 'label',
      },
      schedule: { pause_status: 'CRON_SCHEDULE_PAUSE_STATUS_PAUSED' },
    });
  });

  it('creates, patches with update_mask, refreshes and deletes by object id', async () => {
    const id = await tableId('main.ml.dq_only');
    const schemaId = (await target.call('GET', '/api/2.1/unity-catalog/schemas/main.monitoring')).json.schema_id;
    const created = await target.call('POST', '/api/data-quality/v1/monitors', {
      object_type: 'table',
      object_id: id,
      data_profiling_config: {
        output_schema_id: schemaId,
        assets_dir: '/Workspace/monitors/dq_only',
        time_series: { timestamp_column: 'ts', granularities: ['AGGREGATION_GRANULARITY_1_WEEK'] },
      },
    });
    expect(created.status).toBe(200);
    expect(created.json.data_profiling_config.time_series.granularities).toEqual(['AGGREGATION_GRANULARITY_1_WEEK']);
    // Visible through the legacy API too, with legacy spellings.
    const legacy = await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.dq_only/monitor');
    expect(legacy.json.time_series).toEqual({ timestamp_col: 'ts', granularities: ['1 week'] });

    const noMask = await target.call('PATCH', `/api/data-quality/v1/monitors/table/${id}`, { object_type: 'table', object_id: id });
    expect(noMask.status).toBe(400);
    const patched = await target.call(
      'PATCH',
      `/api/data-quality/v1/monitors/table/${id}?update_mask=data_profiling_config.schedule,data_profiling_config.slicing_exprs`,
      {
        object_type: 'table',
        object_id: id,
        data_profiling_config: {
          output_schema_id: schemaId,
          schedule: { quartz_cron_expression: '0 30 1 * * ?', timezone_id: 'UTC' },
          slicing_exprs: ['model_version'],
          assets_dir: '/ignored/because/not/in/mask',
        },
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.json.data_profiling_config).toMatchObject({
      monitor_version: 2,
      assets_dir: '/Workspace/monitors/dq_only',
      slicing_exprs: ['model_version'],
      schedule: { quartz_cron_expression: '0 30 1 * * ?', timezone_id: 'UTC', pause_status: 'CRON_SCHEDULE_PAUSE_STATUS_UNPAUSED' },
    });
    const outputOnly = await target.call('PATCH', `/api/data-quality/v1/monitors/table/${id}?update_mask=data_profiling_config.status`, {});
    expect(outputOnly.status).toBe(400);

    const refresh = await target.call('POST', `/api/data-quality/v1/monitors/table/${id}/refreshes`, { object_type: 'table', object_id: id });
    expect(refresh.json).toMatchObject({ object_type: 'table', object_id: id, state: 'MONITOR_REFRESH_STATE_PENDING', trigger: 'MONITOR_REFRESH_TRIGGER_MANUAL' });
    const list = await target.call('GET', `/api/data-quality/v1/monitors/table/${id}/refreshes`);
    expect(list.json.refreshes).toHaveLength(1);
    const cancel = await target.call('POST', `/api/data-quality/v1/monitors/table/${id}/refreshes/${refresh.json.refresh_id}/cancel`);
    expect(cancel.json.refresh.state).toBe('MONITOR_REFRESH_STATE_CANCELED');

    expect((await target.call('DELETE', `/api/data-quality/v1/monitors/table/${id}`)).status).toBe(200);
    expect((await target.call('GET', `/api/data-quality/v1/monitors/table/${id}`)).status).toBe(404);
    expect((await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.dq_only/monitor')).status).toBe(404);
  });

  it.each([
    ['an unknown table id', { object_type: 'table', object_id: '00000000-0000-0000-0000-000000000000', data_profiling_config: { output_schema_id: 'x', snapshot: {} } }, 404, 'TABLE_DOES_NOT_EXIST'],
    ['a bad granularity enum', 'GRANULARITY', 400, 'INVALID_PARAMETER_VALUE'],
    ['a legacy problem type', 'PROBLEM', 400, 'INVALID_PARAMETER_VALUE'],
    ['an unknown output schema id', 'SCHEMA', 404, 'SCHEMA_DOES_NOT_EXIST'],
    ['a missing data_profiling_config', 'NOCONFIG', 400, 'INVALID_PARAMETER_VALUE'],
  ])('rejects %s', async (_label, variant, status, code) => {
    const id = await tableId('main.ml.sales');
    const schemaId = (await target.call('GET', '/api/2.1/unity-catalog/schemas/main.monitoring')).json.schema_id;
    const log = { problem_type: 'INFERENCE_PROBLEM_TYPE_REGRESSION', timestamp_column: 'ts', granularities: ['AGGREGATION_GRANULARITY_1_DAY'], prediction_column: 'p', model_id_column: 'm' };
    const bodies: Record<string, Json> = {
      GRANULARITY: { data_profiling_config: { output_schema_id: schemaId, inference_log: { ...log, granularities: ['1 day'] } } },
      PROBLEM: { data_profiling_config: { output_schema_id: schemaId, inference_log: { ...log, problem_type: 'PROBLEM_TYPE_REGRESSION' } } },
      SCHEMA: { data_profiling_config: { output_schema_id: 'not-a-schema', inference_log: log } },
      NOCONFIG: {},
    };
    const body = typeof variant === 'string' ? { object_type: 'table', object_id: id, ...bodies[variant] } : variant;
    const res = await target.call('POST', '/api/data-quality/v1/monitors', body);
    expect(res.status).toBe(status);
    expect(res.json.error_code).toBe(code);
  });
});
