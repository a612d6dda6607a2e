// Databricks Model Serving as this project sees it: the wire shapes we read and send
// (REST `/api/2.0/serving-endpoints`, see shared reference §3) and the normalised views the
// rollout strategies compare. Only the fields we use are typed; the rest pass through untouched.

/** A served entity as the API returns it (output form: carries `state`, `creator`, …). */
export interface WireServedEntity {
  readonly name: string;
  readonly entity_name?: string;
  readonly entity_version?: string;
  readonly workload_size?: string;
  readonly workload_type?: string;
  readonly scale_to_zero_enabled?: boolean;
  readonly state?: { readonly deployment?: string; readonly deployment_state_message?: string };
  readonly [field: string]: unknown;
}

export interface WireRoute {
  readonly served_model_name?: string;
  readonly served_entity_name?: string;
  readonly traffic_percentage: number;
}

export interface WireCoreConfig {
  readonly served_entities?: readonly WireServedEntity[];
  readonly traffic_config?: { readonly routes?: readonly WireRoute[] };
  readonly config_version?: number;
}

export interface WireEndpoint {
  readonly name: string;
  readonly id?: string;
  readonly state?: { readonly ready?: string; readonly config_update?: string };
  readonly config?: WireCoreConfig;
  readonly pending_config?: WireCoreConfig & { readonly start_time?: number };
  readonly ai_gateway?: { readonly inference_table_config?: WireInferenceTableConfig; readonly [field: string]: unknown };
  readonly tags?: readonly { readonly key: string; readonly value?: string }[];
}

export interface WireInferenceTableConfig {
  readonly catalog_name?: string;
  readonly schema_name?: string;
  readonly table_name_prefix?: string;
  readonly enabled?: boolean;
}

/**
 * A served entity in input form (what PUT /config accepts). `name` is always explicit so the
 * endpoint never depends on the server's default naming.
 */
export interface ServedEntitySpec {
  readonly name: string;
  /** Unity Catalog model, `catalog.schema.model`. */
  readonly entityName: string;
  readonly entityVersion: string;
  readonly workloadSize: string;
  readonly scaleToZero: boolean;
  /** Input fields we do not manage (workload_type, environment_vars, …), kept verbatim on restore. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface TrafficRoute {
  readonly servedEntityName: string;
  /** Integer 0–100; the routes of one config sum to 100. */
  readonly percent: number;
}

/** The content of an endpoint config: what is served and how traffic splits. */
export interface EndpointConfigSpec {
  readonly servedEntities: readonly ServedEntitySpec[];
  readonly routes: readonly TrafficRoute[];
}

export interface InferenceTableSpec {
  readonly catalog: string;
  readonly schema: string;
  readonly prefix: string;
}

export type ConfigUpdateState = 'NOT_UPDATING' | 'IN_PROGRESS' | 'UPDATE_FAILED' | 'UPDATE_CANCELED' | string;

/** An endpoint, normalised. `config` is the live config (null before the first one went live). */
export interface EndpointView {
  readonly name: string;
  readonly ready: boolean;
  readonly configUpdate: ConfigUpdateState;
  readonly config: (EndpointConfigSpec & { readonly configVersion: number | null }) | null;
  readonly pendingConfigVersion: number | null;
  readonly inferenceTable: (InferenceTableSpec & { readonly enabled: boolean }) | null;
  readonly raw: WireEndpoint;
}

/** Counters of one served entity, read from the endpoint's Prometheus metrics. */
export interface EntityCounters {
  readonly requests: number;
  readonly errors4xx: number;
  readonly errors5xx: number;
  /** Cumulative histogram: upper bound (ms, Infinity for +Inf) → count of requests at or below it. */
  readonly latencyBuckets: readonly { readonly le: number; readonly count: number }[];
}

export type EndpointMetrics = Readonly<Record<string, EntityCounters>>;

/** Error rate and p95 over a window (the difference of two metric reads). */
export interface EntityHealth {
  readonly servedEntityName: string;
  readonly requests: number;
  readonly errors: number;
  /** errors / requests; null with no requests. */
  readonly errorRate: number | null;
  /** Estimated from histogram buckets (linear inside the bucket); null with no requests. */
  readonly p95LatencyMs: number | null;
}

export type SettleOutcome =
  | { readonly kind: 'settled'; readonly endpoint: EndpointView; readonly polls: number; readonly waitedMs: number }
  /** config_update ended UPDATE_FAILED / UPDATE_CANCELED: the previous config (if any) is still served. */
  | { readonly kind: 'failed'; readonly endpoint: EndpointView; readonly polls: number; readonly waitedMs: number; readonly message: string }
  | { readonly kind: 'deadline'; readonly endpoint: EndpointView | null; readonly polls: number; readonly waitedMs: number; readonly message: string }
  | { readonly kind: 'missing'; readonly polls: number; readonly waitedMs: number; readonly message: string };

export interface WaitProgress {
  readonly endpoint: string;
  readonly configUpdate: ConfigUpdateState | null;
  readonly ready: boolean;
  readonly poll: number;
  readonly elapsedMs: number;
  /** One line for humans: `waiting for churn-prod: IN_PROGRESS (12 s)…`. */
  readonly message: string;
}

export interface WaitOptions {
  /** Give up after this long (measured on the injected clock). */
  readonly deadlineMs: number;
  readonly onProgress?: (progress: WaitProgress) => void | Promise<void>;
}

export type InvokeOutcome =
  | { readonly ok: true; readonly status: number; readonly servedEntityName: string | null; readonly body: unknown }
  | { readonly ok: false; readonly status: number | null; readonly servedEntityName: string | null; readonly errorCode: string | null; readonly message: string };
