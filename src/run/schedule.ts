// Pure: which targets of a release must wait for which, and running them in that order with at
// most N at a time. Independent targets (other models, other endpoints, other locks) apply
// concurrently; a target waits only for
//   - hop: the earlier hop of the same model (dev → test before test → prod), and is held (not
//     applied) when that hop did not go through;
//   - endpoint: an earlier target that rolls the same serving endpoint;
//   - lock: an earlier target that takes the same lock (the same destination model × environment).
// "Earlier" is config order, hops first. Results come back in the targets' order, whatever order
// they finished in. The effects (applying a target) are the caller's `run`.

import { registeredModelName, registryIdOf } from '../config/names.js';
import { capabilitiesOf, modelIdentityOf } from '../config/registries.js';
import type { Config, Target } from '../config/types.js';
import { endpointName, servingApplies } from '../rollout/spec.js';

export type OrderReason = 'hop' | 'endpoint' | 'lock';

/** A resource two targets may not touch at once. */
export interface ReleaseResource {
  readonly reason: Exclude<OrderReason, 'hop'>;
  readonly key: string;
}

export interface OrderEdge {
  /** Index (in the targets' order) of the target to wait for. */
  readonly after: number;
  readonly reason: OrderReason;
  /** What is shared: the resource key, or for a hop the environment between the two. */
  readonly via: string;
}

export interface ReleaseNode {
  readonly index: number;
  readonly target: Target;
  /** The targets this one waits for, and why (direct edges only; each resource is a chain). */
  readonly after: readonly OrderEdge[];
}

export interface ReleaseGraph {
  /** One node per target, in the targets' (config) order. */
  readonly nodes: readonly ReleaseNode[];
  /** Indexes in the order targets are preferred to start: config order, an earlier hop first. */
  readonly order: readonly number[];
}

/**
 * The resources a promotion of `target` takes, from the config alone: its lock (the destination
 * model × environment, compared the way the registry compares names) and, when the model is
 * served there, its serving endpoint (workspace + endpoint name).
 */
export function releaseResources(config: Config, target: Target): ReleaseResource[] {
  const model = config.models.get(target.model);
  const to = config.environments.get(target.to);
  if (!model || !to) return [];
  const resources: ReleaseResource[] = [];
  try {
    const name = registeredModelName(config, model.id, to.name);
    resources.push({ reason: 'lock', key: `${modelIdentityOf(to, name)}|${to.name}` });
  } catch {
    resources.push({ reason: 'lock', key: `${registryIdOf(to)}|${model.id}|${to.name}` });
  }
  if (model.serving && capabilitiesOf(to.registry).serving && servingApplies(model.serving, to.name)) {
    const workspace = 'host' in to && typeof to.host === 'string' ? to.host.replace(/\/+$/, '').toLowerCase() : registryIdOf(to);
    resources.push({ reason: 'endpoint', key: `${workspace}|${endpointName(model.serving, to.name, model.id)}` });
  }
  return resources;
}

/**
 * The DAG of a release. Hop edges link a target to the target of the same model whose destination
 * is its source; the preferred order is a stable topological order over those (config order where
 * free). Each resource then chains its targets in that order, so the graph has no cycle.
 */
export function releaseGraph(targets: readonly Target[], resourcesOf: (t: Target) => readonly ReleaseResource[]): ReleaseGraph {
  const n = targets.length;
  const hopsOf: number[][] = targets.map((t, i) => targets.flatMap((u, j) => (j !== i && u.model === t.model && u.to === t.from ? [j] : [])));
  // Stable Kahn: among the ready targets, the first in config order.
  const order: number[] = [];
  const placed = new Set<number>();
  while (order.length < n) {
    let next = -1;
    for (let i = 0; i < n; i++) {
      if (placed.has(i)) continue;
      if (hopsOf[i]!.every((j) => placed.has(j))) {
        next = i;
        break;
      }
    }
    // A cycle of hops cannot come from a validated config; place the rest in config order.
    if (next < 0) next = [...Array(n).keys()].find((i) => !placed.has(i))!;
    placed.add(next);
    order.push(next);
  }
  const rank = new Map(order.map((i, r) => [i, r] as const));
  const edges: OrderEdge[][] = targets.map(() => []);
  for (let i = 0; i < n; i++) {
    for (const j of hopsOf[i]!) if (rank.get(j)! < rank.get(i)!) edges[i]!.push({ after: j, reason: 'hop', via: targets[i]!.from });
  }
  const lastHolder = new Map<string, number>();
  for (const i of order) {
    for (const r of resourcesOf(targets[i]!)) {
      const id = `${r.reason}:${r.key}`;
      const before = lastHolder.get(id);
      if (before !== undefined && !edges[i]!.some((e) => e.after === before && e.reason === r.reason)) edges[i]!.push({ after: before, reason: r.reason, via: r.key });
      lastHolder.set(id, i);
    }
  }
  return { nodes: targets.map((target, index) => ({ index, target, after: edges[index]! })), order };
}

export interface ScheduleOptions<R> {
  /** At most this many targets run at once (≥ 1). */
  readonly concurrency: number;
  /** Apply one target (the effect). */
  readonly run: (node: ReleaseNode) => Promise<R>;
  /** Whether a finished target did not go through, so the later hops of its model are held. */
  readonly holdsLaterHops: (result: R) => boolean;
  /** The result of a target held because `because` (an earlier hop of its model, which ended in `result`) did not go through. */
  readonly held: (node: ReleaseNode, because: ReleaseNode, result: R) => R;
  readonly onStart?: (node: ReleaseNode) => void;
  readonly onFinish?: (node: ReleaseNode, result: R) => void;
}

/**
 * Runs the graph: a target starts when every target it waits for has finished (or was held), at
 * most `concurrency` at a time, preferring the graph's order. A target whose earlier hop did not go
 * through is held, not run. If `run` throws (a kill), nothing more starts; the running targets
 * finish and the first error is thrown. Results are in the nodes' order.
 */
export async function runSchedule<R>(graph: ReleaseGraph, options: ScheduleOptions<R>): Promise<R[]> {
  const limit = Math.max(1, Math.floor(options.concurrency));
  const results = new Map<number, R>();
  const holding = new Set<number>();
  const started = new Set<number>();
  let running = 0;
  let failure: { error: unknown } | null = null;
  const nodes = graph.nodes;

  return new Promise<R[]>((resolve, reject) => {
    const finish = (node: ReleaseNode, result: R, holds: boolean) => {
      results.set(node.index, result);
      if (holds) holding.add(node.index);
    };
    const pump = (): void => {
      if (failure === null) {
        let progressed = true;
        while (progressed) {
          progressed = false;
          for (const i of graph.order) {
            if (started.has(i)) continue;
            const node = nodes[i]!;
            if (!node.after.every((e) => results.has(e.after))) continue;
            const blocker = node.after.find((e) => e.reason === 'hop' && holding.has(e.after));
            if (blocker) {
              // Held at once: no slot is taken, and the targets waiting for it may now be ready.
              started.add(i);
              const result = options.held(node, nodes[blocker.after]!, results.get(blocker.after)!);
              finish(node, result, true);
              options.onFinish?.(node, result);
              progressed = true;
              continue;
            }
            if (running >= limit) continue;
            started.add(i);
            running++;
            options.onStart?.(node);
            options.run(node).then(
              (result) => {
                running--;
                finish(node, result, options.holdsLaterHops(result));
                options.onFinish?.(node, result);
                pump();
              },
              (error: unknown) => {
                running--;
                failure ??= { error };
                pump();
              },
            );
            progressed = true;
          }
        }
      }
      if (running > 0) return;
      if (failure !== null) reject(failure.error);
      else if (results.size === nodes.length) resolve(nodes.map((n) => results.get(n.index)!));
    };
    pump();
  });
}

/** How a node's waits read in a progress line: `after churn dev→test (hop), fraud dev→test (endpoint churn-test)`. */
export const describeWaits = (graph: ReleaseGraph, node: ReleaseNode): string =>
  node.after
    .map((e) => {
      const t = graph.nodes[e.after]!.target;
      const what = e.reason === 'hop' ? 'earlier hop' : e.reason === 'endpoint' ? `same endpoint ${e.via.split('|').pop()}` : 'same lock';
      return `${t.model} ${t.from}→${t.to} (${what})`;
    })
    .join(', ');
