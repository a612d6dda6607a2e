// Whatever the text, the loader either returns a config or throws a ConfigError whose every
// diagnostic has a position inside the file: never a TypeError, never an unpositioned complaint.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { load, readRepoFile } from './helpers.js';

const EXAMPLE = readRepoFile('examples/databricks/mlops.yml');
const ENV = { DATABRICKS_HOST_DEV: 'https://a', DATABRICKS_HOST_TEST: 'https://b', DATABRICKS_HOST_PROD: 'https://c' };
const FRAGMENTS = ['{', '}', '[', ']', ':', '- ', '\t', '\n', '  ', '"', "'", '#', '&a', '*a', '${X}', '$${', 'null', '~', '1', 'true', 'type: ', 'x: y', '!!str', '---'];

const outcome = (text: string): 'ok' | 'config-error' => {
  try {
    load(text, { file: 'examples/databricks/mlops.yml', env: ENV });
    return 'ok';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lineCount = text.split('\n').length;
    for (const d of error.diagnostics) {
      expect(d.position, `${d.code}: ${d.message}`).not.toBeNull();
      if (d.position?.file === 'examples/databricks/mlops.yml') {
        expect(d.position.line).toBeGreaterThanOrEqual(1);
        expect(d.position.line).toBeLessThanOrEqual(lineCount);
      }
      expect(d.message.length).toBeGreaterThan(5);
    }
    return 'config-error';
  }
};

describe('loader robustness', () => {
  test('the unmodified example loads', () => {
    expect(outcome(EXAMPLE)).toBe('ok');
  });

  test('random edits of the example never escape as anything but ConfigError', () => {
    const edit = fc.record({
      at: fc.nat({ max: EXAMPLE.length }),
      remove: fc.nat({ max: 40 }),
      insert: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 4 }).map((parts) => parts.join('')),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = EXAMPLE;
        for (const { at, remove, insert } of edits) {
          const position = Math.min(at, text.length);
          text = text.slice(0, position) + insert + text.slice(position + remove);
        }
        outcome(text);
      }),
      { numRuns: 200, seed: 20261123 },
    );
  });

  test('line shuffles (structure damage) never escape either', () => {
    const rows = EXAMPLE.split('\n');
    fc.assert(
      fc.property(fc.nat({ max: rows.length - 1 }), fc.nat({ max: rows.length - 1 }), (a, b) => {
        const copy = [...rows];
        [copy[a], copy[b]] = [copy[b] ?? '', copy[a] ?? ''];
        outcome(copy.join('\n'));
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});
