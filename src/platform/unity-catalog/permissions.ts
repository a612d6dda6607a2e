// Unity Catalog permissions over REST 2.1: who the credentials act as (SCIM Me), effective
// privileges on catalogs, schemas and registered models (securable type `function`: "The
// securable type for models is FUNCTION", SDK catalog.py), owners, and grants on registered models
// (PATCH with add/remove per principal). Paths use the lower-case securable type, as TF and the CLI do.

import { hasErrorCode } from '../../errors.js';
import type { Grants, GrantsPort, PermissionReader, SecurableType } from '../../registry/ports.js';
import type { HttpClient } from '../http/types.js';

const UC = '/api/2.1/unity-catalog';
const enc = encodeURIComponent;

const isMissing = (e: unknown): boolean =>
  hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND', 'CATALOG_DOES_NOT_EXIST', 'SCHEMA_DOES_NOT_EXIST', 'FUNCTION_DOES_NOT_EXIST');

/** "Unity Catalog accepts privileges with spaces, but will automatically convert them to underscores". */
export const normalPrivilege = (p: string): string => p.trim().toUpperCase().replace(/\s+/g, '_');

interface WireEffective {
  readonly privilege_assignments?: readonly { readonly principal?: string; readonly privileges?: readonly { readonly privilege?: string }[] }[];
  readonly next_page_token?: string;
}

interface WireGrants {
  readonly privilege_assignments?: readonly { readonly principal?: string; readonly privileges?: readonly string[] }[];
  readonly next_page_token?: string;
}

export function createUnityCatalogPermissions(http: HttpClient): PermissionReader & GrantsPort {
  let me: Promise<{ principal: string; groups: string[] }> | null = null;
  return {
    whoAmI() {
      me ??= http
        .request<{ userName?: string; applicationId?: string; groups?: readonly { display?: string; value?: string }[] }>({
          method: 'GET',
          path: '/api/2.0/preview/scim/v2/Me',
          endpoint: 'GET /api/2.0/preview/scim/v2/Me',
        })
        .then(({ body }) => ({
          // A service principal is granted by its application id.
          principal: body.applicationId ?? body.userName ?? '',
          groups: (body.groups ?? []).map((g) => g.display ?? g.value ?? '').filter(Boolean),
        }));
      return me;
    },

    async effective(type, fullName, principals) {
      const out = new Set<string>();
      for (const principal of principals) {
        let token: string | undefined;
        const seen = new Set<string>();
        do {
          const body = (
            await http.request<WireEffective>({
              method: 'GET',
              path: `${UC}/effective-permissions/${type}/${enc(fullName)}`,
              // max_results=0: the paginated form ("Unpaginated calls will be deprecated soon").
              query: { principal, max_results: 0, page_token: token },
              endpoint: 'GET /api/2.1/unity-catalog/effective-permissions/{type}/{full_name}',
            })
          ).body;
          for (const a of body.privilege_assignments ?? []) {
            if (a.principal !== undefined && a.principal !== principal) continue;
            for (const p of a.privileges ?? []) if (p.privilege) out.add(normalPrivilege(p.privilege));
          }
          token = body.next_page_token || undefined;
          if (token && seen.has(token)) break;
          if (token) seen.add(token);
        } while (token);
      }
      return out;
    },

    async owner(type, fullName) {
      const read = (request: Promise<{ body: { owner?: string } }>): Promise<string | null> =>
        request.then(
          (r) => r.body.owner ?? '',
          (e: unknown) => {
            if (isMissing(e)) return null;
            throw e;
          },
        );
      switch (type) {
        case 'catalog':
          return read(http.request({ method: 'GET', path: `${UC}/catalogs/${enc(fullName)}`, endpoint: 'GET /api/2.1/unity-catalog/catalogs/{name}' }));
        case 'schema':
          return read(http.request({ method: 'GET', path: `${UC}/schemas/${enc(fullName)}`, endpoint: 'GET /api/2.1/unity-catalog/schemas/{full_name}' }));
        case 'function':
          return read(http.request({ method: 'GET', path: `${UC}/models/${enc(fullName)}`, endpoint: 'GET /api/2.1/unity-catalog/models/{full_name}' }));
      }
    },

    async grants(model) {
      const out: Record<string, string[]> = {};
      let token: string | undefined;
      const seen = new Set<string>();
      do {
        const body = (
          await http.request<WireGrants>({
            method: 'GET',
            path: `${UC}/permissions/function/${enc(model)}`,
            query: { max_results: 0, page_token: token },
            endpoint: 'GET /api/2.1/unity-catalog/permissions/{type}/{full_name}',
          })
        ).body;
        for (const a of body.privilege_assignments ?? []) {
          if (!a.principal) continue;
          out[a.principal] = [...new Set([...(out[a.principal] ?? []), ...(a.privileges ?? []).map(normalPrivilege)])].sort();
        }
        token = body.next_page_token || undefined;
        if (token && seen.has(token)) break;
        if (token) seen.add(token);
      } while (token);
      return out as Grants;
    },

    async updateGrants(model, changes) {
      const effective = changes.filter((c) => c.add.length > 0 || c.remove.length > 0);
      if (effective.length === 0) return;
      await http.request({
        method: 'PATCH',
        path: `${UC}/permissions/function/${enc(model)}`,
        body: { changes: effective.map((c) => ({ principal: c.principal, ...(c.add.length ? { add: [...c.add] } : {}), ...(c.remove.length ? { remove: [...c.remove] } : {}) })) },
        // The same changes again leave the same grants.
        idempotent: true,
        endpoint: 'PATCH /api/2.1/unity-catalog/permissions/{type}/{full_name}',
      });
    },
  };
}

export type { SecurableType };
