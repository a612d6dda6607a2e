// The short variant of `npm run bench:chaos` (bench/chaos-engine.ts): a dozen fixed seeds, each a
// scenario (UC copy + canary + monitor / replace / blue_green, across catalogs or workspaces; UC
// alias mode; sometimes a rollback after) run through runCli on the Databricks emulator with every
// fault kind on every route and kills after steps, re-run until it converges, then checked with
// faults off: one READY copy, no PENDING/FAILED version, champion (never missing) and endpoint on
// the planned version, monitor present, no lock left; a fault-free re-run may only delete strays a
// late create left (docs/promotion.md), and the next one writes nothing.
// A failing seed replays with `npm run bench:chaos -- --seed S --rate 0.05 --per-kind`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeScenario, FAULT_KINDS, isFailure, startChaos, type ChaosHarness, type SeedOutcome } from '../../../bench/chaos-engine.js';
import { projectMode } from '../../support/strict.js';

// Runs in both emulator modes: the `e2e` and `e2e-strict` vitest projects (vitest.config.ts).
const { mode, strict } = projectMode();

const SEEDS = [1, 2, 3, 4, 5, 7, 11, 12, 13, 17, 19, 22];
// 5% per fault kind (about 23% of requests faulted, twice the benchmark's default share) and a 5%
// kill after each step: harsh enough that every kind fires across these seeds, and still well
// under a minute here (every fault costs real backoff or timeout time).
const RATE = 0.05;
/** Emulators side by side: the runs mostly wait (backoffs, timeouts), so lanes overlap well. */
const LANES = 4;

const free: ChaosHarness[] = [];
const waiting: ((h: ChaosHarness) => void)[] = [];
const all: ChaosHarness[] = [];
const outcomes: SeedOutcome[] = [];

const withHarness = async <T>(f: (h: ChaosHarness) => Promise<T>): Promise<T> => {
  const h = free.pop() ?? (await new Promise<ChaosHarness>((resolve) => waiting.push(resolve)));
  try {
    return await f(h);
  } finally {
    const next = waiting.shift();
    if (next) next(h);
    else free.push(h);
  }
};

beforeAll(async () => {
  for (let i = 0; i < LANES; i++) all.push(await startChaos({ rate: RATE, perKind: true }));
  free.push(...all);
});
afterAll(async () => {
  for (const h of all) await h.close();
});

describe('chaos: seeded faults and kills, re-run until converged, then the invariants', () => {
  it.concurrent.each(SEEDS.map((s) => [s] as const))('seed %i', async (seed) => {
    const o = await withHarness((h) => h.runSeed(seed));
    outcomes.push(o);
    const unexpected = o.violations.filter(isFailure);
    const trace = o.attempts.map((a) => `${a.command}${a.faults ? '' : ' (faults off)'}: exit ${a.code} ${a.status ?? ''}${a.killedAfter ? ` killed after ${a.killedAfter}` : ''}`).join('\n');
    const replay = `npm run bench:chaos -- --seed ${seed} --rate ${RATE} --per-kind${mode === 'strict' ? ` --strict ${strict.join(',')}` : ''}`;
    expect(unexpected, `${describeScenario(o.scenario)}\n${trace}\nreplay: ${replay}`).toEqual([]);
    // The run was really exercised: it ended on a command that exited 0, with faults on at first.
    expect(o.attempts[0]!.faults).toBe(true);
    expect(o.attempts.at(-1)!.code).toBe(0);
  });
});

describe('chaos: the seeds together', () => {
  it(`ran on the ${mode} emulator`, () => {
    for (const h of all) expect(h.strict()).toEqual(strict);
  });

  it('injected every fault kind and at least one kill', () => {
    expect(outcomes.map((o) => o.seed).sort((a, b) => a - b)).toEqual([...SEEDS].sort((a, b) => a - b));
    for (const kind of FAULT_KINDS) expect(outcomes.reduce((n, o) => n + o.injected[kind], 0), kind).toBeGreaterThan(0);
    expect(outcomes.reduce((n, o) => n + o.kills, 0)).toBeGreaterThan(0);
    // The scenarios vary: copy with each strategy, alias mode, and rollbacks.
    expect(new Set(outcomes.map((o) => o.scenario.kind)).size).toBe(4);
    expect(outcomes.some((o) => o.scenario.rollback)).toBe(true);
    expect(outcomes.some((o) => o.scenario.workspace === 'west')).toBe(true);
  });
});
