// Config content comparison shared by the client (was my update already applied?), the rollout
// strategies (already there? part-way? drifted?) and the rollback (restored?).
//
// Comparisons are one-way: does the LIVE endpoint hold what is WANTED? A field the wanted config
// leaves out is not compared (the server's default holds). A field the server did not report is
// taken on trust where its echo is not documented (environment variables, instance profile:
// docs/fidelity.md); identity, scale to zero and the sizing mode are always compared.

import type { AiGatewaySpec, EndpointConfigSpec, EndpointSettingsSpec, RateLimitSpec, ServedEntitySpec, TrafficRoute } from './serving.js';

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

const sameMap = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
};

/** Same served model (name, entity, version). */
export const sameIdentity = (a: ServedEntitySpec, b: ServedEntitySpec): boolean =>
  a.name === b.name && a.entityName === b.entityName && a.entityVersion === b.entityVersion;

/** Which entity fields differ between live and wanted (those `entityHolds` compares), by wire name. */
export function entityDifferences(live: ServedEntitySpec, wanted: ServedEntitySpec): string[] {
  const out: string[] = [];
  if (live.scaleToZero !== wanted.scaleToZero) out.push('scale_to_zero_enabled');
  if (wanted.workloadSize !== null) {
    if (live.workloadSize !== wanted.workloadSize) out.push('workload_size');
  } else {
    const liveHasBounds = live.minProvisionedConcurrency !== undefined || live.maxProvisionedConcurrency !== undefined;
    if (!liveHasBounds && live.workloadSize !== null) out.push('workload_size');
    if (liveHasBounds && (live.minProvisionedConcurrency !== wanted.minProvisionedConcurrency || live.maxProvisionedConcurrency !== wanted.maxProvisionedConcurrency)) {
      out.push('provisioned_concurrency');
    }
  }
  // workload_type: the server answers CPU when none was sent (a backend default).
  if (wanted.workloadType !== undefined && (live.workloadType ?? 'CPU') !== wanted.workloadType) out.push('workload_type');
  if (
    (wanted.minProvisionedThroughput !== undefined || wanted.maxProvisionedThroughput !== undefined) &&
    (live.minProvisionedThroughput !== wanted.minProvisionedThroughput || live.maxProvisionedThroughput !== wanted.maxProvisionedThroughput)
  ) {
    out.push('provisioned_throughput');
  }
  if (wanted.environmentVars !== undefined && live.environmentVars !== undefined && !sameMap(live.environmentVars, wanted.environmentVars)) out.push('environment_vars');
  if (wanted.instanceProfileArn !== undefined && live.instanceProfileArn !== undefined && live.instanceProfileArn !== wanted.instanceProfileArn) out.push('instance_profile_arn');
  return out;
}

/** Does the live entity hold what `wanted` asks of it? */
export const entityHolds = (live: ServedEntitySpec, wanted: ServedEntitySpec): boolean => sameIdentity(live, wanted) && entityDifferences(live, wanted).length === 0;

const normalLimit = (r: RateLimitSpec): string =>
  JSON.stringify([r.key || 'endpoint', r.principal ?? null, r.calls ?? null, r.tokens ?? null, r.renewalPeriod]);

/** Same rate limits, in any order. */
export const sameRateLimits = (a: readonly RateLimitSpec[], b: readonly RateLimitSpec[]): boolean => {
  const x = a.map(normalLimit).sort();
  const y = b.map(normalLimit).sort();
  return x.length === y.length && x.every((k, i) => k === y[i]);
};

/** A gateway with nothing configured (what an endpoint without `ai_gateway` has). */
export const EMPTY_GATEWAY: Required<Omit<AiGatewaySpec, 'extra'>> = { rateLimits: [], usageTracking: false, inferenceTable: null };

/**
 * Which AI Gateway parts differ (rate_limits, usage_tracking_config, inference_table_config; for a
 * whole state, the unmanaged rest too). A part the wanted gateway leaves out is not compared.
 */
export function gatewayDifferences(live: AiGatewaySpec | null, wanted: AiGatewaySpec, whole = false): string[] {
  const l = { ...EMPTY_GATEWAY, ...(live ?? {}) };
  const w = whole ? { ...EMPTY_GATEWAY, ...wanted } : wanted;
  const out: string[] = [];
  if (w.rateLimits !== undefined && !sameRateLimits(l.rateLimits, w.rateLimits)) out.push('rate_limits');
  if (w.usageTracking !== undefined && l.usageTracking !== w.usageTracking) out.push('usage_tracking_config');
  if (w.inferenceTable !== undefined) {
    const lt = l.inferenceTable?.enabled ? l.inferenceTable : null;
    const wt = w.inferenceTable?.enabled ? w.inferenceTable : null;
    if ((lt === null) !== (wt === null) || (lt && wt && (lt.catalog !== wt.catalog || lt.schema !== wt.schema || lt.prefix !== wt.prefix))) out.push('inference_table_config');
  }
  if (whole && JSON.stringify(l.extra ?? {}) !== JSON.stringify(w.extra ?? {})) out.push(...Object.keys({ ...(l.extra ?? {}), ...(w.extra ?? {}) }));
  return out;
}

/** Tag keys whose live value is not the wanted one (a whole state also lists live keys it does not have). */
export function tagDifferences(live: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>, whole = false): string[] {
  const out = Object.keys(wanted).filter((k) => live[k] !== wanted[k]);
  if (whole) for (const k of Object.keys(live)) if (!(k in wanted)) out.push(k);
  return out.sort();
}

/**
 * Do the live settings hold the wanted ones? Desired settings manage only what they name (their
 * tag keys, the gateway if given); `whole` settings (an endpoint's saved state) must match exactly.
 */
export function settingsHold(live: EndpointSettingsSpec | undefined, wanted: EndpointSettingsSpec | undefined, whole = false): boolean {
  if (!wanted) return true;
  const tags = live?.tags ?? {};
  if (wanted.tags && tagDifferences(tags, wanted.tags, whole).length > 0) return false;
  if (wanted.aiGateway && gatewayDifferences(live?.aiGateway ?? null, wanted.aiGateway, whole).length > 0) return false;
  if (whole && !wanted.aiGateway && live?.aiGateway && gatewayDifferences(null, live.aiGateway, true).length > 0) return false;
  return true;
}

/**
 * Does the live config hold the wanted one: the same entities (each holding what is asked of it),
 * the same traffic, and (when the wanted config carries them) the settings?
 */
export function sameConfig(live: EndpointConfigSpec, wanted: EndpointConfigSpec, options: { readonly whole?: boolean } = {}): boolean {
  if (live.servedEntities.length !== wanted.servedEntities.length) return false;
  const holds = wanted.servedEntities.every((w) => live.servedEntities.some((l) => entityHolds(l, w)));
  return holds && sameRoutes(live.routes, wanted.routes) && settingsHold(live.settings, wanted.settings, options.whole ?? false);
}
