// Metric values as MLflow really stores them, overflow, and messages that agree with the verdict.
//
// MLflow cannot store an infinite double: log_metric("auc", float("inf")) is stored and returned
// as 1.7976931348623157e308 (sys.float_info.max), -inf as -1.7976931348623157e308; NaN comes back
// as NaN. test/integration/mlflow-infinity.test.ts checks this on the real server.

import { describe, expect, it } from 'vitest';
import { formatDistinct, formatPair, formatPercentDistinct } from '../../../src/policy/format.js';
import { describeNonFinite, metricValue } from '../../../src/policy/numbers.js';
import type { GateResult } from '../../../src/policy/types.js';
import { candidateWith, championWith, evidence, runGate } from './fixtures.js';

/** What MLflow returns for +inf / -inf. */
const STORED_INF = 1.7976931348623157e308;

const threshold = (value: number, limit: number, gib: boolean): GateResult =>
  runGate('metric_threshold', { metric: 'm', threshold: limit, greater_is_better: gib }, evidence(candidateWith({ m: value })));

const delta = (options: Record<string, unknown>, cand: number, champ: number, gib = true): GateResult =>
  runGate('metric_delta', { metric: 'm', greater_is_better: gib, ...options }, evidence(candidateWith({ m: cand }), championWith({ m: champ })));

describe('metricValue', () => {
  it.each<[unknown, number]>([
    [STORED_INF, Number.POSITIVE_INFINITY],
    [-STORED_INF, Number.NEGATIVE_INFINITY],
    [Number.MAX_VALUE, Number.POSITIVE_INFINITY],
    [1.7976931348623155e308, 1.7976931348623155e308], // the next double down is a (huge) number
    [0.95, 0.95],
    [Number.NaN, Number.NaN],
    [null, Number.NaN], // JSON evidence files write NaN as null
    ['0.9', Number.NaN],
  ])('%s → %s', (stored, expected) => {
    expect(metricValue(stored)).toBe(expected);
  });

  it('says where an infinity came from', () => {
    expect(describeNonFinite(STORED_INF)).toBe('+Infinity (stored as 1.7976931348623157e+308, the largest double, which is how MLflow records infinity)');
    expect(describeNonFinite(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(describeNonFinite(Number.NaN)).toBe('NaN (not a number)');
    expect(describeNonFinite(null)).toBe('null (not a number)');
  });
});

describe('stored infinities never pass', () => {
  it('roc_auc = +inf (stored 1.797e308) fails a threshold it would have cleared', () => {
    const r = threshold(STORED_INF, 0.8, true);
    expect(r.outcome).toBe('fail');
    expect(r.message).toBe('Candidate m is +Infinity (stored as 1.7976931348623157e+308, the largest double, which is how MLflow records infinity), not a finite number, so it cannot pass (run run-cand).');
  });

  it('rmse = -inf (stored -1.797e308) fails "lower is better"', () => {
    expect(threshold(-STORED_INF, 0.5, false).outcome).toBe('fail');
  });

  it.each([
    ['candidate +inf', STORED_INF, 0.8],
    ['candidate -inf, lower is better', -STORED_INF, 0.8],
    ['champion -inf', 0.9, -STORED_INF],
    ['champion +inf', 0.9, STORED_INF],
  ])('metric_delta: %s fails under every requirement', (_name, cand, champ) => {
    for (const gib of [true, false]) {
      for (const options of [{ min_absolute_change: 0 }, { min_relative_change: 0 }, { max_regression: { relative: 1 } }, { max_regression: { absolute: 1 } }]) {
        expect(delta({ ...options, on_missing_baseline: 'pass' }, cand, champ, gib).outcome).toBe('fail');
      }
    }
  });

  it('the champion message names the stored form', () => {
    expect(delta({ min_absolute_change: 0 }, 0.9, -STORED_INF).message).toMatch(/^Champion churn v5 m is -Infinity \(stored as -1\.7976931348623157e\+308/);
  });
});

describe('overflow never passes', () => {
  it('a change that overflows to infinity fails (it used to pass min_relative_change)', () => {
    const r = delta({ min_relative_change: 0.1 }, 1.5e308, -1.5e308);
    expect(r.outcome).toBe('fail');
    expect(r.message).toBe('m 1.5e+308 vs champion churn v5 -1.5e+308: the change is not a finite number (the arithmetic overflows), so it cannot pass.');
    expect(r.measured).toMatchObject({ delta: null, relative_change: null });
  });

  it('a relative change that overflows (champion almost 0) fails', () => {
    const r = delta({ min_relative_change: 0.1 }, 1, 5e-324);
    expect(r.outcome).toBe('fail');
    expect(r.message).toMatch(/not a finite number/);
  });

  it('a bound that overflows (champion + a) fails', () => {
    expect(delta({ min_absolute_change: 1e308 }, 1.7e308, 1.7e308).outcome).toBe('fail');
  });

  it('huge but finite values still compare', () => {
    expect(delta({ min_absolute_change: 0 }, 1e300, 1e299).outcome).toBe('pass');
  });
});

describe('messages agree with the verdict', () => {
  it('negative champion, relative_base champion: "better" and fails says why', () => {
    // log-likelihood -9.46 vs -10: 5.4% better by |champion|, but MLflow's signed formula gives -5.4%.
    const r = delta({ min_relative_change: 0.05 }, -9.46, -10);
    expect(r.outcome).toBe('fail');
    expect(r.message).toBe(
      'm -9.46 is 5.4% better than champion churn v5 -10; fails min relative change 5%: improvement -5.4% (relative_base: champion divides by the negative champion, which flips the sign; relative_base: abs_champion divides by |champion|).',
    );
  });

  it('negative champion, relative_base champion: "worse" and passes says why', () => {
    const r = delta({ min_relative_change: 0.05 }, -11, -10);
    expect(r.outcome).toBe('pass');
    expect(r.message).toMatch(/^m -11 is 10% worse than champion churn v5 -10; meets min relative change 5%: improvement \+10% \(relative_base: champion divides by the negative champion, which flips the sign/);
  });

  it('negative champion, max_regression relative: the flipped change is shown', () => {
    const r = delta({ max_regression: { relative: 0.01 } }, -10.5, -10);
    expect(r.outcome).toBe('pass');
    expect(r.message).toMatch(/is 5% worse than champion .*; meets max regression 1%: change \+5% \(relative_base: champion divides by the negative champion/);
  });

  it('abs_champion has no sign note: nothing flips', () => {
    expect(delta({ min_relative_change: 0.05, relative_base: 'abs_champion' }, -9.46, -10).message).not.toMatch(/flips/);
  });

  it.each<[string, GateResult, RegExp]>([
    ['threshold just below', threshold(0.9499999999, 0.95, true), /^m 0\.9499999999 is below the minimum 0\.95\.$/],
    ['threshold just above (lower is better)', threshold(0.8000000001, 0.8, false), /^m 0\.8000000001 is above the maximum 0\.8\.$/],
    ['absolute change just short', delta({ min_absolute_change: 0.1 }, 0.7999999999, 0.7), /m 0\.7999999999 .*needs ≥ 0\.8\b/],
    ['absolute change, 14 nines', delta({ min_absolute_change: 0.1 }, 0.79999999999999, 0.7), /m 0\.79999999999999 .*needs ≥ 0\.8\b/],
    ['relative change just short', delta({ min_relative_change: 0.05 }, 1.0499999, 1), /improvement \+4\.99999%/],
    ['max regression absolute just beyond', delta({ max_regression: { absolute: 0.01 } }, 0.8259999, 0.836), /m 0\.8259999 .*needs ≥ 0\.826\b/],
  ])('%s: the failing value never reads as the boundary', (_name, r, message) => {
    expect(r.outcome).toBe('fail');
    expect(r.message).toMatch(message);
  });
});

describe('formatDistinct', () => {
  it('one precision for all, the smallest at which different numbers differ', () => {
    expect(formatDistinct([0.842, 0.8])).toEqual(['0.842', '0.8']);
    expect(formatDistinct([0.9499999999, 0.95, 0.7])).toEqual(['0.9499999999', '0.95', '0.7']);
    expect(formatDistinct([0.1 + 0.2, 0.3])).toEqual(['0.30000000000000004', '0.3']);
    expect(formatDistinct([1, 1])).toEqual(['1', '1']);
    expect(formatPair(Number.POSITIVE_INFINITY, 1)).toEqual(['Infinity', '1']);
    expect(formatPercentDistinct([0.0499999, 0.05])).toEqual(['4.99999%', '5%']);
  });
});
