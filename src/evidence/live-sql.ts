// The SQL statements the live gates send (SQL Statement Execution API, named parameters only) and
// how their answers are read. Table and column names go in as parameters through IDENTIFIER(), never
// spliced into the text, so the statement text is fixed: the emulator recognises these exact texts
// (src/emulator/sql) and refuses any other. Times go in and come out as epoch milliseconds
// (timestamp_millis / unix_millis), so no timestamp string format is relied on.
//
// Schemas (docs/fidelity.md rows 121–130):
//   inference table (AI Gateway):      request_time TIMESTAMP, status_code INT, execution_duration_ms BIGINT, served_entity_id STRING
//   system.serving.served_entities:    served_entity_id, endpoint_name, served_entity_name, entity_name, entity_version
//   <table>_drift_metrics:             window struct<start,end>, granularity, slice_key, column_name, data_type, drift_type,
//                                      js_distance, ks_test struct<statistic,pvalue>, wasserstein_distance, population_stability_index,
//                                      chi_squared_test struct<statistic,pvalue>, tv_distance, l_infinity_distance, *_delta
//   <table>_profile_metrics:           window, log_type, granularity, slice_key, column_name, data_type, count, num_nulls,
//                                      percent_null, percent_nan, percent_zeros, percent_distinct, avg, min, max, stddev
//   (InferenceLog monitors: the metric tables carry the monitor's model id column, named as configured)

import type { SqlParameter, SqlResult } from './live.js';

const lines = (...parts: string[]): string => parts.join('\n');

const SERVED_ENTITY_MATCH =
  's.endpoint_name = :endpoint_name AND s.served_entity_name = :served_entity_name AND s.entity_name = :entity_name AND s.entity_version = :entity_version';

/** The candidate's requests in [window_start_ms, window_end_ms): counts, 5xx/4xx, p95 execution time. */
export const SOAK_STATEMENT = lines(
  'SELECT',
  '  COUNT(*) AS requests,',
  '  COUNT_IF(t.status_code >= 500) AS errors_5xx,',
  '  COUNT_IF(t.status_code >= 400 AND t.status_code < 500) AS errors_4xx,',
  '  percentile(t.execution_duration_ms, 0.95) AS p95_ms,',
  '  unix_millis(MIN(t.request_time)) AS first_request_ms,',
  '  unix_millis(MAX(t.request_time)) AS last_request_ms,',
  `  (SELECT COUNT(*) FROM system.serving.served_entities AS s WHERE ${SERVED_ENTITY_MATCH}) AS entity_records`,
  'FROM IDENTIFIER(:inference_table) AS t',
  'WHERE t.request_time >= timestamp_millis(:window_start_ms)',
  '  AND t.request_time < timestamp_millis(:window_end_ms)',
  `  AND t.served_entity_id IN (SELECT s.served_entity_id FROM system.serving.served_entities AS s WHERE ${SERVED_ENTITY_MATCH})`,
);

/** Drift statistics the drift table reports, by the name the gate options use → the select expression. */
export const DRIFT_STATISTICS = {
  js_distance: 'js_distance',
  'ks_test.statistic': 'ks_test.statistic AS ks_statistic',
  'ks_test.pvalue': 'ks_test.pvalue AS ks_pvalue',
  wasserstein_distance: 'wasserstein_distance',
  population_stability_index: 'population_stability_index',
  'chi_squared_test.statistic': 'chi_squared_test.statistic AS chi_squared_statistic',
  'chi_squared_test.pvalue': 'chi_squared_test.pvalue AS chi_squared_pvalue',
  tv_distance: 'tv_distance',
  l_infinity_distance: 'l_infinity_distance',
  count_delta: 'count_delta',
  avg_delta: 'avg_delta',
  percent_null_delta: 'percent_null_delta',
  percent_zeros_delta: 'percent_zeros_delta',
  percent_distinct_delta: 'percent_distinct_delta',
} as const;

export type DriftStatistic = keyof typeof DRIFT_STATISTICS;
export const DRIFT_STATISTIC_NAMES = Object.keys(DRIFT_STATISTICS) as DriftStatistic[];

/** Profile (quality) figures, by option name → select expression. */
export const PROFILE_METRICS = {
  count: '`count`',
  num_nulls: 'num_nulls',
  percent_null: 'percent_null',
  percent_nan: 'percent_nan',
  percent_zeros: 'percent_zeros',
  percent_distinct: 'percent_distinct',
  avg: 'avg',
  min: '`min`',
  max: '`max`',
  stddev: 'stddev',
} as const;

export type ProfileMetric = keyof typeof PROFILE_METRICS;
export const PROFILE_METRIC_NAMES = Object.keys(PROFILE_METRICS) as ProfileMetric[];

/** The result column a statistic comes back as (the alias, or the column itself). */
const resultColumn = (expression: string): string => expression.match(/ AS (\w+)$/)?.[1] ?? expression.replace(/`/g, '');

const DRIFT_COLUMNS = Object.values(DRIFT_STATISTICS).join(', ');
const PROFILE_COLUMNS = Object.values(PROFILE_METRICS).join(', ');
const MODEL_MATCH = ' AND IDENTIFIER(:model_id_column) = :model_id';

const latestRows = (select: string, table: string, where: string): string =>
  lines(
    `SELECT column_name, data_type, unix_millis(\`window\`.start) AS window_start_ms, unix_millis(\`window\`.\`end\`) AS window_end_ms, ${select}`,
    `FROM IDENTIFIER(:${table})`,
    `WHERE ${where}`,
    `  AND \`window\`.\`end\` = (SELECT MAX(\`window\`.\`end\`) FROM IDENTIFIER(:${table}) WHERE ${where})`,
  );

/** The latest window's drift rows of the whole table (no slice), one per column. */
export const driftStatement = (byModel: boolean): string =>
  latestRows(DRIFT_COLUMNS, 'drift_table', `slice_key IS NULL AND granularity = :granularity AND drift_type = :drift_type${byModel ? MODEL_MATCH : ''}`);

/** The latest window's profile rows of the logged data (log_type INPUT, no slice), one per column. */
export const profileStatement = (byModel: boolean): string =>
  latestRows(PROFILE_COLUMNS, 'profile_table', `log_type = 'INPUT' AND slice_key IS NULL AND granularity = :granularity${byModel ? MODEL_MATCH : ''}`);

// ---------------------------------------------------------------------------------------------
// Names and values

const SIMPLE_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A dotted Unity Catalog name as IDENTIFIER() reads it: parts that are not plain identifiers backquoted. */
export const identifierText = (name: string): string =>
  name
    .split('.')
    .map((part) => (SIMPLE_PART.test(part) ? part : `\`${part.replace(/`/g, '``')}\``))
    .join('.');

export const param = (name: string, value: string | number | null, type?: SqlParameter['type']): SqlParameter => ({
  name,
  value: value === null ? null : String(value),
  ...(type ? { type } : {}),
});

/** A numeric value as the API sends it (a string; `NaN`, `Infinity` included); null stays null. */
export const numberOf = (value: string | null | undefined): number | null => {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === 'NaN') return NaN;
  if (/^[+-]?(Infinity|inf)$/i.test(trimmed)) return trimmed.startsWith('-') ? -Infinity : Infinity;
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) throw new Error(`not a number: "${value.slice(0, 40)}"`);
  return Number(trimmed);
};

/** Rows as objects keyed by column name. */
export const rowsOf = (result: SqlResult): Record<string, string | null>[] =>
  result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));

export const requireColumns = (result: SqlResult, wanted: readonly string[], what: string): void => {
  const missing = wanted.filter((c) => !result.columns.includes(c));
  if (missing.length > 0) throw new Error(`${what}: the answer has no column ${missing.join(', ')} (columns: ${result.columns.join(', ') || 'none'})`);
};

export const driftResultColumn = (statistic: DriftStatistic): string => resultColumn(DRIFT_STATISTICS[statistic]);
export const profileResultColumn = (metric: ProfileMetric): string => resultColumn(PROFILE_METRICS[metric]);
