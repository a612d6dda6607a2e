// Pure: the sequence of endpoint configs each strategy moves through, and the comparisons the
// converger uses to tell "already there", "part-way through this rollout" and "drifted".

import type { RolloutStrategy, ServingConfig } from '../config/types.js';
import { sameRoutes } from '../endpoint/compare.js';
import type { EndpointConfigSpec, ServedEntitySpec, TrafficRoute } from '../endpoint/serving.js';

import type { ExpectedEndpoint, RolloutPhase } from './types.js';
import { phasesAlone, phasesShared } from './strategies/index.js';
import { only, versionLabel } from './traffic.js';

/** `catalog.schema.churn` v4 → `churn-4`, the name Databricks would default to; always set explicitly. */
export const servedEntityName = (entityName: string, version: string): string =>
  `${(entityName.split('.').pop() ?? entityName).replace(/[^A-Za-z0-9_-]/g, '_')}-${version}`;

/** The candidate served entity for one environment, from the model's serving config. */
export function candidateEntity(serving: ServingConfig, environment: string, entityName: string, version: string): ServedEntitySpec {
  return {
    name: servedEntityName(entityName, version),
    entityName,
    entityVersion: version,
    workloadSize: serving.workloadSize,
    scaleToZero: serving.scaleToZero[environment] ?? serving.scaleToZeroDefault,
  };
}

/**
 * The configs a strategy moves through from `base` (the endpoint's config when the plan was made;
 * null when the endpoint does not exist yet). The last phase is the end state.
 */
export function phasesFor(strategy: RolloutStrategy, candidate: ServedEntitySpec, base: EndpointConfigSpec | null): RolloutPhase[] {
  const final: RolloutPhase = { label: `100% to ${versionLabel(candidate)}`, config: only(candidate), healthCheck: false, smoke: false, pauseSeconds: 0 };
  const others = base ? base.servedEntities.filter((e) => e.name !== candidate.name) : [];
  // Nothing to share traffic with: every strategy is "serve the candidate".
  if (!base || others.length === 0) return phasesAlone(strategy, final);
  return phasesShared(strategy, {
    candidate,
    base,
    others,
    otherNames: others.map((e) => e.name),
    final,
    withCandidate: (routes: TrafficRoute[]): EndpointConfigSpec => ({ servedEntities: [...others, candidate], routes }),
  });
}

/** Does the live config hold what the plan saw (entity identity and traffic)? */
export function matchesExpected(live: EndpointConfigSpec, expected: ExpectedEndpoint): boolean {
  if (expected.kind === 'absent') return false;
  const ids = (list: readonly { name: string; entityName: string; entityVersion: string }[]) =>
    list.map((e) => JSON.stringify([e.name, e.entityName, e.entityVersion])).sort();
  const a = ids(live.servedEntities);
  const b = ids(expected.servedEntities);
  return a.length === b.length && a.every((k, i) => k === b[i]) && sameRoutes(live.routes, expected.routes);
}

/** The plan's expectation from a live config (what a planner records). */
export function expectationOf(config: EndpointConfigSpec | null, configVersion: number | null = null): ExpectedEndpoint {
  if (!config) return { kind: 'absent' };
  return {
    kind: 'config',
    servedEntities: config.servedEntities.map((e) => ({ name: e.name, entityName: e.entityName, entityVersion: e.entityVersion })),
    routes: config.routes.map((r) => ({ servedEntityName: r.servedEntityName, percent: r.percent })),
    configVersion,
  };
}

export function describeConfig(c: EndpointConfigSpec): string {
  const pct = new Map(c.routes.map((r) => [r.servedEntityName, r.percent]));
  return c.servedEntities.map((e) => `${e.name} (${versionLabel(e)}) ${pct.get(e.name) ?? 0}%`).join(', ') || 'no served entities';
}

export function describeExpected(e: ExpectedEndpoint): string {
  if (e.kind === 'absent') return 'no endpoint';
  const pct = new Map(e.routes.map((r) => [r.servedEntityName, r.percent]));
  const version = e.configVersion ? ` (config version ${e.configVersion})` : '';
  return `${e.servedEntities.map((x) => `${x.name} (${x.entityName} v${x.entityVersion}) ${pct.get(x.name) ?? 0}%`).join(', ')}${version}`;
}
