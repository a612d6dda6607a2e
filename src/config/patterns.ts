// Patterns from configs and policies, on engines whose time is linear in the input: regular
// expressions run on re2js (RE2 semantics: no backreferences, no lookaround, no backtracking), and
// `*` globs on a matcher without regular expressions. Compile errors become plain messages with
// the offset of the offending part; the library's own wording never reaches users.

import { RE2JS } from 're2js';
import { LIMITS } from './limits.js';

/** A compiled pattern; `matches` is a full match (the whole value, like `^(?:pattern)$`). */
export interface CompiledPattern {
  readonly source: string;
  readonly matches: (value: string) => boolean;
}

export type PatternResult =
  | { readonly ok: true; readonly pattern: CompiledPattern }
  | { readonly ok: false; readonly message: string; readonly index: number; readonly hint?: string };

const LINEAR_HINT = 'patterns use RE2 syntax, which runs in linear time: no backreferences and no lookahead or lookbehind';

interface SyntaxProblem {
  readonly error: string;
  readonly input: string | null;
}

const isSyntaxProblem = (e: unknown): e is SyntaxProblem =>
  e instanceof Error && typeof (e as { error?: unknown }).error === 'string';

/**
 * Where parentheses go wrong, ignoring escapes and character classes: the first ")" that closes
 * nothing, else the first "(" never closed.
 */
const parenProblem = (source: string): number => {
  const open: number[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') open.push(i);
    else if (c === ')' && open.pop() === undefined) return i;
  }
  return open[0] ?? Math.max(0, source.length - 1);
};

const explain = (source: string, problem: SyntaxProblem): { message: string; index: number; hint?: string } => {
  const input = problem.input ?? '';
  const found = input ? source.indexOf(input) : -1;
  const index = found >= 0 ? found : 0;
  const shown = JSON.stringify(input);
  switch (problem.error) {
    case 'invalid escape sequence':
      return /^\\[1-9]/.test(input)
        ? { message: `backreferences such as ${input} are not supported`, index, hint: LINEAR_HINT }
        : { message: `unknown escape ${input}`, index, hint: 'escape punctuation to match it literally (\\. \\- \\/); \\d \\w \\s \\b are supported' };
    case 'invalid or unsupported Perl syntax':
      if (input === '(?=' || input === '(?!') return { message: `lookahead ${input}...) is not supported`, index, hint: LINEAR_HINT };
      if (input === '(?#') return { message: 'comments (?#...) are not supported', index };
      return { message: `unsupported group syntax ${shown}`, index, hint: 'groups are (...), (?:...), (?P<name>...) or (?<name>...)' };
    case 'invalid named capture':
      if (input.startsWith('(?<=') || input.startsWith('(?<!')) {
        return { message: `lookbehind ${input.slice(0, 4)}...) is not supported`, index, hint: LINEAR_HINT };
      }
      return { message: `invalid group name in ${shown}`, index, hint: 'a group name is letters, digits and _' };
    case 'missing closing )':
      return { message: 'a "(" is never closed', index: parenProblem(source) };
    case 'unexpected )':
      return { message: 'a ")" closes nothing', index: parenProblem(source) };
    case 'missing closing ]':
      return { message: 'a "[" is never closed', index, hint: 'write \\[ to match a literal [' };
    case 'invalid nested repetition operator':
      return { message: `${shown} repeats a repetition`, index, hint: 'use one operator: RE2 has no possessive (++, *+) forms' };
    case 'invalid repeat count':
      return { message: `repeat count ${input} is not allowed`, index, hint: 'counts go up to 1000, {n,m} needs n ≤ m, and nested counts multiply' };
    case 'missing argument to repetition operator':
      return { message: `${shown} has nothing before it to repeat`, index, hint: `write \\${input.charAt(0)} to match it literally` };
    case 'invalid character class range':
      return { message: `invalid character class or range ${shown}`, index };
    case 'invalid character class':
      return { message: `invalid character class ${shown}`, index };
    case 'trailing backslash at end of expression':
      return { message: 'the pattern ends with a lone "\\"', index: Math.max(0, source.length - 1) };
    case 'expression too large':
      return { message: 'the pattern is too large once its repetitions are expanded', index: 0, hint: 'use smaller repeat counts' };
    case 'duplicate capture group name':
      return { message: `two groups are named ${shown}`, index };
    default:
      return { message: `${problem.error}${input ? ` near ${shown}` : ''}`, index };
  }
};

const cache = new Map<string, PatternResult>();

/** Compile a regular expression written in a config or policy (full-match semantics). Cached. */
export const compilePattern = (source: string): PatternResult => {
  const cached = cache.get(source);
  if (cached) return cached;
  let result: PatternResult;
  if (source.length > LIMITS.patternLength) {
    result = {
      ok: false,
      message: `the pattern is ${source.length.toLocaleString('en-US')} characters long; at most ${LIMITS.patternLength.toLocaleString('en-US')} are allowed`,
      index: LIMITS.patternLength,
    };
  } else {
    try {
      const re = RE2JS.compile(source);
      result = { ok: true, pattern: { source, matches: (value) => re.testExact(value) } };
    } catch (e) {
      if (!isSyntaxProblem(e)) throw e;
      result = { ok: false, ...explain(source, e) };
    }
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(source, result);
  return result;
};

/**
 * Whether `glob` matches all of `text`: `*` matches any run of characters, everything else is
 * literal. Greedy with one backtrack point: at most |glob| × |text| steps, no regular expression.
 */
export const globMatches = (glob: string, text: string): boolean => {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === text[t]) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = t;
    } else if (star !== -1) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
};
