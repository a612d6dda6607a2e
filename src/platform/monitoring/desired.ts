// Pure: a MonitorConfig for one environment → the monitor we want, each API's request shape, and
// the difference between what we want and what a monitor holds. Both APIs are read into one
// comparable form so "unchanged" means the same thing whichever API created the monitor.

import { expandTemplate } from '../../config/names.js';
import type { MonitorConfig } from '../../config/types.js';

export type MonitorApi = 'data-quality' | 'legacy';

export interface DesiredMonitor {
  /** `catalog.schema.table` of the inference table. */
  readonly table: string;
  /** `catalog.schema` for the metric tables. */
  readonly outputSchema: string;
  /** Where the dashboard goes (legacy: required at create; neither API changes it later). */
  readonly assetsDir: string;
  readonly inferenceLog: {
    readonly problemType: 'classification' | 'regression';
    readonly predictionCol: string;
    readonly labelCol: string | null;
    readonly timestampCol: string;
    readonly modelIdCol: string;
    /** Legacy spelling, normalised: "1 day", "2 weeks". */
    readonly granularities: readonly string[];
  };
  /** null: the schedule is not managed (left as it is). */
  readonly schedule: { readonly cron: string; readonly timezone: string } | null;
  readonly slicingExprs: readonly string[];
}

/** The fields a diff can name, in the order they are reported. */
export type MonitorField = 'output_schema' | 'inference_log' | 'schedule' | 'slicing_exprs';

const GRANULARITIES = ['5 minutes', '30 minutes', '1 hour', '1 day', '1 week', '2 weeks', '3 weeks', '4 weeks', '1 month', '1 year'];

/** "1 Day", "1 weeks", " 2 week" → the API's legacy spelling; null when not a supported granularity. */
export function normalizeGranularity(raw: string): string | null {
  const text = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  const m = /^(\d+) (minute|hour|day|week|month|year)s?$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const candidate = `${n} ${m[2]}${n === 1 ? '' : 's'}`;
  return GRANULARITIES.includes(candidate) ? candidate : null;
}

/** "1 day" → `AGGREGATION_GRANULARITY_1_DAY` (Data Quality v1 enum). */
export const dqGranularity = (legacy: string): string => `AGGREGATION_GRANULARITY_${legacy.toUpperCase().replace(/ /g, '_')}`;

/** `AGGREGATION_GRANULARITY_2_WEEKS` → "2 weeks". */
export const legacyGranularity = (dq: string): string | null =>
  GRANULARITIES.find((g) => dqGranularity(g) === dq) ?? null;

export type DesiredMonitorResult = { readonly ok: true; readonly monitor: DesiredMonitor } | { readonly ok: false; readonly message: string };

/** The monitor one environment wants. `model` fills `${model}` in templates. */
export function desiredMonitor(config: MonitorConfig, environment: string, options: { readonly model?: string; readonly assetsDir?: string } = {}): DesiredMonitorResult {
  const values = { env: environment, model: options.model ?? '' };
  const table = expandTemplate(config.table, values);
  const outputSchema = expandTemplate(config.outputSchema, values);
  if (table.split('.').length !== 3) return { ok: false, message: `monitor table "${table}" is not a three-level name (catalog.schema.table)` };
  if (outputSchema.split('.').length !== 2) return { ok: false, message: `monitor output_schema "${outputSchema}" is not catalog.schema` };
  const granularities: string[] = [];
  for (const g of config.inferenceLog.granularities) {
    const normal = normalizeGranularity(g);
    if (!normal) return { ok: false, message: `monitor granularity "${g}" is not supported; use one of ${GRANULARITIES.map((x) => `"${x}"`).join(', ')}` };
    if (!granularities.includes(normal)) granularities.push(normal);
  }
  return {
    ok: true,
    monitor: {
      table,
      outputSchema,
      assetsDir: options.assetsDir ?? `/Workspace/Shared/mlops-gate/monitors/${table}`,
      inferenceLog: { ...config.inferenceLog, granularities },
      schedule: config.schedule,
      slicingExprs: [...config.slicingExprs],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Request shapes

export function legacyInferenceLog(d: DesiredMonitor): Record<string, unknown> {
  const log = d.inferenceLog;
  return {
    problem_type: log.problemType === 'regression' ? 'PROBLEM_TYPE_REGRESSION' : 'PROBLEM_TYPE_CLASSIFICATION',
    prediction_col: log.predictionCol,
    timestamp_col: log.timestampCol,
    model_id_col: log.modelIdCol,
    granularities: [...log.granularities],
    ...(log.labelCol ? { label_col: log.labelCol } : {}),
  };
}

export function dqInferenceLog(d: DesiredMonitor): Record<string, unknown> {
  const log = d.inferenceLog;
  return {
    problem_type: log.problemType === 'regression' ? 'INFERENCE_PROBLEM_TYPE_REGRESSION' : 'INFERENCE_PROBLEM_TYPE_CLASSIFICATION',
    prediction_column: log.predictionCol,
    timestamp_column: log.timestampCol,
    model_id_column: log.modelIdCol,
    granularities: log.granularities.map(dqGranularity),
    ...(log.labelCol ? { label_column: log.labelCol } : {}),
  };
}

const schedule = (d: DesiredMonitor) => (d.schedule ? { quartz_cron_expression: d.schedule.cron, timezone_id: d.schedule.timezone } : undefined);

/** POST body for the legacy API (the table is in the path). */
export function legacyCreateBody(d: DesiredMonitor): Record<string, unknown> {
  return {
    output_schema_name: d.outputSchema,
    assets_dir: d.assetsDir,
    inference_log: legacyInferenceLog(d),
    ...(d.schedule ? { schedule: schedule(d) } : {}),
    ...(d.slicingExprs.length > 0 ? { slicing_exprs: [...d.slicingExprs] } : {}),
  };
}

/** PUT body for the legacy API: given fields replace, omitted ones are kept, so send only what changed. */
export function legacyUpdateBody(d: DesiredMonitor, changes: readonly MonitorField[]): Record<string, unknown> {
  const body: Record<string, unknown> = { output_schema_name: d.outputSchema };
  if (changes.includes('inference_log')) body.inference_log = legacyInferenceLog(d);
  if (changes.includes('schedule') && d.schedule) body.schedule = schedule(d);
  if (changes.includes('slicing_exprs')) body.slicing_exprs = [...d.slicingExprs];
  return body;
}

/** `data_profiling_config` for Data Quality v1 (the output schema by id). */
export function dqProfilingConfig(d: DesiredMonitor, outputSchemaId: string, withAssetsDir: boolean): Record<string, unknown> {
  return {
    output_schema_id: outputSchemaId,
    ...(withAssetsDir ? { assets_dir: d.assetsDir } : {}),
    inference_log: dqInferenceLog(d),
    ...(d.schedule ? { schedule: schedule(d) } : {}),
    ...(d.slicingExprs.length > 0 ? { slicing_exprs: [...d.slicingExprs] } : {}),
  };
}

const DQ_MASK: Record<MonitorField, string> = {
  output_schema: 'data_profiling_config.output_schema_id',
  inference_log: 'data_profiling_config.inference_log',
  schedule: 'data_profiling_config.schedule',
  slicing_exprs: 'data_profiling_config.slicing_exprs',
};

/** `update_mask` naming exactly the changed fields (omitted fields are removed by a mask, so never over-mask). */
export const dqUpdateMask = (changes: readonly MonitorField[]): string => changes.map((c) => DQ_MASK[c]).join(',');

// ---------------------------------------------------------------------------------------------
// Reading a monitor back, and the diff

/** One monitor in a form both APIs map to. */
export interface ObservedMonitor {
  /** Legacy: `catalog.schema`; Data Quality: the schema id. */
  readonly outputSchema: string | null;
  readonly inferenceLog: {
    readonly problemType: string | null;
    readonly predictionCol: string | null;
    readonly labelCol: string | null;
    readonly timestampCol: string | null;
    readonly modelIdCol: string | null;
    readonly granularities: readonly string[];
  } | null;
  readonly schedule: { readonly cron: string; readonly timezone: string } | null;
  readonly slicingExprs: readonly string[];
  readonly monitorVersion: number | null;
  readonly status: string | null;
}

type Wire = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: unknown): Wire | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Wire) : null);
const problem = (v: unknown): string | null => {
  const s = str(v);
  return s ? (s.endsWith('REGRESSION') ? 'regression' : s.endsWith('CLASSIFICATION') ? 'classification' : s) : null;
};
const scheduleOf = (v: unknown) => {
  const s = obj(v);
  const cron = s ? str(s.quartz_cron_expression) : null;
  return s && cron ? { cron, timezone: str(s.timezone_id) ?? '' } : null;
};

export function observeLegacy(info: Wire): ObservedMonitor {
  const log = obj(info.inference_log);
  return {
    outputSchema: str(info.output_schema_name),
    inferenceLog: log
      ? {
          problemType: problem(log.problem_type),
          predictionCol: str(log.prediction_col),
          labelCol: str(log.label_col),
          timestampCol: str(log.timestamp_col),
          modelIdCol: str(log.model_id_col),
          granularities: strings(log.granularities).map((g) => normalizeGranularity(g) ?? g),
        }
      : null,
    schedule: scheduleOf(info.schedule),
    slicingExprs: strings(info.slicing_exprs),
    monitorVersion: typeof info.monitor_version === 'number' ? info.monitor_version : null,
    status: str(info.status),
  };
}

export function observeDataQuality(monitor: Wire): ObservedMonitor {
  const cfg = obj(monitor.data_profiling_config) ?? {};
  const log = obj(cfg.inference_log);
  return {
    outputSchema: str(cfg.output_schema_id),
    inferenceLog: log
      ? {
          problemType: problem(log.problem_type),
          predictionCol: str(log.prediction_column),
          labelCol: str(log.label_column),
          timestampCol: str(log.timestamp_column),
          modelIdCol: str(log.model_id_column),
          granularities: strings(log.granularities).map((g) => legacyGranularity(g) ?? g),
        }
      : null,
    schedule: scheduleOf(cfg.schedule),
    slicingExprs: strings(cfg.slicing_exprs),
    monitorVersion: typeof cfg.monitor_version === 'number' ? cfg.monitor_version : null,
    status: str(cfg.status),
  };
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
};

/**
 * The fields whose content differs. `outputSchema` is what the observed monitor should hold there
 * (the name for legacy, the id for Data Quality). A null desired schedule is not managed.
 */
export function diffMonitor(d: DesiredMonitor, outputSchema: string, observed: ObservedMonitor): MonitorField[] {
  const changes: MonitorField[] = [];
  if (observed.outputSchema !== outputSchema) changes.push('output_schema');
  const log = observed.inferenceLog;
  const want = d.inferenceLog;
  if (
    !log ||
    log.problemType !== want.problemType ||
    log.predictionCol !== want.predictionCol ||
    (log.labelCol ?? null) !== want.labelCol ||
    log.timestampCol !== want.timestampCol ||
    log.modelIdCol !== want.modelIdCol ||
    !sameSet(log.granularities, want.granularities)
  )
    changes.push('inference_log');
  if (d.schedule && (!observed.schedule || observed.schedule.cron !== d.schedule.cron || observed.schedule.timezone !== d.schedule.timezone))
    changes.push('schedule');
  if (!sameSet(observed.slicingExprs, d.slicingExprs)) changes.push('slicing_exprs');
  return changes;
}
