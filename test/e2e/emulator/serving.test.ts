// Model Serving state machine and validation, over real HTTP against the emulator's serving module.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

let target: Target;

beforeAll(async () => {
  target = await startServingMonitorsTarget();
  await target.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 60_000, ready_delay_ms: 0, failing_entities: [] });
});
afterAll(async () => {
  await target?.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const entity = (version: string, extra: Json = {}) => ({
  entity_name: 'main.ml.churn',
  entity_version: version,
  workload_size: 'Small',
  scale_to_zero_enabled: true,
  ...extra,
});

async function createEndpoint(name: string, config: Json = { served_entities: [entity('1')] }): Promise<Json> {
  const res = await target.call('POST', '/api/2.0/serving-endpoints', { name, config });
  expect(res.status).toBe(200);
  return res.json;
}

async function completeUpdate(name: string): Promise<Json> {
  const res = await target.call('POST', `/__emulator/serving/endpoints/${name}/complete-update`);
  expect(res.status).toBe(200);
  return res.json;
}

async function get(name: string): Promise<Json> {
  const res = await target.call('GET', `/api/2.0/serving-endpoints/${name}`);
  expect(res.status).toBe(200);
  return res.json;
}

describe('serving endpoint lifecycle', () => {
  it('creates an endpoint that is IN_PROGRESS / NOT_READY with a pending config, then goes live', async () => {
    const created = await createEndpoint('life-1', { served_entities: [entity('3')] });
    expect(created.state).toEqual({ ready: 'NOT_READY', config_update: 'IN_PROGRESS' });
    expect(created.config).toBeUndefined();
    expect(created.pending_config.config_version).toBe(1);
    expect(created.pending_config.served_entities[0].name).toBe('churn-3');
    expect(created.pending_config.served_entities[0].state.deployment).toBe('DEPLOYMENT_CREATING');
    expect(created.pending_config.traffic_config.routes).toEqual([{ served_model_name: 'churn-3', traffic_percentage: 100 }]);
    expect(created.id).toMatch(/^[0-9a-f]{32}$/);

    const done = await completeUpdate('life-1');
    expect(done.state).toEqual({ ready: 'READY', config_update: 'NOT_UPDATING' });
    expect(done.pending_config).toBeUndefined();
    expect(done.config.config_version).toBe(1);
    expect(done.config.served_entities[0].state.deployment).toBe('DEPLOYMENT_READY');
  });

  it('reaches NOT_UPDATING on its own once the configured duration has passed', async () => {
    await target.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 200 });
    try {
      await createEndpoint('timed-1');
      let state: Json = {};
      for (let i = 0; i < 100 && state.config_update !== 'NOT_UPDATING'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = (await get('timed-1')).state;
      }
      expect(state).toEqual({ ready: 'READY', config_update: 'NOT_UPDATING' });
    } finally {
      await target.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 60_000 });
    }
  });

  it('answers 409 RESOURCE_CONFLICT to a config update while one is in flight, and increments config_version', async () => {
    await createEndpoint('conflict-1');
    const clash = await target.call('PUT', '/api/2.0/serving-endpoints/conflict-1/config', { served_entities: [entity('2')] });
    expect(clash.status).toBe(409);
    expect(clash.json.error_code).toBe('RESOURCE_CONFLICT');
    await completeUpdate('conflict-1');

    const update = await target.call('PUT', '/api/2.0/serving-endpoints/conflict-1/config', { served_entities: [entity('2')] });
    expect(update.status).toBe(200);
    expect(update.json.name).toBe('conflict-1');
    expect(update.json.state).toEqual({ ready: 'READY', config_update: 'IN_PROGRESS' });
    expect(update.json.config.config_version).toBe(1);
    expect(update.json.pending_config.config_version).toBe(2);
    expect(typeof update.json.pending_config.start_time).toBe('number');
    const done = await completeUpdate('conflict-1');
    expect(done.config.config_version).toBe(2);
    expect(done.config.served_entities.map((e: Json) => e.name)).toEqual(['churn-2']);
  });

  it('ends UPDATE_FAILED for a failing model version and keeps serving the previous config', async () => {
    await target.call('PATCH', '/__emulator/serving/settings', {
      failing_entities: [{ entity_name: 'main.ml.churn', entity_version: '13' }],
    });
    try {
      await createEndpoint('fail-1');
      await completeUpdate('fail-1');
      await target.call('PUT', '/api/2.0/serving-endpoints/fail-1/config', { served_entities: [entity('13')] });
      const failed = await completeUpdate('fail-1');
      expect(failed.state).toEqual({ ready: 'READY', config_update: 'UPDATE_FAILED' });
      expect(failed.pending_config).toBeUndefined();
      expect(failed.config.config_version).toBe(1);
      expect(failed.config.served_entities[0].entity_version).toBe('1');

      // A later good update is accepted and gets the next version number.
      const retry = await target.call('PUT', '/api/2.0/serving-endpoints/fail-1/config', { served_entities: [entity('14')] });
      expect(retry.status).toBe(200);
      expect((await completeUpdate('fail-1')).config.config_version).toBe(3);
    } finally {
      await target.call('PATCH', '/__emulator/serving/settings', { failing_entities: [] });
    }
  });

  it('a brand-new endpoint whose first version fails never becomes READY', async () => {
    await target.call('PATCH', '/__emulator/serving/settings', {
      failing_entities: [{ entity_name: 'main.ml.churn', entity_version: '19' }],
    });
    try {
      await createEndpoint('fail-2', { served_entities: [entity('19')] });
      const failed = await completeUpdate('fail-2');
      expect(failed.state).toEqual({ ready: 'NOT_READY', config_update: 'UPDATE_FAILED' });
      expect(failed.config).toBeUndefined();
    } finally {
      await target.call('PATCH', '/__emulator/serving/settings', { failing_entities: [] });
    }
  });

  it('keeps state.ready NOT_READY for ready_delay_ms after the first config goes live', async () => {
    await target.call('PATCH', '/__emulator/serving/settings', { ready_delay_ms: 600_000 });
    try {
      await createEndpoint('slow-ready');
      const done = await completeUpdate('slow-ready');
      expect(done.state).toEqual({ ready: 'NOT_READY', config_update: 'NOT_UPDATING' });
    } finally {
      await target.call('PATCH', '/__emulator/serving/settings', { ready_delay_ms: 0 });
    }
  });
});

describe('serving endpoint validation', () => {
  it('rejects duplicate names with 409 RESOURCE_ALREADY_EXISTS and unknown names with 404', async () => {
    await createEndpoint('dup-1');
    const dup = await target.call('POST', '/api/2.0/serving-endpoints', { name: 'dup-1', config: { served_entities: [entity('1')] } });
    expect(dup.status).toBe(409);
    expect(dup.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const missing = await target.call('GET', '/api/2.0/serving-endpoints/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it.each([
    ['bad name', { name: 'has.dot', config: { served_entities: [entity('1')] } }, /Endpoint name/],
    ['missing version', { name: 'v1', config: { served_entities: [{ entity_name: 'main.ml.churn' }] } }, /entity_version is required/],
    ['bad workload size', { name: 'v2', config: { served_entities: [entity('1', { workload_size: 'Huge' })] } }, /workload_size/],
    [
      'traffic does not sum to 100',
      {
        name: 'v3',
        config: {
          served_entities: [entity('1'), entity('2')],
          traffic_config: { routes: [{ served_model_name: 'churn-1', traffic_percentage: 50 }, { served_model_name: 'churn-2', traffic_percentage: 40 }] },
        },
      },
      /sum to 90/,
    ],
    [
      'route to an unknown entity',
      {
        name: 'v4',
        config: {
          served_entities: [entity('1')],
          traffic_config: { routes: [{ served_model_name: 'churn-7', traffic_percentage: 100 }] },
        },
      },
      /churn-7/,
    ],
    ['two entities without traffic', { name: 'v5', config: { served_entities: [entity('1'), entity('2')] } }, /traffic_config is required/],
    ['duplicate entity names', { name: 'v6', config: { served_entities: [entity('1'), entity('1')], traffic_config: { routes: [] } } }, /more than once/],
  ])('rejects %s with 400 INVALID_PARAMETER_VALUE', async (_label, body, message) => {
    const res = await target.call('POST', '/api/2.0/serving-endpoints', body);
    expect(res.status).toBe(400);
    expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(res.json.message).toMatch(message);
  });

  it('accepts a traffic-only config update and keeps the served entities', async () => {
    await createEndpoint('traffic-1', {
      served_entities: [entity('1'), entity('2')],
      traffic_config: { routes: [{ served_model_name: 'churn-1', traffic_percentage: 90 }, { served_entity_name: 'churn-2', traffic_percentage: 10 }] },
    });
    await completeUpdate('traffic-1');
    const res = await target.call('PUT', '/api/2.0/serving-endpoints/traffic-1/config', {
      traffic_config: { routes: [{ served_model_name: 'churn-1', traffic_percentage: 0 }, { served_model_name: 'churn-2', traffic_percentage: 100 }] },
    });
    expect(res.status).toBe(200);
    const done = await completeUpdate('traffic-1');
    expect(done.config.served_entities.map((e: Json) => e.name)).toEqual(['churn-1', 'churn-2']);
    expect(done.config.traffic_config.routes.map((r: Json) => r.traffic_percentage)).toEqual([0, 100]);
  });
});

describe('serving endpoint tags, AI gateway, list, delete', () => {
  it('patches tags, puts ai-gateway, lists and deletes', async () => {
    await target.call('POST', '/api/2.0/serving-endpoints', { name: 'meta-1', config: { served_entities: [entity('1')] }, tags: [{ key: 'team', value: 'risk' }] });
    const tags = await target.call('PATCH', '/api/2.0/serving-endpoints/meta-1/tags', { add_tags: [{ key: 'env', value: 'prod' }], delete_tags: ['team'] });
    expect(tags.json).toEqual({ tags: [{ key: 'env', value: 'prod' }] });
    const gw = await target.call('PUT', '/api/2.0/serving-endpoints/meta-1/ai-gateway', {
      inference_table_config: { catalog_name: 'main', schema_name: 'ml', table_name_prefix: 'churn', enabled: true },
    });
    expect(gw.json.inference_table_config.enabled).toBe(true);
    expect((await get('meta-1')).ai_gateway.inference_table_config.table_name_prefix).toBe('churn');

    const list = await target.call('GET', '/api/2.0/serving-endpoints');
    expect(list.json.endpoints.map((e: Json) => e.name)).toContain('meta-1');

    expect((await target.call('DELETE', '/api/2.0/serving-endpoints/meta-1')).status).toBe(200);
    expect((await target.call('GET', '/api/2.0/serving-endpoints/meta-1')).status).toBe(404);
  });
});

describe('served versions, inference tables, diagnostics', () => {
  it('refuses a config naming a version that does not exist or is not READY (the default reading)', async () => {
    const missing = await target.call('POST', '/api/2.0/serving-endpoints', { name: 'ghost-1', config: { served_entities: [entity('999')] } });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/main\.ml\.churn\/999 does not exist/) });
    const otherModel = await target.call('POST', '/api/2.0/serving-endpoints', {
      name: 'ghost-2',
      config: { served_entities: [{ ...entity('1'), name: 'x-1', entity_name: 'main.ml.nothing' }] },
    });
    expect(otherModel.json.message).toMatch(/registered model 'main\.ml\.nothing' does not exist/);
    expect((await target.call('GET', '/api/2.0/serving-endpoints/ghost-1')).status).toBe(404);
  });

  it('refuses to move an enabled inference table; disabling first, then moving, works', async () => {
    await createEndpoint('table-1');
    const on = { catalog_name: 'main', schema_name: 'ml', table_name_prefix: 'churn', enabled: true };
    expect((await target.call('PUT', '/api/2.0/serving-endpoints/table-1/ai-gateway', { inference_table_config: on })).status).toBe(200);
    // The same table again is no change.
    expect((await target.call('PUT', '/api/2.0/serving-endpoints/table-1/ai-gateway', { inference_table_config: on })).status).toBe(200);
    const moved = await target.call('PUT', '/api/2.0/serving-endpoints/table-1/ai-gateway', { inference_table_config: { ...on, table_name_prefix: 'churn_v2' } });
    expect(moved.status).toBe(400);
    expect(moved.json.message).toMatch(/disable it first/);
    expect((await target.call('PUT', '/api/2.0/serving-endpoints/table-1/ai-gateway', { inference_table_config: { enabled: false } })).status).toBe(200);
    const after = await target.call('PUT', '/api/2.0/serving-endpoints/table-1/ai-gateway', { inference_table_config: { ...on, table_name_prefix: 'churn_v2' } });
    expect(after.status).toBe(200);
    expect((await get('table-1')).ai_gateway.inference_table_config.table_name_prefix).toBe('churn_v2');
  });

  it('answers build logs and server logs per served model, and the OpenAPI query schema', async () => {
    await createEndpoint('diag-1');
    const build = await target.call('GET', '/api/2.0/serving-endpoints/diag-1/served-models/churn-1/build-logs');
    expect(build.status).toBe(200);
    expect(Object.keys(build.json)).toEqual(['logs']);
    expect(build.json.logs).toMatch(/main\.ml\.churn version 1/);
    const logs = await target.call('GET', '/api/2.0/serving-endpoints/diag-1/served-models/churn-1/logs');
    expect(typeof logs.json.logs).toBe('string');
    const unknown = await target.call('GET', '/api/2.0/serving-endpoints/diag-1/served-models/nope/build-logs');
    expect(unknown.status).toBe(404);
    const openapi = await target.call('GET', '/api/2.0/serving-endpoints/diag-1/openapi');
    expect(openapi.status).toBe(200);
    const doc = JSON.parse(openapi.text) as Json;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(['/invocations']);
    expect((await target.call('GET', '/api/2.0/serving-endpoints/nope/openapi')).status).toBe(404);
  });
});

describe('invocations and metrics', () => {
  beforeAll(async () => {
    await createEndpoint('inv-1', {
      served_entities: [entity('1'), entity('2')],
      traffic_config: { routes: [{ served_model_name: 'churn-1', traffic_percentage: 70 }, { served_model_name: 'churn-2', traffic_percentage: 30 }] },
    });
  });

  it('refuses to score before the endpoint is READY', async () => {
    const res = await target.call('POST', '/serving-endpoints/inv-1/invocations', { dataframe_records: [{ a: 1 }] });
    expect(res.status).toBe(400);
    expect(res.json.error_code).toBe('INVALID_STATE');
    await completeUpdate('inv-1');
  });

  it('answers deterministic predictions for each input format, one per row', async () => {
    const split = await target.call('POST', '/serving-endpoints/inv-1/invocations', {
      dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3, 4], [5, 6]] },
    });
    expect(split.status).toBe(200);
    expect(split.json.predictions).toHaveLength(3);
    for (const p of split.json.predictions) expect(p).toBeGreaterThanOrEqual(0);
    const records = await target.call('POST', '/serving-endpoints/inv-1/invocations', { dataframe_records: [{ a: 1 }, { a: 2 }] });
    expect(records.json.predictions).toHaveLength(2);
    const inputs = await target.call('POST', '/serving-endpoints/inv-1/invocations', { inputs: { a: [1, 2, 3, 4] } });
    expect(inputs.json.predictions).toHaveLength(4);
    const none = await target.call('POST', '/serving-endpoints/inv-1/invocations', { foo: 1 });
    expect(none.status).toBe(400);
  });

  it('routes traffic by the configured percentages and exports the latest whole minute as gauges (Prometheus text)', async () => {
    // Its own emulator on a controlled clock: the export shows whole minutes only.
    let now = 1_800_000_000_000;
    const t = await startServingMonitorsTarget({}, { clock: { now: () => now } });
    try {
      await t.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 0, ready_delay_ms: 0 });
      const created = await t.call('POST', '/api/2.0/serving-endpoints', {
        name: 'inv-m',
        config: {
          served_entities: [
            { name: 'churn-1', ...entity('1') },
            { name: 'churn-2', ...entity('2') },
          ],
          traffic_config: { routes: [{ served_model_name: 'churn-1', traffic_percentage: 70 }, { served_model_name: 'churn-2', traffic_percentage: 30 }] },
        },
      });
      expect(created.status).toBe(200);
      await t.call('POST', '/__emulator/serving/endpoints/inv-m/metrics', { served_entity_name: 'churn-2', error_rate: 0.5, p95_latency_ms: 420 });
      const seen: Record<string, number> = {};
      let errors = 0;
      for (let i = 0; i < 100; i++) {
        const res = await t.call('POST', '/serving-endpoints/inv-m/invocations', { dataframe_records: [{ a: i }] });
        const servedBy = res.headers.get('served-model-name') ?? '?';
        seen[servedBy] = (seen[servedBy] ?? 0) + 1;
        if (res.status !== 200) {
          errors += 1;
          expect(res.json.error_code).toBe('INTERNAL_ERROR');
          expect(servedBy).toBe('churn-2');
        }
      }
      expect(seen).toEqual({ 'churn-1': 70, 'churn-2': 30 });
      expect(errors).toBe(15);

      // The minute is not over: the export still shows the one before (no requests).
      const during = await t.call('GET', '/api/2.0/serving-endpoints/inv-m/metrics');
      expect(during.status).toBe(200);
      expect(during.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(during.text).toContain('# TYPE request_count_total gauge');
      expect(during.text).toContain('# TYPE request_latency_ms histogram');
      expect(during.text).toContain(`request_count_total{served_entity_name="churn-2"} 0 ${now}`);

      now += 60_000;
      const at = now;
      const metrics = (await t.call('GET', '/api/2.0/serving-endpoints/inv-m/metrics')).text;
      expect(metrics).toContain(`request_count_total{served_entity_name="churn-2"} 30 ${at}`);
      expect(metrics).toContain(`request_count_total{served_entity_name="churn-1"} 70 ${at}`);
      expect(metrics).toContain(`request_5xx_count_total{served_entity_name="churn-2"} 15 ${at}`);
      expect(metrics).toContain(`request_5xx_count_total{served_entity_name="churn-1"} 0 ${at}`);
      expect(metrics).toContain(`request_latency_ms_bucket{served_entity_name="churn-2",le="250"} 0 ${at}`);
      expect(metrics).toContain(`request_latency_ms_bucket{served_entity_name="churn-2",le="500"} 30 ${at}`);

      // A gauge, not a counter: the next minute without requests shows 0 again.
      now += 60_000;
      expect((await t.call('GET', '/api/2.0/serving-endpoints/inv-m/metrics')).text).toContain(`request_count_total{served_entity_name="churn-2"} 0 ${now}`);

      // Live traffic (a stand-in for the endpoint's users) follows the routes, minute by minute.
      await t.call('PATCH', '/__emulator/serving/settings', { live_traffic_per_minute: 200 });
      await t.call('GET', '/api/2.0/serving-endpoints/inv-m');
      now += 120_000;
      const live = (await t.call('GET', '/api/2.0/serving-endpoints/inv-m/metrics')).text;
      expect(live).toContain(`request_count_total{served_entity_name="churn-1"} 140 ${now}`);
      expect(live).toContain(`request_count_total{served_entity_name="churn-2"} 60 ${now}`);
    } finally {
      await t.close();
    }
  });

  it('fails every invocation of a live version that is then marked failing', async () => {
    await target.call('PATCH', '/__emulator/serving/settings', { failing_entities: [{ entity_name: 'main.ml.churn', entity_version: '1' }] });
    try {
      const statuses = new Set<number>();
      const servedBy = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const res = await target.call('POST', '/serving-endpoints/inv-1/invocations', { dataframe_records: [{ a: i }] });
        if (res.headers.get('served-model-name') === 'churn-1') statuses.add(res.status);
        servedBy.add(res.headers.get('served-model-name') ?? '?');
      }
      expect(servedBy).toContain('churn-1');
      expect([...statuses]).toEqual([500]);
    } finally {
      await target.call('PATCH', '/__emulator/serving/settings', { failing_entities: [] });
    }
  });

  it('adds synthetic requests through the admin route', async () => {
    const before = await target.call('POST', '/__emulator/serving/endpoints/inv-1/metrics', { served_entity_name: 'churn-1' });
    const res = await target.call('POST', '/__emulator/serving/endpoints/inv-1/metrics', { served_entity_name: 'churn-1', error_rate: 1, add_requests: 10 });
    expect(res.status).toBe(200);
    expect(res.json.error_5xx_count - before.json.error_5xx_count).toBe(10);
    expect(res.json.request_count - before.json.request_count).toBe(10);
    const unknown = await target.call('POST', '/__emulator/serving/endpoints/inv-1/metrics', { served_entity_name: 'churn-9', error_rate: 1 });
    expect(unknown.status).toBe(404);
  });
});
