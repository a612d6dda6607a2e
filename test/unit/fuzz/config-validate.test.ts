// The short, seeded variant of `npm run bench:fuzz`: a few hundred mutated example configs through
// `runCli(['validate', ...])`. Each must end in exit 0 (still valid) or exit 2 with a
// file:line:column diagnostic — never a throw, an internal error or a stack trace.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkCase, EXAMPLES, FUZZ_NOW, judge, makeWorkspace, mutationCase, originalText } from '../../../bench/config-fuzz.js';

let ws: ReturnType<typeof makeWorkspace>;
beforeAll(() => {
  ws = makeWorkspace();
});
afterAll(() => ws.cleanup());

describe('the fuzz rule itself', () => {
  test('accepts a positioned rejection and a clean success', () => {
    expect(judge(2, '', 'mlops.yml:3:5: error: unknown key "regsitry" (at /environments/dev)\n')).toMatchObject({ ok: true, outcome: 'rejected' });
    expect(judge(0, '✓ mlops.yml is valid\n', '')).toMatchObject({ ok: true, outcome: 'still-valid' });
  });

  test('flags stack traces, internal errors and unpositioned rejections', () => {
    const trace = 'internal error (please report): boom\nTypeError: boom\n    at load (file:///x/src/config/loader.ts:10:3)\n';
    expect(judge(4, '', trace)).toMatchObject({ ok: false, problem: 'stack trace in the output' });
    expect(judge(4, '', 'internal error (please report): boom\n')).toMatchObject({ ok: false, problem: 'exit code 4 (expected 0 or 2)' });
    expect(judge(2, '', '<input>: error: something is wrong\n')).toMatchObject({ ok: false, problem: 'exit 2 without a file:line:column diagnostic' });
  });
});

describe('mutated example configs through runCli validate', () => {
  test.each(EXAMPLES)('the unmutated %s example is valid (the baseline the mutations start from)', async (example) => {
    expect(await checkCase(ws.dir(example), originalText(example), FUZZ_NOW)).toMatchObject({ ok: true, outcome: 'still-valid' });
  });

  test('400 seeded mutations: exit 0, or exit 2 with file:line:column; never a crash', async () => {
    const outcomes = { 'still-valid': 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(mutationCase, async ({ example, mutations }) => {
        const text = mutations.reduce((t, m) => m.apply(t), originalText(example));
        const verdict = await checkCase(ws.dir(example), text, FUZZ_NOW);
        if (!verdict.ok) {
          throw new Error(`${verdict.problem} after ${example}: ${mutations.map((m) => m.describe).join('; ')}\n${verdict.output.slice(0, 800)}`);
        }
        outcomes[verdict.outcome]++;
      }),
      { numRuns: 400, seed: 20261123 },
    );
    // The mutations must reach the validator: most are rejected, and with positions.
    expect(outcomes.rejected).toBeGreaterThan(200);
  });
});
