// Config content comparison shared by the client (was my update already applied?) and the
// rollout strategies (already there? part-way? drifted?).

import type { EndpointConfigSpec, ServedEntitySpec, TrafficRoute } from './serving.js';

const entityKey = (e: ServedEntitySpec): string => JSON.stringify([e.name, e.entityName, e.entityVersion, e.workloadSize, e.scaleToZero]);

/** A route at 0% and no route at all send the same traffic; the entity lists carry the difference. */
const routeMap = (routes: readonly TrafficRoute[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const r of routes) if (r.percent !== 0) m.set(r.servedEntityName, r.percent);
  return m;
};

export const sameRoutes = (a: readonly TrafficRoute[], b: readonly TrafficRoute[]): boolean => {
  const ma = routeMap(a);
  const mb = routeMap(b);
  return ma.size === mb.size && [...ma].every(([k, p]) => mb.get(k) === p);
};

/** Same entities (with the workload settings we manage) and the same traffic. */
export function sameConfig(a: EndpointConfigSpec, b: EndpointConfigSpec): boolean {
  const ka = a.servedEntities.map(entityKey).sort();
  const kb = b.servedEntities.map(entityKey).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]) && sameRoutes(a.routes, b.routes);
}
