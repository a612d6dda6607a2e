// Pure: the sequence of endpoint configs each strategy moves through, and the comparisons the
// converger uses to tell "already there", "part-way through this rollout" and "drifted".

import type { RolloutStrategy } from '../config/types.js';
import { entityHolds, sameRoutes, settingsHold } from '../endpoint/compare.js';
import type { EndpointConfigSpec, EndpointSettingsSpec, ServedEntitySpec, TrafficRoute } from '../endpoint/serving.js';

import type { EntityTemplate, ExpectedEndpoint, ExpectedEntity, RolloutPhase } from './types.js';
import { phasesAlone, phasesShared } from './strategies/index.js';
import { only, versionLabel } from './traffic.js';

/** `catalog.schema.churn` v4 → `churn-4`, the name Databricks would default to; always set explicitly. */
export const servedEntityName = (entityName: string, version: string): string =>
  `${(entityName.split('.').pop() ?? entityName).replace(/[^A-Za-z0-9_-]/g, '_')}-${version}`;

/** The candidate served entity for one version, from its version-less template. */
export const candidateEntity = (template: EntityTemplate, version: string): ServedEntitySpec => ({
  ...template,
  name: servedEntityName(template.entityName, version),
  entityVersion: version,
});

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

const identityOnly = (e: ExpectedEntity): boolean => e.scaleToZero === undefined;

/**
 * Does the live config hold what the plan saw: the same served versions and traffic, each entity
 * holding the settings the plan saw (unless the scope is traffic only), and the managed endpoint
 * settings as they were?
 */
export function matchesExpected(live: EndpointConfigSpec, expected: ExpectedEndpoint): boolean {
  if (expected.kind === 'absent') return false;
  const ids = (list: readonly { name: string; entityName: string; entityVersion: string }[]) =>
    list.map((e) => JSON.stringify([e.name, e.entityName, e.entityVersion])).sort();
  const a = ids(live.servedEntities);
  const b = ids(expected.servedEntities);
  if (a.length !== b.length || !a.every((k, i) => k === b[i]) || !sameRoutes(live.routes, expected.routes)) return false;
  if (expected.scope === 'traffic') return true;
  const entitiesHold = expected.servedEntities.every(
    (x) => identityOnly(x) || live.servedEntities.some((l) => entityHolds(l, x as ServedEntitySpec)),
  );
  return entitiesHold && settingsHold(live.settings, expected.settings);
}

/** The managed part of live settings: the tag keys and gateway parts `managed` names, as they are now. */
export function managedPart(live: EndpointSettingsSpec | undefined, managed: EndpointSettingsSpec): EndpointSettingsSpec {
  const out: { tags?: Record<string, string>; aiGateway?: EndpointSettingsSpec['aiGateway'] } = {};
  if (managed.tags) {
    // A managed key absent now is recorded absent: the empty string stands for "no such tag".
    out.tags = Object.fromEntries(Object.keys(managed.tags).filter((k) => live?.tags?.[k] !== undefined).map((k) => [k, live!.tags![k]!]));
  }
  if (managed.aiGateway) {
    const g = live?.aiGateway ?? {};
    out.aiGateway = {
      ...(managed.aiGateway.rateLimits !== undefined ? { rateLimits: g.rateLimits ?? [] } : {}),
      ...(managed.aiGateway.usageTracking !== undefined ? { usageTracking: g.usageTracking ?? false } : {}),
      ...(managed.aiGateway.inferenceTable !== undefined ? { inferenceTable: g.inferenceTable ?? null } : {}),
    };
  }
  return out;
}

/**
 * The plan's expectation from a live config (what a planner records): the served entities with
 * everything the server reported about them, the traffic, and the managed settings as they are.
 */
export function expectationOf(
  config: EndpointConfigSpec | null,
  configVersion: number | null = null,
  options: { readonly managed?: EndpointSettingsSpec; readonly scope?: 'all' | 'traffic' } = {},
): ExpectedEndpoint {
  if (!config) return { kind: 'absent' };
  const scope = options.scope ?? 'all';
  return {
    kind: 'config',
    servedEntities: config.servedEntities.map((e) => (scope === 'traffic' ? { name: e.name, entityName: e.entityName, entityVersion: e.entityVersion } : { ...e })),
    routes: config.routes.map((r) => ({ servedEntityName: r.servedEntityName, percent: r.percent })),
    configVersion,
    ...(scope === 'traffic' ? { scope } : options.managed ? { settings: managedPart(config.settings, options.managed) } : {}),
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
