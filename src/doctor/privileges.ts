// The Unity Catalog privileges plan and promote need, and how an effective-permissions answer
// (GET /api/2.1/unity-catalog/effective-permissions/{securable_type}/{full_name}) meets them.
// Sources: databricks-sdk catalog.py RegisteredModelsAPI (:19133-19145: USE_CATALOG + USE_SCHEMA
// for any model operation, CREATE_MODEL on the schema to create one, APPLY_TAG on the model for
// its tags, EXECUTE to read metadata and version files; ownership to create versions and set
// aliases) and the securable type of a registered model, `function` (:19147-19148).

import type { Answer, DoctorCheck } from './types.js';
import { describeFailure } from './types.js';

export type Securable = 'catalog' | 'schema' | 'function';

/** What an environment is for one model: read from (the candidate's side), promoted into, or both. */
export interface ModelRoles {
  readonly source: boolean;
  readonly destination: boolean;
}

export interface Requirement {
  readonly securable: Securable;
  readonly name: string;
  readonly privilege: string;
  /** Which command needs it, and for what. */
  readonly why: string;
}

/** The privileges one environment needs, for the models it holds in their roles. */
export function requiredPrivileges(catalog: string, schema: string, models: readonly { readonly name: string; readonly roles: ModelRoles }[]): Requirement[] {
  const out: Requirement[] = [];
  const add = (r: Requirement): void => {
    if (!out.some((x) => x.securable === r.securable && x.name === r.name && x.privilege === r.privilege)) out.push(r);
  };
  const full = `${catalog}.${schema}`;
  if (models.length > 0) {
    add({ securable: 'catalog', name: catalog, privilege: 'USE_CATALOG', why: 'plan and promote: any model operation' });
    add({ securable: 'schema', name: full, privilege: 'USE_SCHEMA', why: 'plan and promote: any model operation' });
  }
  for (const m of models) {
    if (m.roles.source) add({ securable: 'function', name: m.name, privilege: 'EXECUTE', why: 'plan: read versions, tags and model files' });
    if (m.roles.destination) {
      add({ securable: 'schema', name: full, privilege: 'CREATE_MODEL', why: 'promote: create the model (copy mode) and the promotion lock models' });
      add({ securable: 'function', name: m.name, privilege: 'EXECUTE', why: 'promote: read versions and model files' });
      add({ securable: 'function', name: m.name, privilege: 'APPLY_TAG', why: 'promote: write the journal tags' });
    }
  }
  return out;
}

export interface EffectivePermissions {
  readonly privilege_assignments?: readonly {
    readonly principal?: string;
    readonly privileges?: readonly { readonly privilege?: string; readonly inherited_from_type?: string; readonly inherited_from_name?: string }[];
  }[];
}

/**
 * The privileges the answer grants any of `principals` (the caller and its groups: a grant through
 * a group counts whether the server lists it under the group or under the caller).
 * ALL_PRIVILEGES stands for every one.
 */
export const granted = (body: EffectivePermissions, principals: readonly string[]): Set<string> => {
  const out = new Set<string>();
  for (const a of body.privilege_assignments ?? []) {
    if (a.principal !== undefined && !principals.includes(a.principal)) continue;
    for (const p of a.privileges ?? []) if (p.privilege) out.add(p.privilege.toUpperCase().replace(/ /g, '_'));
  }
  return out;
};

const quote = (name: string): string =>
  name
    .split('.')
    .map((p) => `\`${p}\``)
    .join('.');

const grantStatement = (r: Requirement, principal: string): string =>
  `GRANT ${r.privilege.replace(/_/g, ' ')} ON ${r.securable === 'function' ? 'MODEL' : r.securable.toUpperCase()} ${quote(r.name)} TO \`${principal}\``;

/**
 * One row per securable: pass when every privilege needed there is granted (or the principal owns
 * it), fail naming the missing ones with the GRANT that gives them, warn when the answer could not
 * be read (the privileges are then unknown, not missing).
 */
export function privilegeChecks(
  environment: string,
  principal: string,
  groups: readonly string[],
  requirements: readonly Requirement[],
  answers: ReadonlyMap<string, Answer<EffectivePermissions>>,
  owners: ReadonlyMap<string, string | null>,
): DoctorCheck[] {
  const bySecurable = new Map<string, Requirement[]>();
  for (const r of requirements) bySecurable.set(`${r.securable}/${r.name}`, [...(bySecurable.get(`${r.securable}/${r.name}`) ?? []), r]);
  const rows: DoctorCheck[] = [];
  for (const [key, reqs] of bySecurable) {
    const { securable, name } = reqs[0]!;
    const check = `privileges on ${securable === 'function' ? 'model' : securable} ${name}`;
    const needed = [...new Set(reqs.map((r) => r.privilege))];
    const owner = owners.get(key) ?? null;
    if (owner !== null && (owner === principal || groups.includes(owner))) {
      rows.push({ environment, check, status: 'pass', detail: `${owner === principal ? principal : `${principal}'s group ${owner}`} owns it (an owner holds every privilege): ${needed.join(', ')}`, fix: null });
      continue;
    }
    const answer = answers.get(key);
    if (!answer || !answer.ok) {
      rows.push({
        environment,
        check,
        status: 'warn',
        detail: `effective permissions could not be read (${answer ? describeFailure(answer) : 'not asked'}); needed: ${needed.join(', ')}`,
        fix: `check by hand that ${principal} has ${needed.join(', ')} on ${name} (or owns it): SHOW GRANTS \`${principal}\` ON ${securable === 'function' ? 'MODEL' : securable.toUpperCase()} ${quote(name)}`,
      });
      continue;
    }
    const have = granted(answer.body, [principal, ...groups]);
    const missing = have.has('ALL_PRIVILEGES') ? [] : reqs.filter((r) => !have.has(r.privilege));
    if (missing.length === 0) {
      rows.push({ environment, check, status: 'pass', detail: `${principal} has ${needed.join(', ')}${have.has('ALL_PRIVILEGES') ? ' (ALL_PRIVILEGES)' : ''}`, fix: null });
    } else {
      rows.push({
        environment,
        check,
        status: 'fail',
        detail: `${principal} lacks ${missing.map((r) => `${r.privilege} (${r.why})`).join('; ')}${owner ? `; the owner is ${owner}` : ''}`,
        fix: [...new Set(missing.map((r) => grantStatement(r, principal)))].join('; '),
      });
    }
  }
  return rows;
}
