// Reads the destination facts a plan depends on, with as few requests as the mode allows:
// copy: model + copy search (2); alias: model + candidate version (2); stage: model + versions (2).

import { identityFor, splitCopies, type DestinationSnapshot, type PlanInput } from '../plan/build.js';
import type { PromotionRegistry } from '../registry/ports.js';
import type { ObservedVersion } from '../registry/types.js';

export async function observeDestination(
  input: PlanInput,
  registry: PromotionRegistry,
  options: { readonly concurrent?: boolean } = {},
): Promise<DestinationSnapshot> {
  const name = input.destination.model;
  // `concurrent` (read-only previews): the copy search starts with the model read instead of
  // after it; its answer is dropped when the model does not exist (one request more only then).
  const copiesEarly = options.concurrent && input.mode === 'copy' ? registry.findVersionsByTag(name, identityFor(input.source).key, identityFor(input.source).value) : null;
  copiesEarly?.catch(() => undefined);
  const model = await registry.getModel(name);
  if (!model) return { modelExists: false, copies: [], strays: [], aliases: {}, versions: {}, inStage: [] };
  const versions: Record<string, ObservedVersion> = {};
  let copies: readonly ObservedVersion[] = [];
  let strays: readonly ObservedVersion[] = [];
  let inStage: string[] = [];

  if (input.mode === 'copy') {
    const id = identityFor(input.source);
    ({ copies, strays } = splitCopies(await (copiesEarly ?? registry.findVersionsByTag(name, id.key, id.value))));
    for (const v of copies) versions[v.version] = v;
  } else if (input.stage !== null) {
    for (const v of await registry.listVersions(name)) {
      versions[v.version] = v;
      if (v.stage !== null && v.stage.toLowerCase() === input.stage.toLowerCase()) inStage.push(v.version);
    }
  } else {
    const candidate = await registry.getVersion(name, input.source.version);
    if (candidate) versions[candidate.version] = candidate;
  }
  inStage = inStage.sort((a, b) => Number(a) - Number(b));
  return { modelExists: true, copies, strays, aliases: { ...model.aliases }, versions, inStage, modelTags: { ...model.tags } };
}
