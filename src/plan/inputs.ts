// Pure: config + target + the candidate found in the source environment → what the promotion
// must achieve (PlanInput), or a refusal a user can act on.

import { quarantineMarks } from '../registry/journal.js';
import { championAlias, registeredModelName, registryIdOf } from '../config/names.js';
import { capabilitiesOf, modelIdentityOf, registryLabel, registryReaches } from '../config/registries.js';
import type { Config, Environment, ModelConfig, ServingConfig, Target } from '../config/types.js';
import type { BundleTarget } from '../config/bundle.js';
import { resolveServing, type ResolvedServing } from '../config/serving.js';
import type { AiGatewaySpec, EndpointSettingsSpec, EntityConfig } from '../endpoint/serving.js';
import type { ServingPlanInput } from './serving.js';
import type { VersionInfo } from '../evidence/types.js';
import type { PlanInput } from './build.js';

import { desiredMonitor } from '../endpoint/monitor.js';
import { endpointName, servingApplies } from '../rollout/spec.js';
import type { PlanRefusal } from './types.js';
import type { EnsureMonitorRequest } from '../endpoint/ports.js';

/**
 * Legacy stage of an environment in `stage` mode: names that mean production map to
 * `Production`, everything else to `Staging` (the only other promotable stage).
 */
export function stageFor(envName: string): 'Staging' | 'Production' {
  return /^(prod|production|prd|live)$/i.test(envName) ? 'Production' : 'Staging';
}

/**
 * Aliases a promotion moves: the champion alias of the target environment; in `alias` mode also
 * the environment's own alias (`<env>`), since one model serves every environment.
 */
export function aliasesFor(config: Config, model: ModelConfig, envName: string): string[] {
  const champion = championAlias(config, model.id, envName);
  return model.promotion === 'alias' && champion !== envName ? [champion, envName] : [champion];
}

/** Unity Catalog has no legacy stages: `promotion: stage` cannot work there (null: fine). */
export function stageModeRefusal(model: ModelConfig, ...environments: readonly Environment[]): string | null {
  if (model.promotion !== 'stage') return null;
  const without = environments.find((e) => !capabilitiesOf(e.registry).stages);
  return without
    ? `model "${model.id}": promotion: stage needs legacy registry stages, which ${registryLabel(without.registry)} ("${without.name}", ${without.registry}) does not have; use promotion: copy (another catalog/schema) or alias`
    : null;
}

export function planInputFor(config: Config, target: Target, candidate: VersionInfo): PlanInput | PlanRefusal {
  const model = config.models.get(target.model);
  const from = config.environments.get(target.from);
  const to = config.environments.get(target.to);
  const refuse = (reason: string): PlanRefusal => ({ model: target.model, from: target.from, to: target.to, reason });
  if (!model || !from || !to) return refuse(`unknown model or environment in target ${target.model}:${target.from}->${target.to}`);
  if (from.registry !== to.registry) {
    return refuse(
      `"${target.from}" is ${from.registry} and "${target.to}" is ${to.registry}: promotion between an MLflow server and Unity Catalog is not supported; ` +
        `use the same registry kind in both environments`,
    );
  }
  const stageRefusal = stageModeRefusal(model, from, to);
  if (stageRefusal) return refuse(stageRefusal);
  const source = {
    registry: registryIdOf(from),
    name: candidate.name,
    version: candidate.version,
    source: candidate.source,
    runId: candidate.runId,
  };
  const destination = { registry: registryIdOf(to), model: registeredModelName(config, model.id, to.name) };
  // The registry's spelling of a name may differ in case from the config's (Unity Catalog stores
  // names lower-cased): compare registered models the way the registry does.
  const sameModel = modelIdentityOf(from, source.name) === modelIdentityOf(to, destination.model);
  if (model.promotion === 'copy' && sameModel) {
    return refuse(
      `promotion: copy needs a different model name or server for "${target.to}" (both are "${destination.model}" on ${destination.registry}); ` +
        `use promotion: alias, or set a name per environment`,
    );
  }
  if (model.promotion !== 'copy' && !sameModel) {
    return refuse(
      `promotion: ${model.promotion} moves ${model.promotion === 'alias' ? 'aliases' : 'stages'} within one model, but "${target.from}" uses ` +
        `"${source.name}" on ${source.registry} and "${target.to}" uses "${destination.model}" on ${destination.registry}; use promotion: copy`,
    );
  }
  // Serving and monitors exist on Databricks only; an MLflow environment has no endpoint to roll.
  const serving = model.serving && capabilitiesOf(to.registry).serving && servingApplies(model.serving, to.name) ? model.serving : null;
  // A monitor an Asset Bundle owns is the bundle's to create and change.
  const monitorConfig =
    model.monitor && model.monitor.owner !== 'bundle' && capabilitiesOf(to.registry).monitors && (model.monitor.environments === null || model.monitor.environments.includes(to.name)) ? model.monitor : null;
  const bundleTarget = config.bundle?.targetOf[to.name];
  const bundleModel = model.owner === 'bundle' ? bundleTarget?.models.find((m) => m.fullName === destination.model.toLowerCase()) : undefined;
  let monitor: EnsureMonitorRequest | null = null;
  if (monitorConfig) {
    const desired = desiredMonitor(monitorConfig, to.name, { model: model.id });
    if (!desired.ok) return refuse(`monitor: ${desired.message}`);
    monitor = { api: monitorConfig.api, monitor: desired.monitor, refresh: monitorConfig.refreshAfterUpdate ? 'after-change' : 'never' };
  }
  return {
    model: target.model,
    from: target.from,
    to: target.to,
    mode: model.promotion,
    source,
    destination,
    aliases: aliasesFor(config, model, target.to),
    stage: model.promotion === 'stage' ? stageFor(target.to) : null,
    tagsPerObject: capabilitiesOf(to.registry).tagsPerObject,
    serving: serving
      ? withBundle(
          {
            ...servingPlanInput(serving, to.name, model.id),
            ...(serving.bake ? { bake: serving.bake, sourceReachable: registryReaches(to.registry, destination.registry, source.registry) } : {}),
          },
          serving,
          bundleTarget,
          to.name,
          model.id,
          destination.model,
        )
      : null,
    // Grants of a bundle-owned model are the bundle's (validate refuses both).
    grants: model.owner === 'bundle' ? null : (model.grants?.[to.name] ?? null),
    ...(model.owner === 'bundle' ? { modelDeclaredBy: bundleModel ? `${where(bundleModel.position)}, target ${bundleTarget!.name}` : 'the Asset Bundle' } : {}),
    monitor,
    carriedTags: quarantineMarks(candidate.tags),
  };
}

export const isRefusal = (x: PlanInput | PlanRefusal): x is PlanRefusal => 'reason' in x;

const where = (p: { file: string; line: number; column: number }): string => `${p.file}:${p.line}:${p.column}`;

/** `owner: bundle`: the bundle's declaration of the endpoint, to create it as declared when it does not exist. */
function withBundle(input: ServingPlanInput, serving: ServingConfig, target: BundleTarget | undefined, env: string, modelId: string, modelName: string): ServingPlanInput {
  if (serving.owner !== 'bundle' || !target) return input;
  const name = endpointName(serving, env, modelId);
  const declared = target.endpoints.find((e) => e.name === name);
  if (!declared) return input;
  const config = asRecordOf(declared.body.config);
  const entities = Array.isArray(config.served_entities) ? config.served_entities.map(asRecordOf) : [];
  const entity = entities.find((e) => String(e.entity_name ?? '').toLowerCase() === modelName.toLowerCase()) ?? entities[0];
  return {
    ...input,
    bundle: { entity: entity ? bundleEntity(entity) : null, settings: bundleSettings(declared.body), declaredAt: `${where(declared.position)}, target ${target.name}` },
  };
}

const asRecordOf = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && !v.includes('${') ? v : undefined);

/** A served entity as a bundle declares it (the API's input form; values may still be `${…}`). */
function bundleEntity(e: Record<string, unknown>): EntityConfig {
  const min = num(e.min_provisioned_concurrency);
  const max = num(e.max_provisioned_concurrency);
  const vars = asRecordOf(e.environment_vars);
  return {
    workloadSize: min !== undefined || max !== undefined ? null : (str(e.workload_size) ?? 'Small'),
    scaleToZero: bool(e.scale_to_zero_enabled) ?? false,
    ...(str(e.workload_type) ? { workloadType: str(e.workload_type)! } : {}),
    ...(min !== undefined ? { minProvisionedConcurrency: min } : {}),
    ...(max !== undefined ? { maxProvisionedConcurrency: max } : {}),
    ...(Object.keys(vars).length > 0 ? { environmentVars: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])) } : {}),
    ...(str(e.instance_profile_arn) ? { instanceProfileArn: str(e.instance_profile_arn)! } : {}),
  };
}

/** The tags and AI Gateway a bundle declares for an endpoint. */
function bundleSettings(body: Record<string, unknown>): EndpointSettingsSpec {
  const tags = Array.isArray(body.tags) ? Object.fromEntries(body.tags.map(asRecordOf).filter((t) => typeof t.key === 'string').map((t) => [String(t.key), String(t.value ?? '')])) : null;
  const g = asRecordOf(body.ai_gateway);
  const gateway: { -readonly [K in keyof AiGatewaySpec]: AiGatewaySpec[K] } = {};
  if (Array.isArray(g.rate_limits)) {
    gateway.rateLimits = g.rate_limits.map(asRecordOf).map((r) => ({
      ...(num(r.calls) !== undefined ? { calls: num(r.calls)! } : {}),
      ...(num(r.tokens) !== undefined ? { tokens: num(r.tokens)! } : {}),
      key: str(r.key) ?? 'endpoint',
      ...(str(r.principal) ? { principal: str(r.principal)! } : {}),
      renewalPeriod: 'minute' as const,
    }));
  }
  const usage = bool(asRecordOf(g.usage_tracking_config).enabled);
  if (usage !== undefined) gateway.usageTracking = usage;
  const table = asRecordOf(g.inference_table_config);
  if (bool(table.enabled) && str(table.catalog_name) && str(table.schema_name)) {
    gateway.inferenceTable = { catalog: str(table.catalog_name)!, schema: str(table.schema_name)!, prefix: str(table.table_name_prefix) ?? '', enabled: true };
  }
  return { ...(tags ? { tags } : {}), ...(Object.keys(gateway).length > 0 ? { aiGateway: gateway } : {}) };
}

/** The served entity's settings in one environment, as the endpoint API takes them. */
export function entityConfigOf(r: ResolvedServing): EntityConfig {
  return {
    workloadSize: r.workloadSize,
    scaleToZero: r.scaleToZero,
    ...(r.workloadType !== null ? { workloadType: r.workloadType } : {}),
    ...(r.provisionedConcurrency ? { minProvisionedConcurrency: r.provisionedConcurrency.min, maxProvisionedConcurrency: r.provisionedConcurrency.max } : {}),
    ...(r.provisionedThroughput ? { minProvisionedThroughput: r.provisionedThroughput.min, maxProvisionedThroughput: r.provisionedThroughput.max } : {}),
    ...(r.environmentVars !== null ? { environmentVars: { ...r.environmentVars } } : {}),
    ...(r.instanceProfileArn !== null ? { instanceProfileArn: r.instanceProfileArn } : {}),
  };
}

/** The endpoint tags and AI Gateway parts the config sets in one environment (what it leaves out is not managed). */
export function settingsOf(r: ResolvedServing): EndpointSettingsSpec {
  const gateway: { -readonly [K in keyof AiGatewaySpec]: AiGatewaySpec[K] } = {};
  if (r.rateLimits !== null) {
    gateway.rateLimits = r.rateLimits.map((l) => ({
      ...(l.calls !== null ? { calls: l.calls } : {}),
      ...(l.tokens !== null ? { tokens: l.tokens } : {}),
      key: l.key,
      ...(l.principal !== null ? { principal: l.principal } : {}),
      renewalPeriod: 'minute' as const,
    }));
  }
  if (r.usageTracking !== null) gateway.usageTracking = r.usageTracking;
  if (r.inferenceTable) gateway.inferenceTable = { ...r.inferenceTable, enabled: true };
  return {
    ...(r.tags !== null ? { tags: { ...r.tags } } : {}),
    ...(Object.keys(gateway).length > 0 ? { aiGateway: gateway } : {}),
  };
}

/** The serving part of a plan input for one environment. */
export function servingPlanInput(serving: ServingConfig, environment: string, modelId: string): ServingPlanInput {
  const resolved = resolveServing(serving, environment, modelId);
  return {
    endpoint: endpointName(serving, environment, modelId),
    strategy: serving.strategy,
    health: serving.health,
    entity: entityConfigOf(resolved),
    settings: settingsOf(resolved),
    ...(serving.owner === 'bundle' ? { owner: 'bundle' as const } : {}),
    waitTimeoutSeconds: serving.waitTimeoutSeconds,
  };
}
