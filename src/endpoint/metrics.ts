// Prometheus text from GET /api/2.0/serving-endpoints/{name}/metrics → counters per served entity,
// and the health of one entity over a window (the difference of two reads). The counters are
// cumulative, so a health check compares "now" with a read taken when the window began: what an
// entity did before the current canary step does not count for or against it.

import type { EndpointMetrics, EntityCounters, EntityHealth } from './serving.js';

interface MutableCounters {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  buckets: Map<number, number>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescapeLabel = (v: string): string => v.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');

const parseLabels = (text: string | undefined): Record<string, string> => {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const m of text.matchAll(LABEL)) labels[m[1]!] = unescapeLabel(m[2]!);
  return labels;
};

const parseValue = (v: string): number => {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
};

/**
 * Reads the families the serving metrics expose per `served_entity_name`: request counts,
 * 4xx/5xx counts and the `request_latency_ms` histogram. Unknown families are ignored.
 */
export function parseServingMetrics(text: string): EndpointMetrics {
  const byEntity = new Map<string, MutableCounters>();
  const entry = (name: string): MutableCounters => {
    let c = byEntity.get(name);
    if (!c) {
      c = { requests: 0, errors4xx: 0, errors5xx: 0, buckets: new Map() };
      byEntity.set(name, c);
    }
    return c;
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, metric, labelText, valueText] = m;
    const labels = parseLabels(labelText);
    const entity = labels['served_entity_name'] ?? labels['served_model_name'];
    if (entity === undefined) continue;
    const value = parseValue(valueText!);
    if (!Number.isFinite(value) && metric !== 'request_latency_ms_bucket') continue;
    switch (metric) {
      case 'request_count_total':
        entry(entity).requests = value;
        break;
      case 'request_4xx_count_total':
        entry(entity).errors4xx = value;
        break;
      case 'request_5xx_count_total':
        entry(entity).errors5xx = value;
        break;
      case 'request_latency_ms_bucket': {
        const le = labels['le'];
        if (le !== undefined) entry(entity).buckets.set(parseValue(le), value);
        break;
      }
    }
  }
  const out: Record<string, EntityCounters> = {};
  for (const [name, c] of byEntity) {
    out[name] = {
      requests: c.requests,
      errors4xx: c.errors4xx,
      errors5xx: c.errors5xx,
      latencyBuckets: [...c.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count })),
    };
  }
  return out;
}

const EMPTY: EntityCounters = { requests: 0, errors4xx: 0, errors5xx: 0, latencyBuckets: [] };

/** p95 from a cumulative histogram: linear inside the bucket that crosses 95% (as Prometheus' histogram_quantile). */
export function quantileFromBuckets(buckets: readonly { readonly le: number; readonly count: number }[], q: number): number | null {
  const total = buckets.length > 0 ? buckets[buckets.length - 1]!.count : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      // The +Inf bucket has no upper bound: report the highest finite bound, as Prometheus does.
      if (!Number.isFinite(le)) return lowerBound;
      if (count === lowerCount) return le;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = Number.isFinite(le) ? le : lowerBound;
    lowerCount = count;
  }
  return lowerBound;
}

/**
 * Health of one served entity between two reads (`before` may be null: the whole history counts).
 * Errors are 5xx answers: a 4xx is the caller's fault, not the model's.
 */
export function entityHealth(name: string, after: EndpointMetrics, before: EndpointMetrics | null): EntityHealth {
  const a = after[name] ?? EMPTY;
  const b = before?.[name] ?? EMPTY;
  const requests = Math.max(0, a.requests - b.requests);
  const errors = Math.max(0, a.errors5xx - b.errors5xx);
  const beforeBy = new Map(b.latencyBuckets.map((x) => [x.le, x.count]));
  const window = a.latencyBuckets.map(({ le, count }) => ({ le, count: Math.max(0, count - (beforeBy.get(le) ?? 0)) }));
  return {
    servedEntityName: name,
    requests,
    errors,
    errorRate: requests > 0 ? errors / requests : null,
    p95LatencyMs: requests > 0 ? quantileFromBuckets(window, 0.95) : null,
  };
}
