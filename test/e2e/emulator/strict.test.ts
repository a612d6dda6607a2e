// Strict mode, behaviour by behaviour: for every id in STRICT_BEHAVIOURS the same requests are sent
// to the emulator with the behaviour off (the default reading) and on (the strict one), and both
// answers are checked. CASES is keyed by every behaviour id, so a new behaviour without a case does
// not compile. Also: how strictness is given (option, seed, environment, admin route), and that the
// two readings really differ.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { ALL_STRICT_BEHAVIOURS, parseStrict, resolveStrict, STRICT_BEHAVIOURS, type StrictBehaviour } from '../../../src/emulator/core/strict.js';
import { driftStatement, SOAK_STATEMENT } from '../../../src/evidence/live-sql.js';
import { call, type Reply } from './helpers.js';

const UC = '/api/2.0/mlflow/unity-catalog';
const REST = '/api/2.1/unity-catalog/models';
const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
const columns = [
  { name: 'ts', type_name: 'TIMESTAMP' },
  { name: 'prediction', type_name: 'DOUBLE' },
  { name: 'model_version', type_name: 'STRING' },
];

const SEED = {
  workspaces: {
    default: {
      catalog: {
        catalogs: [{ name: 'dev', schemas: ['ml', 'mon', 'mon2'] }],
        tables: [{ name: 'dev.ml.payload', columns }],
      },
      registry: {
        models: [
          {
            name: 'dev.ml.m',
            tags: { team: 'a' },
            versions: [
              { signature: SIGNATURE, tags: { owner: 'x' } },
              { signature: SIGNATURE, status: 'PENDING_REGISTRATION' },
            ],
          },
        ],
      },
      serving: {
        update_duration_ms: 60_000,
        endpoints: [{ name: 'ep', config: { served_entities: [{ name: 'm-1', entity_name: 'dev.ml.m', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] } }],
      },
      monitors: { activation_ms: 0, refresh_duration_ms: 60_000 },
      sql: {
        statement_duration_ms: 0,
        warehouses: [{ id: 'wh', state: 'RUNNING' }],
        tables: {
          'dev.mon.payload_drift_metrics': {
            rows: [{ window: { start: 0, end: 86_400_000 }, granularity: '1 day', slice_key: null, column_name: 'x', data_type: 'double', drift_type: 'BASELINE', model_version: '1', js_distance: 0.1 }],
          },
        },
      },
    },
  },
};

let now = 1_800_000_000_000;
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0, clock: { now: () => now }, strict: 'none' });
});
afterAll(async () => {
  await emu?.close();
});

const req = (method: string, path: string, body?: unknown): Promise<Reply> => call(emu.url, method, path, body === undefined ? {} : { body });
const code = (r: Reply) => [r.status, r.json.error_code];
const entity = (version: string) => ({ name: `m-${version}`, entity_name: 'dev.ml.m', entity_version: version, workload_size: 'Small', scale_to_zero_enabled: false });
const legacyMonitor = (extra: Record<string, unknown> = {}) =>
  req('POST', '/api/2.1/unity-catalog/tables/dev.ml.payload/monitor', {
    output_schema_name: 'dev.mon',
    assets_dir: '/Workspace/monitors/payload',
    inference_log: { problem_type: 'PROBLEM_TYPE_REGRESSION', timestamp_col: 'ts', granularities: ['1 day'], prediction_col: 'prediction', model_id_col: 'model_version' },
    schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'UTC' },
    ...extra,
  });
const sql = async (statement: string, parameters: Record<string, string>, warehouse = 'wh') => {
  const r = await req('POST', '/api/2.0/sql/statements', { warehouse_id: warehouse, statement, parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })), wait_timeout: '10s' });
  const body = r.json as { status?: { state: string; error?: { error_code: string; message: string } }; result?: { data_array?: unknown[] }; error_code?: string };
  return r.status === 200
    ? { status: r.status, state: body.status?.state, error: body.status?.error?.error_code ?? null, message: body.status?.error?.message ?? null, rows: body.result?.data_array ?? [] }
    : { status: r.status, error_code: body.error_code };
};
const tableId = async () => (await req('GET', '/api/2.1/unity-catalog/tables/dev.ml.payload')).json.table_id as string;

/** One behaviour: the requests, and what each reading answers. `run` returns what both readings are compared on. */
interface Case {
  run(): Promise<unknown>;
  lenient: unknown;
  strict: unknown;
}

const CASES: Record<StrictBehaviour, Case> = {
  'uc-alias-on-pending': {
    run: async () => [
      code(await req('POST', `${UC}/registered-models/alias`, { name: 'dev.ml.m', alias: 'next', version: '2' })),
      code(await call(emu.url, 'PUT', `${REST}/dev.ml.m/aliases/next`, { body: { version_num: 2 } })),
    ],
    lenient: [
      [200, undefined],
      [200, undefined],
    ],
    strict: [
      [400, 'INVALID_STATE'],
      [400, 'INVALID_STATE'],
    ],
  },
  'uc-finalize-not-pending': {
    run: async () => {
      const r = await req('POST', `${UC}/model-versions/finalize`, { name: 'dev.ml.m', version: '1' });
      return [...code(r), (r.json.model_version as { status?: string } | undefined)?.status, /pending registration/.test(String(r.json.message ?? ''))];
    },
    lenient: [200, undefined, 'READY', false],
    strict: [400, 'INVALID_STATE', undefined, true],
  },
  'uc-tag-rules': {
    run: async () => {
      const dotted = await req('POST', `${UC}/model-versions/set-tag`, { name: 'dev.ml.m', version: '1', key: 'mlops_gate.copy_of', value: 'x' });
      const dashed = await req('POST', `${UC}/registered-models/set-tag`, { name: 'dev.ml.m', key: 'a-b', value: 'x' });
      const longValue = await req('POST', `${UC}/model-versions/set-tag`, { name: 'dev.ml.m', version: '1', key: 'long', value: 'v'.repeat(1001) });
      const longKey = await req('POST', `${UC}/model-versions/set-tag`, { name: 'dev.ml.m', version: '1', key: 'k'.repeat(256), value: 'x' });
      const inCreate = await req('POST', `${UC}/registered-models/create`, { name: 'dev.ml.tagged', tags: [{ key: 'a:b', value: '1' }] });
      // 49 more on a version that has one (owner): the 50th fits, the 51st does not.
      for (let i = 0; i < 49; i++) await req('POST', `${UC}/model-versions/set-tag`, { name: 'dev.ml.m', version: '1', key: `t${i}`, value: '1' });
      const fiftyFirst = await req('POST', `${UC}/model-versions/set-tag`, { name: 'dev.ml.m', version: '1', key: 'one_too_many', value: '1' });
      const plain = await req('POST', `${UC}/model-versions/set-tag`, { name: 'dev.ml.m', version: '1', key: 'owner', value: 'y' });
      return [dotted, dashed, longValue, longKey, inCreate, fiftyFirst, plain].map((r) => r.status).concat(/reserved characters: List\(\., ,, -, =, \/, :\)/.test(String(dotted.json.message)) ? 1 : 0);
    },
    lenient: [200, 200, 200, 200, 200, 200, 200, 0],
    strict: [400, 400, 400, 400, 400, 400, 200, 1],
  },
  'uc-delete-missing': {
    run: async () => [
      (await req('DELETE', `${UC}/registered-models/alias`, { name: 'dev.ml.m', alias: 'nope' })).status,
      (await req('DELETE', `${UC}/model-versions/delete-tag`, { name: 'dev.ml.m', version: '1', key: 'nope' })).status,
      (await req('DELETE', `${UC}/registered-models/delete-tag`, { name: 'dev.ml.m', key: 'nope' })).status,
      (await call(emu.url, 'DELETE', `${REST}/dev.ml.m/aliases/nope`)).status,
    ],
    lenient: [200, 200, 200, 200],
    strict: [404, 404, 404, 404],
  },
  'uc-search-no-filter': {
    run: async () => code(await req('GET', `${UC}/model-versions/search`)),
    lenient: [200, undefined],
    strict: [400, 'INVALID_PARAMETER_VALUE'],
  },
  'uc-search-run-id': {
    run: async () => code(await req('GET', `${UC}/model-versions/search?filter=${encodeURIComponent("run_id='abc'")}`)),
    lenient: [200, undefined],
    strict: [400, 'INVALID_PARAMETER_VALUE'],
  },
  'uc-search-missing-model': {
    run: async () => {
      const r = await req('GET', `${UC}/model-versions/search?filter=${encodeURIComponent("name='dev.ml.nope'")}`);
      return [...code(r), r.json.model_versions];
    },
    lenient: [404, 'RESOURCE_DOES_NOT_EXIST', undefined],
    strict: [200, undefined, undefined],
  },
  'uc-not-found-code': {
    run: async () => [
      code(await req('GET', `${UC}/model-versions/get?name=dev.ml.m&version=99`)),
      code(await req('GET', `${UC}/registered-models/get?name=dev.ml.nope`)),
      code(await call(emu.url, 'GET', `${REST}/dev.ml.m/versions/99`)),
    ],
    lenient: [
      [404, 'RESOURCE_DOES_NOT_EXIST'],
      [404, 'RESOURCE_DOES_NOT_EXIST'],
      [404, 'RESOURCE_DOES_NOT_EXIST'],
    ],
    strict: [
      [404, 'NOT_FOUND'],
      [404, 'NOT_FOUND'],
      [404, 'NOT_FOUND'],
    ],
  },
  'uc-missing-alias-code': {
    run: async () => {
      const r = await req('GET', `${UC}/registered-models/alias?name=dev.ml.m&alias=nope`);
      return [...code(r), /alias .*(not found|does not exist)/i.test(String(r.json.message))];
    },
    lenient: [404, 'RESOURCE_DOES_NOT_EXIST', true],
    strict: [400, 'INVALID_PARAMETER_VALUE', true],
  },
  'uc-models-files-gated': {
    run: async () => {
      const open = (await req('GET', '/api/2.0/fs/files/Models/dev/ml/m/1/MLmodel')).status;
      emu.admin.workspace('default').state.registry = { ...(emu.admin.workspace('default').state.registry as object), files_api_for_models: false };
      const closed = code(await req('GET', '/api/2.0/fs/files/Models/dev/ml/m/1/MLmodel'));
      const listing = (await req('GET', '/api/2.0/fs/directories/Models/dev/ml/m/1')).status;
      const volume = (await call(emu.url, 'PUT', '/api/2.0/fs/files/Volumes/dev/ml/v/a.txt', { raw: 'x', headers: { 'content-type': 'application/octet-stream' } })).status;
      return [open, closed, listing, volume];
    },
    lenient: [200, [200, undefined], 200, 204],
    strict: [200, [403, 'PERMISSION_DENIED'], 403, 204],
  },
  'uc-update-no-change': {
    run: async () => [
      code(await req('PATCH', `${UC}/registered-models/update`, { name: 'dev.ml.m' })),
      code(await req('PATCH', `${UC}/model-versions/update`, { name: 'dev.ml.m', version: '1' })),
      code(await req('PATCH', `${UC}/model-versions/update`, { name: 'dev.ml.m', version: '1', description: 'changed' })),
    ],
    lenient: [
      [200, undefined],
      [200, undefined],
      [200, undefined],
    ],
    strict: [
      [400, 'INVALID_PARAMETER_VALUE'],
      [400, 'INVALID_PARAMETER_VALUE'],
      [200, undefined],
    ],
  },
  'serving-missing-version': {
    run: async () => {
      const missing = await req('PUT', '/api/2.0/serving-endpoints/ep/config', { served_entities: [entity('99')] });
      const afterPut = code(missing);
      now += 61_000;
      const ep = await req('GET', '/api/2.0/serving-endpoints/ep');
      const pending = await req('POST', '/api/2.0/serving-endpoints', { name: 'ep-pending', config: { served_entities: [entity('2')] } });
      now += 61_000;
      const created = await req('GET', '/api/2.0/serving-endpoints/ep-pending');
      return [afterPut, (ep.json.state as { config_update: string }).config_update, code(pending), (created.json.state as { config_update?: string } | undefined)?.config_update];
    },
    lenient: [[400, 'INVALID_PARAMETER_VALUE'], 'NOT_UPDATING', [400, 'INVALID_PARAMETER_VALUE'], undefined],
    strict: [[200, undefined], 'UPDATE_FAILED', [200, undefined], 'UPDATE_FAILED'],
  },
  'serving-not-found-code': {
    run: async () => [
      code(await req('GET', '/api/2.0/serving-endpoints/nope')),
      code(await req('GET', '/api/2.0/serving-endpoints/ep/served-models/nope/logs')),
    ],
    lenient: [
      [404, 'RESOURCE_DOES_NOT_EXIST'],
      [404, 'RESOURCE_DOES_NOT_EXIST'],
    ],
    strict: [
      [404, 'NOT_FOUND'],
      [404, 'NOT_FOUND'],
    ],
  },
  'serving-duplicate-code': {
    run: async () => code(await req('POST', '/api/2.0/serving-endpoints', { name: 'ep', config: { served_entities: [entity('1')] } })),
    lenient: [409, 'RESOURCE_ALREADY_EXISTS'],
    strict: [400, 'RESOURCE_ALREADY_EXISTS'],
  },
  'serving-conflict-code': {
    run: async () => {
      await req('PUT', '/api/2.0/serving-endpoints/ep/config', { served_entities: [{ ...entity('1'), workload_size: 'Medium' }] });
      return code(await req('PUT', '/api/2.0/serving-endpoints/ep/config', { served_entities: [entity('1')] }));
    },
    lenient: [409, 'RESOURCE_CONFLICT'],
    strict: [409, 'ABORTED'],
  },
  'serving-traffic-only': {
    run: async () => code(await req('PUT', '/api/2.0/serving-endpoints/ep/config', { traffic_config: { routes: [{ served_model_name: 'm-1', traffic_percentage: 100 }] } })),
    lenient: [200, undefined],
    strict: [400, 'INVALID_PARAMETER_VALUE'],
  },
  'serving-pending-config-version': {
    run: async () => {
      const put = await req('PUT', '/api/2.0/serving-endpoints/ep/config', { served_entities: [{ ...entity('1'), workload_size: 'Medium' }] });
      const get = await req('GET', '/api/2.0/serving-endpoints/ep');
      const versionOf = (r: Reply) => [(r.json.config as { config_version: number }).config_version, (r.json.pending_config as { config_version: number }).config_version];
      return [versionOf(put), versionOf(get)];
    },
    lenient: [
      [1, 2],
      [1, 2],
    ],
    strict: [
      [1, 1],
      [1, 1],
    ],
  },
  'serving-metrics': {
    run: async () => {
      await req('POST', '/__emulator/serving/endpoints/ep/metrics', { served_entity_name: 'm-1', add_requests: 5 });
      now += 60_000;
      const text = (await req('GET', '/api/2.0/serving-endpoints/ep/metrics')).text;
      const sample = /^request_count_total(\{[^}]*\})? (\d+)( \d+)?$/m.exec(text);
      now += 60_000;
      const idle = (await req('GET', '/api/2.0/serving-endpoints/ep/metrics')).text;
      return [
        /# TYPE request_count_total (\w+)/.exec(text)?.[1],
        sample?.[2],
        /served_entity_name="m-1"/.test(text) ? 'served_entity_name' : /served_model_name="m-1"/.test(text) ? 'served_model_name' : 'none',
        sample?.[3] !== undefined,
        /^request_count_total\{/m.test(idle),
      ];
    },
    // Both: per-minute gauges (the 5 requests of the last minute). Default: label served_entity_name,
    // timestamps, a zero series when idle; strict: served_model_name, no timestamps, no series when idle.
    lenient: ['gauge', '5', 'served_entity_name', true, true],
    strict: ['gauge', '5', 'served_model_name', false, false],
  },
  'serving-system-table': {
    run: async () => {
      const r = await sql(SOAK_STATEMENT, {
        inference_table: 'dev.mon.payload_drift_metrics',
        window_start_ms: '0',
        window_end_ms: '1',
        endpoint_name: 'ep',
        served_entity_name: 'm-1',
        entity_name: 'dev.ml.m',
        entity_version: '1',
      });
      // entity_records: the rows of system.serving.served_entities for the served model version.
      return [r.state, (r.rows as string[][])[0]?.[6]];
    },
    lenient: ['SUCCEEDED', '1'],
    strict: ['SUCCEEDED', '0'],
  },
  'sql-unknown-warehouse': {
    run: async () => sql('SELECT 1 AS one', {}, 'no-such-warehouse'),
    lenient: { status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST' },
    strict: { status: 200, state: 'FAILED', error: 'NOT_FOUND', message: 'SQL warehouse no-such-warehouse does not exist.', rows: [] },
  },
  'monitor-metrics-model-id': {
    run: async () => {
      const r = await sql(driftStatement(true), { drift_table: 'dev.mon.payload_drift_metrics', granularity: '1 day', drift_type: 'BASELINE', model_id_column: 'model_version', model_id: '1' });
      return [r.state, (r.rows as unknown[]).length, /UNRESOLVED_COLUMN/.test(String(r.message))];
    },
    lenient: ['SUCCEEDED', 1, false],
    strict: ['FAILED', 0, true],
  },
  'monitor-update-mask-leaf': {
    run: async () => {
      const id = await tableId();
      const schemaId = (await req('GET', '/api/2.1/unity-catalog/schemas/dev.mon')).json.schema_id as string;
      await req('POST', '/api/data-quality/v1/monitors', {
        object_type: 'table',
        object_id: id,
        data_profiling_config: {
          output_schema_id: schemaId,
          assets_dir: '/Workspace/m',
          inference_log: { problem_type: 'INFERENCE_PROBLEM_TYPE_REGRESSION', timestamp_column: 'ts', granularities: ['AGGREGATION_GRANULARITY_1_DAY'], prediction_column: 'prediction', model_id_column: 'model_version' },
        },
      });
      const body = { data_profiling_config: { schedule: { quartz_cron_expression: '0 0 7 * * ?', timezone_id: 'UTC' } } };
      const whole = await req('PATCH', `/api/data-quality/v1/monitors/table/${id}?update_mask=data_profiling_config.schedule`, body);
      const leaves = await req(
        'PATCH',
        `/api/data-quality/v1/monitors/table/${id}?update_mask=data_profiling_config.schedule.quartz_cron_expression,data_profiling_config.schedule.timezone_id`,
        body,
      );
      return [code(whole), code(leaves)];
    },
    lenient: [
      [200, undefined],
      [200, undefined],
    ],
    strict: [
      [400, 'INVALID_PARAMETER_VALUE'],
      [200, undefined],
    ],
  },
  'monitor-refresh-conflict-code': {
    run: async () => {
      await legacyMonitor();
      await req('POST', '/api/2.1/unity-catalog/tables/dev.ml.payload/monitor/refreshes');
      return code(await req('POST', '/api/2.1/unity-catalog/tables/dev.ml.payload/monitor/refreshes'));
    },
    lenient: [409, 'RESOURCE_CONFLICT'],
    strict: [409, 'ABORTED'],
  },
  'monitor-legacy-put': {
    run: async () => {
      await legacyMonitor({ slicing_exprs: ['model_version'] });
      const put = await req('PUT', '/api/2.1/unity-catalog/tables/dev.ml.payload/monitor', {
        output_schema_name: 'dev.mon',
        inference_log: { problem_type: 'PROBLEM_TYPE_REGRESSION', timestamp_col: 'ts', granularities: ['1 day', '1 hour'], prediction_col: 'prediction', model_id_col: 'model_version' },
      });
      return [put.status, put.json.schedule !== undefined, put.json.slicing_exprs !== undefined, put.json.assets_dir];
    },
    lenient: [200, true, true, '/Workspace/monitors/payload'],
    strict: [200, false, false, '/Workspace/monitors/payload'],
  },
  'monitor-legacy-output-schema': {
    run: async () => {
      await legacyMonitor();
      const put = await req('PUT', '/api/2.1/unity-catalog/tables/dev.ml.payload/monitor', { output_schema_name: 'dev.mon2' });
      return code(put);
    },
    lenient: [200, undefined],
    strict: [400, 'INVALID_PARAMETER_VALUE'],
  },
  'monitor-codes': {
    run: async () => {
      const absent = code(await req('GET', '/api/2.1/unity-catalog/tables/dev.ml.payload/monitor'));
      await legacyMonitor();
      const twice = code(await legacyMonitor());
      const dqAbsent = code(await req('GET', `/api/data-quality/v1/monitors/table/${await tableId()}/refreshes/42`));
      return [absent, twice, dqAbsent];
    },
    lenient: [
      [404, 'RESOURCE_DOES_NOT_EXIST'],
      [409, 'RESOURCE_ALREADY_EXISTS'],
      [404, 'RESOURCE_DOES_NOT_EXIST'],
    ],
    strict: [
      [404, 'NOT_FOUND'],
      [409, 'ALREADY_EXISTS'],
      [404, 'NOT_FOUND'],
    ],
  },
  'monitor-table-missing-code': {
    run: async () => code(await req('GET', '/api/2.1/unity-catalog/tables/dev.ml.nope/monitor')),
    lenient: [404, 'TABLE_DOES_NOT_EXIST'],
    strict: [404, 'NOT_FOUND'],
  },
};

describe('strict mode, behaviour by behaviour', () => {
  it.each(ALL_STRICT_BEHAVIOURS.map((b) => [b] as const))('%s: the default reading, then the strict one', async (behaviour) => {
    const c = CASES[behaviour];
    expect(c.lenient, 'the two readings differ').not.toEqual(c.strict);
    await emu.admin.reset();
    emu.admin.setStrict('none');
    expect(await c.run(), `default reading: ${STRICT_BEHAVIOURS[behaviour].lenient}`).toEqual(c.lenient);
    await emu.admin.reset();
    emu.admin.setStrict([behaviour]);
    expect(await c.run(), `strict reading: ${STRICT_BEHAVIOURS[behaviour].strict}`).toEqual(c.strict);
    emu.admin.setStrict('none');
  });
});

describe('how strictness is given', () => {
  it('parses all, none, lists, exclusions and refuses unknown ids', () => {
    expect([...parseStrict('all')].sort()).toEqual([...ALL_STRICT_BEHAVIOURS].sort());
    expect([...parseStrict('none')]).toEqual([]);
    expect([...parseStrict(undefined)]).toEqual([]);
    expect([...parseStrict('uc-tag-rules, serving-metrics')].sort()).toEqual(['serving-metrics', 'uc-tag-rules']);
    expect(parseStrict('all,-uc-tag-rules').has('uc-tag-rules')).toBe(false);
    expect(parseStrict({ all: true, except: ['uc-tag-rules'] }).size).toBe(ALL_STRICT_BEHAVIOURS.length - 1);
    expect(() => parseStrict('uc-tag-rule')).toThrow(/unknown strict behaviour 'uc-tag-rule'/);
    expect(() => parseStrict(['nope'])).toThrow(/unknown strict behaviour/);
  });

  it('takes the option first, then the seed, then MLOPS_GATE_EMULATOR_STRICT', () => {
    const env = { MLOPS_GATE_EMULATOR_STRICT: 'serving-metrics' };
    expect([...resolveStrict('uc-tag-rules', { strict: 'all' }, env)]).toEqual(['uc-tag-rules']);
    expect(resolveStrict(undefined, { strict: 'all' }, env).size).toBe(ALL_STRICT_BEHAVIOURS.length);
    expect([...resolveStrict(undefined, {}, env)]).toEqual(['serving-metrics']);
    expect([...resolveStrict(undefined, {}, {})]).toEqual([]);
  });

  it('starts from a seed with strict: all, and the admin route reads and changes it', async () => {
    const e = await startEmulator({ port: 0, seed: { strict: 'all', workspaces: { default: {} } }, modules: defaultModules(), tickMs: 0 });
    try {
      const got = await call(e.url, 'GET', '/__emulator/strict', { token: null });
      expect(got.json.strict).toEqual([...ALL_STRICT_BEHAVIOURS].sort());
      const set = await call(e.url, 'PUT', '/__emulator/strict', { token: null, body: { strict: ['uc-tag-rules'] } });
      expect(set.json.strict).toEqual(['uc-tag-rules']);
      const bad = await call(e.url, 'PUT', '/__emulator/strict', { token: null, body: { strict: 'everything' } });
      expect(bad.status).toBe(400);
      await e.admin.reset();
      expect(e.admin.strict(), 'reset keeps the strict set').toEqual(['uc-tag-rules']);
    } finally {
      await e.close();
    }
  });

  it('refuses a seed with an unknown behaviour', async () => {
    await expect(startEmulator({ port: 0, seed: { strict: ['uc-tag-rule'] }, modules: defaultModules(), tickMs: 0 })).rejects.toThrow(/seed fixture: strict: unknown strict behaviour/);
  });
});
