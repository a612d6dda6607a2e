// Pure: the sequence of endpoint configs each strategy moves through, and the comparisons the
// converger uses to tell "already there", "part-way through this rollout" and "drifted".

import type { RolloutStrategy, ServingConfig } from '../config/types.js';
import { sameConfig, sameRoutes } from '../endpoint/compare.js';
import type { EndpointConfigSpec, ServedEntitySpec, TrafficRoute } from '../endpoint/serving.js';

export { sameConfig };
import type { ExpectedEndpoint, RolloutPhase } from './types.js';

const v = (e: ServedEntitySpec): string => `${e.entityName} v${e.entityVersion}`;

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
 * Splits `100 - candidatePercent` over the other routes in proportion to their current share
 * (largest remainder, so integers still sum to 100).
 */
export function splitTraffic(others: readonly TrafficRoute[], otherNames: readonly string[], candidate: string, candidatePercent: number): TrafficRoute[] {
  const rest = 100 - candidatePercent;
  const weights = otherNames.map((name) => others.find((r) => r.servedEntityName === name)?.percent ?? 0);
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = total > 0 ? weights.map((w) => (w * rest) / total) : otherNames.map((_, i) => (i === 0 ? rest : 0));
  const floors = shares.map(Math.floor);
  let left = rest - floors.reduce((a, b) => a + b, 0);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return [...otherNames.map((name, i) => ({ servedEntityName: name, percent: floors[i]! })), { servedEntityName: candidate, percent: candidatePercent }];
}

const only = (candidate: ServedEntitySpec): EndpointConfigSpec => ({
  servedEntities: [candidate],
  routes: [{ servedEntityName: candidate.name, percent: 100 }],
});

/**
 * The configs a strategy moves through from `base` (the endpoint's config when the plan was made;
 * null when the endpoint does not exist yet). The last phase is the end state.
 */
export function phasesFor(strategy: RolloutStrategy, candidate: ServedEntitySpec, base: EndpointConfigSpec | null): RolloutPhase[] {
  const final: RolloutPhase = { label: `100% to ${v(candidate)}`, config: only(candidate), healthCheck: false, smoke: false, pauseSeconds: 0 };
  const others = base ? base.servedEntities.filter((e) => e.name !== candidate.name) : [];
  if (!base || others.length === 0) {
    // Nothing to share traffic with: every strategy is "serve the candidate".
    return [{ ...final, smoke: strategy.kind === 'blue_green' && strategy.smokeRequest }];
  }
  const otherNames = others.map((e) => e.name);
  const withCandidate = (routes: TrafficRoute[]): EndpointConfigSpec => ({ servedEntities: [...others, candidate], routes });
  switch (strategy.kind) {
    case 'replace':
      return [final];
    case 'canary': {
      const steps = strategy.steps.filter((s) => s < 100);
      return [
        ...steps.map(
          (s): RolloutPhase => ({
            label: `canary ${s}% to ${v(candidate)}`,
            config: withCandidate(splitTraffic(base.routes, otherNames, candidate.name, s)),
            healthCheck: true,
            smoke: false,
            pauseSeconds: strategy.pauseSeconds,
          }),
        ),
        final,
      ];
    }
    case 'blue_green':
      return [
        {
          label: `deploy ${v(candidate)} at 0%`,
          config: withCandidate(splitTraffic(base.routes, otherNames, candidate.name, 0)),
          healthCheck: false,
          smoke: false,
          pauseSeconds: 0,
        },
        {
          // The old version stays deployed at 0%: switching back is one fast traffic change.
          label: `switch 100% to ${v(candidate)} (previous kept at 0%)`,
          config: withCandidate(otherNames.map((n) => ({ servedEntityName: n, percent: 0 })).concat({ servedEntityName: candidate.name, percent: 100 })),
          healthCheck: false,
          smoke: strategy.smokeRequest,
          pauseSeconds: 0,
        },
        { ...final, label: `remove the previous version, ${v(candidate)} only` },
      ];
    case 'ab': {
      const p = Math.max(0, Math.min(100, Math.round(strategy.candidatePercent)));
      if (p === 100) return [final];
      return [
        {
          label: `A/B split ${100 - p}/${p} with ${v(candidate)}`,
          config: withCandidate(splitTraffic(base.routes, otherNames, candidate.name, p)),
          healthCheck: false,
          smoke: false,
          pauseSeconds: 0,
        },
      ];
    }
  }
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
  return c.servedEntities.map((e) => `${e.name} (${v(e)}) ${pct.get(e.name) ?? 0}%`).join(', ') || 'no served entities';
}

export function describeExpected(e: ExpectedEndpoint): string {
  if (e.kind === 'absent') return 'no endpoint';
  const pct = new Map(e.routes.map((r) => [r.servedEntityName, r.percent]));
  const version = e.configVersion ? ` (config version ${e.configVersion})` : '';
  return `${e.servedEntities.map((x) => `${x.name} (${x.entityName} v${x.entityVersion}) ${pct.get(x.name) ?? 0}%`).join(', ')}${version}`;
}
