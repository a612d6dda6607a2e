// Ensures the Lakehouse monitor of an inference table, idempotently, through either API:
//   data-quality (default, as Databricks recommends): /api/data-quality/v1/monitors, by table id
//     and output schema id (looked up from their names in Unity Catalog);
//   legacy: /api/2.1/unity-catalog/tables/{table}/monitor, by name.
// Absent → create; "already exists" (a concurrent writer) → read it and compare; different →
// update only the changed fields; same → zero writes. Optionally refresh after a change.
//
// Two readings no source settles are handled so either is right (docs/fidelity.md):
//   #102: the legacy routes may answer a missing table with NOT_FOUND, the code of a missing
//         monitor. So an absent legacy monitor is followed by a read of the table itself (one GET,
//         only when there is something to create): a missing table is reported, never sent a create.
//   #108: "Certain configuration fields, such as output asset identifiers, cannot be updated"
//         (legacy update). A legacy monitor whose output schema differs is reported with what to
//         do, and nothing is written, instead of a PUT that may be refused.

import { ApiError, hasErrorCode } from '../../errors.js';
import type { HttpClient } from '../http/types.js';
import { diffMonitor, type DesiredMonitor, type MonitorApi, type MonitorField, type ObservedMonitor } from '../../endpoint/monitor.js';
import type { EnsureMonitorResult, MonitoringClient, RefreshOutcome } from '../../endpoint/ports.js';
import { dqProfilingConfig, dqUpdateMask, legacyCreateBody, legacyUpdateBody, observeDataQuality, observeLegacy } from './wire.js';

const MISSING_OBJECT = ['TABLE_DOES_NOT_EXIST', 'SCHEMA_DOES_NOT_EXIST', 'CATALOG_DOES_NOT_EXIST'];
/** What the table route may answer for a table that does not exist (its own code, or the generic ones). */
const MISSING_TABLE = [...MISSING_OBJECT, 'NOT_FOUND', 'RESOURCE_DOES_NOT_EXIST'];
const enc = encodeURIComponent;

/** One API's operations, over names it resolves itself. */
interface ApiOps {
  /** What the observed monitor's output schema field should hold. */
  outputSchemaValue(): Promise<string>;
  get(): Promise<ObservedMonitor | null>;
  create(): Promise<ObservedMonitor>;
  update(changes: readonly MonitorField[]): Promise<ObservedMonitor>;
  refresh(): Promise<RefreshOutcome>;
}

export function createMonitoringClient(options: { readonly http: HttpClient }): MonitoringClient {
  const { http } = options;

  const legacyOps = (d: DesiredMonitor): ApiOps => {
    const path = `/api/2.1/unity-catalog/tables/${enc(d.table)}/monitor`;
    const endpoint = 'api/2.1/unity-catalog/tables/{table}/monitor';
    return {
      outputSchemaValue: async () => d.outputSchema,
      async get() {
        try {
          return observeLegacy((await http.request<Record<string, unknown>>({ method: 'GET', path, endpoint: `GET /${endpoint}` })).body);
        } catch (e) {
          if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
          throw e;
        }
      },
      async create() {
        return observeLegacy((await http.request<Record<string, unknown>>({ method: 'POST', path, body: legacyCreateBody(d), endpoint: `POST /${endpoint}` })).body);
      },
      async update(changes) {
        const body = legacyUpdateBody(d, changes);
        return observeLegacy((await http.request<Record<string, unknown>>({ method: 'PUT', path, body, endpoint: `PUT /${endpoint}` })).body);
      },
      async refresh() {
        try {
          const res = await http.request<{ refresh_id?: unknown }>({ method: 'POST', path: `${path}/refreshes`, endpoint: `POST /${endpoint}/refreshes` });
          return { state: 'started', refreshId: String(res.body.refresh_id ?? '') };
        } catch (e) {
          if (e instanceof ApiError && (e.details.status === 409 || hasErrorCode(e, 'RESOURCE_CONFLICT'))) return { state: 'already-running' };
          throw e;
        }
      },
    };
  };

  // Data Quality addresses objects by UUID: look both up once per client (a run), by name. A failed
  // look-up is forgotten, so a table that appears later is found on the next call.
  const resolvedIds = new Map<string, Promise<{ tableId: string; schemaId: string }>>();
  const dataQualityOps = (d: DesiredMonitor): ApiOps => {
    const key = `${d.table}\u0000${d.outputSchema}`;
    const resolve = (): Promise<{ tableId: string; schemaId: string }> => {
      const known = resolvedIds.get(key);
      if (known) return known;
      const lookup = (async () => {
        const table = await http.request<{ table_id?: string }>({
          method: 'GET',
          path: `/api/2.1/unity-catalog/tables/${enc(d.table)}`,
          endpoint: 'GET /api/2.1/unity-catalog/tables/{name}',
        });
        const schema = await http.request<{ schema_id?: string }>({
          method: 'GET',
          path: `/api/2.1/unity-catalog/schemas/${enc(d.outputSchema)}`,
          endpoint: 'GET /api/2.1/unity-catalog/schemas/{name}',
        });
        if (!table.body.table_id || !schema.body.schema_id) throw new Error(`Unity Catalog answered without table_id/schema_id for ${d.table} / ${d.outputSchema}`);
        return { tableId: table.body.table_id, schemaId: schema.body.schema_id };
      })();
      resolvedIds.set(key, lookup);
      lookup.catch(() => resolvedIds.delete(key));
      return lookup;
    };
    const monitorPath = async () => `/api/data-quality/v1/monitors/table/${enc((await resolve()).tableId)}`;
    const endpoint = 'api/data-quality/v1/monitors/{object_type}/{object_id}';
    return {
      outputSchemaValue: async () => (await resolve()).schemaId,
      async get() {
        const path = await monitorPath();
        try {
          return observeDataQuality((await http.request<Record<string, unknown>>({ method: 'GET', path, endpoint: `GET /${endpoint}` })).body);
        } catch (e) {
          if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
          throw e;
        }
      },
      async create() {
        const { tableId, schemaId } = await resolve();
        const body = { object_type: 'table', object_id: tableId, data_profiling_config: dqProfilingConfig(d, schemaId, true) };
        return observeDataQuality(
          (await http.request<Record<string, unknown>>({ method: 'POST', path: '/api/data-quality/v1/monitors', body, endpoint: 'POST /api/data-quality/v1/monitors' })).body,
        );
      },
      async update(changes) {
        const { tableId, schemaId } = await resolve();
        const body = { object_type: 'table', object_id: tableId, data_profiling_config: dqProfilingConfig(d, schemaId, false) };
        const res = await http.request<Record<string, unknown>>({
          method: 'PATCH',
          path: await monitorPath(),
          query: { update_mask: dqUpdateMask(changes) },
          body,
          // Same mask, same body: repeating it lands on the same monitor.
          idempotent: true,
          endpoint: `PATCH /${endpoint}`,
        });
        return observeDataQuality(res.body);
      },
      async refresh() {
        const { tableId } = await resolve();
        try {
          const res = await http.request<{ refresh_id?: unknown }>({
            method: 'POST',
            path: `${await monitorPath()}/refreshes`,
            body: { object_type: 'table', object_id: tableId },
            endpoint: `POST /${endpoint}/refreshes`,
          });
          return { state: 'started', refreshId: String(res.body.refresh_id ?? '') };
        } catch (e) {
          if (e instanceof ApiError && (e.details.status === 409 || hasErrorCode(e, 'RESOURCE_CONFLICT'))) return { state: 'already-running' };
          throw e;
        }
      },
    };
  };

  const opsFor = (api: MonitorApi, d: DesiredMonitor): ApiOps => (api === 'legacy' ? legacyOps(d) : dataQualityOps(d));

  const missingMessage = (code: string | null, detail: string, d: DesiredMonitor): string =>
    code === 'TABLE_DOES_NOT_EXIST'
      ? `inference table ${d.table} does not exist yet (it appears once the endpoint has served requests with inference tables enabled); the monitor was not created`
      : `output schema ${d.outputSchema} does not exist; create it or change monitor.output_schema (${detail})`;

  /**
   * An absent legacy monitor: is the table there? The legacy routes may answer a missing table with
   * the same NOT_FOUND as a missing monitor (#102), so the table is read itself. null: it exists.
   */
  const legacyTableMissing = async (api: MonitorApi, d: DesiredMonitor): Promise<string | null> => {
    if (api !== 'legacy') return null;
    try {
      await http.request({ method: 'GET', path: `/api/2.1/unity-catalog/tables/${enc(d.table)}`, endpoint: 'GET /api/2.1/unity-catalog/tables/{name}' });
      return null;
    } catch (e) {
      if (!hasErrorCode(e, ...MISSING_TABLE)) throw e;
      const code = (e as ApiError).errorCode;
      return missingMessage(code === 'SCHEMA_DOES_NOT_EXIST' || code === 'CATALOG_DOES_NOT_EXIST' ? code : 'TABLE_DOES_NOT_EXIST', (e as ApiError).message, d);
    }
  };

  /** A legacy monitor's output schema cannot be changed in place (#108): what to do instead. */
  const outputSchemaFixed = (api: MonitorApi, d: DesiredMonitor, observed: ObservedMonitor, changes: readonly MonitorField[]): string | null =>
    api === 'legacy' && changes.includes('output_schema')
      ? `the monitor on ${d.table} writes its metric tables to ${observed.outputSchema ?? '(none)'}, the config says ${d.outputSchema}; ` +
        'Databricks does not change "output asset identifiers" of a monitor in place, so nothing was changed: set monitor.output_schema back, ' +
        'or delete the monitor (its metric tables stay) and re-run to create it there'
      : null;

  return {
    async inspect(api, d) {
      const ops = opsFor(api, d);
      try {
        const observed = await ops.get();
        if (!observed) {
          const missing = await legacyTableMissing(api, d);
          return missing ? { state: 'failed', message: missing } : { state: 'absent' };
        }
        const changes = diffMonitor(d, await ops.outputSchemaValue(), observed);
        const fixed = outputSchemaFixed(api, d, observed, changes);
        if (fixed) return { state: 'failed', message: fixed };
        return changes.length === 0 ? { state: 'same' } : { state: 'differs', changes };
      } catch (e) {
        if (hasErrorCode(e, ...MISSING_OBJECT)) return { state: 'failed', message: missingMessage((e as ApiError).errorCode, (e as ApiError).message, d) };
        throw e;
      }
    },

    async ensureMonitor({ api, monitor: d, refresh }) {
      const ops = opsFor(api, d);
      let writes = 0;
      const failed = (message: string): EnsureMonitorResult => ({ action: 'failed', api, table: d.table, changes: [], refresh: null, monitorVersion: null, writes, message });
      const done = async (action: 'created' | 'updated' | 'unchanged', changes: readonly MonitorField[], observed: ObservedMonitor): Promise<EnsureMonitorResult> => {
        let refreshed: RefreshOutcome | null = null;
        if (refresh === 'always' || (refresh === 'after-change' && action !== 'unchanged')) {
          refreshed = await ops.refresh();
          writes++;
        }
        const what = action === 'updated' ? `updated ${changes.join(', ')}` : action;
        const refreshText = refreshed ? (refreshed.state === 'started' ? `; refresh ${refreshed.refreshId} started` : '; a refresh was already running') : '';
        return {
          action,
          api,
          table: d.table,
          changes,
          refresh: refreshed,
          monitorVersion: observed.monitorVersion,
          writes,
          message: `monitor on ${d.table} (${api}): ${what}${refreshText}`,
        };
      };
      try {
        let observed = await ops.get();
        if (!observed) {
          const missing = await legacyTableMissing(api, d);
          if (missing) return failed(missing);
          try {
            writes++;
            return await done('created', [], await ops.create());
          } catch (e) {
            // A concurrent writer created it first: compare with theirs instead (the code for
            // "exists" is not documented: both spellings).
            if (!hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS', 'ALREADY_EXISTS')) throw e;
            observed = await ops.get();
            if (!observed) throw e;
          }
        }
        const changes = diffMonitor(d, await ops.outputSchemaValue(), observed);
        const fixed = outputSchemaFixed(api, d, observed, changes);
        if (fixed) return failed(fixed);
        if (changes.length === 0) return await done('unchanged', [], observed);
        writes++;
        return await done('updated', changes, await ops.update(changes));
      } catch (e) {
        if (!hasErrorCode(e, ...MISSING_OBJECT)) throw e;
        return failed(missingMessage((e as ApiError).errorCode, (e as ApiError).message, d));
      }
    },
  };
}
