// `npm run bench:release`: how long a release of many canaries takes against the longest single
// rollout (issue 18: "releases as long as their longest rollout"). On the Databricks emulator, in
// process (like bench:chaos: runCli from the sources), on a simulated clock: N models promoted
// dev → prod, each with a canary 10 → 50 → 100% and 5-minute pauses on its own endpoint, with
// `--parallel-targets 1` (the one-at-a-time release of before) and larger.
//
// The clock is simulated by scaling: simulated time runs `--scale` times faster than real time
// (endpoint updates, pauses, polls, lock heartbeats all on it; the emulator reads the same clock).
// Everything else is real, so each request's real duration counts `--scale` times in simulated
// time: the figures are pessimistic, and more so the more requests run at once.
//
// Flags: --models N (20) · --repeat R (3) · --parallel 1,4,20 (the settings compared; 1 = before) ·
//        --scale S (200) · --pause-minutes P (5) · --update-seconds U (120: how long an endpoint
//        config update takes) · --json FILE

import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import type { ResultDocument } from '../src/result/types.js';
import { flag, fmt, listFlag, log, machine, median, numberFlag, table } from './support.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
const version = (pkl: string) => ({ description: 'bench model', tags: { owner: 'ml-platform' }, signature: SIGNATURE, files: { 'model.pkl': pkl } });
const id = (i: number) => `m${String(i).padStart(2, '0')}`;

const seed = (models: number, updateMs: number) => ({
  workspaces: {
    default: {
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
      registry: {
        models: Array.from({ length: models }, (_, i) => [
          { name: `dev.ml.${id(i)}`, aliases: { challenger: 2 }, versions: [version(`${id(i)}-1`), version(`${id(i)}-2`)] },
          { name: `prod.ml.${id(i)}`, aliases: { champion: 1 }, versions: [version(`${id(i)}-1`)] },
        ]).flat(),
      },
      serving: {
        update_duration_ms: updateMs,
        ready_delay_ms: 0,
        // The endpoints' users: the canary's health checks need requests to judge.
        live_traffic_per_minute: 200,
        endpoints: Array.from({ length: models }, (_, i) => ({
          name: `${id(i)}-prod`,
          config: { served_entities: [{ name: `${id(i)}-1`, entity_name: `prod.ml.${id(i)}`, entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] },
        })),
      },
    },
  },
});

const config = (host: string, models: number, pauseMinutes: number) => `version: 1
environments:
  dev:  { registry: databricks-uc, host: ${host}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${host}, catalog: prod, schema: ml, promote_from: dev }
models:
${Array.from(
  { length: models },
  (_, i) => `  ${id(i)}:
    name: ${id(i)}
    candidate: { alias: challenger }
    policies: [release]
    serving: { endpoint: "${id(i)}-\${env}", strategy: canary, steps: [10, 50, 100], pause: ${pauseMinutes}m, workload_size: Small, wait_timeout: 30m, health: { max_error_rate: 0.05 } }`,
).join('\n')}
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
`;

interface Run {
  readonly parallel: number;
  readonly models: number;
  /** Simulated minutes from start to exit. */
  readonly releaseMin: number;
  /** The longest target, start to finish line, simulated minutes (parallel runs only print them). */
  readonly longestTargetMin: number;
  readonly realSeconds: number;
  readonly applied: number;
}

async function main(): Promise<void> {
  const models = Math.round(numberFlag('models', 20));
  const repeat = Math.max(1, Math.round(numberFlag('repeat', 3)));
  const parallels = listFlag('parallel', [1, 4, models]);
  const scale = numberFlag('scale', 200);
  const pauseMinutes = numberFlag('pause-minutes', 5);
  const updateMs = numberFlag('update-seconds', 120) * 1000;
  const jsonFile = flag('json', '');

  // Simulated time = real time × scale, from a fixed epoch; shared by the emulator and the CLI.
  const epoch = 1_800_000_000_000;
  const realStart = performance.now();
  const now = () => epoch + (performance.now() - realStart) * scale;
  const clock = { now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms / scale))) };
  const emu: RunningEmulator = await startEmulator({ port: 0, seed: seed(models, updateMs), modules: defaultModules(), clock: { now }, tickMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-release-'));
  const file = join(dir, 'mlops.yml');
  writeFileSync(file, config(emu.url, models, pauseMinutes));

  const promote = async (parallel: number, only: string | null): Promise<Run> => {
    await emu.admin.reset();
    let stdout = '';
    let stderr = '';
    const startedAt = new Map<string, number>();
    let longest = 0;
    const t0 = now();
    const r0 = performance.now();
    const code = await runCli(['promote', '--config', file, '--format', 'json', '--parallel-targets', String(parallel), ...(only ? ['--model', only] : [])], {
      env: { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'bench', PATH: process.env.PATH ?? '' },
      cwd: dir,
      servingClock: clock,
      stdout: (s) => (stdout += s),
      stderr: (s) => {
        stderr += s;
        // Per-target durations from the progress lines, on the simulated clock.
        for (const line of s.split('\n')) {
          const m = /^\[(\S+) \S+\] (started|finished)/.exec(line);
          if (!m) continue;
          if (m[2] === 'started') startedAt.set(m[1]!, now());
          else longest = Math.max(longest, now() - (startedAt.get(m[1]!) ?? t0));
        }
      },
    });
    const releaseMs = now() - t0;
    const realSeconds = (performance.now() - r0) / 1000;
    const result = stdout.trim().startsWith('{') ? (JSON.parse(stdout) as ResultDocument) : null;
    const applied = result?.targets.filter((t) => t.plan?.status === 'applied').length ?? 0;
    const expected = only ? 1 : models;
    if (code !== 0 || applied !== expected) throw new Error(`promote --parallel-targets ${parallel}${only ? ` --model ${only}` : ''}: exit ${code}, ${applied}/${expected} applied\n${stderr.slice(-3000)}`);
    return { parallel, models: expected, releaseMin: releaseMs / 60_000, longestTargetMin: longest / 60_000, realSeconds, applied };
  };

  const runs: { single: Run[]; release: Map<number, Run[]> } = { single: [], release: new Map() };
  try {
    log(`warm-up: one model…`);
    await promote(1, id(0));
    for (let r = 1; r <= repeat; r++) {
      // The longest single rollout: one model alone (they are all alike; a different one each time).
      const single = await promote(1, id((r - 1) % models));
      runs.single.push(single);
      log(`[${r}/${repeat}] single rollout (${id((r - 1) % models)} alone): ${fmt(single.releaseMin, 1)} simulated min (${fmt(single.realSeconds, 1)} s real)`);
      for (const p of parallels) {
        const run = await promote(p, null);
        runs.release.set(p, [...(runs.release.get(p) ?? []), run]);
        log(`[${r}/${repeat}] ${models} models, --parallel-targets ${p}: ${fmt(run.releaseMin, 1)} simulated min, longest target ${fmt(run.longestTargetMin, 1)} min (${fmt(run.realSeconds, 1)} s real)`);
      }
    }
  } finally {
    await emu.close();
  }

  const mmm = (xs: readonly number[], digits = 1) => `${fmt(Math.min(...xs), digits)} / ${fmt(median(xs), digits)} / ${fmt(Math.max(...xs), digits)}`;
  const single = runs.single.map((r) => r.releaseMin);
  const singleMedian = median(single);
  const rows = [...runs.release].map(([p, rs]) => {
    const ratios = rs.map((r) => r.releaseMin / singleMedian);
    return [
      p === 1 ? `1 (before: one at a time)` : `${p}${p === 4 ? ' (default)' : ''}`,
      String(models),
      mmm(rs.map((r) => r.releaseMin)),
      mmm(rs.map((r) => r.longestTargetMin)),
      mmm(ratios, 2),
      mmm(rs.map((r) => r.realSeconds)),
      median(ratios) <= 1.2 ? 'met' : 'not met',
    ];
  });
  const out = [
    `release of ${models} canaries (10 → 50 → 100%, ${pauseMinutes}-minute pauses, endpoint updates ${updateMs / 1000} s) on the emulator; simulated clock ×${scale}; ${repeat} run(s) each after a warm-up; ${machine()}`,
    '',
    `longest single rollout (one model alone, min / median / max): ${mmm(single)} simulated min`,
    '',
    table(['parallel targets', 'models', 'release, simulated min (min / median / max)', 'longest target in the release, min', 'release / single rollout', 'real s', '≤ 1.2×'], rows),
    '',
    '"release / single rollout" divides each release by the median single rollout. Request time is real and counts ×scale in simulated time (pessimistic).',
    '',
  ].join('\n');
  process.stdout.write(out);
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ models, repeat, scale, pauseMinutes, updateMs, machine: machine(), single: runs.single, release: Object.fromEntries(runs.release) }, null, 2) + '\n');
}

await main();
