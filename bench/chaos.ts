// `npm run bench:chaos`: seeded promotions on the Databricks emulator under random faults on every
// route and random kills after every step; each command is re-run until it converges, then the end
// state is checked (see chaos-engine.ts). Prints a table, and every failure with its replay command.
//
// Flags: --runs N (default 200) · --seed S (replay exactly one seed, with its attempt log) ·
//        --first S (first seed of the sweep, default 1) · --rate R (share of requests faulted, default 0.1;
//        kinds drawn evenly) · --per-kind (R per fault kind instead: harsher) ·
//        --max-reruns K (default 3) · --concurrency C (emulators side by side, default 4) · --json FILE ·
//        --strict LIST (emulator strict behaviours: all, or ids; default MLOPS_GATE_EMULATOR_STRICT)

import { writeFileSync } from 'node:fs';
import { describeScenario, FAULT_KINDS, isFailure, perKindProbability, startChaos, type ChaosHarness, type ScenarioKind, type SeedOutcome } from './chaos-engine.js';
import { flag, fmt, hasFlag, log, machine, numberFlag, table } from './support.js';

async function main(): Promise<void> {
  const replay = flag('seed', '') !== '' ? Math.round(numberFlag('seed', 0)) : null;
  const runs = replay !== null ? 1 : Math.max(1, Math.round(numberFlag('runs', 200)));
  const first = Math.round(numberFlag('first', 1));
  const rate = numberFlag('rate', 0.1);
  if (rate > 1) throw new Error('--rate must be between 0 and 1');
  const perKind = hasFlag('per-kind');
  const maxReruns = Math.round(numberFlag('max-reruns', 3));
  const concurrency = Math.max(1, Math.min(runs, Math.round(numberFlag('concurrency', 4))));
  const jsonFile = flag('json', '');
  const strict = flag('strict', '');
  const seeds = replay !== null ? [replay] : Array.from({ length: runs }, (_, i) => first + i);

  const harnesses: ChaosHarness[] = [];
  // One emulator per lane; they are started one after another (each binds its own fault observer).
  for (let i = 0; i < concurrency; i++) harnesses.push(await startChaos({ rate, perKind, maxReruns, ...(replay !== null ? { log } : {}), ...(strict !== '' ? { strict } : {}) }));
  const outcomes: SeedOutcome[] = [];
  const started = performance.now();
  let next = 0;
  try {
    await Promise.all(
      harnesses.map(async (h) => {
        while (next < seeds.length) {
          const seed = seeds[next++]!;
          const o = await h.runSeed(seed);
          outcomes.push(o);
          const failures = o.violations.filter(isFailure);
          log(
            `[${outcomes.length}/${seeds.length}] seed ${seed}: ${describeScenario(o.scenario)} — ${failures.length ? `FAILED ${failures.map((v) => v.invariant).join('; ')}` : 'ok'}` +
              ` (${o.attempts.length} runs, ${fmt(o.seconds, 1)} s)`,
          );
        }
      }),
    );
  } finally {
    for (const h of harnesses) await h.close();
  }
  outcomes.sort((a, b) => a.seed - b.seed);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(report(outcomes, { rate, perKind, maxReruns, concurrency, seconds }));
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ rate, perKind, maxReruns, concurrency, seconds, machine: machine(), outcomes }, null, 2) + '\n');
  process.exitCode = outcomes.some((o) => o.violations.some(isFailure)) ? 1 : 0;
}

function report(outcomes: readonly SeedOutcome[], o: { rate: number; perKind: boolean; maxReruns: number; concurrency: number; seconds: number }): string {
  const out: string[] = [];
  const n = outcomes.length;
  const failed = outcomes.filter((x) => x.violations.some(isFailure));
  out.push(
    `\nchaos — ${n} seeded promotion(s); ${
      o.perKind
        ? `each fault kind with probability ${o.rate} per request (${fmt(100 * (1 - (1 - o.rate) ** FAULT_KINDS.length), 0)}% of requests faulted)`
        : `${fmt(100 * o.rate, 0)}% of requests faulted (kind drawn evenly; ${fmt(100 * perKindProbability(o.rate, false), 1)}% per kind)`
    } on every route, a kill with probability ${o.rate} after every step;` +
      ` up to ${o.maxReruns} re-runs with faults, then one without; ${o.concurrency} emulator(s) side by side; ${fmt(o.seconds, 0)} s; ${machine()}\n\n`,
  );
  const sum = (f: (x: SeedOutcome) => number) => outcomes.reduce((acc, x) => acc + f(x), 0);
  out.push(
    table(
      ['runs', 'converged (≤ K re-runs)', 'needed the fault-free run', 'failed an invariant', 'commands run', 'kills', 'duplicates', 'orphans', 'lost aliases', 'locks left', 'late strays removed by the next run', 'stopped by own lock'],
      [
        [
          String(n),
          String(outcomes.filter((x) => x.converged).length),
          String(outcomes.filter((x) => !x.converged).length),
          String(failed.length),
          String(sum((x) => x.attempts.length)),
          String(sum((x) => x.kills)),
          String(outcomes.filter((x) => x.duplicates > 0).length),
          String(outcomes.filter((x) => x.orphans > 0).length),
          String(outcomes.filter((x) => x.lostAlias).length),
          String(outcomes.filter((x) => x.locksLeft > 0).length),
          String(sum((x) => x.straysRemoved)),
          String(outcomes.filter((x) => x.stoppedByOwnLock > 0).length),
        ],
      ],
    ) + '\n\n',
  );
  // Re-runs needed, per command (promote, and rollback when the scenario has one).
  const buckets = [...Array.from({ length: o.maxReruns + 1 }, (_, i) => String(i)), `> ${o.maxReruns} (fault-free run)`, 'never'];
  const histogram = (command: 'promote' | 'rollback') => {
    const counts = new Map<string, number>(buckets.map((b) => [b, 0]));
    for (const x of outcomes) {
      const hasCommand = command === 'promote' || x.scenario.rollback;
      if (!hasCommand) continue;
      const r = x.reruns[command];
      const bucket = r === undefined ? 'never' : r > o.maxReruns ? buckets[o.maxReruns + 1]! : String(r);
      counts.set(bucket, counts.get(bucket)! + 1);
    }
    return [command, ...buckets.map((b) => String(counts.get(b)))];
  };
  out.push('re-runs needed (with faults on) before exit 0 with status applied/up-to-date:\n\n');
  out.push(table(['command', ...buckets], [histogram('promote'), histogram('rollback')]) + '\n\n');
  out.push('faults injected, by kind (requests):\n\n');
  out.push(table([...FAULT_KINDS, 'kill (after a step)'], [[...FAULT_KINDS.map((k) => String(sum((x) => x.injected[k]))), String(sum((x) => x.kills))]]) + '\n\n');
  const kinds: ScenarioKind[] = ['copy-canary-monitor', 'copy-replace', 'copy-blue-green', 'alias'];
  out.push(
    table(
      ['scenario', 'runs', 'across workspaces', 'with rollback', 'converged', 'failed'],
      kinds.map((k) => {
        const xs = outcomes.filter((x) => x.scenario.kind === k);
        return [
          k,
          String(xs.length),
          String(xs.filter((x) => x.scenario.workspace === 'west').length),
          String(xs.filter((x) => x.scenario.rollback).length),
          String(xs.filter((x) => x.converged).length),
          String(xs.filter((x) => x.violations.some(isFailure)).length),
        ];
      }),
    ) + '\n',
  );
  if (failed.length) {
    out.push(`\nFAILURES (${failed.length}):\n`);
    for (const x of failed) {
      out.push(`\n- seed ${x.seed} (${describeScenario(x.scenario)}) — replay: npm run bench:chaos -- --seed ${x.seed}${o.rate !== 0.1 ? ` --rate ${o.rate}` : ''}${o.perKind ? ' --per-kind' : ''}\n`);
      for (const v of x.violations.filter(isFailure)) out.push(`    [${v.shape}] ${v.invariant}: ${v.detail}\n`);
    }
    const shapes = new Map<string, number>();
    for (const x of failed) for (const v of x.violations.filter(isFailure)) shapes.set(v.shape, (shapes.get(v.shape) ?? 0) + 1);
    out.push(`\nby shape: ${[...shapes].map(([s, c]) => `${s} ×${c}`).join(', ')}\n`);
  } else {
    out.push('\nevery run met every invariant\n');
  }
  return out.join('');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:chaos failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
