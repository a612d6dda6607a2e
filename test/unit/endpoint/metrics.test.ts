// The health check's reading of the metrics export, on exports written by hand in the shapes the
// sources leave possible (docs/fidelity.md #84–#87): per-minute gauges with or without timestamps,
// the entity under any plausible label or none, a histogram per minute or cumulative, and the
// exports a check must never pass on.

import { describe, expect, it } from 'vitest';
import { ENTITY_LABELS, missingFamilies, parseMetricsExport, windowHealth, type HealthWindow } from '../../../src/endpoint/metrics.js';

const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000];

/** A minute of the export: per-entity gauges, and a histogram (cumulative `le` buckets). */
function minute(rows: { entity?: string; label?: string; requests: number; e5xx?: number; latency?: number; histCount?: number }[], opts: { ts?: number | null; type?: string } = {}): string {
  const at = opts.ts === undefined || opts.ts === null ? '' : ` ${opts.ts}`;
  const lbl = (r: (typeof rows)[number], extra = '') => {
    const parts = [...(r.entity !== undefined ? [`${r.label ?? 'served_entity_name'}="${r.entity}"`] : []), ...(extra ? [extra] : [])];
    return parts.length ? `{${parts.join(',')}}` : '';
  };
  const out = [`# TYPE request_count_total ${opts.type ?? 'gauge'}`, ...rows.map((r) => `request_count_total${lbl(r)} ${r.requests}${at}`)];
  out.push('# TYPE request_5xx_count_total gauge', ...rows.map((r) => `request_5xx_count_total${lbl(r)} ${r.e5xx ?? 0}${at}`));
  out.push('# TYPE request_latency_ms histogram');
  for (const r of rows) {
    const n = r.histCount ?? r.requests;
    for (const b of BOUNDS) out.push(`request_latency_ms_bucket${lbl(r, `le="${b}"`)} ${(r.latency ?? 20) <= b ? n : 0}${at}`);
    out.push(`request_latency_ms_bucket${lbl(r, 'le="+Inf"')} ${n}${at}`);
  }
  return out.join('\n');
}

const win = (entity: string, texts: string[], baseline: string | null = null, labels: readonly string[] = ENTITY_LABELS): HealthWindow => ({
  entity,
  baseline: baseline === null ? null : parseMetricsExport(baseline),
  samples: texts.map(parseMetricsExport),
  labels,
});

describe('windowHealth', () => {
  it('adds per-minute gauges up over the samples, per entity', () => {
    const r = windowHealth(win('v4', [minute([{ entity: 'v3', requests: 90 }, { entity: 'v4', requests: 10, e5xx: 1 }]), minute([{ entity: 'v3', requests: 85 }, { entity: 'v4', requests: 12 }])]));
    expect(r).toMatchObject({ kind: 'measured', health: { requests: 22, errors: 1, minutes: 2, label: 'served_entity_name' } });
    expect(r.health.errorRate).toBeCloseTo(1 / 22);
  });

  it('finds the entity under any plausible label, or the one the config names', () => {
    for (const label of ENTITY_LABELS) {
      expect(windowHealth(win('v4', [minute([{ entity: 'v4', label, requests: 7 }])])).health).toMatchObject({ requests: 7, label });
    }
    const custom = minute([{ entity: 'v4', label: 'entity', requests: 7 }]);
    expect(windowHealth(win('v4', [custom])).kind).toBe('unknown');
    expect(windowHealth(win('v4', [custom], null, ['entity', ...ENTITY_LABELS])).health).toMatchObject({ requests: 7, label: 'entity' });
  });

  it('counts a minute once when two reads show it (timestamps), in milliseconds or OpenMetrics seconds', () => {
    const a = minute([{ entity: 'v4', requests: 10 }], { ts: 1_800_000_060_000 });
    expect(windowHealth(win('v4', [a, a])).health).toMatchObject({ requests: 10, minutes: 1 });
    const s = minute([{ entity: 'v4', requests: 10 }], { ts: 1_800_000_060 });
    const t = minute([{ entity: 'v4', requests: 5 }], { ts: 1_800_000_120.0 });
    expect(windowHealth(win('v4', [s, t])).health).toMatchObject({ requests: 15, minutes: 2 });
  });

  it('never passes an export that counts requests but names no served entity', () => {
    const endpointOnly = minute([{ requests: 120, e5xx: 50 }]);
    const r = windowHealth(win('v4', [endpointOnly]));
    expect(r.kind).toBe('unknown');
    expect(r.kind === 'unknown' && r.reason).toMatch(/counts 120 request\(s\) but labels none of them by served entity \(looked for served_entity_name, served_model_name, served_entity\)/);
  });

  it('never passes an export without the request family', () => {
    const r = windowHealth(win('v4', ['# TYPE cpu_usage_percentage gauge\ncpu_usage_percentage 12']));
    expect(r.kind === 'unknown' && r.reason).toMatch(/has no request_count_total family/);
    expect(windowHealth(win('v4', [])).kind).toBe('unknown');
  });

  it('reads an idle entity (no series, other entities labelled) as zero requests, not as an error', () => {
    const r = windowHealth(win('v4', [minute([{ entity: 'v3', requests: 40 }])]));
    expect(r).toMatchObject({ kind: 'measured', health: { requests: 0, label: null, errorRate: null, p95LatencyMs: null } });
  });

  it('p95 from a per-minute histogram, and from a cumulative one (last read less the read when the pause began)', () => {
    const perMinute = windowHealth(win('v4', [minute([{ entity: 'v4', requests: 20, latency: 400 }]), minute([{ entity: 'v4', requests: 20, latency: 400 }])]));
    expect(perMinute.health.p95LatencyMs).toBeGreaterThan(250);
    expect(perMinute.health.p95LatencyMs).toBeLessThanOrEqual(500);
    // Cumulative: 1000 fast requests before the pause, then 40 slow ones during it.
    const before = minute([{ entity: 'v4', requests: 0, latency: 8, histCount: 1000 }]);
    const cumulative = (slow: number) =>
      [
        '# TYPE request_count_total gauge',
        `request_count_total{served_entity_name="v4"} 20`,
        '# TYPE request_latency_ms histogram',
        ...BOUNDS.map((b) => `request_latency_ms_bucket{served_entity_name="v4",le="${b}"} ${(b >= 10 ? 1000 : 0) + (b >= 1000 ? slow : 0)}`),
        `request_latency_ms_bucket{served_entity_name="v4",le="+Inf"} ${1000 + slow}`,
      ].join('\n');
    const r = windowHealth(win('v4', [cumulative(20), cumulative(40)], before));
    expect(r.health.requests).toBe(40);
    // Without the baseline the 1000 fast requests would put p95 under 10 ms.
    expect(r.health.p95LatencyMs).toBeGreaterThan(500);
  });

  it('reads a family declared counter (not the documented gauge) as cumulative: the difference of the reads', () => {
    const c = (n: number, e: number) => minute([{ entity: 'v4', requests: n, e5xx: e, histCount: n }], { type: 'counter' });
    const r = windowHealth(win('v4', [c(1010, 3), c(1030, 5)], c(1000, 2)));
    expect(r.health).toMatchObject({ requests: 30, errors: 3 });
  });

  it('names the families a threshold needs that the export lacks', () => {
    const bare = win('v4', ['# TYPE request_count_total gauge\nrequest_count_total{served_entity_name="v4"} 50']);
    expect(windowHealth(bare)).toMatchObject({ kind: 'measured', health: { requests: 50, errorRate: null, p95LatencyMs: null } });
    expect(missingFamilies(bare, { errorRate: true, latency: true })).toEqual(['request_5xx_count_total', 'request_latency_ms (histogram)']);
    expect(missingFamilies(bare, { errorRate: false, latency: false })).toEqual([]);
  });
});
