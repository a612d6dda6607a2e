// Rollback as a plan job for the executor: read the destination (model, current champion and its
// journal, the target version), plan with src/plan/rollback.ts, converge under the same lock as
// promotions of that model × environment.

import type { DestinationSnapshot, ObservedVersion } from '../plan/build.js';
import { buildRollback, chooseRollback, currentChampion, type RollbackInput } from '../plan/rollback.js';
import type { PlanJob } from './executor.js';
import type { PromotionRegistry } from './ports.js';

export async function observeRollback(input: RollbackInput, registry: PromotionRegistry): Promise<DestinationSnapshot> {
  const model = await registry.getModel(input.modelName);
  if (!model) return { modelExists: false, copies: [], aliases: {}, versions: {}, inStage: [], modelTags: {} };
  const versions: Record<string, ObservedVersion> = {};
  const inStage: string[] = [];
  if (input.stage !== null) {
    for (const v of await registry.listVersions(input.modelName)) {
      versions[v.version] = v;
      if (v.stage?.toLowerCase() === input.stage.toLowerCase()) inStage.push(v.version);
    }
    inStage.sort((a, b) => Number(a) - Number(b));
  }
  let snapshot: DestinationSnapshot = { modelExists: true, copies: [], aliases: { ...model.aliases }, versions, inStage, modelTags: { ...model.tags } };
  const current = currentChampion(input, snapshot);
  if (current !== null && !versions[current]) {
    const v = await registry.getVersion(input.modelName, current);
    if (v) versions[v.version] = v;
  }
  snapshot = { ...snapshot, versions };
  const choice = chooseRollback(input, snapshot);
  if (!('refusal' in choice) && !versions[choice.to]) {
    const v = await registry.getVersion(input.modelName, choice.to);
    if (v) versions[v.version] = v;
  }
  return { ...snapshot, versions };
}

export const rollbackJob = (input: RollbackInput): PlanJob => ({
  lockKey: `${input.registry}|${input.modelName}|${input.environment}`,
  purpose: `rollback ${input.model} in ${input.environment}`,
  subject: `"${input.modelName}" in ${input.environment}`,
  observe: (registry) => observeRollback(input, registry),
  build: (snapshot) => buildRollback(input, snapshot),
});
