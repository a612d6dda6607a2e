// The serving endpoint's metrics export (GET /api/2.0/serving-endpoints/{name}/metrics, Prometheus
// or OpenMetrics text) as the health check reads it, and the health of one served entity over a
// pause made of several reads.
//
// What is documented (docs/fidelity.md #84, #85): the families `request_count_total`,
// `request_4xx_count_total`, `request_5xx_count_total` are **gauges** holding the requests of the
// latest minute (the docs define the request rate "by totaling the number of requests within a
// minute"), and `request_latency_ms` is a histogram. What is not (#86, #87): which label names the
// served entity, whether an idle entity has a zero series or none, and whether the latency
// histogram covers the minute or the entity's whole life. So:
//   - a health check samples the export once a minute through the pause and adds the samples up
//     (a sample carrying a timestamp is counted once per minute);
//   - the entity's series are found under any of ENTITY_LABELS (or the label the config names);
//     an export that has request series but none labelled by entity is an error, never a pass;
//   - a histogram whose count exceeds the minute's requests is cumulative: the window is then the
//     last read minus the read taken when the pause began;
//   - a count family declared `counter` (not the documented gauge) is read as cumulative too.

import type { EntityHealth } from './serving.js';

/** Labels that may name the served entity (none is documented): what the health check accepts. */
export const ENTITY_LABELS = ['served_entity_name', 'served_model_name', 'served_entity'] as const;

export const METRIC_FAMILIES = {
  requests: 'request_count_total',
  errors4xx: 'request_4xx_count_total',
  errors5xx: 'request_5xx_count_total',
  latency: 'request_latency_ms',
} as const;

/** The families the health check reads (4xx answers are the caller's, not the model's). */
export const HEALTH_FAMILIES = [METRIC_FAMILIES.requests, METRIC_FAMILIES.errors5xx, METRIC_FAMILIES.latency] as const;

export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** The sample's timestamp (ms), when the line carries one. */
  readonly timestampMs: number | null;
}

/** One read of the export. */
export interface MetricsExport {
  /** Family → declared type (`# TYPE`), lower case. */
  readonly types: ReadonlyMap<string, string>;
  readonly series: readonly Series[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\S+))?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const TYPE = /^#\s*TYPE\s+(\S+)\s+(\S+)/;

const unescapeLabel = (v: string): string => v.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');

const parseLabels = (text: string | undefined): Record<string, string> => {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const m of text.matchAll(LABEL)) labels[m[1]!] = unescapeLabel(m[2]!);
  return labels;
};

const parseValue = (v: string): number => {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
};

/** OpenMetrics timestamps are seconds (may be fractional); Prometheus text uses milliseconds. */
const parseTimestamp = (v: string | undefined): number | null => {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isFinite(n)) return null;
  return n < 1e11 ? Math.round(n * 1000) : n;
};

export function parseMetricsExport(text: string): MetricsExport {
  const types = new Map<string, string>();
  const series: Series[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '# EOF') continue;
    if (line.startsWith('#')) {
      const t = TYPE.exec(line);
      if (t) types.set(t[1]!, t[2]!.toLowerCase());
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const value = parseValue(m[3]!);
    if (Number.isNaN(value)) continue;
    series.push({ name: m[1]!, labels: parseLabels(m[2]), value, timestampMs: parseTimestamp(m[4]) });
  }
  return { types, series };
}

/** Is the family in the export at all (declared, or with a sample)? */
export const hasFamily = (exp: MetricsExport, family: string): boolean =>
  exp.types.has(family) || exp.series.some((s) => s.name === family || s.name.startsWith(`${family}_`));

/** The labels that name entities in this export (any accepted label on any request series). */
export const entityLabelsIn = (exp: MetricsExport, labels: readonly string[]): string[] =>
  labels.filter((l) => exp.series.some((s) => s.name === METRIC_FAMILIES.requests && s.labels[l] !== undefined));

/** One read, for one served entity. */
export interface EntitySample {
  /** The label the entity's series were found under. */
  readonly label: string;
  readonly requests: number;
  readonly errors4xx: number;
  readonly errors5xx: number;
  /** Histogram buckets: upper bound (ms, Infinity for +Inf) → count at or below it. Empty: no histogram. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  /** The minute the sample stands for (its timestamp), when the export says. */
  readonly timestampMs: number | null;
}

export function entitySample(exp: MetricsExport, entity: string, labels: readonly string[]): EntitySample | null {
  const label = labels.find((l) => exp.series.some((s) => s.name === METRIC_FAMILIES.requests && s.labels[l] === entity));
  if (label === undefined) return null;
  const mine = exp.series.filter((s) => s.labels[label] === entity);
  const sum = (name: string): number => mine.filter((s) => s.name === name && Number.isFinite(s.value)).reduce((a, s) => a + s.value, 0);
  const buckets = new Map<number, number>();
  for (const s of mine) {
    if (s.name !== `${METRIC_FAMILIES.latency}_bucket` || s.labels.le === undefined) continue;
    const le = parseValue(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  const request = mine.find((s) => s.name === METRIC_FAMILIES.requests);
  return {
    label,
    requests: sum(METRIC_FAMILIES.requests),
    errors4xx: sum(METRIC_FAMILIES.errors4xx),
    errors5xx: sum(METRIC_FAMILIES.errors5xx),
    buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count })),
    timestampMs: request?.timestampMs ?? null,
  };
}

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

const bucketTotal = (b: EntitySample['buckets']): number => (b.length ? b[b.length - 1]!.count : 0);

const subtract = (a: EntitySample['buckets'], b: EntitySample['buckets']): EntitySample['buckets'] => {
  const before = new Map(b.map((x) => [x.le, x.count]));
  return a.map(({ le, count }) => ({ le, count: Math.max(0, count - (before.get(le) ?? 0)) }));
};

const addBuckets = (a: EntitySample['buckets'], b: EntitySample['buckets']): EntitySample['buckets'] => {
  const out = new Map(a.map((x) => [x.le, x.count]));
  for (const { le, count } of b) out.set(le, (out.get(le) ?? 0) + count);
  return [...out.entries()].sort((x, y) => x[0] - y[0]).map(([le, count]) => ({ le, count }));
};

/** The reads of one pause: `baseline` was taken when it began, `samples` once a minute after. */
export interface HealthWindow {
  readonly entity: string;
  readonly baseline: MetricsExport | null;
  readonly samples: readonly MetricsExport[];
  /** Labels to look under, in order (the config's `entity_label` first, then ENTITY_LABELS). */
  readonly labels: readonly string[];
}

export type WindowReading =
  | { readonly kind: 'measured'; readonly health: EntityHealth }
  /** The export cannot say anything about the entity: families or labels missing. Never a pass. */
  | { readonly kind: 'unknown'; readonly reason: string; readonly health: EntityHealth };

/**
 * The entity's health over a window: requests and 5xx summed over the samples (one per minute
 * shown), p95 from the window's histogram. Errors are 5xx answers: a 4xx is the caller's fault.
 */
export function windowHealth(w: HealthWindow): WindowReading {
  const minutes = new Map<string, EntitySample>();
  let untimed = 0;
  let labelled = false;
  let unlabelledRequests = 0;
  let haveRequests = false;
  let have5xx = false;
  let haveLatency = false;
  let label: string | null = null;
  for (const exp of w.samples) {
    if (hasFamily(exp, METRIC_FAMILIES.requests)) haveRequests = true;
    if (hasFamily(exp, METRIC_FAMILIES.errors5xx)) have5xx = true;
    if (hasFamily(exp, METRIC_FAMILIES.latency)) haveLatency = true;
    if (entityLabelsIn(exp, w.labels).length > 0) labelled = true;
    else unlabelledRequests += exp.series.filter((s) => s.name === METRIC_FAMILIES.requests && Number.isFinite(s.value)).reduce((a, s) => a + s.value, 0);
    const sample = entitySample(exp, w.entity, w.labels);
    if (!sample) continue;
    label = sample.label;
    // One sample per minute shown: two reads that show the same minute count once.
    minutes.set(sample.timestampMs !== null ? `t${sample.timestampMs}` : `n${untimed++}`, sample);
  }
  const taken = [...minutes.values()];
  const cumulativeCounts = ['counter'].includes(w.samples.at(-1)?.types.get(METRIC_FAMILIES.requests) ?? '');
  const base = w.baseline ? entitySample(w.baseline, w.entity, w.labels) : null;
  const last = taken.at(-1) ?? null;
  let requests: number;
  let errors: number;
  if (cumulativeCounts) {
    requests = last ? Math.max(0, last.requests - (base?.requests ?? 0)) : 0;
    errors = last ? Math.max(0, last.errors5xx - (base?.errors5xx ?? 0)) : 0;
  } else {
    requests = taken.reduce((a, s) => a + s.requests, 0);
    errors = taken.reduce((a, s) => a + s.errors5xx, 0);
  }
  // The histogram: per minute when each sample's count fits its minute's requests, else cumulative
  // (the window is the last read less the one taken when the pause began).
  const perMinute = !cumulativeCounts && taken.every((s) => s.buckets.length === 0 || bucketTotal(s.buckets) <= s.requests);
  const buckets = perMinute
    ? taken.reduce<EntitySample['buckets']>((acc, s) => addBuckets(acc, s.buckets), [])
    : last
      ? subtract(last.buckets, base?.buckets ?? [])
      : [];
  const health: EntityHealth = {
    servedEntityName: w.entity,
    requests,
    errors,
    errorRate: requests > 0 ? errors / requests : null,
    p95LatencyMs: requests > 0 ? quantileFromBuckets(buckets, 0.95) : null,
    minutes: taken.length,
    label,
  };
  if (w.samples.length === 0) return { kind: 'unknown', reason: 'the metrics export was not read', health };
  if (!haveRequests) return { kind: 'unknown', reason: `the metrics export has no ${METRIC_FAMILIES.requests} family (the health check reads ${HEALTH_FAMILIES.join(', ')})`, health };
  if (!labelled && unlabelledRequests > 0) {
    return {
      kind: 'unknown',
      reason: `the metrics export counts ${unlabelledRequests} request(s) but labels none of them by served entity (looked for ${w.labels.join(', ')}): the candidate's share cannot be told apart`,
      health,
    };
  }
  return { kind: 'measured', health: { ...health, ...(have5xx ? {} : { errorRate: null }), ...(haveLatency ? {} : { p95LatencyMs: null }) } };
}

/** Families the thresholds need that the export lacks (checked once enough requests were seen). */
export function missingFamilies(w: HealthWindow, needs: { readonly errorRate: boolean; readonly latency: boolean }): string[] {
  const missing: string[] = [];
  if (needs.errorRate && !w.samples.some((e) => hasFamily(e, METRIC_FAMILIES.errors5xx))) missing.push(METRIC_FAMILIES.errors5xx);
  if (needs.latency && !w.samples.some((e) => hasFamily(e, METRIC_FAMILIES.latency))) missing.push(`${METRIC_FAMILIES.latency} (histogram)`);
  return missing;
}
