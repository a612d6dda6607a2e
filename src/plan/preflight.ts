// Pure: the Unity Catalog privileges a promotion plan's pending steps need, on which securables, in
// which workspace (the source's or the destination's). `plan` checks them against the principal's
// effective privileges before anyone merges (src/run/preflight.ts), so a missing CREATE MODEL shows
// in the pull request, not halfway through `promote`.
//
// What each operation needs (SDK catalog.py RegisteredModelsAPI / ModelVersionsAPI docstrings,
// docs/fidelity.md): every model operation USE CATALOG on the catalog and USE SCHEMA on the schema;
// creating a registered model (and a promotion lock, which is one) CREATE MODEL or CREATE FUNCTION
// on the schema; creating versions and moving aliases ownership of the model; tags APPLY TAG or
// ownership; reading a version's files EXECUTE; granting ownership of the model or of its schema or
// catalog, or MANAGE on it.

import type { SecurableType } from '../registry/ports.js';
import type { PromotionReport, TargetPlan } from './types.js';

/** `OWNER`: ownership of the securable; `PARENT_OWNER`: ownership of its schema or catalog. */
export type Need = string;

export interface Requirement {
  readonly side: 'source' | 'destination';
  readonly type: SecurableType;
  /** Full name: `cat`, `cat.schema`, `cat.schema.model`. */
  readonly name: string;
  /** Any one of these suffices (ALL_PRIVILEGES always does). */
  readonly anyOf: readonly Need[];
  /** What needs it, for the message. */
  readonly why: string;
}

const parts = (model: string): [string, string] => {
  const [c = '', s = ''] = model.split('.');
  return [c, `${c}.${s}`];
};

/** What of a plan the preflight reads: the destination model and the steps. */
export type PlanShape = { readonly destination: Pick<TargetPlan['destination'], 'model'>; readonly steps: readonly Pick<TargetPlan['steps'][number], 'id' | 'spec'>[] };

/** The privileges the plan's pending steps need (nothing when every step is already done). */
export function requirementsOf(plan: PlanShape, report: Pick<PromotionReport, 'steps'>): Requirement[] {
  const pending = new Set(report.steps.filter((s) => s.status === 'pending' || s.status === 'failed').map((s) => s.id));
  if (pending.size === 0) return [];
  const out: Requirement[] = [];
  const add = (r: Requirement): void => {
    const same = out.find((x) => x.side === r.side && x.type === r.type && x.name === r.name && x.anyOf.join() === r.anyOf.join());
    if (!same) out.push(r);
  };
  const dest = plan.destination.model;
  const [destCatalog, destSchema] = parts(dest);
  add({ side: 'destination', type: 'catalog', name: destCatalog, anyOf: ['USE_CATALOG', 'OWNER'], why: 'every operation on its models' });
  add({ side: 'destination', type: 'schema', name: destSchema, anyOf: ['USE_SCHEMA', 'OWNER'], why: 'every operation on its models' });
  // The promotion lock is a registered model in the destination schema (docs/unity-catalog.md, Locks).
  add({ side: 'destination', type: 'schema', name: destSchema, anyOf: ['CREATE_MODEL', 'CREATE_FUNCTION', 'OWNER'], why: 'the promotion lock (a registered model in this schema)' });
  for (const step of plan.steps) {
    if (!pending.has(step.id)) continue;
    const s = step.spec;
    switch (s.kind) {
      case 'ensure-model':
        add({ side: 'destination', type: 'schema', name: destSchema, anyOf: ['CREATE_MODEL', 'CREATE_FUNCTION', 'OWNER'], why: `creating registered model ${dest}` });
        break;
      case 'copy-version': {
        const [srcCatalog, srcSchema] = parts(s.from.name);
        add({ side: 'source', type: 'catalog', name: srcCatalog, anyOf: ['USE_CATALOG', 'OWNER'], why: `reading ${s.from.name}` });
        add({ side: 'source', type: 'schema', name: srcSchema, anyOf: ['USE_SCHEMA', 'OWNER'], why: `reading ${s.from.name}` });
        add({ side: 'source', type: 'function', name: s.from.name, anyOf: ['EXECUTE', 'OWNER'], why: `reading the files of ${s.from.name} v${s.from.version}` });
        add({ side: 'destination', type: 'function', name: dest, anyOf: ['OWNER'], why: `creating a version of ${dest}` });
        break;
      }
      case 'set-tags':
      case 'record-previous-champion':
        add({ side: 'destination', type: 'function', name: s.target.name, anyOf: ['APPLY_TAG', 'OWNER'], why: 'the journal tags' });
        break;
      case 'move-alias':
        add({ side: 'destination', type: 'function', name: s.model, anyOf: ['OWNER'], why: `moving alias "${s.alias}"` });
        break;
      case 'ensure-grants':
        add({ side: 'destination', type: 'function', name: s.model, anyOf: ['MANAGE', 'OWNER', 'PARENT_OWNER'], why: 'granting privileges on it' });
        break;
      default:
        break;
    }
  }
  return out;
}

/** `CREATE_MODEL` → `CREATE MODEL`. */
export const privilegeText = (p: string): string => p.replace(/_/g, ' ');

/** "CREATE MODEL or CREATE FUNCTION on ml_prod.models", "ownership of ml_prod.models.churn". */
export function describeNeed(r: Requirement): string {
  const privileges = r.anyOf.filter((n) => n !== 'OWNER' && n !== 'PARENT_OWNER').map(privilegeText);
  const owner = r.anyOf.includes('OWNER');
  if (privileges.length === 0) return `ownership of ${r.name}`;
  return `${privileges.join(' or ')} on ${r.name}${owner && r.type === 'function' && privileges.length > 0 ? ' (or its ownership)' : ''}`;
}
