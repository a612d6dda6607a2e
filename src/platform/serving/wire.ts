// Wire shapes of Databricks Model Serving (REST `/api/2.0/serving-endpoints`, shared reference §3).
// Only the fields we use are typed; the rest pass through untouched.

/** A served entity as the API returns it (output form: carries `state`, `creator`, …). */
export interface WireServedEntity {
  readonly name: string;
  readonly entity_name?: string;
  readonly entity_version?: string;
  readonly workload_size?: string;
  readonly workload_type?: string;
  readonly scale_to_zero_enabled?: boolean;
  /** int64 fields: numbers, or strings (proto3 JSON); read both. */
  readonly min_provisioned_concurrency?: number | string;
  readonly max_provisioned_concurrency?: number | string;
  readonly min_provisioned_throughput?: number | string;
  readonly max_provisioned_throughput?: number | string;
  readonly environment_vars?: Readonly<Record<string, string>>;
  readonly instance_profile_arn?: string;
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
  readonly ai_gateway?: WireAiGateway;
  readonly tags?: readonly { readonly key: string; readonly value?: string }[];
}

export interface WireRateLimit {
  readonly calls?: number | string;
  readonly tokens?: number | string;
  readonly key?: string;
  readonly principal?: string;
  readonly renewal_period?: string;
}

/** `AiGatewayConfig` (SDK serving.py): what GET answers under `ai_gateway` and PUT …/ai-gateway takes. */
export interface WireAiGateway {
  readonly inference_table_config?: WireInferenceTableConfig;
  readonly rate_limits?: readonly WireRateLimit[];
  readonly usage_tracking_config?: { readonly enabled?: boolean };
  readonly guardrails?: unknown;
  readonly fallback_config?: unknown;
  readonly [field: string]: unknown;
}

export interface WireInferenceTableConfig {
  readonly catalog_name?: string;
  readonly schema_name?: string;
  readonly table_name_prefix?: string;
  readonly enabled?: boolean;
}
