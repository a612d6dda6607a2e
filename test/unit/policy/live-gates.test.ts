// soak and drift judged from gathered facts (pure): every way the evidence can fall short is a
// fail or an error, never a pass; bounds in both directions; options refused with the key at fault.

import { describe, expect, it } from 'vitest';
import { liveNeedKey, type LiveFacts, type LiveNeed, type MonitorFacts, type SoakFacts } from '../../../src/evidence/live.js';
import { gathered, notGathered, type TargetEvidence } from '../../../src/evidence/types.js';
import { GateOptionError } from '../../../src/policy/options.js';
import { driftGate } from '../../../src/policy/gates/drift.js';
import { soakGate, type SoakOptions } from '../../../src/policy/gates/soak.js';
import type { GateContext } from '../../../src/policy/types.js';
import { NOW, TARGET, version } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = NOW.getTime();

const ctxWith = (live: Record<string, ReturnType<typeof gathered<LiveFacts>> | ReturnType<typeof notGathered<LiveFacts>>>): GateContext => {
  const evidence: TargetEvidence = { candidate: gathered(version({ name: 'staging.ml.churn', version: '3' })), champion: gathered(null), live };
  return { target: TARGET, evidence, now: NOW };
};

const soakOptions = soakGate.parse({ min_duration: '24h', min_requests: 1000, max_error_rate: 0.01, max_p95_latency_ms: 250 });
const soakNeed = (o: SoakOptions): LiveNeed => (soakGate.needs(o).live ?? [])[0]!;

const soakFacts = (over: Partial<SoakFacts> = {}, window: Partial<NonNullable<SoakFacts['window']>> | null = {}): SoakFacts => ({
  kind: 'soak',
  endpoint: 'churn-staging',
  endpointExists: true,
  measuredAtMs: AT,
  windowSeconds: 86_400,
  lagSeconds: 3600,
  served: { name: 'churn-3', trafficPercent: 100, sinceMs: AT - 3 * DAY },
  inferenceTable: 'staging.monitoring.churn_payload',
  window:
    window === null
      ? null
      : { startMs: AT - 25 * HOUR, endMs: AT - HOUR, requests: 2400, errors5xx: 0, errors4xx: 3, p95Ms: 120, firstRequestMs: AT - 25 * HOUR, lastRequestMs: AT - HOUR - 1, entityRecords: 2, statementId: 's1', ...window },
  ...over,
});

const soak = (facts: SoakFacts | 'unreadable', options = soakOptions) =>
  soakGate.evaluate(options, ctxWith({ [liveNeedKey(soakNeed(options))]: facts === 'unreadable' ? notGathered('denied', 'statement s1 ended FAILED (SQLSTATE 42501): [INSUFFICIENT_PERMISSIONS]') : gathered(facts) }));

describe('soak', () => {
  it('passes with the window, counts and rates in its message and measured values', () => {
    const r = soak(soakFacts());
    expect(r.outcome).toBe('pass');
    expect(r.message).toMatch(/^2,400 requests, 5xx 0% \(0\) ≤ 1%, p95 execution 120 ms ≤ 250 ms in the 1 d window /);
    expect(r.measured).toMatchObject({ requests: 2400, errors_5xx: 0, errors_4xx: 3, error_rate: 0, p95_ms: 120, served_entity: 'churn-3', soaked_s: 3 * 86_400 - 3600 });
    expect(r.threshold).toMatchObject({ min_duration_s: 86_400, min_requests: 1000, max_error_rate: 0.01, max_p95_latency_ms: 250, ingestion_lag_s: 3600 });
  });

  it('fails on each bound, inclusive at the bound itself', () => {
    expect(soak(soakFacts({}, { errors5xx: 24 })).outcome).toBe('pass'); // exactly 1%
    expect(soak(soakFacts({}, { errors5xx: 25 })).message).toMatch(/^5xx rate 1\.04% above 1%/);
    expect(soak(soakFacts({}, { p95Ms: 250 })).outcome).toBe('pass');
    expect(soak(soakFacts({}, { p95Ms: 250.5 })).message).toMatch(/^p95 execution time 250\.5 ms above 250 ms/);
    expect(soak(soakFacts({}, { requests: 999 })).message).toMatch(/^999 requests in the window, fewer than the 1,000 required/);
  });

  it('never passes on missing evidence', () => {
    const cases: [SoakFacts | 'unreadable', 'fail' | 'error', RegExp][] = [
      [soakFacts({ endpointExists: false, served: null, window: null }), 'fail', /does not exist, so it has not soaked/],
      [soakFacts({ served: null, window: null }), 'fail', /serves no entity of this version/],
      [soakFacts({ served: { name: 'churn-3', trafficPercent: 0, sinceMs: AT - 3 * DAY } }), 'fail', /takes no traffic in staging now/],
      [soakFacts({ served: { name: 'churn-3', trafficPercent: 100, sinceMs: null } }), 'error', /reports no creation_timestamp/],
      [soakFacts({ inferenceTable: null, window: null }), 'error', /logs to no inference table/],
      [soakFacts({ served: { name: 'churn-3', trafficPercent: 100, sinceMs: AT - 30 * 60_000 } }, null), 'fail', /less than the inference table's 1 h ingestion lag/],
      [soakFacts({ served: { name: 'churn-3', trafficPercent: 100, sinceMs: AT - 10 * HOUR } }, { startMs: AT - 10 * HOUR, requests: 800 }), 'fail', /has soaked 9 h in staging, less than the 1 d required/],
      [soakFacts({}, { entityRecords: 0, requests: 0 }), 'error', /system\.serving\.served_entities has no row for churn-3/],
      [soakFacts({}, { p95Ms: null }), 'error', /no p95 execution time/],
      [soakFacts({}, { requests: 0, errors5xx: 0, p95Ms: null }), 'fail', /^0 requests in the window/],
      ['unreadable', 'error', /^Could not read the soak evidence of staging\.ml\.churn v3 in staging \(denied\)/],
    ];
    for (const [facts, outcome, message] of cases) {
      const r = soak(facts);
      expect([r.outcome, r.message], JSON.stringify(facts).slice(0, 200)).toEqual([outcome, expect.stringMatching(message)]);
    }
  });

  it('is an error, not a pass, when the evidence was never gathered (a needs() bug)', () => {
    const r = soakGate.evaluate(soakOptions, ctxWith({}));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/^Evidence not gathered/);
  });

  it('refuses unusable options with the key at fault', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ min_requests: 10 }, 'min_duration'],
      [{ min_duration: '30s', min_requests: 10 }, 'min_duration'],
      [{ min_duration: 'a day', min_requests: 10 }, 'min_duration'],
      [{ min_duration: '1d', min_requests: 0 }, 'min_requests'],
      [{ min_duration: '1d', min_requests: 10, max_error_rate: 1.5 }, 'max_error_rate'],
      [{ min_duration: '1d', min_requests: 10, ingestion_lag: 'soon' }, 'ingestion_lag'],
    ];
    for (const [raw, key] of bad) {
      let thrown: unknown = null;
      try {
        soakGate.parse(raw);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(raw)).toBeInstanceOf(GateOptionError);
      expect((thrown as GateOptionError).key).toBe(key);
    }
    expect(soakGate.parse({ min_duration: '3d12h', min_requests: 5, ingestion_lag: '90m' })).toMatchObject({ minDurationSeconds: 3.5 * 86_400, ingestionLagSeconds: 5400 });
  });
});

const driftOptions = driftGate.parse({
  columns: { tenure: { js_distance: 0.1, 'ks_test.pvalue': 0.05, avg_delta: 2 }, plan: { 'chi_squared_test.pvalue': { min: 0.01 } } },
  quality: { ':table': { count: 1000 }, tenure: { percent_null: 0.05 } },
});
const [driftNeed, profileNeed] = driftGate.needs(driftOptions).live ?? [];

const monitor = (kind: 'drift' | 'profile', columns: MonitorFacts['columns'], over: Partial<MonitorFacts> = {}): MonitorFacts => ({
  kind,
  table: `staging.monitoring.churn_payload_${kind}_metrics`,
  granularity: '1 day',
  driftType: kind === 'drift' ? 'BASELINE' : null,
  modelId: '3',
  modelIdColumn: 'model_version',
  measuredAtMs: AT,
  window: { startMs: AT - 2 * DAY, endMs: AT - DAY },
  columns,
  dataTypes: { tenure: 'double', plan: 'string' },
  statementId: 's',
  ...over,
});
const DRIFT_OK = { tenure: { js_distance: 0.04, 'ks_test.pvalue': 0.4, avg_delta: -1.5 }, plan: { 'chi_squared_test.pvalue': 0.2 } };
const PROFILE_OK = { ':table': { count: 4800 }, tenure: { percent_null: 0.01 } };
const drift = (d: MonitorFacts | null, p: MonitorFacts | null) =>
  driftGate.evaluate(
    driftOptions,
    ctxWith({
      ...(d ? { [liveNeedKey(driftNeed!)]: gathered(d) } : {}),
      ...(p ? { [liveNeedKey(profileNeed!)]: gathered(p) } : {}),
    }),
  );

describe('drift', () => {
  it('gathers only what its options name: drift and profile needs, model id {version} by default', () => {
    expect(driftNeed).toEqual({ kind: 'drift', driftType: 'BASELINE', granularity: '1 day', modelId: '{version}' });
    expect(profileNeed).toEqual({ kind: 'profile', granularity: '1 day', modelId: '{version}' });
    expect(driftGate.needs(driftGate.parse({ columns: { x: { js_distance: 0.1 } }, model_id: false })).live).toEqual([{ kind: 'drift', driftType: 'BASELINE', granularity: '1 day', modelId: null }]);
  });

  it('passes within bounds: natural directions (distances at most, p-values at least, |delta| at most)', () => {
    const r = drift(monitor('drift', DRIFT_OK), monitor('profile', PROFILE_OK));
    expect(r.outcome, r.message).toBe('pass');
    expect(r.message).toMatch(/^tenure JS distance 0\.04 ≤ 0\.1, tenure KS p-value 0\.4 ≥ 0\.05, \|tenure avg_delta\| 1\.5 ≤ 2 and plan χ² p-value 0\.2 ≥ 0\.01; :table count 4800 ≥ 1000 and tenure percent_null 0\.01 ≤ 0\.05 \(/);
  });

  it('fails on a breach, names it first, and keeps the figures within bounds', () => {
    const r = drift(monitor('drift', { ...DRIFT_OK, tenure: { js_distance: 0.2, 'ks_test.pvalue': 0.001, avg_delta: -3 } }), monitor('profile', PROFILE_OK));
    expect(r.outcome).toBe('fail');
    expect(r.message).toMatch(/^tenure JS distance 0\.2 > 0\.1, tenure KS p-value 0\.001 < 0\.05 and \|tenure avg_delta\| 3 > 2 \(baseline drift of .*; within bounds: plan χ² p-value 0\.2 ≥ 0\.01\)\.$/);
    expect(r.measured).toMatchObject({ 'tenure.js_distance': 0.2, 'tenure.avg_delta': -3 });
  });

  it('never passes on missing evidence: no rows, a missing column, a statistic not computed, NaN, stale, unreadable', () => {
    expect(drift(monitor('drift', {}, { window: null }), monitor('profile', PROFILE_OK)).message).toMatch(/^No baseline drift metrics for .* \(baseline drift needs the monitor to have a baseline table\)/);
    expect(drift(monitor('drift', { tenure: DRIFT_OK.tenure }), monitor('profile', PROFILE_OK)).message).toMatch(/^No baseline drift row for column plan in the latest window/);
    const nullStat = drift(monitor('drift', { ...DRIFT_OK, plan: { 'chi_squared_test.pvalue': null } }), monitor('profile', PROFILE_OK));
    expect([nullStat.outcome, nullStat.message]).toEqual(['error', expect.stringMatching(/does not compute plan χ² p-value \(string\)/)]);
    const nan = drift(monitor('drift', { ...DRIFT_OK, tenure: { ...DRIFT_OK.tenure, js_distance: NaN } }), monitor('profile', PROFILE_OK));
    expect([nan.outcome, nan.message]).toEqual(['fail', expect.stringMatching(/^tenure JS distance NaN is NaN/)]);
    const stale = drift(monitor('drift', DRIFT_OK, { window: { startMs: AT - 10 * DAY, endMs: AT - 9 * DAY } }), monitor('profile', PROFILE_OK));
    expect(stale.message).toMatch(/are stale: their window ended 9 d before the plan \(max_age 7 d\)/);
    const missing = drift(monitor('drift', DRIFT_OK), null);
    expect([missing.outcome, missing.message]).toEqual(['error', expect.stringMatching(/^Evidence not gathered: the profile metrics/)]);
  });

  it('refuses unusable options with the key at fault', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'columns'],
      [{ columns: { x: { psi: 0.1 } } }, 'columns.x.psi'],
      [{ quality: { x: { avg: 3 } } }, 'quality.x.avg'],
      [{ columns: { x: { js_distance: { min: 0.5, max: 0.1 } } } }, 'columns.x.js_distance'],
      [{ columns: { x: { js_distance: 0.1 } }, model_id: '' }, 'model_id'],
      [{ columns: { x: { js_distance: 0.1 } }, drift_type: 'previous' }, 'drift_type'],
    ];
    for (const [raw, key] of bad) {
      let thrown: unknown = null;
      try {
        driftGate.parse(raw);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(raw)).toBeInstanceOf(GateOptionError);
      expect((thrown as GateOptionError).key).toBe(key);
    }
  });
});
