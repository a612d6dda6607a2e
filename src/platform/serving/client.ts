// A typed client for Databricks Model Serving over the HTTP port: read, create and update
// endpoints, read metrics, send a smoke request, and wait for a config update to settle.
//
// Only one config update may be in flight per endpoint. `updateConfig` answers a 409 by waiting
// for the update in flight and retrying, so two writers queue instead of failing. Waiting polls
// GET with exponential backoff and jitter until `config_update = NOT_UPDATING` and `ready = READY`
// (the SDK waiters stop at NOT_UPDATING; a rollout also needs the new config to take traffic).
// Time (now, sleep) and randomness are injected so tests drive waits without real delays.

import { ApiError, hasErrorCode } from '../../errors.js';
import type { HttpClient } from '../http/types.js';
import { EMPTY_GATEWAY, gatewayDifferences, sameConfig, tagDifferences } from '../../endpoint/compare.js';
import { parseMetricsExport } from '../../endpoint/metrics.js';
import type {
  AiGatewaySpec,
  EndpointConfigSpec,
  EndpointSettingsSpec,
  EndpointView,
  InferenceTableSpec,
  RateLimitSpec,
  ServedEntitySpec,
  SettleOutcome,
  WaitOptions,
} from '../../endpoint/serving.js';
import type { WireAiGateway, WireCoreConfig, WireEndpoint, WireRateLimit, WireServedEntity } from './wire.js';
import { systemClock, type ServingClient, type ServingClock } from '../../endpoint/ports.js';


export interface ServingClientOptions {
  readonly http: HttpClient;
  readonly clock?: ServingClock;
  /** [0, 1) for poll jitter. */
  readonly random?: () => number;
  /** First poll interval and its cap. Defaults 1 s and 10 s (the SDK sleeps min(attempt, 10) s + jitter). */
  readonly pollBaseMs?: number;
  readonly pollMaxMs?: number;
}

const isConflict = (e: unknown): boolean =>
  e instanceof ApiError && ((e.details.status === 409 && !hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS')) || hasErrorCode(e, 'RESOURCE_CONFLICT'));

/** Fields of an output served entity that PUT /config does not take. */
const OUTPUT_ONLY = new Set(['state', 'creator', 'creation_timestamp', 'foundation_model']);
const MANAGED = new Set([
  'name',
  'entity_name',
  'entity_version',
  'workload_size',
  'scale_to_zero_enabled',
  'workload_type',
  'min_provisioned_concurrency',
  'max_provisioned_concurrency',
  'min_provisioned_throughput',
  'max_provisioned_throughput',
  'environment_vars',
  'instance_profile_arn',
]);

/** An int64 the server may send as a number or, in proto3 JSON, a string. */
const int64 = (v: unknown): number | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

export function entityFromWire(e: WireServedEntity): ServedEntitySpec {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!OUTPUT_ONLY.has(k) && !MANAGED.has(k) && v !== undefined) extra[k] = v;
  const optional = {
    workloadType: e.workload_type,
    minProvisionedConcurrency: int64(e.min_provisioned_concurrency),
    maxProvisionedConcurrency: int64(e.max_provisioned_concurrency),
    minProvisionedThroughput: int64(e.min_provisioned_throughput),
    maxProvisionedThroughput: int64(e.max_provisioned_throughput),
    environmentVars: e.environment_vars ? { ...e.environment_vars } : undefined,
    instanceProfileArn: e.instance_profile_arn,
  };
  return {
    name: e.name,
    entityName: e.entity_name ?? '',
    entityVersion: e.entity_version === undefined ? '' : String(e.entity_version),
    workloadSize: e.workload_size ?? null,
    scaleToZero: e.scale_to_zero_enabled ?? false,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/** "Small" (4 - 4 provisioned concurrency), "Medium" (8 - 16), "Large" (16 - 64); lower bound 0 with scale to zero (SDK ServedEntityInput.workload_size). */
const SIZE_BANDS: Readonly<Record<string, readonly [number, number]>> = { Small: [4, 4], Medium: [8, 16], Large: [16, 64] };

/**
 * Which sizing to send. An entity read back may carry both (whether GET answers the sizing it was
 * not given is not documented, docs/fidelity.md): the workload size when the bounds are its band
 * (the same capacity), else the bounds (the exact capacity).
 */
const sizedBy = (e: ServedEntitySpec): 'size' | 'bounds' => {
  const bounded = e.minProvisionedConcurrency !== undefined || e.maxProvisionedConcurrency !== undefined;
  if (e.workloadSize === null) return 'bounds';
  if (!bounded) return 'size';
  const band = SIZE_BANDS[e.workloadSize];
  return band && e.maxProvisionedConcurrency === band[1] && e.minProvisionedConcurrency === (e.scaleToZero ? 0 : band[0]) ? 'size' : 'bounds';
};

export function entityToWire(e: ServedEntitySpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...(e.extra ?? {}),
    name: e.name,
    entity_name: e.entityName,
    entity_version: e.entityVersion,
    scale_to_zero_enabled: e.scaleToZero,
  };
  // "Do not use if min_provisioned_concurrency and max_provisioned_concurrency are specified" (SDK):
  // one sizing or the other, never both.
  if (sizedBy(e) === 'size') out.workload_size = e.workloadSize;
  else {
    if (e.minProvisionedConcurrency !== undefined) out.min_provisioned_concurrency = e.minProvisionedConcurrency;
    if (e.maxProvisionedConcurrency !== undefined) out.max_provisioned_concurrency = e.maxProvisionedConcurrency;
  }
  if (e.workloadType !== undefined) out.workload_type = e.workloadType;
  if (e.minProvisionedThroughput !== undefined) out.min_provisioned_throughput = e.minProvisionedThroughput;
  if (e.maxProvisionedThroughput !== undefined) out.max_provisioned_throughput = e.maxProvisionedThroughput;
  if (e.environmentVars !== undefined && Object.keys(e.environmentVars).length > 0) out.environment_vars = { ...e.environmentVars };
  if (e.instanceProfileArn !== undefined) out.instance_profile_arn = e.instanceProfileArn;
  return out;
}

export const configToWire = (c: EndpointConfigSpec): Record<string, unknown> => ({
  served_entities: c.servedEntities.map(entityToWire),
  traffic_config: { routes: c.routes.map((r) => ({ served_model_name: r.servedEntityName, traffic_percentage: r.percent })) },
});

const rateLimitFromWire = (r: WireRateLimit): RateLimitSpec => {
  const calls = int64(r.calls);
  const tokens = int64(r.tokens);
  return {
    ...(calls !== undefined ? { calls } : {}),
    ...(tokens !== undefined ? { tokens } : {}),
    // "'endpoint' being the default if not specified" (SDK AiGatewayRateLimit.key).
    key: r.key ?? 'endpoint',
    ...(r.principal ? { principal: r.principal } : {}),
    renewalPeriod: 'minute',
  };
};

const rateLimitToWire = (r: RateLimitSpec): WireRateLimit => ({
  ...(r.calls !== undefined ? { calls: r.calls } : {}),
  ...(r.tokens !== undefined ? { tokens: r.tokens } : {}),
  key: r.key,
  ...(r.principal !== undefined ? { principal: r.principal } : {}),
  renewal_period: r.renewalPeriod,
});

const GATEWAY_MANAGED = new Set(['inference_table_config', 'rate_limits', 'usage_tracking_config']);

export function gatewayFromWire(w: WireAiGateway | undefined): AiGatewaySpec | null {
  if (!w || Object.keys(w).length === 0) return null;
  const table = w.inference_table_config;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(w)) if (!GATEWAY_MANAGED.has(k) && v !== undefined && v !== null) extra[k] = v;
  return {
    rateLimits: (w.rate_limits ?? []).map(rateLimitFromWire),
    usageTracking: w.usage_tracking_config?.enabled === true,
    inferenceTable:
      table && table.catalog_name && table.schema_name
        ? { catalog: table.catalog_name, schema: table.schema_name, prefix: table.table_name_prefix ?? '', enabled: table.enabled !== false }
        : null,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/**
 * The whole gateway as PUT takes it. A part with nothing configured is left out, unless the live
 * gateway has it, then it is sent turned off (correct whether PUT clears what it leaves out or keeps it).
 */
export function gatewayToWire(g: AiGatewaySpec, live: AiGatewaySpec | null = null): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(g.extra ?? {}) };
  const limits = g.rateLimits ?? [];
  if (limits.length > 0 || (live?.rateLimits?.length ?? 0) > 0) out.rate_limits = limits.map(rateLimitToWire);
  if (g.usageTracking || live?.usageTracking) out.usage_tracking_config = { enabled: g.usageTracking ?? false };
  if (g.inferenceTable?.enabled) out.inference_table_config = inferenceTableToWire(g.inferenceTable);
  else if (live?.inferenceTable?.enabled) out.inference_table_config = { enabled: false };
  return out;
}

const definedParts = (g: AiGatewaySpec): AiGatewaySpec =>
  Object.fromEntries(Object.entries(g).filter(([k, v]) => v !== undefined && k !== 'extra')) as AiGatewaySpec;

const tagsFromWire = (tags: WireEndpoint['tags']): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.key, t.value ?? '']));

const configFromWire = (c: WireCoreConfig | undefined, settings: EndpointSettingsSpec): EndpointView['config'] => {
  if (!c || !c.served_entities) return null;
  return {
    servedEntities: c.served_entities.map(entityFromWire),
    routes: (c.traffic_config?.routes ?? []).map((r) => ({
      servedEntityName: r.served_entity_name ?? r.served_model_name ?? '',
      percent: r.traffic_percentage,
    })),
    settings,
    configVersion: c.config_version ?? null,
  };
};

export function endpointFromWire(w: WireEndpoint): EndpointView {
  const table = w.ai_gateway?.inference_table_config;
  const tags = tagsFromWire(w.tags);
  const aiGateway = gatewayFromWire(w.ai_gateway);
  return {
    name: w.name,
    ready: w.state?.ready === 'READY',
    configUpdate: w.state?.config_update ?? 'NOT_UPDATING',
    config: configFromWire(w.config, { tags, ...(aiGateway ? { aiGateway } : {}) }),
    pendingConfigVersion: w.pending_config?.config_version ?? null,
    inferenceTable:
      table && table.catalog_name && table.schema_name
        ? { catalog: table.catalog_name, schema: table.schema_name, prefix: table.table_name_prefix ?? '', enabled: table.enabled !== false }
        : null,
    tags,
    aiGateway,
  };
}

const inferenceTableToWire = (t: InferenceTableSpec | null) =>
  t
    ? { catalog_name: t.catalog, schema_name: t.schema, table_name_prefix: t.prefix, enabled: true }
    : { enabled: false };

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

export function createServingClient(options: ServingClientOptions): ServingClient {
  const { http } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const base = options.pollBaseMs ?? 1_000;
  const cap = options.pollMaxMs ?? 10_000;
  let polls = 0;
  const path = (name: string, suffix = '') => `/api/2.0/serving-endpoints/${encodeURIComponent(name)}${suffix}`;

  const getEndpoint = async (name: string): Promise<EndpointView | null> => {
    try {
      const res = await http.request<WireEndpoint>({ method: 'GET', path: path(name), endpoint: 'GET /api/2.0/serving-endpoints/{name}' });
      return endpointFromWire(res.body);
    } catch (e) {
      if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
      throw e;
    }
  };

  const waitUntilSettled = async (name: string, wait: WaitOptions): Promise<SettleOutcome> => {
    const started = clock.now();
    let attempt = 0;
    let last: EndpointView | null = null;
    for (;;) {
      const endpoint = await getEndpoint(name);
      polls++;
      attempt++;
      const elapsed = clock.now() - started;
      if (!endpoint) return { kind: 'missing', polls: attempt, waitedMs: elapsed, message: `serving endpoint "${name}" does not exist` };
      last = endpoint;
      const state = endpoint.configUpdate;
      await wait.onProgress?.({
        endpoint: name,
        configUpdate: state,
        ready: endpoint.ready,
        poll: attempt,
        elapsedMs: elapsed,
        message: `waiting for ${name}: ${state}${endpoint.ready ? '' : ', NOT_READY'} (${seconds(elapsed)})…`,
      });
      if (state === 'UPDATE_FAILED' || state === 'UPDATE_CANCELED') {
        return {
          kind: 'failed',
          endpoint,
          polls: attempt,
          waitedMs: elapsed,
          message: `the config update of serving endpoint "${name}" ended ${state}; ${endpoint.config ? `config version ${endpoint.config.configVersion ?? '?'} is still served` : 'no config is live'}`,
        };
      }
      if (state === 'NOT_UPDATING' && endpoint.ready) return { kind: 'settled', endpoint, polls: attempt, waitedMs: elapsed };
      // Exponential backoff with full jitter on top of half the step, capped.
      const step = Math.min(cap, base * 2 ** Math.min(attempt - 1, 20));
      const delay = Math.round(step / 2 + (random() * step) / 2);
      if (clock.now() - started + delay > wait.deadlineMs) {
        return {
          kind: 'deadline',
          endpoint: last,
          polls: attempt,
          waitedMs: clock.now() - started,
          message:
            `serving endpoint "${name}" did not settle within ${seconds(wait.deadlineMs)} ` +
            `(config_update ${state}, ${endpoint.ready ? 'READY' : 'NOT_READY'}); raise serving.wait_timeout or check the endpoint's events`,
        };
      }
      await clock.sleep(delay);
    }
  };

  /**
   * PUT …/ai-gateway with the whole gateway. "On update, you have to disable inference table first
   * in order to change the catalog name" (and the schema name, and the prefix): SDK serving.py
   * AiGatewayInferenceTableConfig. Returns the writes made.
   */
  const putGateway = async (name: string, gateway: AiGatewaySpec, current: AiGatewaySpec | null): Promise<number> => {
    let live = current;
    const table = gateway.inferenceTable?.enabled ? gateway.inferenceTable : null;
    const was = live?.inferenceTable?.enabled ? live.inferenceTable : null;
    let writes = 0;
    if (table && was && (was.catalog !== table.catalog || was.schema !== table.schema || was.prefix !== table.prefix)) {
      await http.request({
        method: 'PUT',
        path: path(name, '/ai-gateway'),
        body: gatewayToWire({ ...(live ?? gateway), inferenceTable: null }, live),
        idempotent: true,
        endpoint: 'PUT /api/2.0/serving-endpoints/{name}/ai-gateway',
      });
      writes++;
      live = { ...(live ?? {}), inferenceTable: null };
    }
    await http.request({
      method: 'PUT',
      path: path(name, '/ai-gateway'),
      body: gatewayToWire(gateway, live),
      idempotent: true,
      endpoint: 'PUT /api/2.0/serving-endpoints/{name}/ai-gateway',
    });
    return writes + 1;
  };

  return {
    getEndpoint,
    waitUntilSettled,
    polls: () => polls,

    async createEndpoint(request) {
      const body: Record<string, unknown> = { name: request.name, config: configToWire(request.config) };
      const settings = request.config.settings;
      if (settings?.aiGateway) body.ai_gateway = gatewayToWire(settings.aiGateway);
      if (settings?.tags && Object.keys(settings.tags).length > 0) body.tags = Object.entries(settings.tags).map(([key, value]) => ({ key, value }));
      try {
        const res = await http.request<WireEndpoint>({ method: 'POST', path: '/api/2.0/serving-endpoints', body, endpoint: 'POST /api/2.0/serving-endpoints' });
        return { outcome: 'created', endpoint: endpointFromWire(res.body) };
      } catch (e) {
        if (!hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
        const existing = await getEndpoint(request.name);
        if (!existing) throw e;
        return { outcome: 'exists', endpoint: existing };
      }
    },

    async updateConfig(name, config, wait) {
      const started = clock.now();
      let conflicts = 0;
      for (;;) {
        try {
          const res = await http.request<WireEndpoint>({
            method: 'PUT',
            path: path(name, '/config'),
            body: configToWire(config),
            endpoint: 'PUT /api/2.0/serving-endpoints/{name}/config',
          });
          return { outcome: 'started', endpoint: endpointFromWire(res.body), conflicts };
        } catch (e) {
          if (!isConflict(e)) throw e;
          conflicts++;
          const remaining = wait.deadlineMs - (clock.now() - started);
          const settle = await waitUntilSettled(name, { ...wait, deadlineMs: Math.max(0, remaining) });
          if (settle.kind === 'deadline' || settle.kind === 'missing') return { outcome: 'gave-up', settle, conflicts };
          if (settle.kind === 'settled' && settle.endpoint.config && sameConfig(settle.endpoint.config, config)) {
            return { outcome: 'already-applied', endpoint: settle.endpoint, conflicts };
          }
          // A failed update by someone else still frees the endpoint for ours: retry.
        }
      }
    },

    async putInferenceTable(name, table) {
      // The rest of the gateway as it is: PUT …/ai-gateway replaces the whole configuration.
      const live = (await getEndpoint(name))?.aiGateway ?? null;
      await putGateway(name, { ...EMPTY_GATEWAY, ...(live ?? {}), inferenceTable: table ? { ...table, enabled: true } : null }, live);
    },

    async applySettings(name, wanted, options = {}) {
      const live = await getEndpoint(name);
      if (!live) throw new ApiError(`serving endpoint "${name}" does not exist`, { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404, method: 'GET', url: path(name), kind: 'http', attempts: 1 });
      const whole = options.whole ?? false;
      let writes = 0;
      if (wanted.tags) {
        const changed = tagDifferences(live.tags, wanted.tags, whole);
        const add = changed.filter((k) => k in wanted.tags!).map((key) => ({ key, value: wanted.tags![key]! }));
        const remove = changed.filter((k) => !(k in wanted.tags!));
        if (add.length > 0 || remove.length > 0) {
          // PATCH adds (or overwrites) and deletes; setting tags is a diff against GET (as TF and the CLI do).
          await http.request({
            method: 'PATCH',
            path: path(name, '/tags'),
            body: { ...(add.length ? { add_tags: add } : {}), ...(remove.length ? { delete_tags: remove } : {}) },
            idempotent: true,
            endpoint: 'PATCH /api/2.0/serving-endpoints/{name}/tags',
          });
          writes++;
        }
      }
      const gateway = wanted.aiGateway ?? (whole ? EMPTY_GATEWAY : undefined);
      if (gateway && gatewayDifferences(live.aiGateway, gateway, whole).length > 0) {
        // PUT replaces the whole gateway: what is not managed goes back as read (guardrails,
        // fallback, and any part the config leaves out), unless a whole saved state is restored.
        const merged: AiGatewaySpec = whole ? { ...EMPTY_GATEWAY, ...gateway } : { ...EMPTY_GATEWAY, ...(live.aiGateway ?? {}), ...definedParts(gateway) };
        writes += await putGateway(name, merged, live.aiGateway);
      }
      return writes;
    },

    async readMetrics(name) {
      const res = await http.request<string>({
        method: 'GET',
        path: path(name, '/metrics'),
        responseType: 'text',
        endpoint: 'GET /api/2.0/serving-endpoints/{name}/metrics',
      });
      return parseMetricsExport(res.body);
    },

    async invoke(name, body) {
      try {
        const res = await http.request({
          method: 'POST',
          path: `/serving-endpoints/${encodeURIComponent(name)}/invocations`,
          body,
          endpoint: 'POST /serving-endpoints/{name}/invocations',
        });
        return { ok: true, status: res.status, servedEntityName: res.headers['served-model-name'] ?? null, body: res.body };
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return { ok: false, status: e.details.status, servedEntityName: null, errorCode: e.errorCode, message: e.message };
      }
    },
  };
}
