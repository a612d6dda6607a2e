// Pure: splitting a release across the legs of a GitHub Actions matrix (`--shard I/N`). The unit
// is a group of models that share something a release orders on (a serving endpoint, a lock), so
// every hop of a model, and every model it must be ordered with, lands in the same leg; legs then
// never touch the same lock or endpoint. Groups go, in config order, to the leg with the fewest
// targets so far (ties: the lowest leg), computed over every target of the config so that each leg
// reading the same mlops.yml draws the same lines whatever its filters.

import { listTargets } from '../config/targets.js';
import type { Config, Target } from '../config/types.js';
import type { Shard } from '../invocation.js';
import { releaseResources } from './schedule.js';

/** Model id → its leg (1-based) among `count`. */
export function shardOfModels(config: Config, count: number): Map<string, number> {
  const all = listTargets(config);
  const models = [...config.models.keys()];
  // Union-find over models: two models holding one resource are one group.
  const parent = new Map(models.map((m) => [m, m] as const));
  const find = (m: string): string => {
    let r = m;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(m, r);
    return r;
  };
  const holder = new Map<string, string>();
  for (const t of all) {
    for (const r of releaseResources(config, t)) {
      const id = `${r.reason}:${r.key}`;
      const other = holder.get(id);
      if (other === undefined) holder.set(id, t.model);
      else {
        const [a, b] = [find(other), find(t.model)];
        // The root is the group's first model in config order, so groups keep config order.
        if (a !== b) {
          if (models.indexOf(a) < models.indexOf(b)) parent.set(b, a);
          else parent.set(a, b);
        }
      }
    }
  }
  const targetsOf = new Map<string, number>();
  for (const t of all) targetsOf.set(find(t.model), (targetsOf.get(find(t.model)) ?? 0) + 1);
  const load = Array.from({ length: count }, () => 0);
  const legOfGroup = new Map<string, number>();
  for (const m of models) {
    const root = find(m);
    if (legOfGroup.has(root)) continue;
    let leg = 0;
    for (let i = 1; i < count; i++) if (load[i]! < load[leg]!) leg = i;
    load[leg]! += targetsOf.get(root) ?? 0;
    legOfGroup.set(root, leg + 1);
  }
  return new Map(models.map((m) => [m, legOfGroup.get(find(m))!] as const));
}

/** The targets of this leg, in their order. */
export function shardTargets(config: Config, targets: readonly Target[], shard: Shard): Target[] {
  const legs = shardOfModels(config, shard.count);
  return targets.filter((t) => legs.get(t.model) === shard.index);
}
