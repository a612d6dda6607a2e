// required_tags against hostile registry values: anyone who can tag a model version chooses the
// value, so matching must take linear time whatever the pattern, and values are length-bounded.

import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/config/limits.js';
import { evidence, runGate, version } from './fixtures.js';

const timed = <T>(work: () => T): { value: T; ms: number } => {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
};

const gate = (pattern: string, value: string) =>
  timed(() => runGate('required_tags', { tags: { owner: pattern } }, evidence(version({ tags: { owner: value } }))));

describe('required_tags on hostile values', () => {
  it('(a+)+$ against "a"×28 + "!" (10 s on a backtracking engine) answers at once', () => {
    const { value, ms } = gate('(a+)+$', `${'a'.repeat(28)}!`);
    expect(value.outcome).toBe('fail');
    expect(ms).toBeLessThan(200);
  });

  it('(a+)+$ against a value at the length limit: linear time', () => {
    const { value, ms } = gate('(a+)+$', `${'a'.repeat(LIMITS.matchedValueLength - 1)}!`);
    expect(value.outcome).toBe('fail');
    expect(ms).toBeLessThan(1000);
    expect(gate('(a+)+$', 'a'.repeat(LIMITS.matchedValueLength)).value.outcome).toBe('pass');
  });

  it('a 100,000-character value (MLflow allows that on a version tag) fails without being matched', () => {
    const { value, ms } = gate('.+', 'a'.repeat(100_000));
    expect(ms).toBeLessThan(200);
    expect(value.outcome).toBe('fail');
    expect(value.message).toMatch(/owner="a{60}"\.\.\. \(100,000 characters\) is longer than the 10,000 characters a tag value may have to be matched/);
    // measured keeps a bounded excerpt, not the whole value
    expect(String(value.measured.owner).length).toBeLessThanOrEqual(1001);
  });

  it('RE2 semantics: a full match, as before', () => {
    expect(gate('low|high', 'high').value.outcome).toBe('pass');
    expect(gate('low|high', 'higher').value.outcome).toBe('fail');
  });
});
