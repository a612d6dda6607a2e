// soak: the candidate has been served where it comes from for long enough, with enough traffic,
// and behaved there. Evidence (src/evidence/live-gather.ts): the candidate's served entity on the
// source environment's endpoint (served now, its traffic, since when: creation_timestamp) and its
// requests in the endpoint's inference table over the soak window, which ends `ingestion_lag`
// before the plan (requests younger than that may not be logged yet).
//
// Not enough evidence never passes: not served, no traffic, served for less than the window, or
// fewer requests than required → fail; evidence that cannot be read or attributed → error.

import type { LiveNeed, SoakFacts } from '../../evidence/live.js';
import { formatPercentDistinct, formatPair } from '../format.js';
import { GateOptionError, readNumber, type RawOptions } from '../options.js';
import type { GateResult, GateType, Measured } from '../types.js';
import { readCandidate, result, versionLabel } from './kit.js';
import { count, humanDuration, readDuration, readLive, utc } from './live-kit.js';

export interface SoakOptions {
  /** How long the candidate must have been served, measured as evidence time (the window). */
  readonly minDurationSeconds: number;
  readonly minRequests: number;
  readonly maxErrorRate: number | null;
  readonly maxP95LatencyMs: number | null;
  readonly ingestionLagSeconds: number;
}

/** "Payload logging data populates these tables less than hour after querying the endpoint." */
export const DEFAULT_INGESTION_LAG_SECONDS = 3600;

const needOf = (o: SoakOptions): LiveNeed => ({ kind: 'soak', windowSeconds: o.minDurationSeconds, lagSeconds: o.ingestionLagSeconds });

export const soakGate: GateType<SoakOptions> = {
  type: 'soak',
  schemaRef: '#/$defs/gate_soak',

  parse(raw: RawOptions): SoakOptions {
    const minDurationSeconds = readDuration(raw, 'min_duration');
    if (minDurationSeconds === undefined || minDurationSeconds < 60) throw new GateOptionError('option "min_duration" is required and must be at least 1m', 'min_duration');
    const minRequests = readNumber(raw, 'min_requests');
    if (minRequests === undefined || !Number.isInteger(minRequests) || minRequests < 1) throw new GateOptionError('option "min_requests" is required and must be an integer ≥ 1', 'min_requests');
    const maxErrorRate = readNumber(raw, 'max_error_rate') ?? null;
    if (maxErrorRate !== null && (maxErrorRate < 0 || maxErrorRate > 1)) throw new GateOptionError('option "max_error_rate" must be between 0 and 1', 'max_error_rate');
    const maxP95LatencyMs = readNumber(raw, 'max_p95_latency_ms') ?? null;
    if (maxP95LatencyMs !== null && maxP95LatencyMs <= 0) throw new GateOptionError('option "max_p95_latency_ms" must be > 0', 'max_p95_latency_ms');
    return { minDurationSeconds, minRequests, maxErrorRate, maxP95LatencyMs, ingestionLagSeconds: readDuration(raw, 'ingestion_lag') ?? DEFAULT_INGESTION_LAG_SECONDS };
  },

  needs: (o) => ({ live: [needOf(o)] }),

  evaluate(o, ctx) {
    const threshold: Measured = {
      min_duration_s: o.minDurationSeconds,
      min_requests: o.minRequests,
      max_error_rate: o.maxErrorRate,
      max_p95_latency_ms: o.maxP95LatencyMs,
      ingestion_lag_s: o.ingestionLagSeconds,
    };
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const label = versionLabel(candidate.value);
    const facts = readLive(ctx, needOf(o), 'soak', `the soak evidence of ${label} in ${ctx.target.from}`);
    if (!facts.ok) return { ...facts.result, threshold };
    return { ...judge(o, facts.value, label, ctx.target.from), threshold };
  },
};

function judge(o: SoakOptions, f: SoakFacts, label: string, env: string): GateResult {
  const measured: Record<string, number | string | boolean | null> = { endpoint: f.endpoint, inference_table: f.inferenceTable };
  const required = `${humanDuration(o.minDurationSeconds)} with ≥ ${count(o.minRequests)} requests`;
  if (!f.endpointExists) return result('fail', `${label} is not served in ${env}: serving endpoint "${f.endpoint}" does not exist, so it has not soaked (${required} needed).`, measured);
  if (f.served === null) return result('fail', `${label} is not served in ${env}: endpoint "${f.endpoint}" serves no entity of this version, so it has not soaked (${required} needed).`, measured);
  const served = f.served;
  Object.assign(measured, { served_entity: served.name, traffic_percent: served.trafficPercent, served_since: served.sinceMs === null ? null : new Date(served.sinceMs).toISOString() });
  const where = `${served.name} on "${f.endpoint}"`;
  if (served.trafficPercent <= 0) return result('fail', `${label} takes no traffic in ${env} now (${where} at 0%), so it is not soaking (${required} needed).`, measured);
  if (served.sinceMs === null) return result('error', `Could not tell how long ${label} has been served in ${env}: endpoint "${f.endpoint}" reports no creation_timestamp for ${served.name}.`, measured);
  const since = `since ${utc(served.sinceMs)}`;
  if (f.inferenceTable === null) {
    return result('error', `Could not measure ${label} in ${env}: endpoint "${f.endpoint}" logs to no inference table (serving.inference_table), where its requests, errors and latency are read.`, measured);
  }
  const horizon = f.measuredAtMs - f.lagSeconds * 1000;
  const lag = `ends ${humanDuration(f.lagSeconds)} before the plan (the inference table's ingestion lag)`;
  const servedFor = horizon - served.sinceMs;
  const w = f.window;
  if (w === null) {
    return result('fail', `${label} has been served in ${env} only ${humanDuration((f.measuredAtMs - served.sinceMs) / 1000)} (${where} ${since}), less than the inference table's ${humanDuration(f.lagSeconds)} ingestion lag: no evidence yet (${required} needed).`, measured);
  }
  Object.assign(measured, {
    window_start: new Date(w.startMs).toISOString(),
    window_end: new Date(w.endMs).toISOString(),
    requests: w.requests,
    errors_5xx: w.errors5xx,
    errors_4xx: w.errors4xx,
    error_rate: w.requests > 0 ? w.errors5xx / w.requests : null,
    p95_ms: w.p95Ms,
    statement_id: w.statementId,
  });
  if (w.entityRecords === 0) {
    return result(
      'error',
      `Could not attribute requests to ${label} in ${env}: system.serving.served_entities has no row for ${where}, which maps the inference table's served_entity_id to a served entity (the reader needs SELECT on it; usage tracking must be on).`,
      measured,
    );
  }
  const window = `${utc(w.startMs)} → ${utc(w.endMs)}`;
  const figures = describeFigures(o, w);
  measured.soaked_s = Math.floor(servedFor / 1000);
  const context = `${label} served in ${env} as ${where} at ${served.trafficPercent}% ${since}; window ${lag}`;
  if (servedFor < o.minDurationSeconds * 1000) {
    return result(
      'fail',
      `${label} has soaked ${humanDuration(servedFor / 1000)} in ${env}, less than the ${humanDuration(o.minDurationSeconds)} required (${where} ${since}; evidence ${lag}); so far ${figures.text} (${window}).`,
      measured,
    );
  }
  if (figures.unreadable) return result('error', `${label} in ${env}: ${figures.unreadable} (window ${window}).`, measured);
  const problems: string[] = [];
  if (w.requests < o.minRequests) problems.push(`${count(w.requests)} ${w.requests === 1 ? 'request' : 'requests'} in the window, fewer than the ${count(o.minRequests)} required`);
  problems.push(...figures.breaches);
  const evidence = `${figures.text} in the ${humanDuration(o.minDurationSeconds)} window ${window}`;
  if (problems.length > 0) return result('fail', `${problems.join('; ')}: ${evidence} (${context}).`, measured);
  return result('pass', `${evidence} (${context}).`, measured);
}

/** The window's figures in words, and what breaches a bound. */
function describeFigures(o: SoakOptions, w: NonNullable<SoakFacts['window']>): { text: string; breaches: string[]; unreadable: string | null } {
  const parts = [`${count(w.requests)} ${w.requests === 1 ? 'request' : 'requests'}`];
  const breaches: string[] = [];
  let unreadable: string | null = null;
  if (w.requests > 0) {
    const rate = w.errors5xx / w.requests;
    if (o.maxErrorRate !== null) {
      const [shown, bound] = formatPercentDistinct([rate, o.maxErrorRate]);
      const ok = rate <= o.maxErrorRate;
      parts.push(`5xx ${shown} (${count(w.errors5xx)}) ${ok ? '≤' : '>'} ${bound}`);
      if (!ok) breaches.push(`5xx rate ${shown} above ${bound}`);
    } else {
      parts.push(`5xx ${count(w.errors5xx)}`);
    }
    if (o.maxP95LatencyMs !== null) {
      if (w.p95Ms === null || !Number.isFinite(w.p95Ms)) {
        unreadable = `the inference table gave no p95 execution time for ${count(w.requests)} requests`;
      } else {
        const [shown, bound] = formatPair(w.p95Ms, o.maxP95LatencyMs);
        const ok = w.p95Ms <= o.maxP95LatencyMs;
        parts.push(`p95 execution ${shown} ms ${ok ? '≤' : '>'} ${bound} ms`);
        if (!ok) breaches.push(`p95 execution time ${shown} ms above ${bound} ms`);
      }
    }
  }
  return { text: parts.join(', '), breaches, unreadable };
}
