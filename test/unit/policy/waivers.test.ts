import { describe, expect, it } from 'vitest';
import { findWaiver, gateIdMatches, isWaiverActive, waiverEndMs } from '../../../src/policy/waivers.js';
import { TARGET, waiver } from './fixtures.js';

describe('gateIdMatches', () => {
  it.each([
    ['prod/metric_delta:*', 'prod/metric_delta:roc_auc', true],
    ['prod/metric_delta:*', 'prod/metric_delta', false],
    ['*', 'anything/at:all', true],
    ['*/signature', 'prod/signature', true],
    ['prod/*', 'prod/a/b', true],
    ['prod/signature', 'prod/signature', true],
    ['prod/signature', 'prod/signature2', false],
    ['prod/(x)', 'prod/(x)', true],
    ['prod/a+b', 'prod/aab', false],
  ])('%s vs %s → %s', (pattern, id, expected) => {
    expect(gateIdMatches(pattern, id)).toBe(expected);
  });
});

describe('waiver expiry', () => {
  it('ends at the start of the next UTC day', () => {
    expect(new Date(waiverEndMs('2026-12-31')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('a malformed date is never active', () => {
    expect(isWaiverActive({ expires: 'next week' }, new Date('2020-01-01T00:00:00Z'))).toBe(false);
  });

  it('findWaiver returns null when nothing matches', () => {
    expect(findWaiver([waiver({ gate: 'x' })], 'prod/description', TARGET, new Date('2026-11-23T00:00:00Z'))).toBeNull();
  });

  it('findWaiver picks the longest-lasting active waiver', () => {
    const m = findWaiver(
      [waiver({ owner: 'a', expires: '2026-12-01' }), waiver({ owner: 'b', expires: '2027-01-01' })],
      'prod/description',
      TARGET,
      new Date('2026-11-23T00:00:00Z'),
    );
    expect(m).toMatchObject({ active: true, waiver: { owner: 'b' } });
  });
});
