// The comparison functions against MLflow's own test table (tests/models/test_validation.py):
// same inputs, same pass/fail, including its floating-point equality boundaries.

import { describe, expect, it } from 'vitest';
import {
  meetsMinAbsoluteChange,
  meetsMinRelativeChange,
  meetsThreshold,
  relativeImprovement,
  withinAbsoluteRegression,
  withinRelativeRegression,
} from '../../../src/policy/metrics.js';

describe('threshold (MLflow, inclusive)', () => {
  it.each([
    // [candidate, threshold, greaterIsBetter, passes]
    [0.8, 0.9, true, false], // accuracy below
    [0.91, 0.9, true, true],
    [0.9, 0.9, true, true], // equality boundary passes
    [0.5, 0.3, false, false], // l1 loss above
    [0.3, 0.5, false, true],
    [0.5, 0.5, false, true], // equality boundary passes
  ])('candidate %s vs threshold %s (gib=%s) → %s', (c, t, gib, ok) => {
    expect(meetsThreshold(c, t, gib)).toBe(ok);
  });
});

describe('min_absolute_change (MLflow)', () => {
  it.each([
    // [candidate, baseline, a, gib, passes]
    [0.79, 0.7, 0.1, true, false],
    [0.8, 0.7, 0.15, true, false],
    [0.5, 0.6, 0.15, false, false],
    [0.45, 0.3, 0.1, false, false],
    [0.8 + 1e-10, 0.7, 0.1, true, true], // boundary: 0.7 + 0.1 is 0.7999999999999999 in binary
    [0.2 - 1e-10, 0.3, 0.1, false, true],
    [0.9 + 1e-2, 0.8, 0.1, true, true],
    [0.3, 0.4 + 1e-3, 0.1, false, true],
    [0.5, 0.5, 0, true, true], // a = 0: not worse
  ])('candidate %s baseline %s a=%s gib=%s → %s', (c, b, a, gib, ok) => {
    expect(meetsMinAbsoluteChange(c, b, a, gib)).toBe(ok);
  });
});

describe('min_relative_change (MLflow, relative_base champion)', () => {
  it.each([
    // [candidate, baseline, r, gib, passes]
    [0.75, 0.7, 0.1, true, false],
    [0.53, 0.5, 0.1, true, false],
    [0.8, 0.7, 0.15, true, false],
    [0.55, 0.6, 0.1, false, false],
    [0.72 + 1e-3, 0.8, 0.1, false, false],
    [0.27 + 1e-5, 0.3, 0.15, false, false],
    [0.77, 0.7, 0.1, true, true], // equality boundary
    [0.3 * 0.85 - 1e-10, 0.3, 0.15, false, true], // lower-is-better boundary
    [0.99 + 1e-10, 0.9, 0.1, true, true],
    [0.3, 0.4, 0.15, false, true],
    [1e-10, 0, 0.1, true, true], // zero baseline: fallback to "better by 1e-10"
    [0, 0, 0.1, true, false], // zero baseline, equal → fail
    [-1e-10, 0, 0.1, false, true], // zero baseline, lower is better
    [0, 0, 0.1, false, false],
    [5e-11, 0, 0.1, true, false], // better, but by less than 1e-10
  ])('candidate %s baseline %s r=%s gib=%s → %s', (c, b, r, gib, ok) => {
    expect(meetsMinRelativeChange(c, b, r, gib, 'champion')).toBe(ok);
  });

  it('uses the signed champion as MLflow does: a negative champion flips the sign', () => {
    // log-likelihood style metric, greater is better, champion -10, candidate -11 is WORSE.
    expect(relativeImprovement(-11, -10, true, 'champion')).toBeCloseTo(0.1);
    expect(meetsMinRelativeChange(-11, -10, 0.05, true, 'champion')).toBe(true);
    // abs_champion fixes it
    expect(relativeImprovement(-11, -10, true, 'abs_champion')).toBeCloseTo(-0.1);
    expect(meetsMinRelativeChange(-11, -10, 0.05, true, 'abs_champion')).toBe(false);
    expect(meetsMinRelativeChange(-9, -10, 0.05, true, 'abs_champion')).toBe(true);
  });

  it('returns null improvement for a zero champion', () => {
    expect(relativeImprovement(1, 0, true, 'champion')).toBeNull();
  });
});

describe('max_regression (extension)', () => {
  it.each([
    // [candidate, champion, m, gib, passes]
    [0.83, 0.84, 0.01, true, true],
    [0.829, 0.84, 0.01, true, false],
    [0.85, 0.84, 0.01, true, true],
    [0.31, 0.3, 0.01, false, true], // lower is better: ≤ champion + m
    [0.32, 0.3, 0.01, false, false],
  ])('absolute: candidate %s champion %s m=%s gib=%s → %s', (c, b, m, gib, ok) => {
    expect(withinAbsoluteRegression(c, b, m, gib)).toBe(ok);
  });

  it.each([
    // [candidate, champion, m, gib, base, passes]
    [0.801, 0.836, 0.01, true, 'champion', false], // 4.2% worse
    [0.83, 0.836, 0.01, true, 'champion', true], // 0.7% worse
    [0.99, 1, 0.01, true, 'champion', true], // exactly 1% worse (boundary, inclusive)
    [0.98, 1, 0.01, true, 'champion', false],
    [0.505, 0.5, 0.01, false, 'champion', true], // lower is better, 1% worse
    [0.51, 0.5, 0.01, false, 'champion', false],
    [-10.5, -10, 0.01, true, 'champion', true], // MLflow-style base hides the regression
    [-10.5, -10, 0.01, true, 'abs_champion', false], // |champion| catches it
    [-10.05, -10, 0.01, true, 'abs_champion', true],
    [0, 0, 0.5, true, 'champion', true], // zero champion: must not be worse
    [-0.1, 0, 0.5, true, 'champion', false],
  ] as const)('relative: candidate %s champion %s m=%s gib=%s base=%s → %s', (c, b, m, gib, base, ok) => {
    expect(withinRelativeRegression(c, b, m, gib, base)).toBe(ok);
  });
});
