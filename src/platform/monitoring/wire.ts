// Wire shapes of the two monitoring APIs (legacy `/api/2.1/unity-catalog/tables/{table}/monitor`
// and Data Quality `/api/data-quality/v1/monitors`): request bodies from a DesiredMonitor, and
// monitors read back into the one comparable ObservedMonitor.

import { GRANULARITIES, normalizeGranularity, type DesiredMonitor, type MonitorField, type ObservedMonitor } from '../../endpoint/monitor.js';

/** "1 day" → `AGGREGATION_GRANULARITY_1_DAY` (Data Quality v1 enum). */
export const dqGranularity = (legacy: string): string => `AGGREGATION_GRANULARITY_${legacy.toUpperCase().replace(/ /g, '_')}`;

/** `AGGREGATION_GRANULARITY_2_WEEKS` → "2 weeks". */
export const legacyGranularity = (dq: string): string | null =>
  GRANULARITIES.find((g) => dqGranularity(g) === dq) ?? null;

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

/**
 * PUT body for the legacy API. Whether the PUT keeps or clears the fields it leaves out is not
 * documented (docs/fidelity.md), so it always carries every field mlops-gate manages: under either
 * reading the monitor ends as desired.
 */
export function legacyUpdateBody(d: DesiredMonitor, _changes: readonly MonitorField[]): Record<string, unknown> {
  return {
    output_schema_name: d.outputSchema,
    inference_log: legacyInferenceLog(d),
    ...(d.schedule ? { schedule: schedule(d) } : {}),
    slicing_exprs: [...d.slicingExprs],
  };
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

// Leaf fields only: the SDK's example masks leaves (`data_profiling_config.schedule.quartz_cron_expression`),
// and whether a whole sub-message may be named is not documented (docs/fidelity.md). Leaves work
// under both readings; a leaf the body leaves out (an unset label column) is cleared by the mask.
const DQ_MASK: Record<MonitorField, readonly string[]> = {
  output_schema: ['data_profiling_config.output_schema_id'],
  inference_log: [
    'problem_type',
    'timestamp_column',
    'granularities',
    'prediction_column',
    'model_id_column',
    'label_column',
    'prediction_probability_column',
  ].map((f) => `data_profiling_config.inference_log.${f}`),
  schedule: ['data_profiling_config.schedule.quartz_cron_expression', 'data_profiling_config.schedule.timezone_id'],
  slicing_exprs: ['data_profiling_config.slicing_exprs'],
};

/** `update_mask` naming exactly the changed fields (omitted fields are removed by a mask, so never over-mask). */
export const dqUpdateMask = (changes: readonly MonitorField[]): string => changes.flatMap((c) => DQ_MASK[c]).join(',');

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
