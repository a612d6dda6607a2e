// Pure: config + target + the candidate found in the source environment → what the promotion
// must achieve (PlanInput), or a refusal a user can act on.

import { quarantineMarks } from '../registry/journal.js';
import { championAlias, registeredModelName, registryIdOf } from '../config/names.js';
import { capabilitiesOf, modelIdentityOf, registryLabel, registryReaches } from '../config/registries.js';
import type { Config, Environment, ModelConfig, Target } from '../config/types.js';
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
  const monitorConfig = model.monitor && capabilitiesOf(to.registry).monitors && (model.monitor.environments === null || model.monitor.environments.includes(to.name)) ? model.monitor : null;
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
      ? {
          endpoint: endpointName(serving, to.name, model.id),
          strategy: serving.strategy,
          health: serving.health,
          workloadSize: serving.workloadSize,
          scaleToZero: serving.scaleToZero[to.name] ?? serving.scaleToZeroDefault,
          inferenceTable: serving.inferenceTable,
          waitTimeoutSeconds: serving.waitTimeoutSeconds,
          ...(serving.bake ? { bake: serving.bake, sourceReachable: registryReaches(to.registry, destination.registry, source.registry) } : {}),
        }
      : null,
    monitor,
    carriedTags: quarantineMarks(candidate.tags),
  };
}

export const isRefusal = (x: PlanInput | PlanRefusal): x is PlanRefusal => 'reason' in x;
