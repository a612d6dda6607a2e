import { describe, expect, it } from 'vitest';
import { gathered } from '../../../src/evidence/types.js';
import type { GateOutcome } from '../../../src/policy/types.js';
import { candidateWith, championWith, evidence, run, runGate, unavailable, version } from './fixtures.js';

describe('metric_threshold', () => {
  const gate = (metrics: Record<string, number>, threshold: number, gib = true) =>
    runGate('metric_threshold', { metric: 'roc_auc', threshold, greater_is_better: gib }, evidence(candidateWith(metrics)));

  it.each<[string, Record<string, number>, number, boolean, GateOutcome]>([
    ['above', { roc_auc: 0.842 }, 0.8, true, 'pass'],
    ['equal is a pass (inclusive)', { roc_auc: 0.8 }, 0.8, true, 'pass'],
    ['below', { roc_auc: 0.79 }, 0.8, true, 'fail'],
    ['lower is better, below', { roc_auc: 0.3 }, 0.5, false, 'pass'],
    ['lower is better, equal', { roc_auc: 0.5 }, 0.5, false, 'pass'],
    ['lower is better, above', { roc_auc: 0.51 }, 0.5, false, 'fail'],
    ['missing candidate metric', { accuracy: 0.9 }, 0.8, true, 'fail'],
    ['NaN', { roc_auc: Number.NaN }, 0.8, true, 'fail'],
    ['NaN, lower is better', { roc_auc: Number.NaN }, 0.8, false, 'fail'],
    ['+Infinity is not a pass', { roc_auc: Number.POSITIVE_INFINITY }, 0.8, true, 'fail'],
    ['-Infinity is not a pass', { roc_auc: Number.NEGATIVE_INFINITY }, 0.8, false, 'fail'],
    ['negative values', { roc_auc: -1.5 }, -2, true, 'pass'],
  ])('%s → %s', (_name, metrics, threshold, gib, expected) => {
    expect(gate(metrics, threshold, gib).outcome).toBe(expected);
  });

  it('states the numbers in the message and in measured/threshold', () => {
    const pass = gate({ roc_auc: 0.842 }, 0.8);
    expect(pass.message).toBe('roc_auc 0.842 ≥ 0.8.');
    expect(pass.measured).toMatchObject({ candidate: 0.842, run_id: 'run-cand' });
    expect(pass.threshold).toEqual({ threshold: 0.8, greater_is_better: true });
    expect(gate({ roc_auc: 0.79 }, 0.8).message).toBe('roc_auc 0.79 is below the minimum 0.8.');
    expect(gate({ roc_auc: 0.6 }, 0.5, false).message).toBe('roc_auc 0.6 is above the maximum 0.5.');
  });

  it('never rounds two different numbers to the same text', () => {
    expect(gate({ roc_auc: 0.79999999 }, 0.8).message).toBe('roc_auc 0.79999999 is below the minimum 0.8.');
  });

  it('says which metric is missing and where it looked', () => {
    expect(gate({}, 0.8).message).toMatch(/roc_auc was not logged on the candidate's run run-cand/);
  });

  it('a candidate without a source run fails', () => {
    const r = runGate('metric_threshold', { metric: 'm', threshold: 1, greater_is_better: true }, evidence(version({}, { run: gathered(null) })));
    expect(r.outcome).toBe('fail');
    expect(r.message).toMatch(/no source run/);
  });

  it('an unreadable run is an error (a network fault is not a bad model)', () => {
    const r = runGate('metric_threshold', { metric: 'm', threshold: 1, greater_is_better: true }, evidence(version({}, { run: unavailable() })));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/ECONNREFUSED/);
  });

  it('a run that was not gathered is an error "evidence not gathered"', () => {
    const r = runGate('metric_threshold', { metric: 'm', threshold: 1, greater_is_better: true }, evidence(version()));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/Evidence not gathered/);
  });
});

describe('metric_delta', () => {
  const delta = (
    options: Record<string, unknown>,
    cand: Record<string, number>,
    champ: Record<string, number> | null,
    gib = true,
  ) =>
    runGate(
      'metric_delta',
      { metric: 'm', greater_is_better: gib, ...options },
      evidence(candidateWith(cand), champ === null ? null : championWith(champ)),
    );

  it.each<[string, Record<string, unknown>, number, number, boolean, GateOutcome]>([
    // MLflow min_absolute_change
    ['abs: improved enough', { min_absolute_change: 0.1 }, 0.9 + 1e-2, 0.8, true, 'pass'],
    ['abs: not enough', { min_absolute_change: 0.1 }, 0.79, 0.7, true, 'fail'],
    ['abs: float boundary passes like MLflow', { min_absolute_change: 0.1 }, 0.8 + 1e-10, 0.7, true, 'pass'],
    ['abs: lower is better', { min_absolute_change: 0.1 }, 0.3, 0.401, false, 'pass'],
    ['abs: lower is better, not enough', { min_absolute_change: 0.15 }, 0.5, 0.6, false, 'fail'],
    // MLflow min_relative_change
    ['rel: boundary', { min_relative_change: 0.1 }, 0.77, 0.7, true, 'pass'],
    ['rel: not enough', { min_relative_change: 0.1 }, 0.75, 0.7, true, 'fail'],
    ['rel: lower is better sign flip, pass', { min_relative_change: 0.15 }, 0.3, 0.4, false, 'pass'],
    ['rel: lower is better sign flip, fail', { min_relative_change: 0.1 }, 0.55, 0.6, false, 'fail'],
    ['rel: lower is better, worse', { min_relative_change: 0.1 }, 0.7, 0.6, false, 'fail'],
    ['rel: zero baseline, strictly better', { min_relative_change: 0.1 }, 1e-10, 0, true, 'pass'],
    ['rel: zero baseline, equal', { min_relative_change: 0.1 }, 0, 0, true, 'fail'],
    ['rel: zero baseline, lower is better', { min_relative_change: 0.5 }, -1, 0, false, 'pass'],
    ['rel: zero baseline, lower is better, worse', { min_relative_change: 0.5 }, 1, 0, false, 'fail'],
    // max_regression
    ['max_regression relative: 4.2% worse vs 1%', { max_regression: { relative: 0.01 } }, 0.801, 0.836, true, 'fail'],
    ['max_regression relative: 0.7% worse', { max_regression: { relative: 0.01 } }, 0.83, 0.836, true, 'pass'],
    ['max_regression relative: exactly 1% worse', { max_regression: { relative: 0.01 } }, 0.99, 1, true, 'pass'],
    ['max_regression relative: better', { max_regression: { relative: 0.01 } }, 0.9, 0.836, true, 'pass'],
    ['max_regression absolute: within', { max_regression: { absolute: 0.02 } }, 0.82, 0.836, true, 'pass'],
    ['max_regression absolute: beyond', { max_regression: { absolute: 0.01 } }, 0.82, 0.836, true, 'fail'],
    ['max_regression absolute: lower is better', { max_regression: { absolute: 0.01 } }, 0.305, 0.3, false, 'pass'],
    ['max_regression absolute: lower is better, beyond', { max_regression: { absolute: 0.01 } }, 0.32, 0.3, false, 'fail'],
    // negative metrics
    ['negative, champion base (MLflow sign): worse reads as better', { min_relative_change: 0.05 }, -11, -10, true, 'pass'],
    ['negative, abs_champion: worse is worse', { min_relative_change: 0.05, relative_base: 'abs_champion' }, -11, -10, true, 'fail'],
    ['negative, abs_champion: 10% better', { min_relative_change: 0.05, relative_base: 'abs_champion' }, -9, -10, true, 'pass'],
    ['negative, abs_champion max_regression', { max_regression: { relative: 0.01 }, relative_base: 'abs_champion' }, -10.5, -10, true, 'fail'],
    ['negative, champion base max_regression (sign flip)', { max_regression: { relative: 0.01 } }, -10.5, -10, true, 'pass'],
    // several requirements: all must hold
    ['abs and rel both met', { min_absolute_change: 0.01, min_relative_change: 0.01 }, 0.9, 0.8, true, 'pass'],
    ['abs met, rel not', { min_absolute_change: 0.01, min_relative_change: 0.5 }, 0.9, 0.8, true, 'fail'],
  ])('%s → %s', (_name, options, cand, champ, gib, expected) => {
    expect(delta(options, { m: cand }, { m: champ }, gib).outcome).toBe(expected);
  });

  it('reads like a reviewer sentence with the numbers', () => {
    const r = delta({ max_regression: { relative: 0.01 } }, { m: 0.801 }, { m: 0.836 });
    expect(r.message).toBe('m 0.801 is 4.19% worse than champion churn v5 0.836; fails max regression 1%.');
    expect(r.measured).toMatchObject({ candidate: 0.801, champion: 0.836, champion_version: '5' });
    expect(r.measured.delta).toBeCloseTo(-0.035);
    expect(r.measured.relative_change).toBeCloseTo(-0.0419, 4);
    expect(r.threshold).toMatchObject({ max_regression_relative: 0.01, max_regression_absolute: null, relative_base: 'champion' });
  });

  it('pass message names what was met', () => {
    const r = delta({ min_absolute_change: 0.01 }, { m: 0.9 }, { m: 0.8 });
    expect(r.outcome).toBe('pass');
    expect(r.message).toBe('m 0.9 is 12.5% better than champion churn v5 0.8; meets min absolute change 0.01: needs ≥ 0.81.');
  });

  it('explains the zero-baseline fallback', () => {
    expect(delta({ min_relative_change: 0.1 }, { m: 0 }, { m: 0 }).message).toMatch(/champion is 0, so it must be strictly better/);
  });

  it('headline uses |champion| so a negative metric getting worse says "worse"', () => {
    expect(delta({ min_relative_change: 0.05 }, { m: -11 }, { m: -10 }).message).toMatch(/^m -11 is 10% worse than champion/);
  });

  describe('missing baseline', () => {
    it.each<[string | undefined, GateOutcome]>([
      [undefined, 'fail'],
      ['fail', 'fail'],
      ['pass', 'pass'],
      ['warn', 'warn'],
    ])('no champion yet, on_missing_baseline=%s → %s', (setting, expected) => {
      const r = delta({ min_absolute_change: 0.01, ...(setting ? { on_missing_baseline: setting } : {}) }, { m: 0.9 }, null);
      expect(r.outcome).toBe(expected);
      expect(r.measured.baseline).toBe('no_champion');
      expect(r.message).toMatch(/prod has no champion yet \(first promotion\)/);
    });

    it.each<[string, GateOutcome]>([
      ['fail', 'fail'],
      ['pass', 'pass'],
      ['warn', 'warn'],
    ])('champion lacks the metric, on_missing_baseline=%s → %s (reported differently)', (setting, expected) => {
      const r = delta({ min_relative_change: 0.01, on_missing_baseline: setting }, { m: 0.9 }, { other: 1 });
      expect(r.outcome).toBe(expected);
      expect(r.measured.baseline).toBe('metric_missing');
      expect(r.message).toMatch(/Champion churn v5 has no m logged on its run run-champ/);
    });

    it('a champion without a source run counts as lacking the metric', () => {
      const champion = version({ version: '5' }, { run: gathered(null) });
      const r = runGate('metric_delta', { metric: 'm', greater_is_better: true, min_absolute_change: 0 }, evidence(candidateWith({ m: 1 }), champion));
      expect(r.outcome).toBe('fail');
      expect(r.measured.baseline).toBe('metric_missing');
    });

    it('min_relative_change 0 with a missing baseline is still a missing baseline (MLflow would crash)', () => {
      expect(delta({ min_relative_change: 0 }, { m: 0.9 }, {}).measured.baseline).toBe('metric_missing');
    });
  });

  it('missing candidate metric fails before the champion is looked at', () => {
    const r = delta({ min_absolute_change: 0.01, on_missing_baseline: 'pass' }, {}, null);
    expect(r.outcome).toBe('fail');
    expect(r.message).toMatch(/not logged on the candidate/);
  });

  it.each([
    ['candidate NaN', { m: Number.NaN }, { m: 0.8 }],
    ['candidate Infinity', { m: Number.POSITIVE_INFINITY }, { m: 0.8 }],
    ['champion NaN', { m: 0.9 }, { m: Number.NaN }],
    ['champion -Infinity', { m: 0.9 }, { m: Number.NEGATIVE_INFINITY }],
  ])('%s is never a pass', (_name, cand, champ) => {
    for (const options of [{ min_absolute_change: 0 }, { min_relative_change: 0 }, { max_regression: { relative: 1 } }]) {
      expect(delta({ ...options, on_missing_baseline: 'pass' }, cand, champ).outcome).toBe('fail');
    }
  });

  it('an unreadable champion is an error', () => {
    const r = runGate('metric_delta', { metric: 'm', greater_is_better: true, min_absolute_change: 0 }, evidence(candidateWith({ m: 1 }), unavailable()));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/Could not read the champion in prod \(unavailable\)/);
  });

  it('an unreadable champion run is an error', () => {
    const champion = version({ version: '5' }, { run: unavailable('HTTP 503') });
    const r = runGate('metric_delta', { metric: 'm', greater_is_better: true, min_absolute_change: 0 }, evidence(candidateWith({ m: 1 }), champion));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/champion churn v5.*HTTP 503/);
  });

  it('a champion run that was not gathered is an error', () => {
    const champion = version({ version: '5' });
    const r = runGate('metric_delta', { metric: 'm', greater_is_better: true, min_absolute_change: 0 }, evidence(candidateWith({ m: 1 }), champion));
    expect(r.outcome).toBe('error');
    expect(r.message).toMatch(/Evidence not gathered/);
  });

  it('uses the latest metric value from the run', () => {
    const cand = version({}, { run: gathered(run({ metrics: { m: 0.95 } })) });
    expect(runGate('metric_delta', { metric: 'm', greater_is_better: true, min_absolute_change: 0.1 }, evidence(cand, championWith({ m: 0.85 }))).outcome).toBe('pass');
  });
});
