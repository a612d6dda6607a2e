// `npm run bench:fuzz`: thousands of mutated example configs through `runCli(['validate', ...])`
// (see config-fuzz.ts for the mutations and the rule). Prints how many stayed valid, how many were
// rejected properly, and every failure with the mutations that produced it (fast-check shrinks the
// first one to a minimal case).
//
// Flags: --runs N (default 5000) · --seed S (default: random, printed for replay)

import fc from 'fast-check';
import { checkCase, FUZZ_NOW, makeWorkspace, mutationCase, originalText, type Verdict } from './config-fuzz.js';
import { fmt, flag, machine, numberFlag, table } from './support.js';

async function main(): Promise<void> {
  const runs = Math.max(1, Math.round(numberFlag('runs', 5000)));
  const seed = Number(flag('seed', String(Date.now() % 2 ** 31)));
  const ws = makeWorkspace();
  const counts = { 'still-valid': 0, rejected: 0, failures: 0 };
  const byKind = { structure: 0, text: 0 };
  const problems = new Map<string, { count: number; example: string }>();
  const started = performance.now();
  let shrunk: string | null = null;
  try {
    // The baseline: the unmutated examples are valid, or every "rejected" below means nothing.
    for (const e of ['mlflow', 'databricks'] as const) {
      const v = await checkCase(ws.dir(e), originalText(e), FUZZ_NOW);
      if (!v.ok || v.outcome !== 'still-valid') throw new Error(`examples/${e}/mlops.yml is not valid as committed: ${JSON.stringify(v)}`);
    }
    const result = await fc.check(
      fc.asyncProperty(mutationCase, async ({ example, mutations }) => {
        let text = originalText(example);
        for (const m of mutations) {
          byKind[m.kind]++;
          text = m.apply(text);
        }
        const verdict: Verdict = await checkCase(ws.dir(example), text, FUZZ_NOW);
        if (verdict.ok) {
          counts[verdict.outcome]++;
          return true;
        }
        counts.failures++;
        const seen = problems.get(verdict.problem) ?? { count: 0, example: '' };
        seen.count++;
        if (!seen.example) seen.example = `${example}: ${mutations.map((m) => m.describe).join('; ')}\n${verdict.output.slice(0, 1500)}`;
        problems.set(verdict.problem, seen);
        return false;
      }),
      { numRuns: runs, seed, endOnFailure: false },
    );
    if (result.failed && result.counterexample) {
      const [c] = result.counterexample;
      shrunk = `${c.example}: ${c.mutations.map((m) => m.describe).join('; ')}`;
    }
  } finally {
    ws.cleanup();
  }
  const seconds = (performance.now() - started) / 1000;
  const total = counts['still-valid'] + counts.rejected + counts.failures;
  process.stdout.write(`\nconfig fuzz — ${total} cases (seed ${seed}) in ${fmt(seconds, 1)} s; ${machine()}\n\n`);
  process.stdout.write(
    table(
      ['outcome', 'cases', 'share'],
      [
        ['exit 2 with file:line:column (rejected)', String(counts.rejected), `${fmt((100 * counts.rejected) / total, 1)}%`],
        ['exit 0 (mutation stayed valid)', String(counts['still-valid']), `${fmt((100 * counts['still-valid']) / total, 1)}%`],
        ['crash / stack trace / other exit / unpositioned', String(counts.failures), `${fmt((100 * counts.failures) / total, 1)}%`],
      ],
    ) + '\n',
  );
  process.stdout.write(`mutations applied: ${byKind.structure} structural (parsed document), ${byKind.text} textual (lines)\n`);
  for (const [problem, { count, example }] of problems) process.stdout.write(`\nFAILURE ×${count}: ${problem}\n  e.g. ${example}\n`);
  if (shrunk) process.stdout.write(`\nshrunk counterexample: ${shrunk}\n(replay: npm run bench:fuzz -- --seed ${seed})\n`);
  process.exitCode = counts.failures ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:fuzz failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
