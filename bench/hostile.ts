// `npm run bench:hostile`: the worst hostile inputs of test/unit/hostile/cases.ts (alias bombs,
// deep nesting, a 50 MB file, /dev/zero, floods of 20,000-40,000 errors, a 31-star glob), each run
// as `node dist/cli.js validate` in its own process, several times: wall time and peak RSS
// (min / median / max), with the valid example config as the baseline. Then, in this process, the
// patterns a registry value meets at run time: (a+)+$ against long tag values on the linear-time
// engine, next to native RegExp on 20 characters.
//
// Flags: --repeat N (default 5) · --all (every case of the suite, not only the worst)

import { rmSync } from 'node:fs';
import { compilePattern } from '../src/config/patterns.js';
import { gathered } from '../src/evidence/types.js';
import { baseWith, HOSTILE_CASES, type HostileCase } from '../test/unit/hostile/cases.js';
import { prepareCase } from '../test/unit/hostile/run-case.js';
import { evidence, run, runGate, version } from '../test/unit/policy/fixtures.js';
import { checkBundleFresh } from './plan-scale.js';
import { cliPath, fmt, hasFlag, log, machine, median, numberFlag, runNode, table } from './support.js';

interface Measured {
  readonly name: string;
  readonly klass: string;
  readonly exit: string;
  readonly ms: readonly number[];
  readonly rss: readonly number[];
}

/** Nothing may be contacted: a closed port, so a request would fail loudly in the output. */
const HOST = 'http://127.0.0.1:9';

const spread = (xs: readonly number[], digits = 0): string =>
  `${fmt(Math.min(...xs), digits)} / ${fmt(median(xs), digits)} / ${fmt(Math.max(...xs), digits)}`;

const measureCase = async (c: HostileCase, repeat: number): Promise<Measured> => {
  const ms: number[] = [];
  const rss: number[] = [];
  const codes = new Set<string>();
  for (let i = 0; i < repeat; i++) {
    const dir = prepareCase(c, HOST);
    try {
      const result = await runNode([cliPath(), ...(c.argv ?? ['validate', '--config', 'mlops.yml'])], { cwd: dir, env: { ...process.env, DATABRICKS_TOKEN: 'x', MLFLOW_TRACKING_TOKEN: 'x' } });
      ms.push(result.wallMs);
      if (result.peakRssMiB !== null) rss.push(result.peakRssMiB);
      codes.add(result.code === c.exit ? String(result.code) : `${String(result.code)} (expected ${c.exit})`);
      if (/ECONNREFUSED|127\.0\.0\.1:9\b/.test(result.stderr + result.stdout)) codes.add('CONTACTED A HOST');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { name: c.name, klass: c.class, exit: [...codes].join(', '), ms, rss };
};

const timeIt = (work: () => unknown, times = 5): number[] => {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    work();
    out.push(performance.now() - started);
  }
  return out;
};

async function main(): Promise<void> {
  const repeat = Math.max(1, Math.round(numberFlag('repeat', 5)));
  checkBundleFresh();
  log(`machine: ${machine()}`);
  const cases = hasFlag('all') ? HOSTILE_CASES : HOSTILE_CASES.filter((c) => c.worst);
  const baseline: HostileCase = { class: 'syntax', name: 'baseline: a small valid config', config: baseWith(), exit: 0, at: null, message: /is valid/ };
  const rows: Measured[] = [];
  for (const c of [baseline, ...cases]) {
    log(`  ${c.class}: ${c.name} ×${repeat}`);
    rows.push(await measureCase(c, repeat));
  }
  const worstMs = rows.slice(1).reduce((a, r) => Math.max(a, ...r.ms), 0);
  const worstRss = rows.slice(1).reduce((a, r) => Math.max(a, ...r.rss), 0);
  const worstTime = rows.slice(1).find((r) => r.ms.includes(worstMs));
  const worstMem = rows.slice(1).find((r) => r.rss.includes(worstRss));

  process.stdout.write(`\nhostile inputs — \`node dist/cli.js validate\` per run, ${repeat} runs each (min / median / max); ${machine()}\n\n`);
  process.stdout.write(
    table(
      ['case', 'class', 'exit', 'wall ms', 'peak RSS MiB'],
      rows.map((r) => [r.name, r.klass, r.exit, spread(r.ms), spread(r.rss, 1)]),
    ) + '\n',
  );
  process.stdout.write(`\nworst time: ${fmt(worstMs)} ms (${worstTime?.name ?? '?'}); worst peak RSS: ${fmt(worstRss, 1)} MiB (${worstMem?.name ?? '?'})\n`);

  // Run time: what a registry value can cost a required_tags gate.
  const nested = compilePattern('(a+)+$');
  if (!nested.ok) throw new Error('(a+)+$ does not compile');
  const gate = (value: string) => () =>
    runGate('required_tags', { tags: { owner: '(a+)+$' } }, evidence(version({ tags: { owner: value } }, { run: gathered(run()) })));
  const native = /^(?:(a+)+$)$/;
  const patternRows: string[][] = [
    ['(a+)+$, re2js, 10,000-char value + "!"', spread(timeIt(() => nested.pattern.matches(`${'a'.repeat(10_000)}!`)), 2)],
    ['(a+)+$, re2js, 100,000-char value + "!"', spread(timeIt(() => nested.pattern.matches(`${'a'.repeat(100_000)}!`)), 2)],
    ['required_tags gate, 10,000-char tag value', spread(timeIt(gate(`${'a'.repeat(9_999)}!`)), 2)],
    ['required_tags gate, 100,000-char tag value (not matched: too long)', spread(timeIt(gate('a'.repeat(100_000))), 2)],
    ['(a+)+$, native RegExp, 20-char value + "!" (for comparison)', spread(timeIt(() => native.test(`${'a'.repeat(20)}!`), 3), 2)],
  ];
  process.stdout.write(`\npatterns at run time (in process, min / median / max ms)\n\n${table(['what', 'ms'], patternRows)}\n`);
  const failures = rows.filter((r) => r.exit.includes('expected') || r.exit.includes('CONTACTED'));
  if (failures.length > 0) {
    process.stdout.write(`\nUNEXPECTED: ${failures.map((f) => `${f.name}: ${f.exit}`).join('; ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:hostile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
