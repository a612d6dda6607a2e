// The statements the emulator's SQL warehouse runs: exactly the texts mlops-gate's live gates send
// (compared with whitespace collapsed), each evaluated over the module's tables. Any other
// statement FAILs, as a warehouse answers a statement it cannot run: HTTP 200, status FAILED, an
// error class in the message and a SQLSTATE. The texts are written out here on purpose (the
// emulator imports nothing from the product): a change on either side fails the tests.
//
// Documented columns (docs/fidelity.md rows 121–130):
//   <catalog>.<schema>.<prefix>_payload (AI Gateway inference table): request_time, status_code,
//     execution_duration_ms, served_entity_id, … (request_time stored as epoch ms here)
//   system.serving.served_entities: served_entity_id, endpoint_name, served_entity_name, entity_name, entity_version, …
//   <table>_drift_metrics / <table>_profile_metrics: `window` {start, end}, granularity, slice_key, column_name,
//     data_type, drift_type / log_type, the statistics, and the monitor's model id column (InferenceLog).

export interface SqlValueColumn {
  readonly name: string;
  /** ColumnInfo.type_name. */
  readonly type_name: 'LONG' | 'DOUBLE' | 'STRING';
  readonly type_text: 'BIGINT' | 'DOUBLE' | 'STRING';
}

export interface SqlOutcome {
  readonly columns: readonly SqlValueColumn[];
  /** Values already rendered as the JSON_ARRAY format sends them (strings, or null). */
  readonly rows: readonly (readonly (string | null)[])[];
}

/** A statement that FAILED: the warehouse's error (status.error) and SQLSTATE. */
export class SqlFailure extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly sqlState: string,
  ) {
    super(message);
  }
}

export interface SqlTableView {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

export interface StatementEnv {
  /** Parameter values by name (null: SQL NULL). */
  readonly params: ReadonlyMap<string, string | null>;
  /** A table by its resolved, lower-case full name; throws SqlFailure when missing or not readable. */
  readonly table: (name: string) => SqlTableView;
  /** Whether `column` can be resolved in `table` by IDENTIFIER() (strict readings may say no). */
  readonly hasColumn: (tableName: string, table: SqlTableView, column: string) => boolean;
}

export const normalize = (text: string): string => text.replace(/\s+/g, ' ').trim();

// ---------------------------------------------------------------------------------------------
// Values

/** A DOUBLE as Spark renders it to a string (Java's Double.toString). */
export const renderDouble = (x: number): string => {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    const [mantissa, exponent] = x.toExponential().split('e');
    return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
};

const renderLong = (x: number | null): string | null => (x === null ? null : String(Math.trunc(x)));
const renderNullableDouble = (x: number | null): string | null => (x === null ? null : renderDouble(x));

/** Epoch ms of a stored time (ms number, or an ISO string); null when absent. */
export const millisOf = (value: unknown): number | null => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : t;
  }
  return null;
};

const numberOrNull = (value: unknown): number | null => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (value === 'NaN') return NaN;
  return null;
};

/** Spark's `percentile(col, p)`: exact, linear between the closest ranks; NULLs ignored; NULL when empty. */
export const percentile = (values: readonly number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (position - lower) * (sorted[upper]! - sorted[lower]!);
};

const param = (env: StatementEnv, name: string): string | null => env.params.get(name) ?? null;

const bigintParam = (env: StatementEnv, name: string): number => {
  const v = param(env, name);
  if (v === null || !/^-?\d+$/.test(v)) throw new SqlFailure('BAD_REQUEST', `[INVALID_PARAMETER_VALUE] Parameter ${name}: ${JSON.stringify(v)} is not a BIGINT.`, '22023');
  return Number(v);
};

/** IDENTIFIER(:p): the dotted name the parameter holds, back-quotes removed, lower-cased as Unity Catalog stores names. */
export const identifierName = (value: string | null, name: string): string => {
  if (value === null || value.trim() === '') throw new SqlFailure('BAD_REQUEST', `[NOT_A_CONSTANT_STRING.NULL] The expression passed to IDENTIFIER(:${name}) must be a non-null string.`, '42601');
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '`') {
      if (quoted && value[i + 1] === '`') {
        current += '`';
        i++;
      } else quoted = !quoted;
    } else if (c === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  if (quoted || parts.some((p) => p === '')) throw new SqlFailure('BAD_REQUEST', `[INVALID_IDENTIFIER] ${JSON.stringify(value)} is not a valid identifier.`, '42602');
  return parts.map((p) => p.toLowerCase()).join('.');
};

const unresolvedColumn = (column: string): SqlFailure =>
  new SqlFailure('BAD_REQUEST', `[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter with name \`${column}\` cannot be resolved.`, '42703');

// ---------------------------------------------------------------------------------------------
// The statements

type Evaluator = (env: StatementEnv) => SqlOutcome;

const SERVED_ENTITY_MATCH =
  's.endpoint_name = :endpoint_name AND s.served_entity_name = :served_entity_name AND s.entity_name = :entity_name AND s.entity_version = :entity_version';

const SOAK = normalize(`
SELECT COUNT(*) AS requests, COUNT_IF(t.status_code >= 500) AS errors_5xx, COUNT_IF(t.status_code >= 400 AND t.status_code < 500) AS errors_4xx,
  percentile(t.execution_duration_ms, 0.95) AS p95_ms, unix_millis(MIN(t.request_time)) AS first_request_ms, unix_millis(MAX(t.request_time)) AS last_request_ms,
  (SELECT COUNT(*) FROM system.serving.served_entities AS s WHERE ${SERVED_ENTITY_MATCH}) AS entity_records
FROM IDENTIFIER(:inference_table) AS t
WHERE t.request_time >= timestamp_millis(:window_start_ms) AND t.request_time < timestamp_millis(:window_end_ms)
  AND t.served_entity_id IN (SELECT s.served_entity_id FROM system.serving.served_entities AS s WHERE ${SERVED_ENTITY_MATCH})`);

const evaluateSoak: Evaluator = (env) => {
  const inference = env.table(identifierName(param(env, 'inference_table'), 'inference_table'));
  const system = env.table('system.serving.served_entities');
  const matching = system.rows.filter(
    (s) =>
      s.endpoint_name === param(env, 'endpoint_name') &&
      s.served_entity_name === param(env, 'served_entity_name') &&
      s.entity_name === param(env, 'entity_name') &&
      String(s.entity_version) === param(env, 'entity_version'),
  );
  const ids = new Set(matching.map((s) => s.served_entity_id));
  const start = bigintParam(env, 'window_start_ms');
  const end = bigintParam(env, 'window_end_ms');
  const rows = inference.rows.filter((r) => {
    const t = millisOf(r.request_time);
    return t !== null && t >= start && t < end && ids.has(r.served_entity_id);
  });
  const status = (r: Record<string, unknown>): number | null => numberOrNull(r.status_code);
  const times = rows.map((r) => millisOf(r.request_time)!).sort((a, b) => a - b);
  const latencies = rows.map((r) => numberOrNull(r.execution_duration_ms)).filter((v): v is number => v !== null);
  return {
    columns: [
      { name: 'requests', type_name: 'LONG', type_text: 'BIGINT' },
      { name: 'errors_5xx', type_name: 'LONG', type_text: 'BIGINT' },
      { name: 'errors_4xx', type_name: 'LONG', type_text: 'BIGINT' },
      { name: 'p95_ms', type_name: 'DOUBLE', type_text: 'DOUBLE' },
      { name: 'first_request_ms', type_name: 'LONG', type_text: 'BIGINT' },
      { name: 'last_request_ms', type_name: 'LONG', type_text: 'BIGINT' },
      { name: 'entity_records', type_name: 'LONG', type_text: 'BIGINT' },
    ],
    rows: [
      [
        String(rows.length),
        String(rows.filter((r) => (status(r) ?? 0) >= 500).length),
        String(rows.filter((r) => (status(r) ?? 0) >= 400 && (status(r) ?? 0) < 500).length),
        renderNullableDouble(percentile(latencies, 0.95)),
        renderLong(times[0] ?? null),
        renderLong(times.at(-1) ?? null),
        String(matching.length),
      ],
    ],
  };
};

const DRIFT_SELECT =
  'js_distance, ks_test.statistic AS ks_statistic, ks_test.pvalue AS ks_pvalue, wasserstein_distance, population_stability_index, chi_squared_test.statistic AS chi_squared_statistic, chi_squared_test.pvalue AS chi_squared_pvalue, tv_distance, l_infinity_distance, count_delta, avg_delta, percent_null_delta, percent_zeros_delta, percent_distinct_delta';
const PROFILE_SELECT = '`count`, num_nulls, percent_null, percent_nan, percent_zeros, percent_distinct, avg, `min`, `max`, stddev';

/** Result column → how it is read from a stored row, and its type. */
const DRIFT_OUTPUT: readonly [string, (r: Record<string, unknown>) => unknown, 'LONG' | 'DOUBLE'][] = [
  ['js_distance', (r) => r.js_distance, 'DOUBLE'],
  ['ks_statistic', (r) => (r.ks_test as Record<string, unknown> | undefined)?.statistic, 'DOUBLE'],
  ['ks_pvalue', (r) => (r.ks_test as Record<string, unknown> | undefined)?.pvalue, 'DOUBLE'],
  ['wasserstein_distance', (r) => r.wasserstein_distance, 'DOUBLE'],
  ['population_stability_index', (r) => r.population_stability_index, 'DOUBLE'],
  ['chi_squared_statistic', (r) => (r.chi_squared_test as Record<string, unknown> | undefined)?.statistic, 'DOUBLE'],
  ['chi_squared_pvalue', (r) => (r.chi_squared_test as Record<string, unknown> | undefined)?.pvalue, 'DOUBLE'],
  ['tv_distance', (r) => r.tv_distance, 'DOUBLE'],
  ['l_infinity_distance', (r) => r.l_infinity_distance, 'DOUBLE'],
  ['count_delta', (r) => r.count_delta, 'DOUBLE'],
  ['avg_delta', (r) => r.avg_delta, 'DOUBLE'],
  ['percent_null_delta', (r) => r.percent_null_delta, 'DOUBLE'],
  ['percent_zeros_delta', (r) => r.percent_zeros_delta, 'DOUBLE'],
  ['percent_distinct_delta', (r) => r.percent_distinct_delta, 'DOUBLE'],
];
const PROFILE_OUTPUT: readonly [string, (r: Record<string, unknown>) => unknown, 'LONG' | 'DOUBLE'][] = [
  ['count', (r) => r.count, 'LONG'],
  ['num_nulls', (r) => r.num_nulls, 'LONG'],
  ['percent_null', (r) => r.percent_null, 'DOUBLE'],
  ['percent_nan', (r) => r.percent_nan, 'DOUBLE'],
  ['percent_zeros', (r) => r.percent_zeros, 'DOUBLE'],
  ['percent_distinct', (r) => r.percent_distinct, 'DOUBLE'],
  ['avg', (r) => r.avg, 'DOUBLE'],
  ['min', (r) => r.min, 'DOUBLE'],
  ['max', (r) => r.max, 'DOUBLE'],
  ['stddev', (r) => r.stddev, 'DOUBLE'],
];

const latestStatement = (select: string, tableParam: string, where: string): string =>
  normalize(
    `SELECT column_name, data_type, unix_millis(\`window\`.start) AS window_start_ms, unix_millis(\`window\`.\`end\`) AS window_end_ms, ${select} FROM IDENTIFIER(:${tableParam}) WHERE ${where} AND \`window\`.\`end\` = (SELECT MAX(\`window\`.\`end\`) FROM IDENTIFIER(:${tableParam}) WHERE ${where})`,
  );

const MODEL = ' AND IDENTIFIER(:model_id_column) = :model_id';

const latestRows =
  (kind: 'drift' | 'profile', byModel: boolean): Evaluator =>
  (env) => {
    const tableParam = kind === 'drift' ? 'drift_table' : 'profile_table';
    const tableName = identifierName(param(env, tableParam), tableParam);
    const table = env.table(tableName);
    let modelColumn: string | null = null;
    if (byModel) {
      modelColumn = identifierName(param(env, 'model_id_column'), 'model_id_column');
      if (modelColumn.includes('.') || !env.hasColumn(tableName, table, modelColumn)) throw unresolvedColumn(modelColumn);
    }
    const matches = (r: Record<string, unknown>): boolean =>
      (r.slice_key === null || r.slice_key === undefined) &&
      r.granularity === param(env, 'granularity') &&
      (kind === 'drift' ? r.drift_type === param(env, 'drift_type') : r.log_type === 'INPUT') &&
      (modelColumn === null || (r[modelColumn] !== null && r[modelColumn] !== undefined && String(r[modelColumn]) === param(env, 'model_id')));
    const windowOf = (r: Record<string, unknown>) => (r.window ?? {}) as { start?: unknown; end?: unknown };
    const candidates = table.rows.filter(matches);
    const ends = candidates.map((r) => millisOf(windowOf(r).end)).filter((t): t is number => t !== null);
    const latest = ends.length > 0 ? Math.max(...ends) : null;
    const output = kind === 'drift' ? DRIFT_OUTPUT : PROFILE_OUTPUT;
    const rows = latest === null ? [] : candidates.filter((r) => millisOf(windowOf(r).end) === latest);
    return {
      columns: [
        { name: 'column_name', type_name: 'STRING', type_text: 'STRING' },
        { name: 'data_type', type_name: 'STRING', type_text: 'STRING' },
        { name: 'window_start_ms', type_name: 'LONG', type_text: 'BIGINT' },
        { name: 'window_end_ms', type_name: 'LONG', type_text: 'BIGINT' },
        ...output.map(([name, , type]) => ({ name, type_name: type, type_text: type === 'LONG' ? ('BIGINT' as const) : ('DOUBLE' as const) })),
      ],
      rows: rows.map((r) => [
        r.column_name === null || r.column_name === undefined ? null : String(r.column_name),
        r.data_type === null || r.data_type === undefined ? null : String(r.data_type),
        renderLong(millisOf(windowOf(r).start)),
        renderLong(millisOf(windowOf(r).end)),
        ...output.map(([, read, type]) => {
          const v = numberOrNull(read(r));
          return type === 'LONG' ? renderLong(v) : renderNullableDouble(v);
        }),
      ]),
    };
  };

const DRIFT_WHERE = 'slice_key IS NULL AND granularity = :granularity AND drift_type = :drift_type';
const PROFILE_WHERE = "log_type = 'INPUT' AND slice_key IS NULL AND granularity = :granularity";

/** normalized text → evaluator. */
export const STATEMENTS: ReadonlyMap<string, Evaluator> = new Map([
  [SOAK, evaluateSoak],
  [latestStatement(DRIFT_SELECT, 'drift_table', DRIFT_WHERE + MODEL), latestRows('drift', true)],
  [latestStatement(DRIFT_SELECT, 'drift_table', DRIFT_WHERE), latestRows('drift', false)],
  [latestStatement(PROFILE_SELECT, 'profile_table', PROFILE_WHERE + MODEL), latestRows('profile', true)],
  [latestStatement(PROFILE_SELECT, 'profile_table', PROFILE_WHERE), latestRows('profile', false)],
  // A probe clients (and the contract tests) may send.
  [normalize('SELECT 1 AS one'), () => ({ columns: [{ name: 'one', type_name: 'LONG', type_text: 'BIGINT' }], rows: [['1']] })],
]);

/** `:name` markers of a statement (outside quoted strings). */
export const markersOf = (text: string): string[] => {
  const out = new Set<string>();
  for (const m of text.replace(/'(?:[^'\\]|\\.)*'/g, "''").matchAll(/(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)/g)) out.add(m[1]!);
  return [...out];
};

/** Runs a statement, or throws SqlFailure as the warehouse would answer it. */
export function runStatement(text: string, env: StatementEnv): SqlOutcome {
  const normalized = normalize(text);
  for (const marker of markersOf(normalized)) {
    if (!env.params.has(marker)) throw new SqlFailure('BAD_REQUEST', `[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ${marker}. Please, fix \`args\` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as \`map()\`, \`array()\`, \`struct()\`.`, '42P02');
  }
  const evaluate = STATEMENTS.get(normalized);
  if (!evaluate) {
    throw new SqlFailure(
      'BAD_REQUEST',
      '[UNSUPPORTED_IN_EMULATOR] The Databricks emulator runs only the statements mlops-gate sends (docs/emulator.md, "SQL statements"); this statement is not one of them.',
      '0A000',
    );
  }
  return evaluate(env);
}
