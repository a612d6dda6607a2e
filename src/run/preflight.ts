// The permission preflight of `plan`: for each target whose promotion was planned into Unity
// Catalog, what its pending steps need (src/plan/preflight.ts) is checked against the effective
// privileges and ownerships of the principal each workspace's credentials act as (and its groups).
// A missing one is a blocking `permissions` gate on the target: "promote would fail: the principal
// deployer@example.com lacks CREATE MODEL on ml_prod.models". A check that cannot be made (the
// permissions cannot be read) is a warning, never a pass in disguise.

import type { Config } from '../config/types.js';
import type { GateReport } from '../policy/types.js';
import { worst } from '../policy/outcome.js';
import { describeNeed, requirementsOf, type Requirement } from '../plan/preflight.js';
import type { PermissionReader } from '../registry/ports.js';
import type { TargetReport } from '../result/types.js';

export const PERMISSIONS_GATE = 'permissions';

export interface PreflightDeps {
  /** The permission reader of an environment (Unity Catalog), or undefined. */
  readonly permissionsFor?: (config: Config, envName: string) => PermissionReader | undefined;
}

interface Outcome {
  readonly missing: { readonly requirement: Requirement; readonly principal: string }[];
  readonly unchecked: string[];
}

async function check(requirements: readonly Requirement[], readers: { source?: PermissionReader; destination?: PermissionReader }): Promise<Outcome> {
  const missing: Outcome['missing'] = [];
  const unchecked: string[] = [];
  const who = new Map<string, Promise<{ principal: string; groups: readonly string[] }>>();
  for (const r of requirements) {
    const reader = readers[r.side];
    if (!reader) continue;
    try {
      const whoPromise = who.get(r.side) ?? reader.whoAmI();
      who.set(r.side, whoPromise);
      const me = await whoPromise;
      const principals = [me.principal, ...me.groups];
      const owner = await reader.owner(r.type, r.name);
      if (owner === null) {
        // A model this promotion creates is owned by its creator; a missing catalog or schema is an error of its own.
        if (r.type === 'function') continue;
        missing.push({ requirement: { ...r, anyOf: ['EXISTS'], why: `${r.type} ${r.name} does not exist` }, principal: me.principal });
        continue;
      }
      if (r.anyOf.includes('OWNER') && principals.includes(owner)) continue;
      if (r.anyOf.includes('PARENT_OWNER')) {
        const [c, s] = r.name.split('.');
        const parents = [await reader.owner('catalog', c!), await reader.owner('schema', `${c}.${s}`)];
        if (parents.some((p) => p !== null && principals.includes(p))) continue;
      }
      const have = await reader.effective(r.type, r.name, principals);
      if (have.has('ALL_PRIVILEGES') || r.anyOf.some((p) => have.has(p))) continue;
      missing.push({ requirement: r, principal: me.principal });
    } catch (e) {
      unchecked.push(`${describeNeed(r)}: ${(e as Error).message}`);
    }
  }
  return { missing, unchecked };
}

const gate = (outcome: 'fail' | 'warn', message: string, measured: Record<string, string>, threshold: Record<string, string>): GateReport => ({
  id: PERMISSIONS_GATE,
  type: PERMISSIONS_GATE,
  policy: 'mlops-gate',
  severity: outcome === 'fail' ? 'fail' : 'warn',
  outcome,
  rawOutcome: outcome,
  message,
  measured,
  threshold,
  waiver: null,
});

const sentence = (m: Outcome['missing'][number]): string =>
  m.requirement.anyOf[0] === 'EXISTS' ? `${m.requirement.why}` : `the principal ${m.principal} lacks ${describeNeed(m.requirement)} (needed for ${m.requirement.why})`;

/** The target with a `permissions` gate when its plan needs privileges the principal lacks (or could not be checked). */
export async function withPreflight(config: Config, target: TargetReport, deps: PreflightDeps): Promise<TargetReport> {
  const report = target.plan;
  if (!report || report.status !== 'planned' || !report.destination || !deps.permissionsFor) return target;
  const plan = { destination: { model: report.destination.model }, steps: report.steps.map((s) => ({ id: s.id, spec: s.spec })) };
  const destination = deps.permissionsFor(config, target.to);
  if (!destination) return target;
  const source = deps.permissionsFor(config, target.from);
  const requirements = requirementsOf(plan, target.plan);
  if (requirements.length === 0) return target;
  const { missing, unchecked } = await check(requirements, { destination, ...(source ? { source } : {}) });
  const gates: GateReport[] = [];
  if (missing.length > 0) {
    gates.push(
      gate(
        'fail',
        `promote would fail: ${missing.map(sentence).join('; ')}`,
        { missing: missing.map((m) => (m.requirement.anyOf[0] === 'EXISTS' ? m.requirement.name : describeNeed(m.requirement))).join('; ') },
        { checked: `${requirements.length} privilege(s) on ${target.to}${source ? ` and ${target.from}` : ''}` },
      ),
    );
  } else if (unchecked.length > 0) {
    gates.push(gate('warn', `the privileges promote needs could not all be checked: ${unchecked.join('; ')}`, { unchecked: String(unchecked.length) }, { checked: `${requirements.length} privilege(s)` }));
  }
  if (gates.length === 0) return target;
  const verdict = worst([target.verdict, ...gates.map((g) => g.outcome)]);
  const summary = missing.length > 0 ? `blocked: promote would fail for want of privileges (${missing.length})` : target.summary;
  return { ...target, gates: [...gates, ...target.gates], verdict, summary };
}
