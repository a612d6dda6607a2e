// Budgets on input (src/config/limits.ts): every limit is enforced with a positioned message, in
// bounded time, and a real config stays far below each of them.

import { describe, expect, test } from 'vitest';
import { capDiagnostics } from '../../../src/config/diagnostics.js';
import { LIMITS } from '../../../src/config/limits.js';
import { parseSource } from '../../../src/config/source.js';
import { checkText, utf8Length } from '../../../src/config/text.js';
import type { Diagnostic } from '../../../src/errors.js';
import { base, lines, load, loadErrors, readRepoFile } from './helpers.js';

const timed = <T>(work: () => T): { value: T; ms: number } => {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
};

/** `levels` anchors, each a list of ten aliases to the one before: 10^levels nodes when expanded. */
export const aliasBomb = (levels: number): string => {
  const name = (i: number): string => String.fromCharCode(97 + i);
  const rows = ['a: &a [x]'];
  for (let i = 1; i <= levels; i++) rows.push(`${name(i)}: &${name(i)} [${Array.from({ length: 10 }, () => `*${name(i - 1)}`).join(',')}]`);
  return lines(...rows);
};

describe('text checks', () => {
  test('utf8Length counts bytes, stopping early', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    expect(utf8Length('x'.repeat(100), 10)).toBeLessThanOrEqual(11);
  });

  test('a file over the limit is refused at 1:1 without counting every byte', () => {
    const big = 'x'.repeat(LIMITS.fileBytes + 1);
    const [d] = checkText('mlops.yml', big);
    expect(d).toMatchObject({ code: 'file-too-large', position: { file: 'mlops.yml', line: 1, column: 1 } });
    expect(d?.message).toContain('at most 1 MiB');
    // Multi-byte characters count as bytes, not characters.
    expect(checkText('m.yml', '€'.repeat(Math.ceil(LIMITS.fileBytes / 3) + 1))[0]?.code).toBe('file-too-large');
    expect(checkText('m.yml', '€'.repeat(Math.floor(LIMITS.fileBytes / 3) - 1))).toEqual([]);
  });

  test('bytes that were not UTF-8 (U+FFFD) are refused at their line and column, with how many more', () => {
    const [d] = checkText('m.yml', 'a: 1\nb: caf\uFFFD\nc: \uFFFD\uFFFD\n');
    expect(d).toMatchObject({ code: 'encoding', position: { line: 2, column: 7 } });
    expect(d?.message).toBe('bytes that are not valid UTF-8 (read as U+FFFD, the replacement character); 2 more further on');
  });

  test('UTF-16 gets its own message', () => {
    const utf16 = Buffer.from('\uFEFFversion: 1\n', 'utf16le').toString('utf8');
    expect(checkText('m.yml', utf16)[0]?.message).toBe('the file is not UTF-8 text: it looks like UTF-16');
  });

  test.each([
    ['NUL', '\u0000', 'U+0000 (NUL)'],
    ['escape', '\u001b', 'U+001B (ESC)'],
    ['DEL', '\u007f', 'U+007F (DEL)'],
    ['form feed', '\u000c', 'U+000C (form feed)'],
  ])('control character %s is refused where it is', (_name, char, shown) => {
    const [d] = checkText('m.yml', `a: 1\nb: x${char}y\n`);
    expect(d).toMatchObject({ code: 'encoding', position: { line: 2, column: 5 } });
    expect(d?.message).toContain(shown);
  });

  test('tabs, CR LF and a UTF-8 byte-order mark are fine', () => {
    expect(checkText('m.yml', '\uFEFFa: "x\ty"\r\nb: 2\r\n')).toEqual([]);
  });
});

describe('YAML budgets', () => {
  test('a 300-byte alias bomb stops at the alias, in well under a second', () => {
    const text = aliasBomb(8);
    expect(text.length).toBeLessThanOrEqual(320);
    const { value, ms } = timed(() => parseSource('m.yml', text, {}));
    expect(ms).toBeLessThan(1000);
    expect(value.syntaxOk).toBe(false);
    const [d] = value.diagnostics;
    expect(d?.code).toBe('alias-budget');
    expect(d?.message).toMatch(/^alias \*[a-z] expands past 50,000 nodes/);
    // At an alias on the line that expands past the budget, not at 1:1.
    expect(d?.position?.line).toBeGreaterThan(1);
    expect(text.split('\n')[(d?.position?.line ?? 1) - 1]?.slice((d?.position?.column ?? 1) - 1)).toMatch(/^\*[a-z]/);
  });

  test('aliases under the budget expand as before', () => {
    const { doc, syntaxOk } = parseSource('m.yml', lines('a: &x [1, 2]', 'b: *x', 'c: { k: *x }'), {});
    expect(syntaxOk).toBe(true);
    expect(doc.value).toEqual({ a: [1, 2], b: [1, 2], c: { k: [1, 2] } });
  });

  test('an alias inside its own anchor is a cycle, not a hang', () => {
    const { diagnostics } = parseSource('m.yml', 'a: &x [1, *x]\n', {});
    expect(diagnostics[0]).toMatchObject({ code: 'yaml-syntax', position: { line: 1, column: 11 } });
    expect(diagnostics[0]?.message).toContain('alias *x is inside the node anchored &x');
  });

  test.each<[string, (n: number) => string, number]>([
    ['flow lists', (n) => `x: ${'['.repeat(n)}${']'.repeat(n)}\n`, 200_000],
    ['flow mappings', (n) => `x: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`, 100_000],
    ['block mappings', (n) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n', 1_400],
    ['block lists', (n) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}-`).join('\n') + ' 1\n', 1_400],
  ])('nesting of %s is bounded: a real depth passes, more is refused quickly', (_name, build, most) => {
    expect(parseSource('m.yml', build(LIMITS.depth - 2), {}).syntaxOk).toBe(true);
    for (const levels of [LIMITS.depth + 2, most]) {
      const text = build(levels);
      expect(text.length).toBeLessThanOrEqual(LIMITS.fileBytes);
      const { value, ms } = timed(() => parseSource('m.yml', text, {}));
      expect(ms).toBeLessThan(2000);
      expect(value.diagnostics[0]?.code).toBe('too-deep');
      expect(value.diagnostics[0]?.message).toBe(`nesting is deeper than ${LIMITS.depth} levels (a config nests about 8 deep)`);
      expect(value.diagnostics[0]?.position?.line).toBeGreaterThanOrEqual(1);
    }
  });

  test('keys and values are counted while reading: a list of 520,000 numbers stops at 100,000', () => {
    const text = `x: [${Array.from({ length: 520_000 }, () => '1').join(',')}]\n`;
    expect(text.length).toBeLessThanOrEqual(LIMITS.fileBytes);
    const { value, ms } = timed(() => parseSource('m.yml', text, {}));
    expect(ms).toBeLessThan(5000);
    expect(value.diagnostics[0]).toMatchObject({ code: 'too-many', position: { line: 1 } });
    expect(value.diagnostics[0]?.message).toBe('the file holds more than 100,000 keys and values; a config or policy file may hold at most 100,000');
    // The crossing is reported where it happens: 100,001st value, 2 characters each after "x: [".
    expect(value.diagnostics[0]?.position?.column).toBeGreaterThan(190_000);
  });

  test('aliases count toward nesting where they are used', () => {
    const rows = ['a0: &a0 [x]'];
    for (let i = 1; i <= LIMITS.depth + 2; i++) rows.push(`a${i}: &a${i} [*a${i - 1}]`);
    const { diagnostics } = parseSource('m.yml', lines(...rows), {});
    expect(diagnostics[0]?.code).toBe('too-deep');
  });

  test('a second document has its own message, without library names', () => {
    const { diagnostics } = parseSource('m.yml', 'a: 1\n---\nb: 2\n', {});
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'yaml-syntax', position: { line: 2, column: 1 } });
    expect(diagnostics[0]?.message).toBe('the file holds more than one YAML document; it must be a single document');
    expect(JSON.stringify(diagnostics)).not.toMatch(/parseAllDocuments|YAML\.\w+\(/);
    // One leading marker is fine.
    expect(parseSource('m.yml', '---\na: 1\n', {}).syntaxOk).toBe(true);
  });

  test('duplicate keys: every one reported at its key, in linear time', () => {
    const rows = ['m:', ...Array.from({ length: 20_000 }, () => '  k: 1')];
    const { value, ms } = timed(() => parseSource('m.yml', lines(...rows), {}));
    expect(ms).toBeLessThan(3000);
    expect(value.syntaxOk).toBe(false);
    expect(value.diagnostics).toHaveLength(19_999);
    expect(value.diagnostics[0]).toMatchObject({ code: 'duplicate-key', position: { line: 3, column: 3 }, path: '/m/k' });
    // "1" and 1 are the same key once they are object keys.
    expect(parseSource('m.yml', 'a: { "1": x, 1: y }\n', {}).diagnostics[0]?.code).toBe('duplicate-key');
  });
});

describe('diagnostics are capped', () => {
  const error = (i: number): Diagnostic => ({ severity: 'error', code: 'x', message: `e${i}`, path: `/p${i}`, position: { file: 'm.yml', line: i, column: 1 } });

  test('the first N, then one line with how many more, starting where they start', () => {
    const list = Array.from({ length: 40_000 }, (_, i) => error(i + 1));
    const { shown, errors } = capDiagnostics(list, 50);
    expect(errors).toBe(40_000);
    expect(shown).toHaveLength(51);
    expect(shown[50]).toMatchObject({ severity: 'error', code: 'more-errors', position: { line: 51 } });
    expect(shown[50]?.message).toBe('39,950 more errors not shown (the first 50 are listed above), starting here');
  });

  test('a short list is left alone', () => {
    expect(capDiagnostics([error(1), error(2)], 50)).toEqual({ shown: [error(1), error(2)], errors: 2 });
  });

  test('a config with 40,000 errors: 50 listed, the total counted, in bounded time', () => {
    // 4,000 gates (under the count limit), each with ten unknown keys.
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}: 1`).join(', ');
    const text = base({ 14: '    policies: [checks]' }) + lines(...Array.from({ length: 4_000 }, (_, i) => `      - {type: signature, id: s${i}, ${keys}}`));
    const { value: thrown, ms } = timed(() => {
      try {
        load(text);
      } catch (e) {
        return e as { diagnostics: Diagnostic[]; total: number };
      }
      return null;
    });
    expect(thrown).not.toBeNull();
    expect(ms).toBeLessThan(10_000);
    expect(thrown?.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(LIMITS.diagnostics + 1);
    expect(thrown?.total).toBe(40_000);
    expect(thrown?.diagnostics.at(-1)?.code).toBe('more-errors');
  });
});

describe('counts', () => {
  test('too many environments: refused at the first one over the limit', () => {
    const envs = Array.from({ length: LIMITS.environments + 1 }, (_, i) => `  e${i}: { registry: mlflow, tracking_uri: "http://h" }`);
    const diagnostics = loadErrors(lines('version: 1', 'environments:', ...envs, 'models:', '  m: { name: m, candidate: { latest: true } }'));
    expect(diagnostics[0]).toMatchObject({ code: 'too-many', position: { line: 3 + LIMITS.environments, column: 3 } });
    expect(diagnostics[0]?.message).toBe(`${LIMITS.environments + 1} environments; a config may have at most ${LIMITS.environments}`);
  });

  test('a long promote_from chain is checked in linear time', () => {
    const n = LIMITS.environments;
    const envs = Array.from({ length: n }, (_, i) => `  e${i}: { registry: mlflow, tracking_uri: "http://h", promote_from: e${(i + 1) % n} }`);
    const { value: diagnostics, ms } = timed(() => loadErrors(lines('version: 1', 'environments:', ...envs, 'models:', '  m: { name: "m-${env}", candidate: { latest: true } }')));
    expect(ms).toBeLessThan(2000);
    expect(diagnostics.filter((d) => d.code === 'cycle')).toHaveLength(1);
  });

  test('an extends chain deeper than the limit is refused, without recursion', () => {
    const n = 500;
    const policies = Array.from({ length: n }, (_, i) => `  p${i}: { ${i + 1 < n ? `extends: [p${i + 1}], ` : ''}gates: [] }`);
    const diagnostics = loadErrors(base({ 14: '    policies: [p0]', 15: 'policies:', 16: '  checks: { gates: [] }', 17: '', 18: '', 19: '', 20: '', 21: '' }, ...policies));
    expect(diagnostics.some((d) => d.code === 'too-deep' && /extends a chain more than 32 policies deep/.test(d.message))).toBe(true);
  });
});

describe('a real config is far below every limit', () => {
  test.each(['examples/databricks/mlops.yml', 'examples/mlflow/mlops.yml'])('%s', (file) => {
    const text = readRepoFile(file);
    expect(utf8Length(text)).toBeLessThan(LIMITS.fileBytes / 50);
    expect(checkText(file, text)).toEqual([]);
  });
});
