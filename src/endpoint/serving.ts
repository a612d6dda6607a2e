// Databricks Model Serving as the core sees it: the normalised endpoint views the rollout
// strategies compare and the health figures a canary is judged on. The wire shapes of
// `/api/2.0/serving-endpoints` live with the adapter (src/platform/serving/wire.ts).

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
}

/** Error rate and p95 of one served entity over a health check's window (several reads of the export). */
export interface EntityHealth {
  readonly servedEntityName: string;
  readonly requests: number;
  readonly errors: number;
  /** errors / requests; null with no requests (or no 5xx family in the export). */
  readonly errorRate: number | null;
  /** Estimated from histogram buckets (linear inside the bucket); null with no requests (or no histogram). */
  readonly p95LatencyMs: number | null;
  /** Minutes of the export the window added up. */
  readonly minutes?: number;
  /** The label the entity's series were found under (null: none found). */
  readonly label?: string | null;
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
