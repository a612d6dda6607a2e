// Pure: a MonitorConfig for one environment → the monitor we want, and the difference between
// what we want and what a monitor holds. Both APIs are read into one comparable form
// (ObservedMonitor; src/platform/monitoring/wire.ts maps them) so "unchanged" means the same
// thing whichever API created the monitor.

import { expandTemplate } from '../config/names.js';
import type { MonitorConfig } from '../config/types.js';

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

export const GRANULARITIES = ['5 minutes', '30 minutes', '1 hour', '1 day', '1 week', '2 weeks', '3 weeks', '4 weeks', '1 month', '1 year'];

/** "1 Day", "1 weeks", " 2 week" → the API's legacy spelling; null when not a supported granularity. */
export function normalizeGranularity(raw: string): string | null {
  const text = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  const m = /^(\d+) (minute|hour|day|week|month|year)s?$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const candidate = `${n} ${m[2]}${n === 1 ? '' : 's'}`;
  return GRANULARITIES.includes(candidate) ? candidate : null;
}

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
  // Unity Catalog stores names in lower case: a name spelled otherwise in the config is the same schema.
  if ((observed.outputSchema ?? '').toLowerCase() !== outputSchema.toLowerCase()) changes.push('output_schema');
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
