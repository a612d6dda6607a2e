// Patterns from configs and policies: RE2 semantics, plain errors with offsets, linear time.

import { describe, expect, test } from 'vitest';
import { LIMITS } from '../../../src/config/limits.js';
import { compilePattern, globMatches } from '../../../src/config/patterns.js';
import { base, load, loadErrors } from './helpers.js';

const timed = (work: () => unknown): number => {
  const started = performance.now();
  work();
  return performance.now() - started;
};

describe('compilePattern', () => {
  test('full match, like ^(?:pattern)$', () => {
    const p = compilePattern('low|high');
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.pattern.matches('high')).toBe(true);
    expect(p.pattern.matches('higher')).toBe(false);
    expect(p.pattern.matches('xlow')).toBe(false);
    const any = compilePattern('.+');
    expect(any.ok && [any.pattern.matches(''), any.pattern.matches('a')]).toEqual([false, true]);
  });

  test.each([
    ['(a)\\1', 3, 'backreferences such as \\1 are not supported', 'linear time'],
    ['ab(?=c)', 2, 'lookahead (?=...) is not supported', 'linear time'],
    ['a(?!b)', 1, 'lookahead (?!...) is not supported', 'linear time'],
    ['x(?<=a)b', 1, 'lookbehind (?<=...) is not supported', 'linear time'],
    ['(?<!a)b', 0, 'lookbehind (?<!...) is not supported', 'linear time'],
    ['v(ab', 1, 'a "(" is never closed', undefined],
    ['(a(b)', 0, 'a "(" is never closed', undefined],
    ['ab)c', 2, 'a ")" closes nothing', undefined],
    ['x[ab', 1, 'a "[" is never closed', 'write \\['],
    ['a**', 1, '"**" repeats a repetition', 'possessive'],
    ['a++', 1, '"++" repeats a repetition', 'possessive'],
    ['a{1001}', 1, 'repeat count {1001} is not allowed', 'up to 1000'],
    ['*a', 0, '"*" has nothing before it to repeat', 'write \\*'],
    ['[z-a]', 1, 'invalid character class or range "z-a"', undefined],
    ['ab\\', 2, 'the pattern ends with a lone "\\"', undefined],
    ['\\q', 0, 'unknown escape \\q', 'escape punctuation'],
    ['(?#c)x', 0, 'comments (?#...) are not supported', undefined],
  ])('%s → offset %d: %s', (source, index, message, hint) => {
    const p = compilePattern(source);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect({ index: p.index, message: p.message }).toEqual({ index, message });
    if (hint) expect(p.hint).toContain(hint);
    // None of the library's own wording.
    expect(p.message).not.toMatch(/error parsing regexp|RE2JS|Exception|Perl/);
  });

  test('a pattern longer than the limit is refused at the limit', () => {
    const p = compilePattern('a'.repeat(LIMITS.patternLength + 1));
    expect(p.ok === false && [p.index, p.message]).toEqual([LIMITS.patternLength, `the pattern is 1,001 characters long; at most 1,000 are allowed`]);
  });

  test('nested quantifiers run in linear time on long values', () => {
    for (const source of ['(a+)+$', '(a|aa)+', '(a*)*b', '(x+x+)+y', '(.*a){20}', '(?:a?){100}a{100}']) {
      const p = compilePattern(source);
      expect(p.ok, source).toBe(true);
      if (!p.ok) continue;
      const value = 'a'.repeat(LIMITS.matchedValueLength) + '!';
      expect(timed(() => p.pattern.matches(value)), source).toBeLessThan(1000);
    }
  });

  test('(a+)+$ against a 100,000-character value: milliseconds (native RegExp takes seconds on 28 characters)', () => {
    const p = compilePattern('(a+)+$');
    if (!p.ok) throw new Error('compile');
    expect(timed(() => p.pattern.matches(`${'a'.repeat(100_000)}!`))).toBeLessThan(1000);
  });
});

describe('globMatches', () => {
  test.each([
    ['production/*', 'production/metric_delta:auc', true],
    ['*', '', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['*:auc', 'p/metric_threshold:auc', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['a.b', 'aXb', false],
    ['**', 'anything', true],
  ])('%s vs %s → %s', (glob, id, expected) => {
    expect(globMatches(glob, id)).toBe(expected);
  });

  test('many stars against a long id stay fast (a RegExp of .* chains backtracks for hours)', () => {
    const glob = `${'*a'.repeat(30)}*b`;
    const id = 'a'.repeat(5_000);
    expect(timed(() => expect(globMatches(glob, id)).toBe(false))).toBeLessThan(1000);
  });
});

describe('patterns in configs', () => {
  const tagsGate = (tags: string): string =>
    base({ 18: '      - type: required_tags', 19: `        tags: ${tags}`, 20: '', 21: '' });

  test('a lookahead is refused at validate time, at its column', () => {
    const [d] = loadErrors(tagsGate('{ owner: "team-(?=x)" }'));
    expect(d).toMatchObject({ code: 'bad-regex', path: '/policies/checks/gates/0/tags/owner', position: { line: 19, column: 30 } });
    expect(d?.message).toBe('invalid regular expression for tag "owner": lookahead (?=...) is not supported');
  });

  test('a plain (unquoted) pattern is positioned too', () => {
    const [d] = loadErrors(base({ 18: '      - type: required_tags', 19: '        tags:', 20: '          ticket: JIRA-\\d+)', 21: '' }));
    expect(d?.position).toMatchObject({ line: 20, column: 27 });
  });

  test('with escapes in a double-quoted string the position falls back to the string', () => {
    const [d] = loadErrors(tagsGate('{ owner: "\\\\d(" }'));
    expect(d?.position).toMatchObject({ line: 19, column: 24 });
  });

  test('(a+)+$ is accepted: RE2 runs it in linear time', () => {
    expect(load(tagsGate('{ owner: "(a+)+$" }')).config.policies.get('checks')?.gates[0]?.type).toBe('required_tags');
  });
});
