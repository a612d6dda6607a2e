// Rollback as a plan job for the executor: read the destination (model, current champion and its
// journal, the target version), plan with src/plan/rollback.ts, converge under the same lock as
// promotions of that model × environment.

import type { DestinationSnapshot } from '../plan/build.js';
import { buildRollback, chooseRollback, currentChampion, type RollbackInput } from '../plan/rollback.js';
import type { PlanJob } from './executor.js';

import type { PromotionRegistry } from '../registry/ports.js';
import type { ObservedVersion } from '../registry/types.js';
import type { EndpointPorts } from './types.js';

export async function observeRollback(input: RollbackInput, registry: PromotionRegistry, endpoints?: EndpointPorts): Promise<DestinationSnapshot> {
  const model = await registry.getModel(input.modelName);
  if (!model) return { modelExists: false, copies: [], strays: [], aliases: {}, versions: {}, inStage: [], modelTags: {} };
  const versions: Record<string, ObservedVersion> = {};
  const inStage: string[] = [];
  if (input.stage !== null) {
    for (const v of await registry.listVersions(input.modelName)) {
      versions[v.version] = v;
      if (v.stage?.toLowerCase() === input.stage.toLowerCase()) inStage.push(v.version);
    }
    inStage.sort((a, b) => Number(a) - Number(b));
  }
  let snapshot: DestinationSnapshot = { modelExists: true, copies: [], strays: [], aliases: { ...model.aliases }, versions, inStage, modelTags: { ...model.tags } };
  const current = currentChampion(input, snapshot);
  if (current !== null && !versions[current]) {
    const v = await registry.getVersion(input.modelName, current);
    if (v) versions[v.version] = v;
  }
  snapshot = { ...snapshot, versions };
  const choice = chooseRollback(input, snapshot);
  if (!('refusal' in choice)) {
    // The target, and the version rolled back from (its journal holds the endpoint config to restore).
    for (const wanted of [choice.to, choice.from]) {
      if (wanted === null || versions[wanted]) continue;
      const v = await registry.getVersion(input.modelName, wanted);
      if (v) versions[v.version] = v;
    }
  }
  if (input.grants) {
    if (!endpoints?.grants) throw new Error(`rollback of ${input.model} in ${input.environment}: restoring grants needs a Unity Catalog workspace client; none is configured`);
    snapshot = { ...snapshot, grants: await endpoints.grants.grants(input.modelName) };
  }
  if (input.endpoint) {
    if (!endpoints) throw new Error(`rollback of ${input.model} in ${input.environment}: restoring serving endpoint "${input.endpoint.name}" needs a Databricks workspace client; none is configured`);
    return { ...snapshot, versions, endpoint: await endpoints.serving.getEndpoint(input.endpoint.name) };
  }
  return { ...snapshot, versions };
}

export const rollbackJob = (input: RollbackInput): PlanJob => ({
  lockKey: `${input.registry}|${input.modelName}|${input.environment}`,
  purpose: `rollback ${input.model} in ${input.environment}`,
  subject: `"${input.modelName}" in ${input.environment}`,
  observe: (registry, endpoints) => observeRollback(input, registry, endpoints),
  build: (snapshot) => buildRollback(input, snapshot),
});
