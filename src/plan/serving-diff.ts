// Pure: what a serving rollout changes, field by field, for the plan report: the new version's
// served entity against the one of the same model it replaces (as the plan saw it), and the
// endpoint settings (tags, AI Gateway) against their values then. Environment variable values are
// shown only when they are secret references or plainly not secrets; a literal that looks like a
// secret is never printed.

import { secretLikeReason, SECRET_REFERENCE } from '../config/serving.js';
import { sameRateLimits } from '../endpoint/compare.js';
import type { AiGatewaySpec, EndpointConfigSpec, RateLimitSpec, ServedEntitySpec } from '../endpoint/serving.js';
import { replacedEntity } from './serving.js';
import type { StepSpec } from './types.js';

export interface ServingChange {
  /** `workload_size`, `environment_vars.API_TOKEN`, `tags.team`, `ai_gateway.rate_limits`… */
  readonly field: string;
  readonly now: string;
  readonly after: string;
}

const NONE = '—';

const sizing = (e: Partial<ServedEntitySpec> | null): { field: string; text: string } => {
  if (!e) return { field: 'workload_size', text: NONE };
  if (e.workloadSize === null || (e.workloadSize === undefined && e.maxProvisionedConcurrency !== undefined)) {
    return { field: 'provisioned_concurrency', text: `${e.minProvisionedConcurrency ?? '?'}-${e.maxProvisionedConcurrency ?? '?'}` };
  }
  return { field: 'workload_size', text: e.workloadSize ?? NONE };
};

/** An environment variable's value as it may be printed. */
export const shownValue = (name: string, value: string | undefined): string => {
  if (value === undefined) return NONE;
  if (SECRET_REFERENCE.test(value)) return value;
  return secretLikeReason(name, value) ? '(a literal that looks like a secret, not shown)' : value;
};

const limitText = (r: RateLimitSpec): string =>
  `${[r.calls !== undefined ? `${r.calls} calls` : '', r.tokens !== undefined ? `${r.tokens} tokens` : ''].filter(Boolean).join(' + ')}/min per ${r.key}${r.principal ? ` ${r.principal}` : ''}`;
const limitsText = (rs: readonly RateLimitSpec[] | undefined): string => (rs === undefined ? NONE : rs.length === 0 ? 'none' : rs.map(limitText).join('; '));

const tableText = (t: AiGatewaySpec['inferenceTable']): string => (t === undefined ? NONE : t?.enabled ? `${t.catalog}.${t.schema}.${t.prefix}*` : 'off');

/** The field-by-field changes of a serving-rollout step (empty for any other step). */
export function servingChanges(spec: StepSpec): ServingChange[] {
  if (spec.kind !== 'serving-rollout') return [];
  const out: ServingChange[] = [];
  const add = (field: string, now: string, after: string): void => {
    if (now !== after) out.push({ field, now, after });
  };
  const expected = spec.expected;
  const seen: EndpointConfigSpec | null =
    expected.kind === 'config' && expected.scope !== 'traffic'
      ? { servedEntities: expected.servedEntities as ServedEntitySpec[], routes: expected.routes }
      : null;
  const was = replacedEntity(seen, spec.entity.entityName);
  const after = spec.entity;
  if (spec.owner === 'bundle') return out;

  add('workload_type', was ? (was.workloadType ?? 'CPU') : NONE, after.workloadType ?? (was ? (was.workloadType ?? 'CPU') : 'CPU'));
  const s0 = sizing(was);
  const s1 = sizing(after);
  if (s0.field === s1.field) add(s1.field, s0.text, s1.text);
  else {
    add(s0.field, s0.text, NONE);
    add(s1.field, NONE, s1.text);
  }
  add('scale_to_zero', was ? String(was.scaleToZero) : NONE, String(after.scaleToZero));
  const tp = (e: Partial<ServedEntitySpec> | null): string =>
    e && (e.minProvisionedThroughput !== undefined || e.maxProvisionedThroughput !== undefined) ? `${e.minProvisionedThroughput ?? '?'}-${e.maxProvisionedThroughput ?? '?'} tokens/s` : NONE;
  add('provisioned_throughput', tp(was), tp(after));
  add('instance_profile_arn', was?.instanceProfileArn ?? NONE, after.instanceProfileArn ?? NONE);
  const names = [...new Set([...Object.keys(was?.environmentVars ?? {}), ...Object.keys(after.environmentVars ?? {})])].sort();
  for (const name of names) add(`environment_vars.${name}`, shownValue(name, was?.environmentVars?.[name]), shownValue(name, after.environmentVars?.[name]));

  const settings = spec.settings;
  const then = expected.kind === 'config' ? expected.settings : undefined;
  for (const key of Object.keys(settings.tags ?? {}).sort()) add(`tags.${key}`, then?.tags?.[key] ?? NONE, settings.tags![key]!);
  const g = settings.aiGateway;
  if (g) {
    const old = then?.aiGateway;
    if (g.rateLimits !== undefined && !(old?.rateLimits && sameRateLimits(old.rateLimits, g.rateLimits))) add('ai_gateway.rate_limits', limitsText(old?.rateLimits), limitsText(g.rateLimits));
    if (g.usageTracking !== undefined) add('ai_gateway.usage_tracking', old?.usageTracking === undefined ? NONE : String(old.usageTracking), String(g.usageTracking));
    if (g.inferenceTable !== undefined) add('ai_gateway.inference_table', tableText(old?.inferenceTable), tableText(g.inferenceTable));
  }
  return out;
}
