// Live evidence: what the environment a candidate comes from learned while the candidate was
// served there. The soak gate reads the candidate's served entity on that environment's endpoint
// and its requests in the endpoint's inference table; the drift gate reads the metric tables of
// the environment's Lakehouse monitor. Tables are read with the SQL Statement Execution API
// (statements in ./live-sql.ts), each fact gathered only when a gate needs it (LiveNeed).
//
// Facts are plain data with their own window and measurement time, so `plan --evidence FILE`
// judges them as they were gathered.

import { canonicalJson } from '../util/hash.js';

// ---------------------------------------------------------------------------------------------
// Needs

export type DriftType = 'BASELINE' | 'CONSECUTIVE';

/** What a live gate asks to be gathered (from its options only: no config, no clock). */
export type LiveNeed =
  | {
      readonly kind: 'soak';
      /** The soak window: this long, ending `lagSeconds` before the evidence is gathered. */
      readonly windowSeconds: number;
      /** Inference-table ingestion lag: requests younger than this may not be in the table yet. */
      readonly lagSeconds: number;
    }
  | {
      readonly kind: 'drift';
      readonly driftType: DriftType;
      readonly granularity: string;
      /** Model id template (`{version}`, `{name}`, `{model}`); null: the metric rows are not filtered by model. */
      readonly modelId: string | null;
    }
  | {
      readonly kind: 'profile';
      readonly granularity: string;
      readonly modelId: string | null;
    };

/** The key a need's facts are stored under in `TargetEvidence.live` (and de-duplicated by). */
export const liveNeedKey = (need: LiveNeed): string => canonicalJson(need);

export const mergeLiveNeeds = (a: readonly LiveNeed[], b: readonly LiveNeed[] | undefined): readonly LiveNeed[] => {
  if (!b || b.length === 0) return a;
  const seen = new Set(a.map(liveNeedKey));
  const out = [...a];
  for (const need of b) {
    const key = liveNeedKey(need);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(need);
    }
  }
  return out;
};

/** Model id placeholders of the drift gate's `model_id` option. */
export const expandModelId = (template: string, candidate: { readonly name: string; readonly version: string }): string =>
  template.replace(/\{(version|name|model)\}/g, (_, key: string) =>
    key === 'version' ? candidate.version : key === 'name' ? candidate.name : (candidate.name.split('.').pop() ?? candidate.name),
  );

// ---------------------------------------------------------------------------------------------
// Facts

/** The candidate's requests in the soak window, from the endpoint's inference table. */
export interface SoakWindow {
  readonly startMs: number;
  readonly endMs: number;
  /** Rows of the candidate's served entity in the window (logged requests; sampling may log fewer than served). */
  readonly requests: number;
  readonly errors5xx: number;
  readonly errors4xx: number;
  /** 95th percentile of `execution_duration_ms` (model execution time); null with no requests. */
  readonly p95Ms: number | null;
  readonly firstRequestMs: number | null;
  readonly lastRequestMs: number | null;
  /**
   * Rows of `system.serving.served_entities` for the served entity: the table that maps the inference
   * table's `served_entity_id` to a served entity. 0: the requests could not be attributed.
   */
  readonly entityRecords: number;
  readonly statementId: string | null;
}

export interface SoakFacts {
  readonly kind: 'soak';
  /** The endpoint in the source environment. */
  readonly endpoint: string;
  readonly endpointExists: boolean;
  /** When the evidence was gathered (the window is measured from here). */
  readonly measuredAtMs: number;
  readonly windowSeconds: number;
  readonly lagSeconds: number;
  /** The candidate's served entity on the endpoint; null when the endpoint does not serve the candidate. */
  readonly served: {
    readonly name: string;
    /** Traffic the entity takes now (0–100). */
    readonly trafficPercent: number;
    /** The served entity's `creation_timestamp`: it has not been served before this. null: not reported. */
    readonly sinceMs: number | null;
  } | null;
  /** `<catalog>.<schema>.<prefix>_payload`; null when the endpoint logs to no (enabled) inference table. */
  readonly inferenceTable: string | null;
  /** null: not queried (nothing served, no table, or served for less than the ingestion lag). */
  readonly window: SoakWindow | null;
}

/** One metric table row's numbers for one column (`:table` for table-level rows). */
export type MetricValues = Readonly<Record<string, number | null>>;

export interface MonitorFacts {
  readonly kind: 'drift' | 'profile';
  /** The metric table read: `<output schema>.<table>_drift_metrics` or `_profile_metrics`. */
  readonly table: string;
  readonly granularity: string;
  readonly driftType: DriftType | null;
  /** The model id value the rows were filtered by (null: not filtered), and its column. */
  readonly modelId: string | null;
  readonly modelIdColumn: string | null;
  readonly measuredAtMs: number;
  /** The latest window with rows; null when the table holds no matching rows. */
  readonly window: { readonly startMs: number | null; readonly endMs: number } | null;
  /** column_name → its numbers in the latest window. */
  readonly columns: Readonly<Record<string, MetricValues>>;
  /** column_name → data_type, as the table records it. */
  readonly dataTypes: Readonly<Record<string, string>>;
  readonly statementId: string | null;
}

export type LiveFacts = SoakFacts | MonitorFacts;

// ---------------------------------------------------------------------------------------------
// Ports (implemented in src/platform: the serving API and the SQL Statement Execution API)

export interface LiveServedEntity {
  readonly name: string;
  readonly entityName: string;
  readonly entityVersion: string;
  /** `creation_timestamp` of the served entity (ms); null when the API did not report one. */
  readonly createdAtMs: number | null;
}

/** A serving endpoint as the live gates see it. */
export interface LiveEndpoint {
  readonly name: string;
  readonly servedEntities: readonly LiveServedEntity[];
  readonly routes: readonly { readonly servedEntityName: string; readonly percent: number }[];
  readonly inferenceTable: { readonly catalog: string; readonly schema: string; readonly prefix: string; readonly enabled: boolean } | null;
}

export interface SqlParameter {
  readonly name: string;
  /** null sends SQL NULL. */
  readonly value: string | null;
  /** Omitted: STRING. */
  readonly type?: 'STRING' | 'BIGINT' | 'DOUBLE';
}

export interface SqlResult {
  readonly statementId: string | null;
  readonly columns: readonly string[];
  /** Every non-null value is a string, as the API sends it (JSON_ARRAY). */
  readonly rows: readonly (readonly (string | null)[])[];
}

export interface SqlPort {
  /** Runs a statement to completion; throws SqlStatementFailed when it ends FAILED / CANCELED / CLOSED or runs out of time. */
  query(statement: string, parameters: readonly SqlParameter[]): Promise<SqlResult>;
}

/** What live gates read in one environment. */
export interface LivePorts {
  /** null when the endpoint does not exist. */
  servingEndpoint(name: string): Promise<LiveEndpoint | null>;
  /** null when the environment has no SQL warehouse configured. */
  readonly sql: SqlPort | null;
}

/** A statement that did not succeed: the warehouse's own error, kept for the gate message. */
export class SqlStatementFailed extends Error {
  override readonly name = 'SqlStatementFailed';
  readonly evidenceKind: 'unavailable' | 'denied' | 'invalid' | 'not_found';
  constructor(
    message: string,
    readonly details: {
      readonly state: string;
      readonly errorCode: string | null;
      readonly sqlState: string | null;
      readonly statementId: string | null;
    },
  ) {
    super(message);
    this.evidenceKind = kindOfSqlFailure(details, message);
  }
}

/** SQLSTATE class 42 with a missing object, or a permission error, or a time-out. */
function kindOfSqlFailure(d: SqlStatementFailed['details'], message: string): SqlStatementFailed['evidenceKind'] {
  if (d.sqlState === '42501' || /INSUFFICIENT_PERMISSIONS|PERMISSION_DENIED/.test(message) || d.errorCode === 'PERMISSION_DENIED') return 'denied';
  if (d.sqlState === '42P01' || /TABLE_OR_VIEW_NOT_FOUND/.test(message)) return 'not_found';
  if (d.state !== 'FAILED' || d.errorCode === 'DEADLINE_EXCEEDED' || d.errorCode === 'RESOURCE_EXHAUSTED' || d.errorCode === 'TEMPORARILY_UNAVAILABLE') return 'unavailable';
  return 'invalid';
}
