// The health check of a served entity, one rule for every caller: the canary's steps and
// blue-green's switch (src/rollout/converge.ts) and the bake after a rollout (src/rollout/bake.ts).
//
// The metrics export shows the latest minute only (docs/fidelity.md #85), so a check samples it
// once a minute through the pause and adds the minutes up (src/endpoint/metrics.ts). It passes only
// on evidence: at least `min_requests` requests of the entity, under the thresholds. Too few
// requests wait (up to `max_traffic_wait`) or fail at once (`on_insufficient_traffic`); an export
// that cannot be read, lacks the families the thresholds need, or cannot tell the entity's requests
// apart is `error`, never a pass.

import type { HealthCheck } from '../config/types.js';
import { ENTITY_LABELS, missingFamilies, windowHealth, type HealthWindow, type MetricsExport } from '../endpoint/metrics.js';
import type { EndpointView, EntityHealth, WaitProgress } from '../endpoint/serving.js';
import type { ServingClient, ServingClock } from '../endpoint/ports.js';

export type HealthOutcome = 'pass' | 'fail' | 'error';

export interface HealthVerdict {
  readonly outcome: HealthOutcome;
  readonly reason: string;
  readonly health: EntityHealth;
}

export interface HealthRequest {
  readonly endpoint: string;
  /** The served entity judged (`churn-4`). */
  readonly entity: string;
  readonly health: HealthCheck;
  /** How long to watch before judging; the export is read once a minute through it. */
  readonly pauseSeconds: number;
  /** The endpoint as last read (progress reports its state). */
  readonly at: EndpointView;
  /** What the pause is for, in progress lines: `before the health check at "canary 10%"`. */
  readonly pausing: string;
}

export interface HealthDeps {
  readonly serving: ServingClient;
  readonly clock: ServingClock;
  readonly onProgress?: (progress: WaitProgress) => void | Promise<void>;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export const measuredText = (h: EntityHealth): string =>
  `${h.requests} requests, ${h.errors} errors, p95 ${h.p95LatencyMs === null ? 'n/a' : `${Math.round(h.p95LatencyMs)} ms`} over ${h.minutes ?? 0} minute(s) of metrics`;

/** Thresholds against a window with enough requests. */
export const thresholdVerdict = (h: EntityHealth, health: HealthCheck): { outcome: HealthOutcome; reason: string } => {
  const { maxErrorRate, maxP95LatencyMs } = health;
  const problems: string[] = [];
  if (maxErrorRate !== null && h.errorRate !== null && h.errorRate > maxErrorRate) problems.push(`error rate ${pct(h.errorRate)} > ${pct(maxErrorRate)}`);
  if (maxP95LatencyMs !== null && h.p95LatencyMs !== null && h.p95LatencyMs > maxP95LatencyMs) problems.push(`p95 latency ${Math.round(h.p95LatencyMs)} ms > ${maxP95LatencyMs} ms`);
  return problems.length > 0 ? { outcome: 'fail', reason: `${problems.join('; ')} (${measuredText(h)})` } : { outcome: 'pass', reason: measuredText(h) };
};

/** Reads of the export are a minute apart: each shows another minute (the export holds the latest one). */
export const SAMPLE_MS = 60_000;

/**
 * Samples the export once a minute through the pause (one read at its end when it is shorter
 * than a minute), then judges the entity; with too few requests, `wait` keeps sampling up to
 * max_traffic_wait.
 */
export async function judgeHealth(req: HealthRequest, deps: HealthDeps): Promise<HealthVerdict> {
  const { serving, clock } = deps;
  const h = req.health;
  const entity = req.entity;
  const labels = [...(h.entityLabel ? [h.entityLabel] : []), ...ENTITY_LABELS.filter((l) => l !== h.entityLabel)];
  const samples: MetricsExport[] = [];
  const empty: EntityHealth = { servedEntityName: entity, requests: 0, errors: 0, errorRate: null, p95LatencyMs: null, minutes: 0, label: null };
  const unreadable = (e: unknown): string => `the metrics export of "${req.endpoint}" could not be read: ${e instanceof Error ? e.message : String(e)}`;
  const read = async (): Promise<string | null> => {
    try {
      samples.push(await serving.readMetrics(req.endpoint));
      return null;
    } catch (e) {
      return unreadable(e);
    }
  };
  const tellProgress = async (message: string, elapsedMs: number): Promise<void> =>
    deps.onProgress?.({ endpoint: req.endpoint, configUpdate: req.at.configUpdate, ready: req.at.ready, poll: 0, elapsedMs, message: `${req.endpoint}: ${message}` });
  let baseline: MetricsExport | null = null;
  try {
    baseline = await serving.readMetrics(req.endpoint);
  } catch (e) {
    return { outcome: 'error', reason: unreadable(e), health: empty };
  }
  const window = (): HealthWindow => ({ entity, baseline, samples, labels });
  const pauseMs = req.pauseSeconds * 1000;
  for (let slept = 0; slept < pauseMs; ) {
    const slice = Math.min(SAMPLE_MS, pauseMs - slept);
    await tellProgress(`pausing ${Math.round((pauseMs - slept) / 1000)} s ${req.pausing} (the metrics export is read once a minute)`, slept);
    await clock.sleep(slice);
    slept += slice;
    // Reads a minute apart only: a shorter last slice is slept, not read (it would show a minute again).
    if (slice === SAMPLE_MS || pauseMs < SAMPLE_MS) {
      const failed = await read();
      if (failed) return { outcome: 'error', reason: failed, health: empty };
    }
  }
  if (samples.length === 0) {
    const failed = await read();
    if (failed) return { outcome: 'error', reason: failed, health: empty };
  }
  const extraMs = h.onInsufficientTraffic === 'wait' ? h.maxTrafficWaitSeconds * 1000 : 0;
  for (let waited = 0; ; ) {
    const reading = windowHealth(window());
    if (reading.kind === 'unknown') return { outcome: 'error', reason: reading.reason, health: reading.health };
    const got = reading.health;
    if (got.requests >= h.minRequests) {
      const missing = missingFamilies(window(), { errorRate: h.maxErrorRate !== null, latency: h.maxP95LatencyMs !== null });
      if (missing.length) return { outcome: 'error', reason: `the metrics export has no ${missing.join(' or ')}, which the thresholds need (${measuredText(got)})`, health: got };
      return { ...thresholdVerdict(got, h), health: got };
    }
    if (waited >= extraMs) {
      const where = got.label
        ? `${got.requests} request(s) reached ${entity} (label ${got.label})`
        : `the metrics export has no series for ${entity} under ${labels.join(', ')}${samples.some((x) => x.series.length > 0) ? '' : ' (no series at all)'}`;
      const family = samples.some((x) => x.types.has('request_count_total') || x.series.some((y) => y.name === 'request_count_total')) ? '' : '; it has no request_count_total family';
      return {
        outcome: 'error',
        reason:
          `not enough traffic to judge: ${where} in ${got.minutes ?? 0} minute(s) of metrics${family}; min_requests is ${h.minRequests}` +
          (h.onInsufficientTraffic === 'wait' ? ` (waited ${Math.round(waited / 60_000)} extra minute(s), max_traffic_wait)` : ' (on_insufficient_traffic: fail)'),
        health: got,
      };
    }
    await tellProgress(`${got.requests} of ${h.minRequests} requests to ${entity} so far: waiting a minute more for traffic (up to ${Math.round(extraMs / 60_000)} min)`, pauseMs + waited);
    await clock.sleep(SAMPLE_MS);
    waited += SAMPLE_MS;
    const failed = await read();
    if (failed) return { outcome: 'error', reason: failed, health: got };
  }
}
