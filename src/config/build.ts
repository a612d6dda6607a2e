// Schema-valid raw values → the typed Config, with the defaults stated in the schema applied.
// Only called when validation and cross-field checks found no errors.

import { asArray, asRecord, asString, asStringList, entriesOf } from './raw.js';
import type { RawRecord } from './raw.js';
import { pointerJoin, positionOf } from './source.js';
import { rawRegistryKind, registryFields } from './registries.js';
import type { SourceDocument } from './source.js';
import type {
  BakeConfig,
  CandidateSelector,
  Environment,
  ModelConfig,
  MonitorConfig,
  PromotionMode,
  RolloutStrategy,
  ServingConfig,
  Waiver,
} from './types.js';

/** Seconds from `30s`, `10m`, `1h30m` or a number of seconds. */
export const durationSeconds = (value: unknown, fallback: number): number => {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return fallback;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match || value === '') return fallback;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
};

export const DEFAULTS = {
  championAlias: 'champion',
  promotion: 'copy' as PromotionMode,
  pauseSeconds: 300,
  minRequests: 10,
  maxTrafficWaitSeconds: 900,
  waitTimeoutSeconds: 1200,
  bakeIntervalSeconds: 300,
  workloadSize: 'Small',
  granularities: ['1 day'] as readonly string[],
  timezone: 'UTC',
} as const;

export const buildEnvironment = (name: string, raw: RawRecord, doc: SourceDocument): Environment => {
  const base = {
    name,
    promoteFrom: asString(raw.promote_from),
    githubEnvironment: asString(raw.github_environment),
    position: positionOf(doc, pointerJoin('/environments', name), 'key'),
  };
  const kind = rawRegistryKind(raw);
  if (!kind) throw new Error(`registry "${String(raw.registry)}" passed the schema but has no row in REGISTRY_KINDS (a bug)`);
  return { ...base, registry: kind, ...registryFields(kind, raw) } as Environment;
};

const buildCandidate = (raw: RawRecord): CandidateSelector => {
  if (typeof raw.alias === 'string') return { kind: 'alias', alias: raw.alias };
  if (raw.version !== undefined) return { kind: 'version', version: String(raw.version) };
  if (raw.latest === true) return { kind: 'latest' };
  const tags: Record<string, string> = {};
  for (const [key, value] of entriesOf(raw.tag)) tags[key] = String(value);
  return { kind: 'tags', tags };
};

/** One builder per strategy kind: a missing row is a compile error, never a silent `replace`. */
export const STRATEGY_BUILDERS: { readonly [K in RolloutStrategy['kind']]: (raw: RawRecord) => Extract<RolloutStrategy, { readonly kind: K }> } = {
  replace: () => ({ kind: 'replace' }),
  canary: (raw) => ({ kind: 'canary', steps: asArray(raw.steps).map(Number), pauseSeconds: durationSeconds(raw.pause, DEFAULTS.pauseSeconds) }),
  blue_green: (raw) => ({
    kind: 'blue_green',
    smokeRequest: raw.smoke_request !== false,
    healthCheck: asRecord(raw.health) !== null,
    pauseSeconds: durationSeconds(raw.pause, DEFAULTS.pauseSeconds),
  }),
  ab: (raw) => ({ kind: 'ab', candidatePercent: Number(raw.candidate_percent) }),
};

const isStrategyKind = (v: unknown): v is RolloutStrategy['kind'] => typeof v === 'string' && v in STRATEGY_BUILDERS;

/** `strategy:` absent means `replace` (the schema's default); a kind the schema allows but no row builds is a bug, said so. */
const buildStrategy = (raw: RawRecord): RolloutStrategy => {
  if (raw.strategy === undefined) return STRATEGY_BUILDERS.replace(raw);
  if (!isStrategyKind(raw.strategy)) throw new Error(`strategy "${String(raw.strategy)}" passed the schema but has no builder in STRATEGY_BUILDERS (a bug)`);
  return STRATEGY_BUILDERS[raw.strategy](raw);
};

const buildServing = (modelId: string, raw: RawRecord): ServingConfig => {
  const health = asRecord(raw.health) ?? {};
  const scaleToZero: Record<string, boolean> = {};
  for (const [env, value] of entriesOf(raw.scale_to_zero)) scaleToZero[env] = value === true;
  const table = asRecord(raw.inference_table);
  return {
    endpoint: String(raw.endpoint),
    strategy: buildStrategy(raw),
    health: {
      maxErrorRate: typeof health.max_error_rate === 'number' ? health.max_error_rate : null,
      maxP95LatencyMs: typeof health.max_p95_latency_ms === 'number' ? health.max_p95_latency_ms : null,
      minRequests: typeof health.min_requests === 'number' ? health.min_requests : DEFAULTS.minRequests,
      onInsufficientTraffic: health.on_insufficient_traffic === 'fail' ? 'fail' : 'wait',
      maxTrafficWaitSeconds: durationSeconds(health.max_traffic_wait, DEFAULTS.maxTrafficWaitSeconds),
      entityLabel: asString(health.entity_label),
    },
    bake: buildBake(raw.bake),
    workloadSize: asString(raw.workload_size) ?? DEFAULTS.workloadSize,
    scaleToZero,
    scaleToZeroDefault: raw.scale_to_zero === true,
    inferenceTable: table
      ? { catalog: String(table.catalog), schema: String(table.schema), prefix: asString(table.prefix) ?? modelId }
      : null,
    waitTimeoutSeconds: durationSeconds(raw.wait_timeout, DEFAULTS.waitTimeoutSeconds),
    environments: asStringList(raw.environments),
  };
};

const buildBake = (raw: unknown): BakeConfig | null => {
  if (raw === undefined || raw === null) return null;
  const record = asRecord(raw);
  const total = durationSeconds(record ? record.duration : raw, 0);
  return { durationSeconds: total, intervalSeconds: Math.min(total, durationSeconds(record?.check_every, DEFAULTS.bakeIntervalSeconds)) };
};

const buildMonitor = (raw: RawRecord): MonitorConfig => {
  const log = asRecord(raw.inference_log) ?? {};
  const schedule = asRecord(raw.schedule);
  return {
    table: String(raw.table),
    outputSchema: String(raw.output_schema),
    api: raw.api === 'legacy' ? 'legacy' : 'data-quality',
    inferenceLog: {
      problemType: log.problem_type === 'regression' ? 'regression' : 'classification',
      predictionCol: String(log.prediction_col),
      labelCol: asString(log.label_col),
      timestampCol: String(log.timestamp_col),
      modelIdCol: String(log.model_id_col),
      granularities: asStringList(log.granularities) ?? DEFAULTS.granularities,
    },
    schedule: schedule ? { cron: String(schedule.cron), timezone: asString(schedule.timezone) ?? DEFAULTS.timezone } : null,
    slicingExprs: asStringList(raw.slicing_exprs) ?? [],
    refreshAfterUpdate: raw.refresh !== false,
    environments: asStringList(raw.environments),
  };
};

export const buildModel = (
  id: string,
  raw: RawRecord,
  doc: SourceDocument,
  defaults: RawRecord,
  policies: readonly string[],
): ModelConfig => {
  const names: Record<string, string> = {};
  for (const [env, name] of entriesOf(raw.names)) names[env] = String(name);
  const serving = asRecord(raw.serving);
  const monitor = asRecord(raw.monitor);
  return {
    id,
    name: String(raw.name),
    nameByEnvironment: names,
    candidate: buildCandidate(asRecord(raw.candidate) ?? {}),
    championAlias: asString(raw.champion_alias) ?? asString(defaults.champion_alias) ?? DEFAULTS.championAlias,
    promotion: (asString(raw.promotion) ?? asString(defaults.promotion) ?? DEFAULTS.promotion) as PromotionMode,
    policies,
    serving: serving ? buildServing(id, serving) : null,
    monitor: monitor ? buildMonitor(monitor) : null,
    position: positionOf(doc, pointerJoin('/models', id), 'key'),
  };
};

export const buildWaiver = (raw: RawRecord, doc: SourceDocument, pointer: string): Waiver => ({
  gate: String(raw.gate),
  models: asStringList(raw.models),
  environments: asStringList(raw.environments),
  owner: String(raw.owner),
  reason: String(raw.reason),
  expires: String(raw.expires),
  position: positionOf(doc, pointer),
});
