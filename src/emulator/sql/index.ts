// SQL warehouses and the SQL Statement Execution API (`/api/2.0/sql/statements`), over tables the
// module holds (seeded rows, the inference tables serving endpoints log to, the system table of
// served entities). Statements are the few mlops-gate sends (./statements.ts); any other FAILs.
//
// Lifecycle (databricks-sdk 0.156.0 `databricks/sdk/service/sql.py`): a statement is PENDING while
// its warehouse starts, RUNNING for `statement_duration_ms`, then SUCCEEDED or FAILED (HTTP 200 with
// status.error and status.sql_state). POST waits up to `wait_timeout` ("0s" or 5–50 s): a statement
// that ends within it is answered terminal, otherwise PENDING/RUNNING (`on_wait_timeout: CONTINUE`)
// or CANCELED (`CANCEL`). Results stay one hour after success, then the statement is CLOSED; after
// 12 hours in a terminal state GET answers 404. Time comes from ctx.clock; `tick` advances.

import type { EmulatorContext, EmulatorModule, EmulatorRequest, RouteTable, Workspace } from '../types.js';
import { DatabricksApiError } from '../types.js';
import { clone, hexId, invalidParameter, isObject, optionalArray, optionalBoolean, optionalNumber, optionalString, requiredString, sliceOf, type Json } from '../core/helpers.js';
import { runStatement, SqlFailure, type SqlOutcome, type SqlTableView } from './statements.js';

export const SQL_MODULE = 'sql';

export interface SqlSettings {
  /** How long a statement runs once its warehouse is up. */
  statement_duration_ms: number;
  /** How long a STOPPED warehouse takes to start (statements wait PENDING meanwhile). */
  warehouse_start_ms: number;
  /** Rows per result chunk (the rest through next_chunk_internal_link). */
  rows_per_chunk: number;
}

export interface Warehouse {
  id: string;
  name: string;
  state: 'RUNNING' | 'STOPPED' | 'STARTING';
  /** STARTING: when it is up. */
  running_at?: number;
}

export interface SqlTable {
  name: string;
  /** Declared columns (a row may also carry others). */
  columns: string[];
  rows: Json[];
  /** The caller has no SELECT on it. */
  denied?: boolean;
}

interface Statement {
  statement_id: string;
  warehouse_id: string;
  text: string;
  params: [string, string | null][];
  submitted_at: number;
  runs_at: number;
  completes_at: number;
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';
  finished_at?: number;
  outcome?: SqlOutcome;
  error?: { error_code: string; message: string };
  sql_state?: string;
}

export interface SqlState {
  settings: SqlSettings;
  warehouses: Record<string, Warehouse>;
  tables: Record<string, SqlTable>;
  statements: Record<string, Statement>;
}

const RESULT_TTL_MS = 3_600_000;
const FORGET_AFTER_MS = 12 * 3_600_000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']);
const METRIC_TABLE = /_(drift|profile)_metrics$/;

const initState = (): SqlState => ({
  settings: { statement_duration_ms: 1_000, warehouse_start_ms: 30_000, rows_per_chunk: 10_000 },
  warehouses: {},
  tables: {},
  statements: {},
});

export const sqlState = (ws: Workspace): SqlState => sliceOf(ws, SQL_MODULE, initState);

const tableKey = (name: string): string => name.toLowerCase();

/** Tables whose rows another module computes from its own state (the serving system table). */
const PROVIDERS = new Map<string, (ws: Workspace) => Json[]>();

/** Registers a table another module derives its rows for (read when a statement runs). */
export const provideSqlTable = (name: string, rows: (ws: Workspace) => Json[]): void => void PROVIDERS.set(tableKey(name), rows);

/** The table, created with `columns` when it does not exist (serving logs to its inference table this way). */
export function ensureSqlTable(ws: Workspace, name: string, columns: readonly string[]): SqlTable {
  const state = sqlState(ws);
  const key = tableKey(name);
  const table = (state.tables[key] ??= { name: key, columns: [...columns], rows: [] });
  for (const c of columns) if (!table.columns.includes(c)) table.columns.push(c);
  return table;
}

export function appendSqlRows(ws: Workspace, name: string, columns: readonly string[], rows: readonly Json[]): void {
  ensureSqlTable(ws, name, columns).rows.push(...rows.map((r) => clone(r)));
}

/** The documented columns of the tables the statements read (rows may leave any of them out: NULL). */
export const SERVED_ENTITIES_TABLE = 'system.serving.served_entities';
export const SERVED_ENTITIES_COLUMNS = ['served_entity_id', 'endpoint_name', 'endpoint_id', 'served_entity_name', 'entity_type', 'entity_name', 'entity_version', 'endpoint_config_version', 'change_time'];
export const INFERENCE_COLUMNS = ['databricks_request_id', 'client_request_id', 'request_date', 'request_time', 'status_code', 'sampling_fraction', 'execution_duration_ms', 'request', 'response', 'served_entity_id', 'logging_error_codes', 'requester'];
const METRIC_COMMON = ['window', 'granularity', 'monitor_version', 'slice_key', 'slice_value', 'column_name', 'data_type'];
const DRIFT_COLUMNS = [...METRIC_COMMON, 'window_cmp', 'drift_type', 'count_delta', 'avg_delta', 'percent_null_delta', 'percent_zeros_delta', 'percent_distinct_delta', 'non_null_columns_delta', 'js_distance', 'ks_test', 'wasserstein_distance', 'population_stability_index', 'chi_squared_test', 'tv_distance', 'l_infinity_distance'];
const PROFILE_COLUMNS = [...METRIC_COMMON, 'log_type', 'logging_table_commit_version', 'count', 'num_nulls', 'avg', 'quantiles', 'min', 'max', 'stddev', 'num_zeros', 'num_nan', 'min_length', 'max_length', 'avg_length', 'non_null_columns', 'frequent_items', 'median', 'distinct_count', 'percent_nan', 'percent_null', 'percent_zeros', 'percent_distinct'];

const defaultColumns = (name: string): string[] =>
  name === SERVED_ENTITIES_TABLE ? SERVED_ENTITIES_COLUMNS : name.endsWith('_drift_metrics') ? DRIFT_COLUMNS : name.endsWith('_profile_metrics') ? PROFILE_COLUMNS : name.endsWith('_payload') ? INFERENCE_COLUMNS : [];

const parseWaitTimeout = (raw: string | undefined): number => {
  if (raw === undefined) return 10_000;
  const m = /^(\d+)s$/.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  if (!(n === 0 || (n >= 5 && n <= 50))) throw invalidParameter(`wait_timeout must be "0s" or between "5s" and "50s", got "${raw}".`);
  return n * 1000;
};

export function createSqlModule(): EmulatorModule {
  return {
    name: SQL_MODULE,
    initState,
    routes: (table, ctx) => registerRoutes(table, ctx),
    seed(workspace, fixture, ctx) {
      seedSql(sqlState(workspace), fixture);
      ctx.changed();
    },
    tick(workspace, ctx) {
      if (advance(workspace, ctx)) ctx.changed();
    },
  };
}

export const sqlModule: EmulatorModule = createSqlModule();

// ---------------------------------------------------------------------------------------------
// Running statements

function execute(ws: Workspace, st: Statement, ctx: EmulatorContext): void {
  const state = sqlState(ws);
  const params = new Map(st.params);
  try {
    st.outcome = runStatement(st.text, {
      params,
      table: (name) => {
        const provided = PROVIDERS.get(tableKey(name));
        const table = state.tables[tableKey(name)] ?? (provided ? { name: tableKey(name), columns: defaultColumns(tableKey(name)), rows: [] } : undefined);
        if (!table) {
          const quoted = name.split('.').map((p) => `\`${p}\``).join('.');
          throw new SqlFailure('BAD_REQUEST', `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${quoted} cannot be found. Verify the spelling and correctness of the schema and catalog.`, '42P01');
        }
        if (table.denied) throw new SqlFailure('BAD_REQUEST', `[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT on Table '${table.name}'.`, '42501');
        const now = ctx.clock.now();
        // Rows not yet ingested (an inference table logs with a delay) are not seen.
        const rows = [...table.rows, ...(provided?.(ws) ?? [])].filter((r) => !(typeof r._visible_at === 'number' && r._visible_at > now));
        const view: SqlTableView = {
          columns: table.columns,
          // Strict serving-system-table: the system table lists no custom-model (Unity Catalog model) entities.
          rows: tableKey(name) === SERVED_ENTITIES_TABLE && ctx.strict('serving-system-table') ? rows.filter((r) => r.entity_type !== 'CUSTOM_MODEL') : rows,
        };
        return view;
      },
      hasColumn: (tableName, view, column) => {
        // Strict monitor-metrics-model-id: the metric tables carry no model id column.
        if (METRIC_TABLE.test(tableName) && ctx.strict('monitor-metrics-model-id')) return false;
        return view.columns.includes(column) || view.rows.some((r) => Object.hasOwn(r, column));
      },
    });
    st.state = 'SUCCEEDED';
  } catch (e) {
    if (!(e instanceof SqlFailure)) throw e;
    st.state = 'FAILED';
    st.error = { error_code: e.errorCode, message: e.message };
    st.sql_state = e.sqlState;
  }
  st.finished_at = st.completes_at;
}

/** Moves statements and warehouses along; returns whether anything changed. */
function advance(ws: Workspace, ctx: EmulatorContext): boolean {
  const state = sqlState(ws);
  const now = ctx.clock.now();
  let changed = false;
  for (const w of Object.values(state.warehouses)) {
    if (w.state === 'STARTING' && (w.running_at ?? 0) <= now) {
      w.state = 'RUNNING';
      delete w.running_at;
      changed = true;
    }
  }
  for (const st of Object.values(state.statements)) {
    if (st.state === 'PENDING' && now >= st.runs_at) {
      st.state = 'RUNNING';
      changed = true;
    }
    if ((st.state === 'PENDING' || st.state === 'RUNNING') && now >= st.completes_at) {
      execute(ws, st, ctx);
      changed = true;
    }
    if (st.state === 'SUCCEEDED' && st.finished_at !== undefined && now - st.finished_at >= RESULT_TTL_MS) {
      st.state = 'CLOSED';
      delete st.outcome;
      changed = true;
    }
    if (TERMINAL.has(st.state) && now - (st.finished_at ?? st.submitted_at) >= FORGET_AFTER_MS) {
      delete state.statements[st.statement_id];
      changed = true;
    }
  }
  return changed;
}

function chunkOf(st: Statement, index: number, rowsPerChunk: number): Json {
  const rows = st.outcome?.rows ?? [];
  const slice = rows.slice(index * rowsPerChunk, (index + 1) * rowsPerChunk);
  const more = (index + 1) * rowsPerChunk < rows.length;
  return {
    chunk_index: index,
    row_offset: index * rowsPerChunk,
    row_count: slice.length,
    // The SDK leaves an empty data_array out (ResultData.as_dict: `if self.data_array`).
    ...(slice.length > 0 ? { data_array: slice.map((r) => [...r]) } : {}),
    ...(more ? { next_chunk_index: index + 1, next_chunk_internal_link: `/api/2.0/sql/statements/${st.statement_id}/result/chunks/${index + 1}` } : {}),
  };
}

function render(st: Statement, settings: SqlSettings): Json {
  const status: Json = { state: st.state };
  if (st.error) status.error = { ...st.error };
  if (st.sql_state) status.sql_state = st.sql_state;
  const out: Json = { statement_id: st.statement_id, status };
  if (st.state === 'SUCCEEDED' && st.outcome) {
    const rows = st.outcome.rows.length;
    const chunks = Math.max(1, Math.ceil(rows / settings.rows_per_chunk));
    out.manifest = {
      format: 'JSON_ARRAY',
      schema: { column_count: st.outcome.columns.length, columns: st.outcome.columns.map((c, position) => ({ ...c, position })) },
      total_row_count: rows,
      total_chunk_count: chunks,
      chunks: Array.from({ length: chunks }, (_, i) => ({ chunk_index: i, row_offset: i * settings.rows_per_chunk, row_count: Math.min(settings.rows_per_chunk, rows - i * settings.rows_per_chunk) })),
      truncated: false,
    };
    out.result = chunkOf(st, 0, settings.rows_per_chunk);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Routes

function registerRoutes(table: RouteTable, ctx: EmulatorContext): void {
  const now = () => ctx.clock.now();
  const statementOf = (req: EmulatorRequest): Statement => {
    const st = sqlState(req.workspace).statements[req.params.id ?? ''];
    if (!st) throw new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${req.params.id ?? ''} does not exist (statements are removed 12 hours after they end).`);
    return st;
  };

  table.add('POST', '/api/2.0/sql/statements', (req) => {
    const ws = req.workspace;
    const state = sqlState(ws);
    const body = req.body ?? {};
    const text = requiredString(body, 'statement');
    const warehouseId = requiredString(body, 'warehouse_id');
    const wait = parseWaitTimeout(optionalString(body, 'wait_timeout'));
    const onWait = optionalString(body, 'on_wait_timeout') ?? 'CONTINUE';
    if (onWait !== 'CONTINUE' && onWait !== 'CANCEL') throw invalidParameter(`on_wait_timeout must be CONTINUE or CANCEL, got "${onWait}".`);
    const disposition = optionalString(body, 'disposition') ?? 'INLINE';
    const format = optionalString(body, 'format') ?? 'JSON_ARRAY';
    if (disposition !== 'INLINE') throw new DatabricksApiError(400, 'BAD_REQUEST', `disposition ${disposition} is not emulated (only INLINE).`);
    if (format !== 'JSON_ARRAY') throw invalidParameter(`format ${format} is supported only with disposition EXTERNAL_LINKS; INLINE takes JSON_ARRAY.`);
    const params: [string, string | null][] = (optionalArray(body, 'parameters') ?? []).map((p, i) => {
      if (!isObject(p)) throw invalidParameter(`parameters[${i}] must be an object.`);
      const name = requiredString(p, 'name', `parameters[${i}].name`);
      const value = p.value;
      if (value !== undefined && value !== null && typeof value !== 'string') throw invalidParameter(`parameters[${i}].value must be a string.`);
      const type = optionalString(p, 'type', `parameters[${i}].type`) ?? 'STRING';
      if (type === 'BIGINT' && typeof value === 'string' && !/^-?\d+$/.test(value)) throw invalidParameter(`parameters[${i}]: "${value}" cannot be cast to BIGINT.`);
      return [name, typeof value === 'string' ? value : null];
    });
    const t = now();
    const warehouse = state.warehouses[warehouseId];
    const id = `01ef${hexId(14)}`;
    const st: Statement = { statement_id: id, warehouse_id: warehouseId, text, params, submitted_at: t, runs_at: t, completes_at: t, state: 'PENDING' };
    if (!warehouse) {
      // Default: refused when submitted. Strict sql-unknown-warehouse: accepted, then FAILED.
      if (!ctx.strict('sql-unknown-warehouse')) throw new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', `SQL warehouse ${warehouseId} does not exist.`);
      Object.assign(st, { state: 'FAILED', finished_at: t, error: { error_code: 'NOT_FOUND', message: `SQL warehouse ${warehouseId} does not exist.` } });
      state.statements[id] = st;
      ctx.changed();
      return { body: render(st, state.settings) };
    }
    if (warehouse.state === 'STOPPED') {
      warehouse.state = 'STARTING';
      warehouse.running_at = t + state.settings.warehouse_start_ms;
    }
    st.runs_at = warehouse.state === 'STARTING' ? (warehouse.running_at ?? t) : t;
    st.completes_at = st.runs_at + state.settings.statement_duration_ms;
    state.statements[id] = st;
    if (wait > 0 && st.completes_at - t <= wait) {
      // The server waits for it: answered terminal (on this emulator's clock, no time passes).
      execute(ws, st, ctx);
    } else {
      st.state = t >= st.runs_at ? 'RUNNING' : 'PENDING';
      if (wait > 0 && onWait === 'CANCEL') Object.assign(st, { state: 'CANCELED', finished_at: t });
    }
    ctx.changed();
    return { body: render(st, state.settings) };
  });

  table.add('GET', '/api/2.0/sql/statements/:id', (req) => ({ body: render(statementOf(req), sqlState(req.workspace).settings) }));

  table.add('GET', '/api/2.0/sql/statements/:id/result/chunks/:index', (req) => {
    const st = statementOf(req);
    const index = Number(req.params.index);
    const settings = sqlState(req.workspace).settings;
    if (st.state !== 'SUCCEEDED' || !st.outcome) throw new DatabricksApiError(400, 'BAD_REQUEST', `Statement ${st.statement_id} is ${st.state}: it has no result to fetch.`);
    if (!Number.isInteger(index) || index < 0 || index * settings.rows_per_chunk >= Math.max(1, st.outcome.rows.length)) {
      throw invalidParameter(`chunk_index ${req.params.index ?? ''} is out of range.`);
    }
    return { body: chunkOf(st, index, settings.rows_per_chunk) };
  });

  table.add('POST', '/api/2.0/sql/statements/:id/cancel', (req) => {
    const st = statementOf(req);
    if (st.state === 'PENDING' || st.state === 'RUNNING') {
      Object.assign(st, { state: 'CANCELED', finished_at: now() });
      ctx.changed();
    }
    return { body: {} };
  });

  // --- Emulator admin routes (not part of the Databricks API) ---

  table.add('GET', '/__emulator/sql/statements', (req) => ({
    body: { statements: Object.values(sqlState(req.workspace).statements).map((s) => ({ statement_id: s.statement_id, state: s.state, warehouse_id: s.warehouse_id, submitted_at: s.submitted_at, statement: s.text, parameters: s.params.map(([name, value]) => ({ name, value })) })) },
  }));
  table.add('PATCH', '/__emulator/sql/settings', (req) => {
    const state = sqlState(req.workspace);
    applySettings(state.settings, req.body ?? {});
    ctx.changed();
    return { body: clone(state.settings) };
  });
  table.add('PUT', '/__emulator/sql/warehouses/:id', (req) => {
    const state = sqlState(req.workspace);
    state.warehouses[req.params.id!] = parseWarehouse({ ...(req.body ?? {}), id: req.params.id }, 'warehouse');
    ctx.changed();
    return { body: clone(state.warehouses[req.params.id!]!) };
  });
  // Append rows to a table (created if missing, with its documented columns when it is a known kind).
  table.add('POST', '/__emulator/sql/tables/:name/rows', (req) => {
    const name = tableKey(req.params.name!);
    const rows = optionalArray(req.body ?? {}, 'rows') ?? [];
    if (!rows.every(isObject)) throw invalidParameter('rows must be objects.');
    appendSqlRows(req.workspace, name, defaultColumns(name), rows as Json[]);
    ctx.changed();
    return { body: { table: name, rows: sqlState(req.workspace).tables[name]!.rows.length } };
  });
  table.add('PUT', '/__emulator/sql/tables/:name', (req) => {
    const state = sqlState(req.workspace);
    const name = tableKey(req.params.name!);
    state.tables[name] = parseTable(name, req.body ?? {});
    ctx.changed();
    return { body: { table: name, rows: state.tables[name].rows.length } };
  });
  table.add('DELETE', '/__emulator/sql/tables/:name', (req) => {
    delete sqlState(req.workspace).tables[tableKey(req.params.name!)];
    ctx.changed();
    return { body: {} };
  });
}

// ---------------------------------------------------------------------------------------------
// Seed: { statement_duration_ms?, warehouse_start_ms?, rows_per_chunk?, warehouses?: [{id, name?, state?}],
//         tables?: { "<catalog.schema.table>": { rows: [...], columns?: [...], denied?: bool } } }

function applySettings(settings: SqlSettings, body: Json): void {
  for (const key of ['statement_duration_ms', 'warehouse_start_ms', 'rows_per_chunk'] as const) {
    const v = optionalNumber(body, key);
    if (v === undefined) continue;
    if (v < 0 || (key === 'rows_per_chunk' && (v < 1 || !Number.isInteger(v)))) throw invalidParameter(`${key} is out of range.`);
    settings[key] = v;
  }
}

function parseWarehouse(raw: Json, where: string): Warehouse {
  const id = requiredString(raw, 'id', `${where}.id`);
  const state = optionalString(raw, 'state', `${where}.state`) ?? 'RUNNING';
  if (state !== 'RUNNING' && state !== 'STOPPED') throw invalidParameter(`${where}.state must be RUNNING or STOPPED.`);
  return { id, name: optionalString(raw, 'name') ?? id, state };
}

function parseTable(name: string, raw: Json): SqlTable {
  const rows = optionalArray(raw, 'rows') ?? [];
  if (!rows.every(isObject)) throw invalidParameter(`tables.${name}.rows must be objects.`);
  const columns = optionalArray(raw, 'columns') ?? defaultColumns(name);
  return { name, columns: columns.map(String), rows: rows as Json[], ...(optionalBoolean(raw, 'denied') ? { denied: true } : {}) };
}

function seedSql(state: SqlState, fixture: unknown): void {
  if (fixture === undefined || fixture === null) return;
  if (!isObject(fixture)) throw invalidParameter('sql seed must be an object.');
  applySettings(state.settings, fixture);
  for (const [i, raw] of (optionalArray(fixture, 'warehouses') ?? []).entries()) {
    if (!isObject(raw)) throw invalidParameter(`sql.warehouses[${i}] must be an object.`);
    const w = parseWarehouse(raw, `sql.warehouses[${i}]`);
    state.warehouses[w.id] = w;
  }
  const tables = fixture.tables;
  if (tables !== undefined) {
    if (!isObject(tables)) throw invalidParameter('sql.tables must map table names to { rows }.');
    for (const [name, raw] of Object.entries(tables)) {
      if (!isObject(raw)) throw invalidParameter(`sql.tables.${name} must be an object.`);
      state.tables[tableKey(name)] = parseTable(tableKey(name), raw);
    }
  }
}
