// Unity Catalog permissions: direct grants (`/api/2.1/unity-catalog/permissions/{type}/{full_name}`,
// GET and PATCH), effective privileges with inheritance from the parent schema and catalog
// (`/api/2.1/unity-catalog/effective-permissions/{type}/{full_name}`), group membership (answered by
// SCIM Me), metastore admins, and (when the seed turns it on) enforcement of the privileges a
// promotion needs (exported `authorize`, called by the registry and files modules).
//
// Securable types are lower-case in paths; a registered model is a `function` ("The securable type
// for models is FUNCTION", SDK catalog.py). Ownership is not a privilege: the owner of an object
// holds every privilege on it; the owner of a parent schema or catalog may grant on it (manage) but
// holds no privilege on it by that alone.

import type { EmulatorContext, EmulatorModule, EmulatorRequest, RouteTable, Workspace } from '../types.js';
import { DatabricksApiError } from '../types.js';
import { invalidParameter, notFound, optString, slice } from '../core/helpers.js';

export const PERMISSIONS_MODULE = 'permissions';

/** SDK catalog.py `Privilege` (the ones promotions and grants use, and their relatives). */
export const PRIVILEGES = new Set([
  'ALL_PRIVILEGES',
  'APPLY_TAG',
  'CREATE_CATALOG',
  'CREATE_FUNCTION',
  'CREATE_MODEL',
  'CREATE_SCHEMA',
  'CREATE_TABLE',
  'CREATE_VOLUME',
  'EXECUTE',
  'MANAGE',
  'MODIFY',
  'READ_VOLUME',
  'REFRESH',
  'SELECT',
  'USE_CATALOG',
  'USE_SCHEMA',
  'WRITE_VOLUME',
]);

const TYPES = new Set(['catalog', 'schema', 'function']);

export interface PermissionsState {
  /** Refuse what the caller lacks the privileges for (default off: every principal may do everything). */
  enforce: boolean;
  /** principal → the groups it belongs to. */
  groups: Record<string, string[]>;
  /** Metastore admins: may do everything. */
  admins: string[];
  /** `<type>:<full name, lower-case>` → principal → privileges. */
  grants: Record<string, Record<string, string[]>>;
}

const initState = (): PermissionsState => ({ enforce: false, groups: {}, admins: [], grants: {} });

const stateOf = (ws: Workspace): PermissionsState | undefined => slice<PermissionsState | undefined>(ws, PERMISSIONS_MODULE);

/** The groups a principal is in (SCIM Me answers them). */
export const groupsOf = (ws: Workspace, principal: string): string[] => stateOf(ws)?.groups[principal] ?? [];

const keyOf = (type: string, name: string): string => `${type}:${name.toLowerCase()}`;

/** The securable and its ancestors, nearest first: function c.s.m → schema c.s → catalog c. */
const lineage = (type: string, name: string): { type: string; name: string }[] => {
  const parts = name.toLowerCase().split('.');
  const out = [{ type, name: name.toLowerCase() }];
  if (type === 'function' && parts.length === 3) out.push({ type: 'schema', name: `${parts[0]}.${parts[1]}` });
  if ((type === 'function' && parts.length === 3) || (type === 'schema' && parts.length === 2)) out.push({ type: 'catalog', name: parts[0]! });
  return out;
};

type Json = Record<string, unknown>;
const catalogState = (ws: Workspace) => ws.state.catalog as { catalogs: Record<string, { owner: string }>; schemas: Record<string, { owner: string }> } | undefined;
const registryModels = (ws: Workspace) => (ws.state.registry as { models?: Record<string, { owner: string }> } | undefined)?.models ?? {};

/** The owner of a securable, or undefined when it does not exist. */
export const ownerOf = (ws: Workspace, type: string, name: string): string | undefined => {
  const n = name.toLowerCase();
  if (type === 'catalog') return catalogState(ws)?.catalogs[n]?.owner;
  if (type === 'schema') return catalogState(ws)?.schemas[n]?.owner;
  if (type === 'function') return registryModels(ws)[n]?.owner;
  return undefined;
};

/** Direct grants of principal-or-group `who` on one securable. */
const direct = (s: PermissionsState, type: string, name: string, who: string): string[] => s.grants[keyOf(type, name)]?.[who] ?? [];

/** Effective privileges of exactly `who` (no group expansion), with where each comes from. */
const effectiveOf = (s: PermissionsState, type: string, name: string, who: string): { privilege: string; from?: { type: string; name: string } }[] => {
  const out = new Map<string, { privilege: string; from?: { type: string; name: string } }>();
  for (const [i, level] of lineage(type, name).entries()) {
    for (const p of direct(s, level.type, level.name, who)) if (!out.has(p)) out.set(p, i === 0 ? { privilege: p } : { privilege: p, from: level });
  }
  return [...out.values()];
};

const holds = (ws: Workspace, principal: string, type: string, name: string, privileges: readonly string[]): boolean => {
  const s = stateOf(ws)!;
  if (s.admins.includes(principal)) return true;
  const who = [principal, ...groupsOf(ws, principal)];
  if (who.includes(ownerOf(ws, type, name) ?? '\u0000')) return true;
  const have = new Set(who.flatMap((w) => effectiveOf(s, type, name, w).map((e) => e.privilege)));
  return have.has('ALL_PRIVILEGES') || privileges.some((p) => have.has(p));
};

const spaced = (p: string): string => p.replace(/_/g, ' ');
const LABEL: Record<string, string> = { catalog: 'Catalog', schema: 'Schema', function: 'Registered model' };

const denied = (principal: string, privilege: string, type: string, name: string): DatabricksApiError =>
  new DatabricksApiError(403, 'PERMISSION_DENIED', `User '${principal}' does not have ${spaced(privilege)} on ${LABEL[type] ?? type} '${name}'.`);

export interface Need {
  readonly type: 'catalog' | 'schema' | 'function';
  readonly name: string;
  /** Any of these privileges, or ownership of the securable ('OWNER'). */
  readonly anyOf: readonly string[];
}

/**
 * When enforcement is on: the caller must be able to reach the securable (USE CATALOG and USE
 * SCHEMA on its parents, or own them) and hold one of `anyOf` on it (ownership always counts).
 * A no-op when the permissions module is absent or enforcement is off.
 */
export function authorize(ws: Workspace, principal: string, need: Need): void {
  const s = stateOf(ws);
  if (!s?.enforce || s.admins.includes(principal)) return;
  const parts = need.name.toLowerCase().split('.');
  if (parts.length >= 2 && !holds(ws, principal, 'catalog', parts[0]!, ['USE_CATALOG'])) throw denied(principal, 'USE_CATALOG', 'catalog', parts[0]!);
  if (parts.length >= 3 && !holds(ws, principal, 'schema', `${parts[0]}.${parts[1]}`, ['USE_SCHEMA'])) throw denied(principal, 'USE_SCHEMA', 'schema', `${parts[0]}.${parts[1]}`);
  const privileges = need.anyOf.filter((p) => p !== 'OWNER');
  const who = [principal, ...groupsOf(ws, principal)];
  if (need.anyOf.includes('OWNER') && who.includes(ownerOf(ws, need.type, need.name) ?? '\u0000')) return;
  if (privileges.length > 0 && holds(ws, principal, need.type, need.name, privileges)) return;
  if (privileges.length === 0 && need.anyOf.includes('OWNER')) {
    throw new DatabricksApiError(403, 'PERMISSION_DENIED', `User '${principal}' is not an owner of ${LABEL[need.type] ?? need.type} '${need.name}'.`);
  }
  throw denied(principal, privileges[0] ?? 'MANAGE', need.type, need.name);
}

interface Fixture {
  enforce?: boolean;
  admins?: string[];
  groups?: Record<string, string[]>;
  grants?: { securable_type: string; full_name: string; principal: string; privileges: string[] }[];
}

export const permissionsModule: EmulatorModule = {
  name: PERMISSIONS_MODULE,
  initState,
  seed(ws, fixture) {
    const fx = (fixture ?? {}) as Fixture;
    const s = stateOf(ws)!;
    s.enforce = fx.enforce === true;
    s.admins = [...(fx.admins ?? [])];
    s.groups = { ...(fx.groups ?? {}) };
    for (const g of fx.grants ?? []) {
      const k = keyOf(g.securable_type, g.full_name);
      s.grants[k] ??= {};
      s.grants[k]![g.principal] = [...new Set([...(s.grants[k]![g.principal] ?? []), ...g.privileges])].sort();
    }
  },
  routes(table: RouteTable, ctx: EmulatorContext) {
    const base = '/api/2.1/unity-catalog';
    const securable = (req: EmulatorRequest): { type: string; name: string } => {
      const type = (req.params.type ?? '').toLowerCase();
      const name = req.params.full_name ?? '';
      if (!TYPES.has(type)) throw invalidParameter(`Securable type '${req.params.type}' is not supported here (catalog, schema, function).`);
      if (ownerOf(req.workspace, type, name) === undefined) {
        throw notFound(`${LABEL[type]} '${name}' does not exist.`, type === 'catalog' ? 'CATALOG_DOES_NOT_EXIST' : type === 'schema' ? 'SCHEMA_DOES_NOT_EXIST' : 'RESOURCE_DOES_NOT_EXIST');
      }
      return { type, name: name.toLowerCase() };
    };
    const assignments = (s: PermissionsState, type: string, name: string, only: string | undefined): Json[] =>
      Object.entries(s.grants[keyOf(type, name)] ?? {})
        .filter(([p, privs]) => privs.length > 0 && (only === undefined || p === only))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([principal, privileges]) => ({ principal, privileges: [...privileges].sort() }));

    table.add('GET', `${base}/permissions/:type/:full_name`, (req) => {
      const { type, name } = securable(req);
      return { body: { privilege_assignments: assignments(stateOf(req.workspace)!, type, name, optString(req, 'principal')) } };
    });

    table.add('PATCH', `${base}/permissions/:type/:full_name`, (req) => {
      const { type, name } = securable(req);
      const s = stateOf(req.workspace)!;
      if (s.enforce && !s.admins.includes(req.principal)) {
        // Owners of the object or of its parents, or holders of MANAGE, may grant (manage-permissions docs).
        const who = [req.principal, ...groupsOf(req.workspace, req.principal)];
        const owns = lineage(type, name).some((l) => who.includes(ownerOf(req.workspace, l.type, l.name) ?? '\u0000'));
        if (!owns && !holds(req.workspace, req.principal, type, name, ['MANAGE'])) throw denied(req.principal, 'MANAGE', type, name);
      }
      const changes = Array.isArray(req.body?.changes) ? (req.body.changes as unknown[]) : null;
      if (!changes) throw invalidParameter('changes is required: [{principal, add, remove}].');
      const k = keyOf(type, name);
      const next = structuredClone(s.grants[k] ?? {});
      for (const [i, raw] of changes.entries()) {
        const c = (raw ?? {}) as { principal?: unknown; add?: unknown; remove?: unknown };
        if (typeof c.principal !== 'string' || c.principal === '') throw invalidParameter(`changes[${i}].principal is required.`);
        const list = (v: unknown, f: string): string[] => {
          if (v === undefined || v === null) return [];
          if (!Array.isArray(v)) throw invalidParameter(`changes[${i}].${f} must be a list.`);
          // "Unity Catalog accepts privileges with spaces, but will automatically convert them to underscores".
          return v.map((p) => String(p).toUpperCase().replace(/ /g, '_'));
        };
        const add = list(c.add, 'add');
        const remove = list(c.remove, 'remove');
        for (const p of [...add, ...remove]) if (!PRIVILEGES.has(p)) throw invalidParameter(`Privilege '${p}' is not valid.`);
        if (add.some((p) => remove.includes(p))) throw invalidParameter(`Duplicate privileges to add and delete for principal ${c.principal}.`);
        const have = new Set(next[c.principal] ?? []);
        for (const p of remove) if (p === 'ALL_PRIVILEGES') have.clear();
        for (const p of remove) have.delete(p);
        for (const p of add) have.add(p);
        next[c.principal] = [...have].sort();
      }
      s.grants[k] = next;
      ctx.changed();
      return { body: { privilege_assignments: assignments(s, type, name, undefined) } };
    });

    table.add('GET', `${base}/effective-permissions/:type/:full_name`, (req) => {
      const { type, name } = securable(req);
      const s = stateOf(req.workspace)!;
      const only = optString(req, 'principal');
      // Everyone with a grant on the securable or a parent; each answered for itself (a group's
      // privileges are the group's entry, not added to its members').
      const principals = only !== undefined ? [only] : [...new Set(lineage(type, name).flatMap((l) => Object.keys(s.grants[keyOf(l.type, l.name)] ?? {})))].sort();
      // A workspace seeded without permissions enforces none: the principal asked about (else the
      // caller) may do everything, and is answered so.
      if (!s.enforce) return { body: { privilege_assignments: [{ principal: only ?? req.principal, privileges: [{ privilege: 'ALL_PRIVILEGES' }] }] } };
      const out = principals
        .map((principal) => ({
          principal,
          privileges: effectiveOf(s, type, name, principal).map((e) =>
            e.from ? { privilege: e.privilege, inherited_from_type: e.from.type.toUpperCase(), inherited_from_name: e.from.name } : { privilege: e.privilege },
          ),
        }))
        .filter((a) => a.privileges.length > 0);
      return { body: { privilege_assignments: out } };
    });
  },
};
