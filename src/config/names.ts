// Per-target names and gates: registered-model names with templates expanded, and the gates that
// apply to one transition.

import { expandTemplate } from './template.js';
import type { Config, Environment, GateSpec, Policy, Target } from './types.js';
import { qualifyName, registryIdOfFields } from './registries.js';

export { expandTemplate };

const requireModel = (config: Config, modelId: string) => {
  const model = config.models.get(modelId);
  if (!model) throw new Error(`unknown model "${modelId}" (targets come from listTargets, so this is a bug)`);
  return model;
};

/**
 * The registered-model name of `modelId` in `envName`: the `names` override if there is one, else
 * the `name` template; both expanded. Unity Catalog names are `<catalog>.<schema>.<name>` unless
 * the configured name is already fully qualified.
 */
export const registeredModelName = (config: Config, modelId: string, envName: string): string => {
  const model = requireModel(config, modelId);
  const environment = config.environments.get(envName);
  if (!environment) throw new Error(`unknown environment "${envName}" (a bug: environments are validated at load)`);
  const template = model.nameByEnvironment[envName] ?? model.name;
  const name = expandTemplate(template, { env: envName, model: modelId });
  return qualifyName(environment.registry, name, environment as never);
};

/** How plans and journals name an environment's registry (no credentials). */
export const registryIdOf = (environment: Environment): string => registryIdOfFields(environment.registry, environment as never);

const inScope = (policy: Policy, target: Target): boolean =>
  (policy.appliesTo.environments === null || policy.appliesTo.environments.includes(target.to)) &&
  (policy.appliesTo.models === null || policy.appliesTo.models.includes(target.model));

/**
 * The gates for one target: the model's policies in order, each preceded by the policies it
 * extends. A policy contributes only when it and every policy that pulled it in apply to the target
 * (`applies_to`), so `production` extending `baseline` restricts baseline's gates too. The first
 * gate with a given id wins.
 */
export const gatesFor = (config: Config, target: Target): GateSpec[] => {
  const model = requireModel(config, target.model);
  const gates: GateSpec[] = [];
  const seenIds = new Set<string>();
  const expanding = new Set<string>();
  const collect = (policyName: string): void => {
    const policy = config.policies.get(policyName);
    // extends cycles are rejected at load; the guard only keeps a hand-built Config safe.
    if (!policy || expanding.has(policyName) || !inScope(policy, target)) return;
    expanding.add(policyName);
    for (const base of policy.extends ?? []) collect(base);
    for (const gate of policy.gates) {
      if (seenIds.has(gate.id)) continue;
      seenIds.add(gate.id);
      gates.push(gate);
    }
    expanding.delete(policyName);
  };
  for (const policyName of model.policies) collect(policyName);
  return gates;
};

/** The champion alias of `modelId` in `envName`, template expanded. */
export const championAlias = (config: Config, modelId: string, envName: string): string =>
  expandTemplate(requireModel(config, modelId).championAlias, { env: envName, model: modelId });
