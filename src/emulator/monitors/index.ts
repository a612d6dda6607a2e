// Lakehouse / Data Quality monitoring, both API generations over one set of monitors:
//   legacy  /api/2.1/unity-catalog/tables/{table_name}/monitor        (SDK QualityMonitorsAPI, addressed by name)
//   current /api/data-quality/v1/monitors/{object_type}/{object_id}   (SDK DataQualityAPI, addressed by UUID)
// Tables and schemas belong to the catalog module (which serves `GET /api/2.1/unity-catalog/tables/{name}`,
// the lookup clients use to turn a name into a `table_id`); this module reads them through its helpers and
// registers the metric tables a monitor creates. A monitor created through one API is visible through the
// other, as on Databricks, so each is stored once in a neutral form and rendered per API.

import type { EmulatorContext, EmulatorModule, EmulatorRequest, RouteTable, Workspace } from '../types.js';
import { DatabricksApiError } from '../types.js';
import { addTable, getSchemaById, getTable, getTableById, requireSchema, type TableRecord } from '../catalog/index.js';
import {
  alreadyExists,
  clone,
  withoutUndefined,
  conflict,
  notFound,
  hexId,
  invalidParameter,
  isObject,
  optionalArray,
  optionalBoolean,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredString,
  sliceOf,
  stringArray,
  type Json,
} from '../core/helpers.js';

export const MONITORS_MODULE = 'monitors';

export interface MonitorsSettings {
  /** Time from create until status ACTIVE (PENDING before). */
  activation_ms: number;
  /** Time a refresh takes from PENDING to SUCCESS/FAILED; RUNNING from a quarter of it. */
  refresh_duration_ms: number;
  /** Full table names whose refreshes end FAILED. */
  failing_tables: string[];
}

export interface MonitorsModuleOptions {
  activationMs?: number;
  refreshDurationMs?: number;
}

type ProblemType = 'CLASSIFICATION' | 'REGRESSION';
type MetricType = 'AGGREGATE' | 'DERIVED' | 'DRIFT';
type MonitorStatus = 'ACTIVE' | 'PENDING' | 'ERROR' | 'FAILED' | 'DELETE_PENDING';
type RefreshState = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELED';

type Analysis =
  | {
      kind: 'inference_log';
      problem_type: ProblemType;
      timestamp: string;
      granularities: string[];
      prediction: string;
      model_id: string;
      label?: string;
      prediction_proba?: string;
    }
  | { kind: 'time_series'; timestamp: string; granularities: string[] }
  | { kind: 'snapshot' };

interface CustomMetric {
  name: string;
  definition: string;
  input_columns: string[];
  output_data_type: string;
  type: MetricType;
}

/** API-neutral monitor; granularities are kept in the legacy spelling ("1 day"). */
interface MonitorConfig {
  output_schema_name: string;
  assets_dir?: string;
  baseline_table_name?: string;
  custom_metrics?: CustomMetric[];
  analysis: Analysis;
  schedule?: { quartz_cron_expression: string; timezone_id: string; paused: boolean };
  failure_emails?: string[];
  slicing_exprs?: string[];
  skip_builtin_dashboard?: boolean;
  warehouse_id?: string;
  data_classification_config?: Json;
}

interface MonitorRecord extends MonitorConfig {
  table_id: string;
  table_name: string;
  monitor_version: number;
  dashboard_id?: string;
  created_at: number;
  active_at: number;
}

interface RefreshRecord {
  refresh_id: number;
  state: RefreshState;
  start_time_ms: number;
  end_time_ms?: number;
  message?: string;
  running_at: number;
  completes_at: number;
  fails: boolean;
}

export interface MonitorsState {
  settings: MonitorsSettings;
  /** Table monitors keyed by table_id. */
  monitors: Record<string, MonitorRecord>;
  /** Schema-level (anomaly detection) monitors of the Data Quality API, keyed by schema_id. */
  schema_monitors: Record<string, Json>;
  /** Refreshes per table_id, oldest first. */
  refreshes: Record<string, RefreshRecord[]>;
  next_refresh_id: number;
}

const LEGACY_GRANULARITIES = ['5 minutes', '30 minutes', '1 hour', '1 day', '1 week', '2 weeks', '3 weeks', '4 weeks', '1 month', '1 year'];
const dqGranularity = (legacy: string): string => `AGGREGATION_GRANULARITY_${legacy.toUpperCase().replace(/ /g, '_')}`;
const legacyByDq = new Map(LEGACY_GRANULARITIES.map((g) => [dqGranularity(g), g]));
const METRIC_TYPES: MetricType[] = ['AGGREGATE', 'DERIVED', 'DRIFT'];
const MAX_FAILURE_EMAILS = 5;
const MAX_LEGACY_REFRESHES = 25;

export function createMonitorsModule(options: MonitorsModuleOptions = {}): EmulatorModule {
  const initState = (): MonitorsState => ({
    settings: {
      activation_ms: options.activationMs ?? 500,
      refresh_duration_ms: options.refreshDurationMs ?? 2_000,
      failing_tables: [],
    },
    monitors: {},
    schema_monitors: {},
    refreshes: {},
    next_refresh_id: 1,
  });
  const slice = (ws: Workspace): MonitorsState => sliceOf(ws, MONITORS_MODULE, initState);
  return {
    name: MONITORS_MODULE,
    initState,
    routes(table: RouteTable, ctx: EmulatorContext) {
      registerRoutes(table, ctx, slice);
    },
    seed(workspace: Workspace, fixture: unknown, ctx: EmulatorContext) {
      seedMonitors(slice(workspace), fixture);
      ctx.changed();
    },
    tick(workspace: Workspace, ctx: EmulatorContext) {
      if (advanceRefreshes(slice(workspace), ctx.clock.now())) ctx.changed();
    },
  };
}

export const monitorsModule: EmulatorModule = createMonitorsModule();

// ---------------------------------------------------------------------------------------------
// Time

function advanceRefreshes(state: MonitorsState, now: number): boolean {
  let changed = false;
  for (const list of Object.values(state.refreshes)) {
    for (const r of list) {
      if (r.state === 'PENDING' && now >= r.running_at) {
        r.state = 'RUNNING';
        changed = true;
      }
      if (r.state === 'RUNNING' && now >= r.completes_at) {
        r.state = r.fails ? 'FAILED' : 'SUCCESS';
        r.end_time_ms = r.completes_at;
        if (r.fails) r.message = 'Refresh failed: the emulator was told to fail refreshes of this table.';
        changed = true;
      }
    }
  }
  return changed;
}

const monitorStatus = (m: MonitorRecord, now: number): MonitorStatus => (now >= m.active_at ? 'ACTIVE' : 'PENDING');

// ---------------------------------------------------------------------------------------------
// Tables and schemas

const splitName = (fullName: string, parts: number, what: string): string[] => {
  const split = fullName.split('.');
  if (split.length !== parts || split.some((p) => p === ''))
    throw invalidParameter(`'${fullName}' is not a valid ${what} name: expected ${parts === 3 ? 'catalog.schema.table' : 'catalog.schema'}.`);
  return split;
};

const fullNameOf = (t: TableRecord): string => `${t.catalog_name}.${t.schema_name}.${t.name}`;

const tableByName = (ws: Workspace, fullName: string): TableRecord => {
  const table = getTable(ws, fullName);
  if (!table) throw new DatabricksApiError(404, 'TABLE_DOES_NOT_EXIST', `Table '${fullName}' does not exist.`);
  return table;
};

/** Throws CATALOG_/SCHEMA_DOES_NOT_EXIST (404) unless the `catalog.schema` exists; returns its id. */
const requireSchemaByName = (ws: Workspace, fullName: string): string => {
  const [catalog, schema] = splitName(fullName, 2, 'schema');
  return requireSchema(ws, catalog!, schema!).schema_id;
};

const schemaIdOf = (ws: Workspace, fullName: string): string | undefined => {
  try {
    return requireSchemaByName(ws, fullName);
  } catch {
    return undefined;
  }
};

// ---------------------------------------------------------------------------------------------
// Parsing shared by both APIs. `api` selects field spellings and enum names.

type Api = 'legacy' | 'dq';

function parseGranularities(raw: unknown, api: Api, where: string): string[] {
  if (!Array.isArray(raw) || raw.length === 0) throw invalidParameter(`${where}.granularities is required and must not be empty.`);
  return raw.map((g, i) => {
    if (typeof g !== 'string') throw invalidParameter(`${where}.granularities[${i}] must be a string.`);
    if (api === 'dq') {
      const legacy = legacyByDq.get(g);
      if (!legacy)
        throw invalidParameter(`${where}.granularities[${i}] '${g}' is not one of ${[...legacyByDq.keys()].join(', ')}.`);
      return legacy;
    }
    const normal = g.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^1 weeks$/, '1 week');
    const fixed = /^[234] week$/.test(normal) ? `${normal}s` : normal;
    if (!LEGACY_GRANULARITIES.includes(fixed))
      throw invalidParameter(`${where}.granularities[${i}] '${g}' is not supported; use one of ${LEGACY_GRANULARITIES.map((x) => `"${x}"`).join(', ')}.`);
    return fixed;
  });
}

function parseAnalysis(body: Json, api: Api, prefix: string): Analysis | undefined {
  const col = (name: string) => (api === 'legacy' ? `${name}_col` : `${name}_column`);
  const found = (['inference_log', 'time_series', 'snapshot'] as const).filter((k) => body[k] !== undefined && body[k] !== null);
  if (found.length === 0) return undefined;
  if (found.length > 1)
    throw invalidParameter(`Exactly one of ${prefix}inference_log, ${prefix}time_series or ${prefix}snapshot may be set; got ${found.join(', ')}.`);
  const kind = found[0]!;
  const where = `${prefix}${kind}`;
  const cfg = optionalObject(body, kind, where)!;
  if (kind === 'snapshot') return { kind };
  const timestamp = requiredString(cfg, col('timestamp'), `${where}.${col('timestamp')}`);
  const granularities = parseGranularities(cfg.granularities, api, where);
  if (kind === 'time_series') return { kind, timestamp, granularities };
  const problemRaw = requiredString(cfg, 'problem_type', `${where}.problem_type`);
  const problemPrefix = api === 'legacy' ? 'PROBLEM_TYPE_' : 'INFERENCE_PROBLEM_TYPE_';
  const problem = problemRaw.startsWith(problemPrefix) ? problemRaw.slice(problemPrefix.length) : '';
  if (problem !== 'CLASSIFICATION' && problem !== 'REGRESSION')
    throw invalidParameter(`${where}.problem_type '${problemRaw}' is not one of ${problemPrefix}CLASSIFICATION, ${problemPrefix}REGRESSION.`);
  return withoutUndefined({
    kind,
    problem_type: problem,
    timestamp,
    granularities,
    prediction: requiredString(cfg, col('prediction'), `${where}.${col('prediction')}`),
    model_id: requiredString(cfg, col('model_id'), `${where}.${col('model_id')}`),
    label: optionalString(cfg, col('label'), `${where}.${col('label')}`),
    prediction_proba: api === 'legacy' ? optionalString(cfg, 'prediction_proba_col', `${where}.prediction_proba_col`) : undefined,
  }) as Analysis;
}

function parseCustomMetrics(raw: unknown[] | undefined, api: Api, where: string): CustomMetric[] | undefined {
  if (raw === undefined) return undefined;
  const typePrefix = api === 'legacy' ? 'CUSTOM_METRIC_TYPE_' : 'DATA_PROFILING_CUSTOM_METRIC_TYPE_';
  return raw.map((m, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(m)) throw invalidParameter(`${at} must be an object.`);
    const typeRaw = requiredString(m, 'type', `${at}.type`);
    const type = typeRaw.slice(typePrefix.length) as MetricType;
    if (!typeRaw.startsWith(typePrefix) || !METRIC_TYPES.includes(type))
      throw invalidParameter(`${at}.type '${typeRaw}' is not one of ${METRIC_TYPES.map((t) => typePrefix + t).join(', ')}.`);
    const inputs = optionalArray(m, 'input_columns', `${at}.input_columns`);
    if (!inputs || inputs.length === 0) throw invalidParameter(`${at}.input_columns is required.`);
    return {
      name: requiredString(m, 'name', `${at}.name`),
      definition: requiredString(m, 'definition', `${at}.definition`),
      input_columns: stringArray(inputs, `${at}.input_columns`),
      output_data_type: requiredString(m, 'output_data_type', `${at}.output_data_type`),
      type,
    };
  });
}

function parseSchedule(raw: Json | undefined, api: Api, where: string): MonitorConfig['schedule'] {
  if (!raw) return undefined;
  const pause = optionalString(raw, 'pause_status', `${where}.pause_status`);
  const pausedValues = api === 'legacy' ? ['PAUSED'] : ['CRON_SCHEDULE_PAUSE_STATUS_PAUSED'];
  const allowed =
    api === 'legacy' ? ['PAUSED', 'UNPAUSED', 'UNSPECIFIED'] : ['CRON_SCHEDULE_PAUSE_STATUS_PAUSED', 'CRON_SCHEDULE_PAUSE_STATUS_UNPAUSED'];
  if (pause !== undefined && !allowed.includes(pause))
    throw invalidParameter(`${where}.pause_status '${pause}' is not one of ${allowed.join(', ')}.`);
  const cron = requiredString(raw, 'quartz_cron_expression', `${where}.quartz_cron_expression`);
  if (cron.trim().split(/\s+/).length < 6)
    throw invalidParameter(`${where}.quartz_cron_expression '${cron}' is not a Quartz cron expression (6 or 7 fields).`);
  return {
    quartz_cron_expression: cron,
    timezone_id: requiredString(raw, 'timezone_id', `${where}.timezone_id`),
    paused: pause !== undefined && pausedValues.includes(pause),
  };
}

function parseEmails(notifications: Json | undefined, where: string): string[] | undefined {
  if (!notifications) return undefined;
  const onFailure = optionalObject(notifications, 'on_failure', `${where}.on_failure`);
  if (!onFailure) return undefined;
  const emails = stringArray(optionalArray(onFailure, 'email_addresses', `${where}.on_failure.email_addresses`) ?? [], `${where}.on_failure.email_addresses`);
  if (emails.length > MAX_FAILURE_EMAILS)
    throw invalidParameter(`${where}.on_failure.email_addresses allows at most ${MAX_FAILURE_EMAILS} addresses; got ${emails.length}.`);
  return emails;
}

/** Fields common to both APIs, from the body in the given API's spelling. */
function parseCommon(body: Json, api: Api, prefix: string): Omit<MonitorConfig, 'output_schema_name' | 'analysis'> {
  const slicing = optionalArray(body, 'slicing_exprs', `${prefix}slicing_exprs`);
  return withoutUndefined({
    assets_dir: optionalString(body, 'assets_dir', `${prefix}assets_dir`),
    baseline_table_name: optionalString(body, 'baseline_table_name', `${prefix}baseline_table_name`),
    custom_metrics: parseCustomMetrics(optionalArray(body, 'custom_metrics', `${prefix}custom_metrics`), api, `${prefix}custom_metrics`),
    schedule: parseSchedule(optionalObject(body, 'schedule', `${prefix}schedule`), api, `${prefix}schedule`),
    failure_emails: parseEmails(
      optionalObject(body, api === 'legacy' ? 'notifications' : 'notification_settings'),
      `${prefix}${api === 'legacy' ? 'notifications' : 'notification_settings'}`,
    ),
    slicing_exprs: slicing ? stringArray(slicing, `${prefix}slicing_exprs`) : undefined,
    skip_builtin_dashboard: optionalBoolean(body, 'skip_builtin_dashboard', `${prefix}skip_builtin_dashboard`),
    warehouse_id: optionalString(body, 'warehouse_id', `${prefix}warehouse_id`),
    data_classification_config: api === 'legacy' ? optionalObject(body, 'data_classification_config') : undefined,
  }) as Omit<MonitorConfig, 'output_schema_name' | 'analysis'>;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const tableShortName = (fullName: string) => fullName.split('.').pop() ?? fullName;

function derivedNames(m: MonitorRecord) {
  const short = tableShortName(m.table_name);
  return {
    profile_metrics_table_name: `${m.output_schema_name}.${short}_profile_metrics`,
    drift_metrics_table_name: `${m.output_schema_name}.${short}_drift_metrics`,
  };
}

function renderLegacy(m: MonitorRecord, now: number): Json {
  const a = m.analysis;
  return withoutUndefined({
    table_name: m.table_name,
    status: `MONITOR_STATUS_${monitorStatus(m, now)}`,
    monitor_version: m.monitor_version,
    ...derivedNames(m),
    output_schema_name: m.output_schema_name,
    assets_dir: m.assets_dir,
    dashboard_id: m.dashboard_id,
    baseline_table_name: m.baseline_table_name,
    custom_metrics: m.custom_metrics?.map((c) => ({ ...c, input_columns: [...c.input_columns], type: `CUSTOM_METRIC_TYPE_${c.type}` })),
    inference_log:
      a.kind === 'inference_log'
        ? withoutUndefined({
            problem_type: `PROBLEM_TYPE_${a.problem_type}`,
            timestamp_col: a.timestamp,
            granularities: [...a.granularities],
            prediction_col: a.prediction,
            model_id_col: a.model_id,
            label_col: a.label,
            prediction_proba_col: a.prediction_proba,
          })
        : undefined,
    time_series: a.kind === 'time_series' ? { timestamp_col: a.timestamp, granularities: [...a.granularities] } : undefined,
    snapshot: a.kind === 'snapshot' ? {} : undefined,
    schedule: m.schedule
      ? { quartz_cron_expression: m.schedule.quartz_cron_expression, timezone_id: m.schedule.timezone_id, pause_status: m.schedule.paused ? 'PAUSED' : 'UNPAUSED' }
      : undefined,
    notifications: m.failure_emails ? { on_failure: { email_addresses: [...m.failure_emails] } } : undefined,
    slicing_exprs: m.slicing_exprs ? [...m.slicing_exprs] : undefined,
    data_classification_config: m.data_classification_config ? clone(m.data_classification_config) : undefined,
  });
}

function renderDqConfig(m: MonitorRecord, outputSchemaId: string | undefined, now: number): Json {
  const a = m.analysis;
  return withoutUndefined({
    output_schema_id: outputSchemaId,
    assets_dir: m.assets_dir,
    baseline_table_name: m.baseline_table_name,
    custom_metrics: m.custom_metrics?.map((c) => ({ ...c, input_columns: [...c.input_columns], type: `DATA_PROFILING_CUSTOM_METRIC_TYPE_${c.type}` })),
    inference_log:
      a.kind === 'inference_log'
        ? withoutUndefined({
            problem_type: `INFERENCE_PROBLEM_TYPE_${a.problem_type}`,
            timestamp_column: a.timestamp,
            granularities: a.granularities.map(dqGranularity),
            prediction_column: a.prediction,
            model_id_column: a.model_id,
            label_column: a.label,
          })
        : undefined,
    time_series: a.kind === 'time_series' ? { timestamp_column: a.timestamp, granularities: a.granularities.map(dqGranularity) } : undefined,
    snapshot: a.kind === 'snapshot' ? {} : undefined,
    schedule: m.schedule
      ? {
          quartz_cron_expression: m.schedule.quartz_cron_expression,
          timezone_id: m.schedule.timezone_id,
          pause_status: m.schedule.paused ? 'CRON_SCHEDULE_PAUSE_STATUS_PAUSED' : 'CRON_SCHEDULE_PAUSE_STATUS_UNPAUSED',
        }
      : undefined,
    notification_settings: m.failure_emails ? { on_failure: { email_addresses: [...m.failure_emails] } } : undefined,
    slicing_exprs: m.slicing_exprs ? [...m.slicing_exprs] : undefined,
    skip_builtin_dashboard: m.skip_builtin_dashboard,
    warehouse_id: m.warehouse_id,
    effective_warehouse_id: m.warehouse_id,
    status: `DATA_PROFILING_STATUS_${monitorStatus(m, now)}`,
    monitor_version: m.monitor_version,
    dashboard_id: m.dashboard_id,
    monitored_table_name: m.table_name,
    ...derivedNames(m),
  });
}

function renderRefresh(r: RefreshRecord, api: Api, table: TableRecord): Json {
  const base = {
    refresh_id: r.refresh_id,
    state: api === 'legacy' ? r.state : `MONITOR_REFRESH_STATE_${r.state}`,
    start_time_ms: r.start_time_ms,
    end_time_ms: r.end_time_ms,
    message: r.message,
    trigger: api === 'legacy' ? 'MANUAL' : 'MONITOR_REFRESH_TRIGGER_MANUAL',
  };
  return withoutUndefined(api === 'legacy' ? base : { object_type: 'table', object_id: table.table_id, ...base });
}

// ---------------------------------------------------------------------------------------------
// Routes

/** Data Quality paths that name a message, with one of its leaf fields (for the strict error message). */
const DQ_MESSAGE_PATHS = new Map<string, string>([
  ['data_profiling_config', 'output_schema_id'],
  ['data_profiling_config.inference_log', 'granularities'],
  ['data_profiling_config.time_series', 'granularities'],
  ['data_profiling_config.schedule', 'quartz_cron_expression'],
  ['data_profiling_config.notification_settings', 'on_failure'],
  ['data_profiling_config.notification_settings.on_failure', 'email_addresses'],
  ['anomaly_detection_config', 'excluded_table_full_names'],
]);

const DQ_OUTPUT_ONLY = new Set([
  'status',
  'monitor_version',
  'dashboard_id',
  'profile_metrics_table_name',
  'drift_metrics_table_name',
  'monitored_table_name',
  'effective_warehouse_id',
  'latest_monitor_failure_message',
]);

/** Error codes of the monitor routes under strict `monitor-codes` / `monitor-refresh-conflict-code`. */
const strictCode = (ctx: EmulatorContext, code: string): string => {
  if (ctx.strict('monitor-codes')) {
    if (code === 'RESOURCE_DOES_NOT_EXIST') return 'NOT_FOUND';
    if (code === 'RESOURCE_ALREADY_EXISTS') return 'ALREADY_EXISTS';
  }
  if (code === 'TABLE_DOES_NOT_EXIST' && ctx.strict('monitor-table-missing-code')) return 'NOT_FOUND';
  if (code === 'RESOURCE_CONFLICT' && ctx.strict('monitor-refresh-conflict-code')) return 'ABORTED';
  return code;
};

function registerRoutes(routeTable: RouteTable, ctx: EmulatorContext, slice: (ws: Workspace) => MonitorsState) {
  const table: RouteTable = {
    add: (method, pattern, handler) =>
      routeTable.add(method, pattern, async (req) => {
        try {
          return await handler(req);
        } catch (e) {
          if (e instanceof DatabricksApiError && !pattern.startsWith('/__emulator')) {
            const code = strictCode(ctx, e.errorCode);
            if (code !== e.errorCode) throw new DatabricksApiError(e.status, code, e.message, e.headers);
          }
          throw e;
        }
      }),
  };
  const now = () => ctx.clock.now();
  const bodyOf = (req: EmulatorRequest): Json => req.body ?? {};

  const monitorOfTable = (state: MonitorsState, t: TableRecord): MonitorRecord => {
    const m = state.monitors[t.table_id];
    if (!m) throw notFound(`Monitor for table '${fullNameOf(t)}' does not exist.`);
    return m;
  };

  const createMonitor = (state: MonitorsState, ws: Workspace, t: TableRecord, config: MonitorConfig): MonitorRecord => {
    if (state.monitors[t.table_id]) throw alreadyExists(`Monitor already exists for table '${fullNameOf(t)}'.`);
    const created = now();
    const record: MonitorRecord = {
      ...config,
      table_id: t.table_id,
      table_name: fullNameOf(t),
      monitor_version: 1,
      dashboard_id: config.skip_builtin_dashboard ? undefined : hexId(),
      created_at: created,
      active_at: created + state.settings.activation_ms,
    };
    state.monitors[t.table_id] = record;
    // The metric tables appear in the output schema, as Databricks creates them.
    const names = derivedNames(record);
    for (const metricTable of [names.profile_metrics_table_name, names.drift_metrics_table_name])
      if (!getTable(ws, metricTable)) addTable(ws, metricTable, { now: created });
    ctx.changed();
    return record;
  };

  const startRefresh = (state: MonitorsState, t: TableRecord): RefreshRecord => {
    monitorOfTable(state, t);
    const list = (state.refreshes[t.table_id] ??= []);
    const active = list.find((r) => r.state === 'PENDING' || r.state === 'RUNNING');
    if (active)
      throw conflict(`Refresh ${active.refresh_id} of table '${fullNameOf(t)}' is still ${active.state}; wait for it or cancel it first.`);
    const start = now();
    const duration = state.settings.refresh_duration_ms;
    const refresh: RefreshRecord = {
      refresh_id: state.next_refresh_id++,
      state: 'PENDING',
      start_time_ms: start,
      running_at: start + Math.floor(duration / 4),
      completes_at: start + duration,
      fails: state.settings.failing_tables.some((n) => n.toLowerCase() === fullNameOf(t).toLowerCase()),
    };
    list.push(refresh);
    advanceRefreshes(state, start);
    ctx.changed();
    return refresh;
  };

  const refreshOf = (state: MonitorsState, t: TableRecord, idRaw: string): RefreshRecord => {
    monitorOfTable(state, t);
    const id = Number(idRaw);
    const r = Number.isInteger(id) ? state.refreshes[t.table_id]?.find((x) => x.refresh_id === id) : undefined;
    if (!r) throw notFound(`Refresh '${idRaw}' does not exist for table '${fullNameOf(t)}'.`);
    return r;
  };

  const cancelRefresh = (r: RefreshRecord) => {
    if (r.state === 'PENDING' || r.state === 'RUNNING') {
      r.state = 'CANCELED';
      r.end_time_ms = now();
      ctx.changed();
    }
  };

  // --- Legacy quality monitors (by table name) ---

  const legacyConfig = (state: MonitorsState, ws: Workspace, body: Json, current: MonitorRecord | undefined): MonitorConfig => {
    const outputSchema = requiredString(body, 'output_schema_name');
    requireSchemaByName(ws, outputSchema);
    // Strict `monitor-legacy-put`: "Certain configuration fields, such as output asset identifiers,
    // cannot be updated" (SDK catalog.py QualityMonitorsAPI.update), and what the PUT leaves out is
    // cleared rather than kept.
    const replace = current !== undefined && ctx.strict('monitor-legacy-put');
    if (current && ctx.strict('monitor-legacy-output-schema') && outputSchema.toLowerCase() !== current.output_schema_name.toLowerCase()) {
      throw invalidParameter(`output_schema_name cannot be updated (it is '${current.output_schema_name}'): output asset identifiers cannot be updated.`);
    }
    const analysis = parseAnalysis(body, 'legacy', '') ?? (replace ? undefined : current?.analysis);
    if (!analysis) throw invalidParameter('Exactly one of inference_log, time_series or snapshot must be set.');
    if (current && analysis.kind !== current.analysis.kind)
      throw invalidParameter(`The profile type of a monitor cannot be changed (it is ${current.analysis.kind}).`);
    const common = parseCommon(body, 'legacy', '');
    if (!current && !common.assets_dir) throw invalidParameter('assets_dir is required.');
    const kept = current ? (replace ? { assets_dir: current.assets_dir } : pickConfig(current)) : {};
    return { ...kept, ...common, output_schema_name: outputSchema, analysis } as MonitorConfig;
  };

  table.add('POST', '/api/2.1/unity-catalog/tables/:table_name/monitor', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    if (state.monitors[t.table_id]) throw alreadyExists(`Monitor already exists for table '${fullNameOf(t)}'.`);
    const m = createMonitor(state, req.workspace, t, legacyConfig(state, req.workspace, bodyOf(req), undefined));
    return { body: renderLegacy(m, now()) };
  });

  table.add('GET', '/api/2.1/unity-catalog/tables/:table_name/monitor', (req) => {
    const state = slice(req.workspace);
    return { body: renderLegacy(monitorOfTable(state, tableByName(req.workspace, req.params.table_name ?? '')), now()) };
  });

  table.add('PUT', '/api/2.1/unity-catalog/tables/:table_name/monitor', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    const current = monitorOfTable(state, t);
    const body = bodyOf(req);
    const config = legacyConfig(state, req.workspace, body, current);
    const dashboard = optionalString(body, 'dashboard_id');
    // Strict `monitor-legacy-put`: the record is rebuilt from the PUT (what it leaves out is cleared).
    const base = ctx.strict('monitor-legacy-put') ? pickRecordMeta(current) : current;
    const updated: MonitorRecord = { ...base, ...config, monitor_version: current.monitor_version + 1, dashboard_id: dashboard ?? current.dashboard_id };
    state.monitors[t.table_id] = updated;
    ctx.changed();
    return { body: renderLegacy(updated, now()) };
  });

  table.add('DELETE', '/api/2.1/unity-catalog/tables/:table_name/monitor', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    monitorOfTable(state, t);
    delete state.monitors[t.table_id];
    delete state.refreshes[t.table_id];
    ctx.changed();
    return { body: {} };
  });

  table.add('POST', '/api/2.1/unity-catalog/tables/:table_name/monitor/refreshes', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    return { body: renderRefresh(startRefresh(state, t), 'legacy', t) };
  });

  table.add('GET', '/api/2.1/unity-catalog/tables/:table_name/monitor/refreshes', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    monitorOfTable(state, t);
    const refreshes = [...(state.refreshes[t.table_id] ?? [])]
      .reverse()
      .slice(0, MAX_LEGACY_REFRESHES)
      .map((r) => renderRefresh(r, 'legacy', t));
    return { body: refreshes.length > 0 ? { refreshes } : {} };
  });

  table.add('GET', '/api/2.1/unity-catalog/tables/:table_name/monitor/refreshes/:refresh_id', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    return { body: renderRefresh(refreshOf(state, t, req.params.refresh_id ?? ''), 'legacy', t) };
  });

  table.add('POST', '/api/2.1/unity-catalog/tables/:table_name/monitor/refreshes/:refresh_id/cancel', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    cancelRefresh(refreshOf(state, t, req.params.refresh_id ?? ''));
    return { body: {} };
  });

  // Regenerates the monitor's dashboard: a new dashboard id in the monitor's assets folder.
  table.add('POST', '/api/2.1/quality-monitoring/tables/:table_name/monitor/dashboard', (req) => {
    const state = slice(req.workspace);
    const t = tableByName(req.workspace, req.params.table_name ?? '');
    const m = monitorOfTable(state, t);
    optionalString(bodyOf(req), 'warehouse_id');
    m.dashboard_id = hexId();
    ctx.changed();
    return { body: withoutUndefined({ dashboard_id: m.dashboard_id, parent_folder: m.assets_dir }) };
  });

  // --- Data Quality v1 (by object_type / object_id) ---

  const dqConfig = (state: MonitorsState, ws: Workspace, cfg: Json, current: MonitorRecord | undefined): MonitorConfig => {
    const p = 'data_profiling_config.';
    const schemaId = requiredString(cfg, 'output_schema_id', `${p}output_schema_id`);
    const schema = getSchemaById(ws, schemaId);
    if (!schema)
      throw new DatabricksApiError(404, 'SCHEMA_DOES_NOT_EXIST', `${p}output_schema_id: no schema with id '${schemaId}'.`);
    const analysis = parseAnalysis(cfg, 'dq', p);
    if (!analysis) throw invalidParameter(`Exactly one of ${p}inference_log, ${p}time_series or ${p}snapshot must be set.`);
    if (current && analysis.kind !== current.analysis.kind)
      throw invalidParameter(`The profile type of a monitor cannot be changed (it is ${current.analysis.kind}).`);
    return { ...parseCommon(cfg, 'dq', p), output_schema_name: `${schema.catalog_name}.${schema.name}`, analysis };
  };

  const dqTarget = (req: EmulatorRequest) => {
    const objectType = req.params.object_type ?? '';
    const objectId = req.params.object_id ?? '';
    if (objectType !== 'table' && objectType !== 'schema')
      throw invalidParameter(`object_type '${objectType}' is not one of table, schema.`);
    return { objectType, objectId } as const;
  };

  const dqTable = (ws: Workspace, objectId: string): TableRecord => {
    const t = getTableById(ws, objectId);
    if (!t) throw new DatabricksApiError(404, 'TABLE_DOES_NOT_EXIST', `No table with id '${objectId}'.`);
    return t;
  };

  const renderDq = (state: MonitorsState, ws: Workspace, m: MonitorRecord): Json => ({
    object_type: 'table',
    object_id: m.table_id,
    data_profiling_config: renderDqConfig(m, schemaIdOf(ws, m.output_schema_name), now()),
  });

  table.add('POST', '/api/data-quality/v1/monitors', (req) => {
    const state = slice(req.workspace);
    const body = bodyOf(req);
    const objectType = requiredString(body, 'object_type');
    const objectId = requiredString(body, 'object_id');
    if (objectType === 'schema') {
      if (!getSchemaById(req.workspace, objectId))
        throw new DatabricksApiError(404, 'SCHEMA_DOES_NOT_EXIST', `No schema with id '${objectId}'.`);
      if (state.schema_monitors[objectId]) throw alreadyExists(`Monitor already exists for schema '${objectId}'.`);
      const anomaly = optionalObject(body, 'anomaly_detection_config');
      if (!anomaly) throw invalidParameter('anomaly_detection_config is required for object_type schema.');
      state.schema_monitors[objectId] = { object_type: 'schema', object_id: objectId, anomaly_detection_config: clone(anomaly) };
      ctx.changed();
      return { body: clone(state.schema_monitors[objectId]) };
    }
    if (objectType !== 'table') throw invalidParameter(`object_type '${objectType}' is not one of table, schema.`);
    const t = dqTable(req.workspace, objectId);
    const cfg = optionalObject(body, 'data_profiling_config');
    if (!cfg) throw invalidParameter('data_profiling_config is required for object_type table.');
    if (state.monitors[t.table_id]) throw alreadyExists(`Monitor already exists for table '${fullNameOf(t)}'.`);
    const m = createMonitor(state, req.workspace, t, dqConfig(state, req.workspace, cfg, undefined));
    return { body: renderDq(state, req.workspace, m) };
  });

  table.add('GET', '/api/data-quality/v1/monitors', (req) => {
    const state = slice(req.workspace);
    const all = [
      ...Object.values(state.monitors).map((m) => renderDq(state, req.workspace, m)),
      ...Object.values(state.schema_monitors).map((m) => clone(m)),
    ];
    return { body: page(all, req, 'monitors') };
  });

  table.add('GET', '/api/data-quality/v1/monitors/:object_type/:object_id', (req) => {
    const state = slice(req.workspace);
    const { objectType, objectId } = dqTarget(req);
    if (objectType === 'schema') {
      const m = state.schema_monitors[objectId];
      if (!m) throw notFound(`Monitor for schema '${objectId}' does not exist.`);
      return { body: clone(m) };
    }
    return { body: renderDq(state, req.workspace, monitorOfTable(state, dqTable(req.workspace, objectId))) };
  });

  table.add('PATCH', '/api/data-quality/v1/monitors/:object_type/:object_id', (req) => {
    const state = slice(req.workspace);
    const { objectType, objectId } = dqTarget(req);
    const mask = (req.query.get('update_mask') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (mask.length === 0) throw invalidParameter('update_mask is required, e.g. update_mask=data_profiling_config.schedule.');
    if (ctx.strict('monitor-update-mask-leaf')) {
      // Strict: only leaf fields, as the SDK's example (`data_profiling_config.schedule.quartz_cron_expression`).
      for (const path of mask) {
        if (DQ_MESSAGE_PATHS.has(path)) throw invalidParameter(`update_mask path '${path}' names a message; name its fields (e.g. '${path}.${DQ_MESSAGE_PATHS.get(path)}').`);
      }
    }
    const body = bodyOf(req);
    if (objectType === 'schema') {
      const m = state.schema_monitors[objectId];
      if (!m) throw notFound(`Monitor for schema '${objectId}' does not exist.`);
      const updated = applyMask(clone(m), body, mask, 'anomaly_detection_config', new Set());
      state.schema_monitors[objectId] = updated;
      ctx.changed();
      return { body: clone(updated) };
    }
    const t = dqTable(req.workspace, objectId);
    const current = monitorOfTable(state, t);
    const currentDq = renderDqConfig(current, schemaIdOf(req.workspace, current.output_schema_name), now());
    for (const k of DQ_OUTPUT_ONLY) delete currentDq[k];
    const merged = applyMask({ data_profiling_config: currentDq }, body, mask, 'data_profiling_config', DQ_OUTPUT_ONLY);
    const config = dqConfig(state, req.workspace, merged.data_profiling_config as Json, current);
    const updated: MonitorRecord = { ...pickRecordMeta(current), ...config, monitor_version: current.monitor_version + 1 };
    state.monitors[t.table_id] = updated;
    ctx.changed();
    return { body: renderDq(state, req.workspace, updated) };
  });

  table.add('DELETE', '/api/data-quality/v1/monitors/:object_type/:object_id', (req) => {
    const state = slice(req.workspace);
    const { objectType, objectId } = dqTarget(req);
    if (objectType === 'schema') {
      if (!state.schema_monitors[objectId]) throw notFound(`Monitor for schema '${objectId}' does not exist.`);
      delete state.schema_monitors[objectId];
    } else {
      const t = dqTable(req.workspace, objectId);
      monitorOfTable(state, t);
      delete state.monitors[t.table_id];
      delete state.refreshes[t.table_id];
    }
    ctx.changed();
    return { body: {} };
  });

  const dqRefreshTable = (req: EmulatorRequest): { state: MonitorsState; t: TableRecord } => {
    const state = slice(req.workspace);
    const { objectType, objectId } = dqTarget(req);
    if (objectType !== 'table') throw invalidParameter('Refreshes are supported for object_type table only.');
    return { state, t: dqTable(req.workspace, objectId) };
  };

  table.add('POST', '/api/data-quality/v1/monitors/:object_type/:object_id/refreshes', (req) => {
    const { state, t } = dqRefreshTable(req);
    return { body: renderRefresh(startRefresh(state, t), 'dq', t) };
  });

  table.add('GET', '/api/data-quality/v1/monitors/:object_type/:object_id/refreshes', (req) => {
    const { state, t } = dqRefreshTable(req);
    monitorOfTable(state, t);
    const all = [...(state.refreshes[t.table_id] ?? [])].reverse().map((r) => renderRefresh(r, 'dq', t));
    return { body: page(all, req, 'refreshes') };
  });

  table.add('GET', '/api/data-quality/v1/monitors/:object_type/:object_id/refreshes/:refresh_id', (req) => {
    const { state, t } = dqRefreshTable(req);
    return { body: renderRefresh(refreshOf(state, t, req.params.refresh_id ?? ''), 'dq', t) };
  });

  table.add('POST', '/api/data-quality/v1/monitors/:object_type/:object_id/refreshes/:refresh_id/cancel', (req) => {
    const { state, t } = dqRefreshTable(req);
    const r = refreshOf(state, t, req.params.refresh_id ?? '');
    cancelRefresh(r);
    return { body: { refresh: renderRefresh(r, 'dq', t) } };
  });

  const unimplemented = () => {
    throw new DatabricksApiError(501, 'NOT_IMPLEMENTED', 'This operation is marked (Unimplemented) in the Data Quality API.');
  };
  table.add('DELETE', '/api/data-quality/v1/monitors/:object_type/:object_id/refreshes/:refresh_id', unimplemented);
  table.add('PATCH', '/api/data-quality/v1/monitors/:object_type/:object_id/refreshes/:refresh_id', unimplemented);

  // --- Emulator admin routes (not part of the Databricks API) ---

  table.add('GET', '/__emulator/monitors/settings', (req) => ({ body: clone(slice(req.workspace).settings) }));

  table.add('PATCH', '/__emulator/monitors/settings', (req) => {
    const state = slice(req.workspace);
    applySettings(state.settings, bodyOf(req));
    ctx.changed();
    return { body: clone(state.settings) };
  });

}

/** The configuration part of a record (drops identity and bookkeeping). */
function pickConfig(m: MonitorRecord): MonitorConfig {
  const { table_id: _a, table_name: _b, monitor_version: _c, dashboard_id: _d, created_at: _e, active_at: _f, ...config } = m;
  return config;
}

function pickRecordMeta(m: MonitorRecord) {
  return { table_id: m.table_id, table_name: m.table_name, dashboard_id: m.dashboard_id, created_at: m.created_at, active_at: m.active_at };
}

/**
 * Applies a field mask: each path (e.g. `data_profiling_config.schedule.quartz_cron_expression`) is
 * copied from the request body into the current object, or removed when the body leaves it out.
 */
function applyMask(current: Json, body: Json, mask: string[], root: string, outputOnly: Set<string>): Json {
  for (const path of mask) {
    const parts = path.split('.');
    if (parts[0] !== root || parts.length < 2)
      throw invalidParameter(`update_mask path '${path}' is not supported; paths start with '${root}.'.`);
    if (outputOnly.has(parts[1]!)) throw invalidParameter(`update_mask path '${path}' names an output-only field.`);
    let src: unknown = body;
    for (const p of parts) src = isObject(src) ? src[p] : undefined;
    let dst: Json = current;
    for (const p of parts.slice(0, -1)) {
      if (!isObject(dst[p])) dst[p] = {};
      dst = dst[p] as Json;
    }
    const last = parts[parts.length - 1]!;
    if (src === undefined) delete dst[last];
    else dst[last] = clone(src);
  }
  return current;
}

function page(all: Json[], req: EmulatorRequest, key: string): Json {
  const sizeRaw = req.query.get('page_size');
  const size = sizeRaw ? Number(sizeRaw) : 100;
  if (!Number.isInteger(size) || size <= 0) throw invalidParameter(`page_size '${sizeRaw}' must be a positive integer.`);
  const token = req.query.get('page_token');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidParameter(`page_token '${token}' is not valid.`);
  const items = all.slice(offset, offset + size);
  const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
  return withoutUndefined({ [key]: items.length > 0 ? items : undefined, next_page_token: next });
}

function applySettings(settings: MonitorsSettings, body: Json) {
  for (const key of ['activation_ms', 'refresh_duration_ms'] as const) {
    const v = optionalNumber(body, key);
    if (v !== undefined) {
      if (v < 0) throw invalidParameter(`${key} must not be negative.`);
      settings[key] = v;
    }
  }
  const failing = optionalArray(body, 'failing_tables');
  if (failing !== undefined) settings.failing_tables = stringArray(failing, 'failing_tables');
}

// Seed: { activation_ms?, refresh_duration_ms?, failing_tables? } (tables and schemas are seeded through `catalog`).
function seedMonitors(state: MonitorsState, fixture: unknown) {
  if (fixture === undefined || fixture === null) return;
  if (!isObject(fixture)) throw invalidParameter('monitors seed must be an object.');
  applySettings(state.settings, fixture);
}
