// Request accounting shared by every client of one run: reports and benchmarks read totals
// (requests made, retries, bytes, time) per endpoint label.

import type { EndpointStats, RequestLedger } from './types.js';

type Entry = Parameters<RequestLedger['record']>[0];

export const createRequestLedger = (): RequestLedger => {
  const byEndpoint = new Map<string, EndpointStats>();
  let total = 0;
  let retries = 0;
  return {
    record(entry: Entry): void {
      total += 1;
      if (entry.retry) retries += 1;
      const stats = byEndpoint.get(entry.endpoint) ?? {
        count: 0,
        bytesSent: 0,
        bytesReceived: 0,
        totalMs: 0,
        retries: 0,
        errors: 0,
      };
      stats.count += 1;
      stats.bytesSent += entry.bytesSent;
      stats.bytesReceived += entry.bytesReceived;
      stats.totalMs += entry.ms;
      if (entry.retry) stats.retries += 1;
      if (entry.status === null || entry.status >= 400) stats.errors += 1;
      byEndpoint.set(entry.endpoint, stats);
    },
    snapshot() {
      const copy: Record<string, EndpointStats> = {};
      for (const [endpoint, stats] of [...byEndpoint.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        copy[endpoint] = { ...stats };
      }
      return { total, retries, byEndpoint: copy };
    },
  };
};

const ID_SEGMENT = /^(\d+|[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * Default endpoint label: `METHOD /path` without the query, with id-like path segments
 * (numbers, long hex run ids, UUIDs) shown as `{id}` so per-endpoint counts group.
 * Adapters that want a template with named parts pass `endpoint` on the request.
 */
export const endpointLabel = (method: string, pathname: string): string =>
  `${method} ${pathname
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/')}`;
