// Model Serving endpoints (REST `/api/2.0/serving-endpoints`, data plane `/serving-endpoints/{name}/invocations`)
// with the asynchronous config-update state machine the Databricks SDK waiters poll:
//   state.config_update IN_PROGRESS → NOT_UPDATING | UPDATE_FAILED,  state.ready NOT_READY → READY.
// Time comes from ctx.clock; `tick` completes updates whose duration has elapsed.

import { randomUUID } from 'node:crypto';
import type { EmulatorContext, EmulatorModule, EmulatorRequest, RouteTable, Workspace } from '../types.js';
import {
  alreadyExists,
  badRequest,
  clone,
  withoutUndefined,
  conflict,
  notFound,
  hexId,
  invalidParameter,
  isObject,
  optionalArray,
  optionalBoolean,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredString,
  sliceOf,
  stringArray,
  type Json,
} from '../core/helpers.js';
import { DatabricksApiError } from '../types.js';
import { REGISTRY_MODULE, registryState } from '../registry/index.js';
import { appendSqlRows, INFERENCE_COLUMNS, provideSqlTable, SERVED_ENTITIES_TABLE } from '../sql/index.js';

export const SERVING_MODULE = 'serving';

/** A model version whose deployment is made to fail (the update ends UPDATE_FAILED). */
export interface FailingEntity {
  entity_name: string;
  entity_version: string;
  message?: string;
}

export interface ServingSettings {
  /** How long a config update stays IN_PROGRESS. */
  update_duration_ms: number;
  /** How long after a request its row appears in the endpoint's inference table (docs: "less than hour"). */
  inference_table_delay_ms?: number;
  /** Extra time after the first successful update before `state.ready` turns READY. */
  ready_delay_ms: number;
  failing_entities: FailingEntity[];
  /**
   * Simulated live traffic: every ready endpoint answers this many requests per clock minute,
   * split by its routes (0: none, the default). Stands in for the users of a real endpoint, so
   * canary health checks have evidence; tests that need other traffic drive it per entity.
   */
  live_traffic_per_minute: number;
}

export interface ServingModuleOptions {
  updateDurationMs?: number;
  readyDelayMs?: number;
  failingEntities?: FailingEntity[];
}

interface ServedEntity extends Json {
  name: string;
}

interface CoreConfig {
  config_version: number;
  served_entities: ServedEntity[];
  traffic_config: { routes: Json[] };
}

interface PendingUpdate {
  config: CoreConfig;
  start_time: number;
  completes_at: number;
  /** Why the update will end UPDATE_FAILED (strict `serving-missing-version`: a served version that cannot be served). */
  fails_with?: string;
}

/** Counters and driven behaviour per served entity (keyed by served entity name). */
export interface EntityMetrics {
  request_count: number;
  error_4xx_count: number;
  error_5xx_count: number;
  latency_sum_ms: number;
  /** Cumulative counts for LATENCY_BUCKETS_MS (Prometheus histogram), plus +Inf at the end. */
  latency_buckets: number[];
  /** Fraction of invocations answered with an error (0..1), driven through the admin route. */
  error_rate: number;
  /** Latency recorded for each invocation, driven through the admin route. */
  p95_latency_ms: number;
  /** Per clock minute (epoch minute → counts), the last few minutes: what a per-minute gauge export shows. */
  minutes?: Record<string, MinuteCounts>;
}

interface MinuteCounts {
  requests: number;
  errors_4xx: number;
  errors_5xx: number;
  latency_sum_ms: number;
  latency_buckets: number[];
}

interface Endpoint {
  name: string;
  id: string;
  creator: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  tags: { key: string; value?: string }[];
  ai_gateway?: Json;
  route_optimized?: boolean;
  budget_policy_id?: string;
  email_notifications?: Json;
  telemetry_config?: Json;
  config?: CoreConfig;
  pending?: PendingUpdate;
  config_update: 'NOT_UPDATING' | 'IN_PROGRESS' | 'UPDATE_FAILED';
  /** Time at which state.ready becomes READY (set when a config first goes live). */
  ready_at?: number;
  /** served entity (name, model, version) → its served_entity_id, stable across configs. */
  served_entity_ids?: Record<string, string>;
  /** One row per served entity each time a config went live: what system.serving.served_entities shows. */
  entity_history?: Json[];
  last_config_version: number;
  invocation_count: number;
  metrics: Record<string, EntityMetrics>;
  /** The clock minute live traffic has been simulated up to (exclusive). */
  traffic_minute?: number;
}

export interface ServingState {
  settings: ServingSettings;
  endpoints: Record<string, Endpoint>;
}

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const DEFAULT_LATENCY_MS = 12;
/** Rows of a request reach the inference table this long after it by default. */
const DEFAULT_INFERENCE_DELAY_MS = 10 * 60_000;
const MAX_SERVED_ENTITIES = 10; // SDK docstring: "at most ten served entities"
const ENDPOINT_NAME = /^[A-Za-z0-9_-]{1,63}$/;
const ENTITY_NAME = /^[A-Za-z0-9_-]+$/;
const WORKLOAD_SIZES = new Set(['Small', 'Medium', 'Large']);
const WORKLOAD_TYPES = new Set([
  'CPU',
  'CPU_MEDIUM',
  'CPU_LARGE',
  'GPU_SMALL',
  'GPU_MEDIUM',
  'GPU_LARGE',
  'GPU_XLARGE',
  'GPU_XLARGE_8',
  'MULTIGPU_MEDIUM',
]);

const settingsFrom = (options: ServingModuleOptions): ServingSettings => ({
  update_duration_ms: options.updateDurationMs ?? 2_000,
  ready_delay_ms: options.readyDelayMs ?? 0,
  failing_entities: clone(options.failingEntities ?? []),
  live_traffic_per_minute: 0,
});

export function createServingModule(options: ServingModuleOptions = {}): EmulatorModule {
  const initState = (): ServingState => ({ settings: settingsFrom(options), endpoints: {} });
  const slice = (ws: Workspace): ServingState => sliceOf(ws, SERVING_MODULE, initState);

  return {
    name: SERVING_MODULE,
    initState,
    routes(table: RouteTable, ctx: EmulatorContext) {
      registerRoutes(table, ctx, slice);
    },
    seed(workspace: Workspace, fixture: unknown, ctx: EmulatorContext) {
      seedServing(slice(workspace), fixture, ctx);
      ctx.changed();
    },
    tick(workspace: Workspace, ctx: EmulatorContext) {
      if (advance(slice(workspace), ctx.clock.now())) ctx.changed();
    },
  };
}

export const servingModule: EmulatorModule = createServingModule();

// ---------------------------------------------------------------------------------------------
// State machine

/** Completes every pending update whose time has come. Returns whether anything changed. */
export function advance(state: ServingState, now: number): boolean {
  let changed = false;
  for (const endpoint of Object.values(state.endpoints)) {
    const pending = endpoint.pending;
    if (!pending || now < pending.completes_at) continue;
    changed = true;
    endpoint.pending = undefined;
    endpoint.last_updated_timestamp = pending.completes_at;
    if (pending.fails_with !== undefined || failingEntityOf(state.settings, pending.config)) {
      // The previous config (if any) stays served; the failed one is dropped.
      endpoint.config_update = 'UPDATE_FAILED';
      continue;
    }
    const first = endpoint.config === undefined;
    endpoint.config = pending.config;
    endpoint.config_update = 'NOT_UPDATING';
    recordLive(endpoint, pending.config, pending.completes_at);
    if (first || endpoint.ready_at === undefined) endpoint.ready_at = pending.completes_at + state.settings.ready_delay_ms;
    for (const entity of pending.config.served_entities) ensureMetrics(endpoint, entity.name);
  }
  if (simulateTraffic(state, now)) changed = true;
  return changed;
}

/** Live traffic for the whole minutes that passed (at most the few the metrics keep), by route. */
function simulateTraffic(state: ServingState, now: number): boolean {
  const perMinute = state.settings.live_traffic_per_minute ?? 0;
  if (perMinute <= 0) return false;
  const current = Math.floor(now / 60_000);
  let changed = false;
  for (const endpoint of Object.values(state.endpoints)) {
    const config = endpoint.config;
    const from = Math.max(endpoint.traffic_minute ?? current, current - 5);
    endpoint.traffic_minute = current;
    if (!config || !isReady(endpoint, now)) continue;
    for (let minute = from; minute < current; minute++) {
      for (let i = 0; i < perMinute; i++) {
        const name = routeFor(config, endpoint.invocation_count);
        endpoint.invocation_count += 1;
        const entity = config.served_entities.find((e) => e.name === name);
        if (!entity) continue;
        const marked = failingEntityOf(state.settings, { ...config, served_entities: [entity] }) !== undefined;
        recordRequest(ensureMetrics(endpoint, entity.name), minute * 60_000 + 30_000, marked);
      }
      changed = true;
    }
  }
  return changed;
}

const entityKey = (e: ServedEntity): string => `${e.name}|${String(e.entity_name ?? '')}|${String(e.entity_version ?? '')}`;

/** The served entity's id (stable for the same name, model and version on this endpoint). */
function servedEntityId(endpoint: Endpoint, entity: ServedEntity): string {
  const ids = (endpoint.served_entity_ids ??= {});
  return (ids[entityKey(entity)] ??= hexId());
}

const entityType = (e: ServedEntity): string => (isObject(e.external_model) ? 'EXTERNAL_MODEL' : e.entity_name ? 'CUSTOM_MODEL' : 'FOUNDATION_MODEL');

/** A config went live: one system-table row per served entity (an SCD history, as system.serving.served_entities keeps). */
function recordLive(endpoint: Endpoint, config: CoreConfig, at: number): void {
  const history = (endpoint.entity_history ??= []);
  for (const e of config.served_entities) {
    history.push({
      served_entity_id: servedEntityId(endpoint, e),
      endpoint_name: endpoint.name,
      endpoint_id: endpoint.id,
      served_entity_name: e.name,
      entity_type: entityType(e),
      entity_name: e.entity_name ?? null,
      entity_version: e.entity_version === undefined ? null : String(e.entity_version),
      endpoint_config_version: config.config_version,
      change_time: at,
    });
  }
}

provideSqlTable(SERVED_ENTITIES_TABLE, (ws) => Object.values(sliceOf<ServingState>(ws, SERVING_MODULE, () => ({ settings: settingsFrom({}), endpoints: {} })).endpoints).flatMap((e) => e.entity_history ?? []));

/** `<catalog>.<schema>.<prefix>_payload` when the endpoint logs to an enabled inference table. */
function payloadTableOf(endpoint: Endpoint): string | null {
  const config = isObject(endpoint.ai_gateway) ? endpoint.ai_gateway.inference_table_config : undefined;
  if (!isObject(config) || config.enabled === false || typeof config.catalog_name !== 'string' || typeof config.schema_name !== 'string') return null;
  return `${config.catalog_name}.${config.schema_name}.${typeof config.table_name_prefix === 'string' ? config.table_name_prefix : endpoint.name}_payload`;
}

/** One inference-table row (AI Gateway schema), visible `delayMs` after the request. */
function payloadRow(endpoint: Endpoint, entity: ServedEntity, at: number, status: number, latencyMs: number, requester: string, delayMs: number, request?: unknown, response?: unknown): Json {
  return {
    databricks_request_id: randomUUID(),
    client_request_id: null,
    request_date: new Date(at).toISOString().slice(0, 10),
    request_time: at,
    status_code: status,
    sampling_fraction: 1.0,
    execution_duration_ms: latencyMs,
    request: request === undefined ? null : JSON.stringify(request),
    response: response === undefined ? null : JSON.stringify(response),
    served_entity_id: servedEntityId(endpoint, entity),
    logging_error_codes: [],
    requester,
    _visible_at: at + delayMs,
  };
}

const failingEntityOf = (settings: ServingSettings, config: CoreConfig): FailingEntity | undefined =>
  settings.failing_entities.find((f) =>
    config.served_entities.some(
      (e) => e.entity_name === f.entity_name && String(e.entity_version) === String(f.entity_version),
    ),
  );

const isReady = (endpoint: Endpoint, now: number): boolean =>
  endpoint.config !== undefined && endpoint.ready_at !== undefined && now >= endpoint.ready_at;

function startUpdate(state: ServingState, endpoint: Endpoint, config: Omit<CoreConfig, 'config_version'>, now: number, failsWith?: string) {
  endpoint.last_config_version += 1;
  endpoint.pending = {
    config: { ...config, config_version: endpoint.last_config_version },
    start_time: now,
    completes_at: now + state.settings.update_duration_ms,
    ...(failsWith !== undefined ? { fails_with: failsWith } : {}),
  };
  endpoint.config_update = 'IN_PROGRESS';
  endpoint.last_updated_timestamp = now;
  advance(state, now); // a zero duration completes at once
}

// ---------------------------------------------------------------------------------------------
// Validation of config input

function defaultEntityName(entity: Json): string | undefined {
  const external = entity.external_model;
  if (isObject(external) && typeof external.name === 'string') return external.name.replace(/[.:]/g, '-');
  const entityName = entity.entity_name;
  const version = entity.entity_version;
  if (typeof entityName !== 'string' || version === undefined || version === null) return undefined;
  // UC names are catalog.schema.model; dots are not allowed in served entity names, so the last part is used.
  const lastPart = entityName.split('.').pop() ?? entityName;
  return `${lastPart}-${String(version)}`;
}

function parseServedEntity(raw: unknown, index: number, field: string, creator: string, now: number): ServedEntity {
  const where = `${field}[${index}]`;
  if (!isObject(raw)) throw invalidParameter(`${where} must be an object.`);
  // Legacy served_models use model_name / model_version.
  const entity: Json =
    field === 'served_models'
      ? { ...raw, entity_name: raw.model_name, entity_version: raw.model_version, model_name: undefined, model_version: undefined }
      : { ...raw };
  const external = optionalObject(entity, 'external_model', `${where}.external_model`);
  const entityName = optionalString(entity, 'entity_name', `${where}.entity_name`);
  if (!external && !entityName) throw invalidParameter(`${where}.entity_name is required.`);
  const versionRaw = entity.entity_version;
  if (!external && (versionRaw === undefined || versionRaw === null || versionRaw === ''))
    throw invalidParameter(`${where}.entity_version is required for entity '${entityName}'.`);
  if (versionRaw !== undefined && typeof versionRaw !== 'string' && typeof versionRaw !== 'number')
    throw invalidParameter(`${where}.entity_version must be a string.`);
  const workloadSize = optionalString(entity, 'workload_size', `${where}.workload_size`);
  if (workloadSize !== undefined && !WORKLOAD_SIZES.has(workloadSize))
    throw invalidParameter(`${where}.workload_size '${workloadSize}' is not one of Small, Medium, Large.`);
  const workloadType = optionalString(entity, 'workload_type', `${where}.workload_type`);
  if (workloadType !== undefined && !WORKLOAD_TYPES.has(workloadType))
    throw invalidParameter(`${where}.workload_type '${workloadType}' is not one of ${[...WORKLOAD_TYPES].join(', ')}.`);
  const scaleToZero = optionalBoolean(entity, 'scale_to_zero_enabled', `${where}.scale_to_zero_enabled`);
  const name = optionalString(entity, 'name', `${where}.name`) ?? defaultEntityName(entity);
  if (!name || !ENTITY_NAME.test(name))
    throw invalidParameter(
      `${where}.name '${name ?? ''}' is invalid: use alphanumeric characters, dashes and underscores.`,
    );
  return withoutUndefined({
    ...entity,
    name,
    entity_version: versionRaw === undefined ? undefined : String(versionRaw),
    workload_size: workloadSize ?? (external ? undefined : 'Small'),
    workload_type: workloadType ?? (external ? undefined : 'CPU'),
    scale_to_zero_enabled: scaleToZero ?? (external ? undefined : false),
    creator,
    creation_timestamp: now,
  }) as ServedEntity;
}

function parseTraffic(raw: Json | undefined, entities: ServedEntity[]): { routes: Json[] } {
  if (raw === undefined) {
    if (entities.length === 1) return { routes: [{ served_model_name: entities[0]!.name, traffic_percentage: 100 }] };
    if (entities.length === 0) return { routes: [] };
    throw invalidParameter('traffic_config is required when the config has more than one served entity.');
  }
  const routesRaw = optionalArray(raw, 'routes', 'traffic_config.routes') ?? [];
  const names = new Set(entities.map((e) => e.name));
  const seen = new Set<string>();
  let total = 0;
  const routes = routesRaw.map((route, i) => {
    const where = `traffic_config.routes[${i}]`;
    if (!isObject(route)) throw invalidParameter(`${where} must be an object.`);
    const target =
      optionalString(route, 'served_entity_name', `${where}.served_entity_name`) ??
      optionalString(route, 'served_model_name', `${where}.served_model_name`);
    if (!target) throw invalidParameter(`${where} must name a served_model_name or served_entity_name.`);
    if (!names.has(target))
      throw invalidParameter(
        `${where} routes to '${target}', which is not a served entity of this config (served entities: ${[...names].join(', ') || 'none'}).`,
      );
    if (seen.has(target)) throw invalidParameter(`${where}: served entity '${target}' appears in more than one route.`);
    seen.add(target);
    const pct = route.traffic_percentage;
    if (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 0 || pct > 100)
      throw invalidParameter(`${where}.traffic_percentage must be an integer between 0 and 100.`);
    total += pct;
    return withoutUndefined({
      served_model_name: target,
      served_entity_name: route.served_entity_name === undefined ? undefined : target,
      traffic_percentage: pct,
    });
  });
  if (entities.length > 0 && total !== 100)
    throw invalidParameter(`traffic_config.routes percentages sum to ${total}; they must sum to 100.`);
  return { routes };
}

/** Parses EndpointCoreConfigInput. `current` fills in served entities when only traffic changes. */
function parseConfig(
  body: Json,
  creator: string,
  now: number,
  current: CoreConfig | undefined,
): Omit<CoreConfig, 'config_version'> {
  const entitiesRaw = optionalArray(body, 'served_entities');
  const modelsRaw = optionalArray(body, 'served_models');
  if (entitiesRaw && modelsRaw && entitiesRaw.length > 0 && modelsRaw.length > 0)
    throw invalidParameter('Specify either served_entities or served_models, not both.');
  let entities: ServedEntity[];
  if (entitiesRaw && entitiesRaw.length > 0)
    entities = entitiesRaw.map((e, i) => parseServedEntity(e, i, 'served_entities', creator, now));
  else if (modelsRaw && modelsRaw.length > 0)
    entities = modelsRaw.map((e, i) => parseServedEntity(e, i, 'served_models', creator, now));
  else if (current && body.traffic_config !== undefined) entities = clone(current.served_entities);
  else throw invalidParameter('The config must contain at least one served entity (served_entities).');
  if (entities.length > MAX_SERVED_ENTITIES)
    throw invalidParameter(`A serving endpoint can have at most ${MAX_SERVED_ENTITIES} served entities; got ${entities.length}.`);
  const names = new Set<string>();
  for (const e of entities) {
    if (names.has(e.name)) throw invalidParameter(`Served entity name '${e.name}' is used more than once.`);
    names.add(e.name);
  }
  const traffic = parseTraffic(optionalObject(body, 'traffic_config'), entities);
  return { served_entities: entities, traffic_config: traffic };
}

/**
 * Why a config cannot be served: a served Unity Catalog model version that does not exist or is not
 * READY ("Only model versions in READY status can be loaded for inference or served", SDK
 * catalog.py). Null when every version can be served, or when no registry is emulated.
 */
function unservable(ws: Workspace, config: Omit<CoreConfig, 'config_version'>): string | null {
  if (ws.state[REGISTRY_MODULE] === undefined) return null;
  const models = registryState(ws).models;
  for (const e of config.served_entities) {
    if (e.external_model !== undefined || typeof e.entity_name !== 'string') continue;
    const name = e.entity_name.toLowerCase();
    const version = String(e.entity_version ?? '');
    if (name.split('.').length !== 3) return `served entity '${e.name}': '${e.entity_name}' is not a Unity Catalog model (catalog.schema.model); the workspace model registry is not emulated`;
    const model = models[name];
    const v = model?.versions[version];
    if (!model) return `served entity '${e.name}': registered model '${e.entity_name}' does not exist`;
    if (!v) return `served entity '${e.name}': model version ${e.entity_name}/${version} does not exist`;
    if (v.status !== 'READY') return `served entity '${e.name}': model version ${e.entity_name}/${version} is ${v.status}; only READY versions can be served`;
  }
  return null;
}

function parseTags(raw: unknown[] | undefined, where: string): { key: string; value?: string }[] {
  return (raw ?? []).map((t, i) => {
    if (!isObject(t)) throw invalidParameter(`${where}[${i}] must be an object.`);
    const key = requiredString(t, 'key', `${where}[${i}].key`);
    const value = optionalString(t, 'value', `${where}[${i}].value`);
    return value === undefined ? { key } : { key, value };
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering

const entityOutput = (entity: ServedEntity, deployment: string, message: string): Json => ({
  ...clone(entity),
  state: { deployment, deployment_state_message: message },
});

function renderConfig(config: CoreConfig, deployment: string, message: string): Json {
  return {
    served_entities: config.served_entities.map((e) => entityOutput(e, deployment, message)),
    traffic_config: clone(config.traffic_config),
    config_version: config.config_version,
  };
}

function renderDetailed(endpoint: Endpoint, now: number, pendingVersionIsLive = false): Json {
  const ready = isReady(endpoint, now);
  const config = endpoint.config
    ? renderConfig(
        endpoint.config,
        ready ? 'DEPLOYMENT_READY' : 'DEPLOYMENT_CREATING',
        ready ? '' : 'Creating the serving container.',
      )
    : undefined;
  const pending = endpoint.pending
    ? {
        ...renderConfig(endpoint.pending.config, 'DEPLOYMENT_CREATING', 'Served entity is being deployed.'),
        // Strict `serving-pending-config-version`: the version still served, as the docstring reads.
        ...(pendingVersionIsLive && endpoint.config ? { config_version: endpoint.config.config_version } : {}),
        start_time: endpoint.pending.start_time,
      }
    : undefined;
  return withoutUndefined({
    name: endpoint.name,
    id: endpoint.id,
    creator: endpoint.creator,
    creation_timestamp: endpoint.creation_timestamp,
    last_updated_timestamp: endpoint.last_updated_timestamp,
    description: endpoint.description,
    state: { ready: ready ? 'READY' : 'NOT_READY', config_update: endpoint.config_update },
    config,
    pending_config: pending,
    tags: endpoint.tags.length > 0 ? clone(endpoint.tags) : undefined,
    ai_gateway: endpoint.ai_gateway ? clone(endpoint.ai_gateway) : undefined,
    route_optimized: endpoint.route_optimized,
    budget_policy_id: endpoint.budget_policy_id,
    email_notifications: endpoint.email_notifications ? clone(endpoint.email_notifications) : undefined,
    telemetry_config: endpoint.telemetry_config ? clone(endpoint.telemetry_config) : undefined,
    permission_level: 'CAN_MANAGE',
  });
}

function renderSummary(endpoint: Endpoint, now: number): Json {
  const detailed = renderDetailed(endpoint, now);
  const config = endpoint.config
    ? {
        served_entities: endpoint.config.served_entities.map((e) =>
          withoutUndefined({ name: e.name, entity_name: e.entity_name, entity_version: e.entity_version }),
        ),
      }
    : undefined;
  return withoutUndefined({ ...detailed, config, pending_config: undefined, email_notifications: undefined, permission_level: undefined });
}

// ---------------------------------------------------------------------------------------------
// Invocations and metrics

function ensureMetrics(endpoint: Endpoint, entityName: string): EntityMetrics {
  endpoint.metrics[entityName] ??= {
    request_count: 0,
    error_4xx_count: 0,
    error_5xx_count: 0,
    latency_sum_ms: 0,
    latency_buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
    error_rate: 0,
    p95_latency_ms: DEFAULT_LATENCY_MS,
  };
  return endpoint.metrics[entityName];
}

/**
 * Records one request; returns whether it is answered with an error. Errors are spread evenly at the
 * driven rate; `alwaysFail` (a served version listed in failing_entities) fails every request.
 */
function recordRequest(metrics: EntityMetrics, now: number, alwaysFail = false): boolean {
  const before = Math.floor(metrics.request_count * metrics.error_rate + 1e-9);
  metrics.request_count += 1;
  const failed = alwaysFail || Math.floor(metrics.request_count * metrics.error_rate + 1e-9) > before;
  if (failed) metrics.error_5xx_count += 1;
  const latency = metrics.p95_latency_ms;
  metrics.latency_sum_ms += latency;
  LATENCY_BUCKETS_MS.forEach((bound, i) => {
    if (latency <= bound) metrics.latency_buckets[i] = (metrics.latency_buckets[i] ?? 0) + 1;
  });
  const inf = LATENCY_BUCKETS_MS.length;
  metrics.latency_buckets[inf] = (metrics.latency_buckets[inf] ?? 0) + 1;
  // The same request in its clock minute (kept for the last few minutes).
  const minute = Math.floor(now / 60_000);
  const minutes = (metrics.minutes ??= {});
  for (const k of Object.keys(minutes)) if (Number(k) < minute - 5) delete minutes[k];
  const m = (minutes[String(minute)] ??= { requests: 0, errors_4xx: 0, errors_5xx: 0, latency_sum_ms: 0, latency_buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) });
  m.requests += 1;
  if (failed) m.errors_5xx += 1;
  m.latency_sum_ms += latency;
  LATENCY_BUCKETS_MS.forEach((bound, i) => {
    if (latency <= bound) m.latency_buckets[i] = (m.latency_buckets[i] ?? 0) + 1;
  });
  m.latency_buckets[inf] = (m.latency_buckets[inf] ?? 0) + 1;
  return failed;
}

/** Picks the served entity for the n-th request so that traffic follows the route percentages exactly per 100. */
function routeFor(config: CoreConfig, n: number): string | undefined {
  const slot = n % 100;
  let cumulative = 0;
  for (const route of config.traffic_config.routes) {
    cumulative += Number(route.traffic_percentage);
    if (slot < cumulative) return String(route.served_model_name);
  }
  return config.served_entities[0]?.name;
}

function countRows(body: Json): number | undefined {
  const split = body.dataframe_split;
  if (isObject(split)) return Array.isArray(split.data) ? split.data.length : undefined;
  if (Array.isArray(body.dataframe_records)) return body.dataframe_records.length;
  if (Array.isArray(body.instances)) return body.instances.length;
  const inputs = body.inputs;
  if (Array.isArray(inputs)) return inputs.length;
  if (isObject(inputs)) {
    const first = Object.values(inputs)[0];
    return Array.isArray(first) ? first.length : 1;
  }
  return undefined;
}

/** A stable pseudo-prediction in [0, 1): FNV-1a over the entity identity and the row index. */
function prediction(entity: ServedEntity, row: number): number {
  const text = `${String(entity.entity_name)}@${String(entity.entity_version)}#${row}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return Math.round((hash / 0x1_0000_0000) * 10_000) / 10_000;
}

const promLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const emptyMinute = (): MinuteCounts => ({ requests: 0, errors_4xx: 0, errors_5xx: 0, latency_sum_ms: 0, latency_buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) });

/** Served entities of the active and pending configs, in order, once each. */
const deployedEntities = (endpoint: Endpoint): string[] => [
  ...new Set([...(endpoint.config?.served_entities ?? []), ...(endpoint.pending?.config.served_entities ?? [])].map((e) => String(e.name))),
];

const histogramLines = (labels: string, buckets: readonly number[], sum: number, count: number, at: string): string[] => {
  const sep = labels ? `${labels},` : '';
  return [
    ...LATENCY_BUCKETS_MS.map((b, i) => `request_latency_ms_bucket{${sep}le="${b}"} ${buckets[i] ?? 0}${at}`),
    `request_latency_ms_bucket{${sep}le="+Inf"} ${buckets[LATENCY_BUCKETS_MS.length] ?? 0}${at}`,
    `request_latency_ms_sum${labels ? `{${labels}}` : ''} ${sum}${at}`,
    `request_latency_ms_count${labels ? `{${labels}}` : ''} ${count}${at}`,
  ];
};

const FAMILY_HEADERS: Record<string, readonly string[]> = {
  request_count_total: ['# HELP request_count_total Requests in the latest minute.', '# TYPE request_count_total gauge'],
  request_4xx_count_total: ['# HELP request_4xx_count_total Requests answered with a 4xx status in the latest minute.', '# TYPE request_4xx_count_total gauge'],
  request_5xx_count_total: ['# HELP request_5xx_count_total Requests answered with a 5xx status in the latest minute.', '# TYPE request_5xx_count_total gauge'],
  request_latency_ms: ['# HELP request_latency_ms Request latency in milliseconds.', '# TYPE request_latency_ms histogram'],
};

/**
 * The metrics export as documented (docs/fidelity.md #84, #85): the request counts are gauges of
 * the latest whole minute (the docs define the request rate "by totaling the number of requests
 * within a minute"), `request_latency_ms` a histogram. Where the docs say nothing (#86, #87), the
 * default reading: every deployed served entity has its series under `served_entity_name` (zero in
 * an idle minute), the histogram covers the same minute, and every line carries the minute's
 * timestamp (ms).
 */
function renderMetrics(endpoint: Endpoint, now: number): string {
  const minute = Math.floor(now / 60_000) - 1;
  const at = ` ${(minute + 1) * 60_000}`;
  const rows = deployedEntities(endpoint).map((name) => ({ label: `served_entity_name="${promLabel(name)}"`, c: endpoint.metrics[name]?.minutes?.[String(minute)] ?? emptyMinute() }));
  return [
    ...FAMILY_HEADERS.request_count_total!,
    ...rows.map(({ label, c }) => `request_count_total{${label}} ${c.requests}${at}`),
    ...FAMILY_HEADERS.request_4xx_count_total!,
    ...rows.map(({ label, c }) => `request_4xx_count_total{${label}} ${c.errors_4xx}${at}`),
    ...FAMILY_HEADERS.request_5xx_count_total!,
    ...rows.map(({ label, c }) => `request_5xx_count_total{${label}} ${c.errors_5xx}${at}`),
    ...FAMILY_HEADERS.request_latency_ms!,
    ...rows.flatMap(({ label, c }) => histogramLines(label, c.latency_buckets, c.latency_sum_ms, c.requests, at)),
    '',
  ].join('\n');
}

/**
 * Strict `serving-metrics`: the other plausible reading of what the docs leave open. The counts
 * are the same per-minute gauges, but the entity label is `served_model_name`, an entity without
 * requests in the minute has no series at all, no line carries a timestamp, and the latency
 * histogram is cumulative since the entity was deployed (as Prometheus histograms usually are).
 */
function renderStrictMetrics(endpoint: Endpoint, now: number): string {
  const minute = Math.floor(now / 60_000) - 1;
  const entities = deployedEntities(endpoint);
  const busy = entities
    .map((name) => ({ label: `served_model_name="${promLabel(name)}"`, c: endpoint.metrics[name]?.minutes?.[String(minute)] }))
    .filter((r): r is { label: string; c: MinuteCounts } => r.c !== undefined && r.c.requests > 0);
  const served = entities.map((name) => ({ label: `served_model_name="${promLabel(name)}"`, m: endpoint.metrics[name] })).filter((r) => r.m && r.m.request_count > 0);
  return [
    ...FAMILY_HEADERS.request_count_total!,
    ...busy.map(({ label, c }) => `request_count_total{${label}} ${c.requests}`),
    ...FAMILY_HEADERS.request_4xx_count_total!,
    ...busy.map(({ label, c }) => `request_4xx_count_total{${label}} ${c.errors_4xx}`),
    ...FAMILY_HEADERS.request_5xx_count_total!,
    ...busy.map(({ label, c }) => `request_5xx_count_total{${label}} ${c.errors_5xx}`),
    ...FAMILY_HEADERS.request_latency_ms!,
    ...served.flatMap(({ label, m }) => histogramLines(label, m!.latency_buckets, m!.latency_sum_ms, m!.request_count, '')),
    '',
  ].join('\n');
}

/** The served entity `served_model_name` names in the active or pending config (logs routes). */
function servedEntityOf(endpoint: Endpoint, name: string, notFoundCode: string): ServedEntity {
  const entity = [...(endpoint.config?.served_entities ?? []), ...(endpoint.pending?.config.served_entities ?? [])].find((e) => e.name === name);
  if (!entity) throw new DatabricksApiError(404, notFoundCode, `Served model '${name}' does not exist on endpoint '${endpoint.name}'.`);
  return entity;
}

/** An OpenAPI 3.1 description of the endpoint's invocation route (GET …/openapi). */
function openApiOf(endpoint: Endpoint): Json {
  const row = { type: 'object', additionalProperties: true };
  return {
    openapi: '3.1.0',
    info: { title: endpoint.name, version: String(endpoint.config?.config_version ?? 0) },
    servers: [{ url: `/serving-endpoints/${endpoint.name}` }],
    paths: {
      '/invocations': {
        post: {
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { type: 'object', properties: { dataframe_split: { type: 'object' } }, required: ['dataframe_split'] },
                    { type: 'object', properties: { dataframe_records: { type: 'array', items: row } }, required: ['dataframe_records'] },
                    { type: 'object', properties: { instances: { type: 'array' } }, required: ['instances'] },
                    { type: 'object', properties: { inputs: {} }, required: ['inputs'] },
                  ],
                },
              },
            },
          },
          responses: { '200': { description: 'Predictions', content: { 'application/json': { schema: { type: 'object', properties: { predictions: { type: 'array' } } } } } } },
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Routes

function registerRoutes(table: RouteTable, ctx: EmulatorContext, slice: (ws: Workspace) => ServingState) {
  const now = () => ctx.clock.now();
  const notFoundCode = () => (ctx.strict('serving-not-found-code') ? 'NOT_FOUND' : 'RESOURCE_DOES_NOT_EXIST');
  const endpointOf = (req: EmulatorRequest): Endpoint => {
    const name = req.params.name ?? '';
    const endpoint = slice(req.workspace).endpoints[name];
    if (!endpoint) throw new DatabricksApiError(404, notFoundCode(), `Endpoint with name '${name}' does not exist.`);
    return endpoint;
  };
  /** Default: a version that cannot be served is refused now. Strict: accepted, the update fails later. */
  const servability = (ws: Workspace, config: Omit<CoreConfig, 'config_version'>): string | undefined => {
    const problem = unservable(ws, config);
    if (problem === null) return undefined;
    if (!ctx.strict('serving-missing-version')) throw invalidParameter(`The config cannot be served: ${problem}.`);
    return problem;
  };
  const pendingIsLive = () => ctx.strict('serving-pending-config-version');
  const bodyOf = (req: EmulatorRequest): Json => req.body ?? {};

  table.add('POST', '/api/2.0/serving-endpoints', (req) => {
    const state = slice(req.workspace);
    const body = bodyOf(req);
    const name = requiredString(body, 'name');
    if (!ENDPOINT_NAME.test(name))
      throw invalidParameter(
        `Endpoint name '${name}' is invalid: use 1 to 63 alphanumeric characters, dashes and underscores.`,
      );
    if (state.endpoints[name]) {
      if (ctx.strict('serving-duplicate-code')) throw new DatabricksApiError(400, 'RESOURCE_ALREADY_EXISTS', `Endpoint with name '${name}' already exists.`);
      throw alreadyExists(`Endpoint with name '${name}' already exists.`);
    }
    const t = now();
    const configRaw = optionalObject(body, 'config');
    const config = configRaw ? parseConfig(configRaw, req.principal, t, undefined) : undefined;
    const failsWith = config ? servability(req.workspace, config) : undefined;
    const endpoint: Endpoint = {
      name,
      id: hexId(),
      creator: req.principal,
      creation_timestamp: t,
      last_updated_timestamp: t,
      description: optionalString(body, 'description'),
      tags: parseTags(optionalArray(body, 'tags'), 'tags'),
      ai_gateway: optionalObject(body, 'ai_gateway'),
      route_optimized: optionalBoolean(body, 'route_optimized'),
      budget_policy_id: optionalString(body, 'budget_policy_id'),
      email_notifications: optionalObject(body, 'email_notifications'),
      telemetry_config: optionalObject(body, 'telemetry_config'),
      config_update: 'NOT_UPDATING',
      last_config_version: 0,
      invocation_count: 0,
      metrics: {},
    };
    state.endpoints[name] = endpoint;
    if (config) startUpdate(state, endpoint, config, t, failsWith);
    ctx.changed();
    return { body: renderDetailed(endpoint, t, pendingIsLive()) };
  });

  table.add('GET', '/api/2.0/serving-endpoints', (req) => {
    const t = now();
    const endpoints = Object.values(slice(req.workspace).endpoints)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => renderSummary(e, t));
    return { body: endpoints.length > 0 ? { endpoints } : {} };
  });

  table.add('GET', '/api/2.0/serving-endpoints/:name', (req) => ({ body: renderDetailed(endpointOf(req), now(), pendingIsLive()) }));

  table.add('DELETE', '/api/2.0/serving-endpoints/:name', (req) => {
    const endpoint = endpointOf(req);
    delete slice(req.workspace).endpoints[endpoint.name];
    ctx.changed();
    return { body: {} };
  });

  table.add('PUT', '/api/2.0/serving-endpoints/:name/config', (req) => {
    const state = slice(req.workspace);
    const endpoint = endpointOf(req);
    if (endpoint.config_update === 'IN_PROGRESS') {
      const message =
        `Endpoint '${endpoint.name}' is currently being updated (config version ${endpoint.pending?.config.config_version ?? '?'}). ` +
        'Wait until state.config_update is NOT_UPDATING, then retry.';
      if (ctx.strict('serving-conflict-code')) throw new DatabricksApiError(409, 'ABORTED', message);
      throw conflict(message);
    }
    const t = now();
    const body = bodyOf(req);
    if (ctx.strict('serving-traffic-only') && !(optionalArray(body, 'served_entities')?.length || optionalArray(body, 'served_models')?.length)) {
      throw invalidParameter('The config must name its served_entities; a config update without them is not accepted.');
    }
    const config = parseConfig(body, req.principal, t, endpoint.config);
    startUpdate(state, endpoint, config, t, servability(req.workspace, config));
    ctx.changed();
    return { body: renderDetailed(endpoint, t, pendingIsLive()) };
  });

  table.add('PATCH', '/api/2.0/serving-endpoints/:name/tags', (req) => {
    const endpoint = endpointOf(req);
    const body = bodyOf(req);
    const add = parseTags(optionalArray(body, 'add_tags'), 'add_tags');
    const remove = new Set(stringArray(optionalArray(body, 'delete_tags') ?? [], 'delete_tags'));
    const tags = endpoint.tags.filter((t) => !remove.has(t.key) && !add.some((a) => a.key === t.key));
    endpoint.tags = [...tags, ...add];
    endpoint.last_updated_timestamp = now();
    ctx.changed();
    return { body: { tags: clone(endpoint.tags) } };
  });

  table.add('PUT', '/api/2.0/serving-endpoints/:name/ai-gateway', (req) => {
    const endpoint = endpointOf(req);
    const body = bodyOf(req);
    // "On update, you have to disable inference table first in order to change the catalog name"
    // (and the schema name and the prefix): SDK serving.py AiGatewayInferenceTableConfig.
    const next = optionalObject(body, 'inference_table_config');
    const live = endpoint.ai_gateway?.inference_table_config;
    if (next && isObject(live) && live.enabled === true && next.enabled !== false) {
      for (const key of ['catalog_name', 'schema_name', 'table_name_prefix'] as const) {
        if (next[key] !== undefined && next[key] !== live[key])
          throw invalidParameter(`The inference table is enabled: disable it first (enabled: false) to change ${key} from '${String(live[key])}' to '${String(next[key])}'.`);
      }
    }
    const gateway = withoutUndefined({
      inference_table_config: optionalObject(body, 'inference_table_config'),
      usage_tracking_config: optionalObject(body, 'usage_tracking_config'),
      rate_limits: optionalArray(body, 'rate_limits'),
      guardrails: optionalObject(body, 'guardrails'),
      fallback_config: optionalObject(body, 'fallback_config'),
    });
    endpoint.ai_gateway = gateway;
    endpoint.last_updated_timestamp = now();
    ctx.changed();
    return { body: clone(gateway) };
  });

  table.add('GET', '/api/2.0/serving-endpoints/:name/metrics', (req) => ({
    raw: ctx.strict('serving-metrics') ? renderStrictMetrics(endpointOf(req), now()) : renderMetrics(endpointOf(req), now()),
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
  }));

  // Diagnostics (SDK serving.py build_logs, logs, get_open_api): `{logs}` per served entity, and the
  // endpoint's query schema as a raw OpenAPI document.
  table.add('GET', '/api/2.0/serving-endpoints/:name/served-models/:served_model_name/build-logs', (req) => {
    const endpoint = endpointOf(req);
    const e = servedEntityOf(endpoint, req.params.served_model_name ?? '', notFoundCode());
    return {
      body: {
        logs:
          `[emulator] building the environment of ${e.name} (${String(e.entity_name)} version ${String(e.entity_version)})\n` +
          `[emulator] installing the model's requirements\n[emulator] environment ready\n`,
      },
    };
  });
  table.add('GET', '/api/2.0/serving-endpoints/:name/served-models/:served_model_name/logs', (req) => {
    const endpoint = endpointOf(req);
    const e = servedEntityOf(endpoint, req.params.served_model_name ?? '', notFoundCode());
    const m = endpoint.metrics[e.name];
    return { body: { logs: `[emulator] ${e.name}: model server started\n[emulator] ${e.name}: ${m?.request_count ?? 0} requests served, ${m?.error_5xx_count ?? 0} errors\n` } };
  });
  table.add('GET', '/api/2.0/serving-endpoints/:name/openapi', (req) => ({
    raw: JSON.stringify(openApiOf(endpointOf(req)), null, 2),
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  }));

  table.add('POST', '/serving-endpoints/:name/invocations', (req) => {
    const endpoint = endpointOf(req);
    const t = now();
    if (!endpoint.config || !isReady(endpoint, t))
      throw new DatabricksApiError(
        400,
        'INVALID_STATE',
        `Endpoint '${endpoint.name}' is not ready to serve requests (state.ready is NOT_READY).`,
      );
    const body = bodyOf(req);
    const rows = countRows(body);
    if (rows === undefined)
      throw badRequest(
        'The request body must contain one of dataframe_split, dataframe_records, instances or inputs.',
      );
    const entityName = routeFor(endpoint.config, endpoint.invocation_count);
    endpoint.invocation_count += 1;
    const entity = endpoint.config.served_entities.find((e) => e.name === entityName) ?? endpoint.config.served_entities[0];
    if (!entity) throw badRequest(`Endpoint '${endpoint.name}' has no served entities.`);
    // A version marked failing after it went live (or seeded live) breaks at inference time.
    const marked = failingEntityOf(slice(req.workspace).settings, { ...endpoint.config, served_entities: [entity] }) !== undefined;
    const metrics = ensureMetrics(endpoint, entity.name);
    const failed = recordRequest(metrics, t, marked);
    const table = payloadTableOf(endpoint);
    const delay = slice(req.workspace).settings.inference_table_delay_ms ?? DEFAULT_INFERENCE_DELAY_MS;
    if (table) appendSqlRows(req.workspace, table, INFERENCE_COLUMNS, [payloadRow(endpoint, entity, t, failed ? 500 : 200, metrics.p95_latency_ms, req.principal, delay, body)]);
    ctx.changed();
    const headers = { 'served-model-name': entity.name };
    if (failed)
      throw new DatabricksApiError(
        500,
        'INTERNAL_ERROR',
        marked
          ? `Served entity '${entity.name}' failed to score the request (its version is marked failing).`
          : `Served entity '${entity.name}' failed to score the request (emulated error rate).`,
        headers,
      );
    const predictions = Array.from({ length: rows }, (_, row) => prediction(entity, row));
    return { body: { predictions }, headers };
  });

  // --- Emulator admin routes (not part of the Databricks API) ---

  table.add('GET', '/__emulator/serving/settings', (req) => ({ body: clone(slice(req.workspace).settings) }));

  table.add('PATCH', '/__emulator/serving/settings', (req) => {
    const state = slice(req.workspace);
    applySettings(state.settings, bodyOf(req));
    ctx.changed();
    return { body: clone(state.settings) };
  });

  // Finish an in-flight update now (tests that do not want to wait for the configured duration).
  table.add('POST', '/__emulator/serving/endpoints/:name/complete-update', (req) => {
    const state = slice(req.workspace);
    const endpoint = endpointOf(req);
    if (endpoint.pending) endpoint.pending.completes_at = now();
    advance(state, now());
    ctx.changed();
    return { body: renderDetailed(endpoint, now(), pendingIsLive()) };
  });

  // Write past requests of one served entity into the endpoint's inference table (as logging would
  // have): `requests` rows evenly spaced in [from_ms, to_ms), `errors_5xx` and `errors_4xx` of them
  // (spread evenly) answered 500 / 400, execution times from `latency_ms` (a number, or a list cycled).
  table.add('POST', '/__emulator/serving/endpoints/:name/inference-log', (req) => {
    const endpoint = endpointOf(req);
    const body = bodyOf(req);
    const entityName = requiredString(body, 'served_entity_name');
    const entity = [...(endpoint.config?.served_entities ?? [])].find((e) => e.name === entityName);
    if (!entity) throw notFound(`Served entity '${entityName}' is not live on endpoint '${endpoint.name}'.`);
    const table = payloadTableOf(endpoint);
    if (!table) throw invalidParameter(`Endpoint '${endpoint.name}' logs to no inference table (ai_gateway.inference_table_config).`);
    const count = optionalNumber(body, 'requests') ?? 0;
    const from = optionalNumber(body, 'from_ms');
    const to = optionalNumber(body, 'to_ms');
    if (!Number.isInteger(count) || count < 0 || from === undefined || to === undefined || !(to > from)) throw invalidParameter('requests (integer ≥ 0), from_ms and to_ms (to_ms > from_ms) are required.');
    const errors5xx = optionalNumber(body, 'errors_5xx') ?? 0;
    const errors4xx = optionalNumber(body, 'errors_4xx') ?? 0;
    const latency = body.latency_ms;
    const latencies = Array.isArray(latency) ? latency.map(Number) : [typeof latency === 'number' ? latency : DEFAULT_LATENCY_MS];
    const rows = Array.from({ length: count }, (_, i) => {
      const at = Math.floor(from + ((to - from) * i) / count);
      // Errors spread evenly over the rows (as a steady error rate would put them).
      const spread = (n: number): boolean => Math.floor(((i + 1) * n) / count) > Math.floor((i * n) / count);
      const status = spread(errors5xx) ? 500 : spread(errors4xx) ? 400 : 200;
      return payloadRow(endpoint, entity, at, status, latencies[i % latencies.length]!, req.principal, 0);
    });
    appendSqlRows(req.workspace, table, INFERENCE_COLUMNS, rows);
    ctx.changed();
    return { body: { table, served_entity_id: servedEntityId(endpoint, entity), rows: rows.length } };
  });

  // Drive metrics of one served entity: error_rate (0..1), p95_latency_ms, and optionally add_requests synthetic requests.
  table.add('POST', '/__emulator/serving/endpoints/:name/metrics', (req) => {
    const endpoint = endpointOf(req);
    const body = bodyOf(req);
    const entityName = requiredString(body, 'served_entity_name');
    const known = [...(endpoint.config?.served_entities ?? []), ...(endpoint.pending?.config.served_entities ?? [])];
    if (!known.some((e) => e.name === entityName))
      throw notFound(`Served entity '${entityName}' does not exist on endpoint '${endpoint.name}'.`);
    const metrics = ensureMetrics(endpoint, entityName);
    const errorRate = optionalNumber(body, 'error_rate');
    if (errorRate !== undefined) {
      if (errorRate < 0 || errorRate > 1) throw invalidParameter('error_rate must be between 0 and 1.');
      metrics.error_rate = errorRate;
    }
    const latency = optionalNumber(body, 'p95_latency_ms');
    if (latency !== undefined) {
      if (latency < 0) throw invalidParameter('p95_latency_ms must not be negative.');
      metrics.p95_latency_ms = latency;
    }
    const addRequests = optionalNumber(body, 'add_requests') ?? 0;
    if (!Number.isInteger(addRequests) || addRequests < 0)
      throw invalidParameter('add_requests must be a non-negative integer.');
    for (let i = 0; i < addRequests; i++) recordRequest(metrics, now());
    ctx.changed();
    return { body: { served_entity_name: entityName, ...clone(metrics) } };
  });
}

function applySettings(settings: ServingSettings, body: Json) {
  const duration = optionalNumber(body, 'update_duration_ms');
  if (duration !== undefined) {
    if (duration < 0) throw invalidParameter('update_duration_ms must not be negative.');
    settings.update_duration_ms = duration;
  }
  const inferenceDelay = optionalNumber(body, 'inference_table_delay_ms');
  if (inferenceDelay !== undefined) {
    if (inferenceDelay < 0) throw invalidParameter('inference_table_delay_ms must not be negative.');
    settings.inference_table_delay_ms = inferenceDelay;
  }
  const readyDelay = optionalNumber(body, 'ready_delay_ms');
  if (readyDelay !== undefined) {
    if (readyDelay < 0) throw invalidParameter('ready_delay_ms must not be negative.');
    settings.ready_delay_ms = readyDelay;
  }
  const traffic = optionalNumber(body, 'live_traffic_per_minute');
  if (traffic !== undefined) {
    if (!Number.isInteger(traffic) || traffic < 0 || traffic > 10_000) throw invalidParameter('live_traffic_per_minute must be an integer 0..10000.');
    settings.live_traffic_per_minute = traffic;
  }
  const failing = optionalArray(body, 'failing_entities');
  if (failing !== undefined) {
    settings.failing_entities = failing.map((f, i) => {
      const where = `failing_entities[${i}]`;
      if (!isObject(f)) throw invalidParameter(`${where} must be an object.`);
      const version = f.entity_version;
      if (typeof version !== 'string' && typeof version !== 'number')
        throw invalidParameter(`${where}.entity_version is required.`);
      return withoutUndefined({
        entity_name: requiredString(f, 'entity_name', `${where}.entity_name`),
        entity_version: String(version),
        message: optionalString(f, 'message', `${where}.message`),
      }) as unknown as FailingEntity;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Seed: { update_duration_ms?, ready_delay_ms?, failing_entities?, endpoints?: [{ name, config, tags?, description? }] }
// Seeded endpoints start READY / NOT_UPDATING at config_version 1.

function seedServing(state: ServingState, fixture: unknown, ctx: EmulatorContext) {
  if (fixture === undefined || fixture === null) return;
  if (!isObject(fixture)) throw invalidParameter('serving seed must be an object.');
  applySettings(state.settings, fixture);
  const t = ctx.clock.now();
  for (const [i, raw] of (optionalArray(fixture, 'endpoints', 'serving.endpoints') ?? []).entries()) {
    if (!isObject(raw)) throw invalidParameter(`serving.endpoints[${i}] must be an object.`);
    const name = requiredString(raw, 'name', `serving.endpoints[${i}].name`);
    const creator = optionalString(raw, 'creator') ?? 'seed@emulator.local';
    const configRaw = optionalObject(raw, 'config', `serving.endpoints[${i}].config`);
    const config = configRaw ? parseConfig(configRaw, creator, t, undefined) : undefined;
    const endpoint: Endpoint = {
      name,
      id: optionalString(raw, 'id') ?? hexId(),
      creator,
      creation_timestamp: t,
      last_updated_timestamp: t,
      description: optionalString(raw, 'description'),
      tags: parseTags(optionalArray(raw, 'tags'), `serving.endpoints[${i}].tags`),
      ai_gateway: optionalObject(raw, 'ai_gateway'),
      config: config ? { ...config, config_version: 1 } : undefined,
      config_update: 'NOT_UPDATING',
      ready_at: config ? t : undefined,
      last_config_version: config ? 1 : 0,
      invocation_count: 0,
      metrics: {},
    };
    for (const entity of endpoint.config?.served_entities ?? []) ensureMetrics(endpoint, entity.name);
    if (endpoint.config) recordLive(endpoint, endpoint.config, t);
    state.endpoints[name] = endpoint;
  }
}
