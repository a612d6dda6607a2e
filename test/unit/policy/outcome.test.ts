import { describe, expect, it } from 'vitest';
import { applySeverity, blocks, isWaivable, outcomeRank, worst, type Outcome } from '../../../src/policy/outcome.js';

describe('outcome order', () => {
  it('is skipped < pass < waived < warn < fail < error', () => {
    const order: Outcome[] = ['skipped', 'pass', 'waived', 'warn', 'fail', 'error'];
    expect(order.map(outcomeRank)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it.each<[Outcome[], Outcome]>([
    [[], 'skipped'],
    [['pass'], 'pass'],
    [['pass', 'skipped'], 'pass'],
    [['pass', 'waived'], 'waived'],
    [['waived', 'warn', 'pass'], 'warn'],
    [['warn', 'fail', 'pass'], 'fail'],
    [['fail', 'error', 'pass'], 'error'],
    [['error', 'fail'], 'error'],
    [['skipped', 'skipped'], 'skipped'],
  ])('worst(%j) = %s', (outcomes, expected) => {
    expect(worst(outcomes)).toBe(expected);
  });

  it.each<[Outcome, boolean]>([
    ['skipped', false],
    ['pass', false],
    ['waived', false],
    ['warn', false],
    ['fail', true],
    ['error', true],
  ])('blocks(%s) = %s', (outcome, expected) => {
    expect(blocks(outcome)).toBe(expected);
  });

  it.each<[Outcome, 'fail' | 'warn', Outcome]>([
    ['fail', 'warn', 'warn'],
    ['fail', 'fail', 'fail'],
    ['error', 'warn', 'error'],
    ['pass', 'warn', 'pass'],
    ['warn', 'fail', 'warn'],
  ])('severity: %s at severity %s → %s', (raw, severity, expected) => {
    expect(applySeverity(raw, severity)).toBe(expected);
  });

  it('only fail and warn are waivable', () => {
    expect((['skipped', 'pass', 'waived', 'warn', 'fail', 'error'] as Outcome[]).filter(isWaivable)).toEqual(['warn', 'fail']);
  });
});
