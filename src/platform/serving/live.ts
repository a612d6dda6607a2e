// The live gates' view of a serving endpoint (src/evidence/live.ts): served entities with their
// creation time, the traffic split and the inference table, from one GET of the endpoint.

import { hasErrorCode } from '../../errors.js';
import type { LiveEndpoint, LivePorts, SqlPort } from '../../evidence/live.js';
import type { HttpClient } from '../http/types.js';
import type { WireEndpoint } from './wire.js';

const millis = (value: unknown): number | null => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
};

export function liveEndpointFromWire(w: WireEndpoint): LiveEndpoint {
  const table = w.ai_gateway?.inference_table_config;
  return {
    name: w.name,
    servedEntities: (w.config?.served_entities ?? []).map((e) => ({
      name: e.name,
      entityName: e.entity_name ?? '',
      entityVersion: e.entity_version === undefined ? '' : String(e.entity_version),
      createdAtMs: millis(e.creation_timestamp),
    })),
    routes: (w.config?.traffic_config?.routes ?? []).map((r) => ({ servedEntityName: r.served_entity_name ?? r.served_model_name ?? '', percent: r.traffic_percentage })),
    inferenceTable:
      table && table.catalog_name && table.schema_name
        ? { catalog: table.catalog_name, schema: table.schema_name, prefix: table.table_name_prefix ?? '', enabled: table.enabled !== false }
        : null,
  };
}

/** Live ports of one Databricks workspace: the endpoint read and, with a SQL warehouse, its statements. */
export function createLivePorts(http: HttpClient, sql: SqlPort | null): LivePorts {
  return {
    sql,
    async servingEndpoint(name) {
      try {
        const res = await http.request<WireEndpoint>({ method: 'GET', path: `/api/2.0/serving-endpoints/${encodeURIComponent(name)}`, endpoint: 'GET /api/2.0/serving-endpoints/{name}' });
        return liveEndpointFromWire(res.body);
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
        throw e;
      }
    },
  };
}
