// Databricks Model Serving as the core sees it: the normalised endpoint views the rollout
// strategies compare and the health figures a canary is judged on. The wire shapes of
// `/api/2.0/serving-endpoints` live with the adapter (src/platform/serving/wire.ts).

/**
 * How a served entity runs, without its identity: what `serving:` in mlops.yml sets per environment
 * (`ServedEntityInput` of the SDK, databricks/sdk/service/serving.py). A field left undefined is
 * not sent and not compared (the server's default holds).
 */
export interface EntityConfig {
  /** Small, Medium, Large or a workspace's custom size; null when sized by provisioned concurrency. */
  readonly workloadSize: string | null;
  readonly scaleToZero: boolean;
  /** CPU (the server's default), GPU_SMALL, … */
  readonly workloadType?: string;
  /** "Do not use if workload_size is specified" (SDK): exclusive with workloadSize. */
  readonly minProvisionedConcurrency?: number;
  readonly maxProvisionedConcurrency?: number;
  /** Tokens per second (provisioned throughput). */
  readonly minProvisionedThroughput?: number;
  readonly maxProvisionedThroughput?: number;
  /** Values are literal or `{{secrets/<scope>/<key>}}` references, which Databricks resolves; never we. */
  readonly environmentVars?: Readonly<Record<string, string>>;
  readonly instanceProfileArn?: string;
}

/**
 * A served entity in input form (what PUT /config accepts). `name` is always explicit so the
 * endpoint never depends on the server's default naming.
 */
export interface ServedEntitySpec extends EntityConfig {
  readonly name: string;
  /** Unity Catalog model, `catalog.schema.model`. */
  readonly entityName: string;
  readonly entityVersion: string;
  /** Input fields we do not manage (external_model, burst_scaling_enabled, …), kept verbatim on restore. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** One AI Gateway rate limit (`AiGatewayRateLimit`): calls or tokens per minute, per key. */
export interface RateLimitSpec {
  readonly calls?: number;
  readonly tokens?: number;
  /** endpoint (the server's default), user, user_group, service_principal. */
  readonly key: string;
  readonly principal?: string;
  readonly renewalPeriod: 'minute';
}

/**
 * The endpoint's AI Gateway (`PUT …/ai-gateway` replaces it whole, so what is not managed is sent
 * back as read). In a desired config an absent part is not managed; read from an endpoint, every
 * part is present.
 */
export interface AiGatewaySpec {
  readonly rateLimits?: readonly RateLimitSpec[];
  readonly usageTracking?: boolean;
  /** null: no inference table (or turned off). */
  readonly inferenceTable?: (InferenceTableSpec & { readonly enabled: boolean }) | null;
  /** guardrails, fallback_config: never managed, kept verbatim (read and sent back). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * Endpoint-level settings. In a desired config an absent member is not managed; in a config read
 * from an endpoint (saved before a promotion, restored by a rollback) both are the whole state.
 */
export interface EndpointSettingsSpec {
  /** Endpoint tags (billing). Desired: the keys mlops-gate sets; read: every tag. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly aiGateway?: AiGatewaySpec;
}

export interface TrafficRoute {
  readonly servedEntityName: string;
  /** Integer 0–100; the routes of one config sum to 100. */
  readonly percent: number;
}

/** The content of an endpoint config: what is served, how traffic splits, and the endpoint's settings. */
export interface EndpointConfigSpec {
  readonly servedEntities: readonly ServedEntitySpec[];
  readonly routes: readonly TrafficRoute[];
  /** Tags and AI Gateway (absent: not part of this config; see EndpointSettingsSpec). */
  readonly settings?: EndpointSettingsSpec;
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
  /** Every tag of the endpoint. */
  readonly tags: Readonly<Record<string, string>>;
  /** null: the endpoint has no AI Gateway config. */
  readonly aiGateway: AiGatewaySpec | null;
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
