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
import { sameConfig } from '../../endpoint/compare.js';
import { parseMetricsExport } from '../../endpoint/metrics.js';
import type { EndpointConfigSpec, EndpointView, InferenceTableSpec, ServedEntitySpec, SettleOutcome, WaitOptions } from '../../endpoint/serving.js';
import type { WireCoreConfig, WireEndpoint, WireServedEntity } from './wire.js';
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
const MANAGED = new Set(['name', 'entity_name', 'entity_version', 'workload_size', 'scale_to_zero_enabled']);

export function entityFromWire(e: WireServedEntity): ServedEntitySpec {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!OUTPUT_ONLY.has(k) && !MANAGED.has(k) && v !== undefined) extra[k] = v;
  return {
    name: e.name,
    entityName: e.entity_name ?? '',
    entityVersion: e.entity_version === undefined ? '' : String(e.entity_version),
    workloadSize: e.workload_size ?? 'Small',
    scaleToZero: e.scale_to_zero_enabled ?? false,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

export function entityToWire(e: ServedEntitySpec): Record<string, unknown> {
  return {
    ...(e.extra ?? {}),
    name: e.name,
    entity_name: e.entityName,
    entity_version: e.entityVersion,
    workload_size: e.workloadSize,
    scale_to_zero_enabled: e.scaleToZero,
  };
}

export const configToWire = (c: EndpointConfigSpec): Record<string, unknown> => ({
  served_entities: c.servedEntities.map(entityToWire),
  traffic_config: { routes: c.routes.map((r) => ({ served_model_name: r.servedEntityName, traffic_percentage: r.percent })) },
});

const configFromWire = (c: WireCoreConfig | undefined): EndpointView['config'] => {
  if (!c || !c.served_entities) return null;
  return {
    servedEntities: c.served_entities.map(entityFromWire),
    routes: (c.traffic_config?.routes ?? []).map((r) => ({
      servedEntityName: r.served_entity_name ?? r.served_model_name ?? '',
      percent: r.traffic_percentage,
    })),
    configVersion: c.config_version ?? null,
  };
};

export function endpointFromWire(w: WireEndpoint): EndpointView {
  const table = w.ai_gateway?.inference_table_config;
  return {
    name: w.name,
    ready: w.state?.ready === 'READY',
    configUpdate: w.state?.config_update ?? 'NOT_UPDATING',
    config: configFromWire(w.config),
    pendingConfigVersion: w.pending_config?.config_version ?? null,
    inferenceTable:
      table && table.catalog_name && table.schema_name
        ? { catalog: table.catalog_name, schema: table.schema_name, prefix: table.table_name_prefix ?? '', enabled: table.enabled !== false }
        : null,
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

  return {
    getEndpoint,
    waitUntilSettled,
    polls: () => polls,

    async createEndpoint(request) {
      const body: Record<string, unknown> = { name: request.name, config: configToWire(request.config) };
      if (request.inferenceTable) body.ai_gateway = { inference_table_config: inferenceTableToWire(request.inferenceTable) };
      if (request.tags && Object.keys(request.tags).length > 0) body.tags = Object.entries(request.tags).map(([key, value]) => ({ key, value }));
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
      // "On update, you have to disable inference table first in order to change the catalog name"
      // (and the schema name, and the prefix): SDK serving.py AiGatewayInferenceTableConfig.
      const live = table ? (await getEndpoint(name))?.inferenceTable : null;
      if (table && live?.enabled && (live.catalog !== table.catalog || live.schema !== table.schema || live.prefix !== table.prefix)) {
        await http.request({
          method: 'PUT',
          path: path(name, '/ai-gateway'),
          body: { inference_table_config: inferenceTableToWire(null) },
          endpoint: 'PUT /api/2.0/serving-endpoints/{name}/ai-gateway',
        });
      }
      await http.request({
        method: 'PUT',
        path: path(name, '/ai-gateway'),
        body: { inference_table_config: inferenceTableToWire(table) },
        endpoint: 'PUT /api/2.0/serving-endpoints/{name}/ai-gateway',
      });
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
