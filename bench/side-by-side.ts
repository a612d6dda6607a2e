// `npm run bench:vs-python`: `mlops-gate plan` side by side with the official Python `mlflow`
// client, in one run, against the same server with the same injected round-trip latency:
//
// - **before**: a build of the code before this change (`--before DIR`: a dist/ directory, copied
//   like ours so a rebuild mid-run changes nothing), when given;
// - **after**: this checkout's dist/cli.js;
// - **python, 8 threads**: bench/python-baseline-concurrent.py — the same MlflowClient calls, every
//   distinct read once, eight at a time (what a competent engineer writes for many targets);
// - **python, sequential** (`--sequential-python`): bench/python-baseline.py, one call after
//   another per target, as a one-model notebook does (slow: about 200 s per run at 100 models).
//
// Every variant runs once as a warm-up, then `--repeat` rounds (default 3), interleaved (each round
// runs every variant once, in turn), and each figure is printed as min / median / max. Requests
// are counted by the server (the emulator's log, or the delay proxy in front of MLflow).
//
// Servers: Unity Catalog on the Databricks emulator (registry_uri "databricks-uc" for Python), and a
// real MLflow server (SQLite, `--mlflow-workers` uvicorn workers, default 4) behind the delay proxy.
//
// Flags: --latency MS (50) · --models N,… (UC; 100) · --mlflow-models N,… (100) · --repeat N (3)
//        --before DIR · --sequential-python · --no-uc · --no-mlflow · --mlflow-workers N · --json FILE

import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultModules, DEFAULT_TOKEN, startEmulator } from '../src/emulator/index.js';
import type { ResultDocument } from '../src/result/types.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startMlflowServer } from '../test/support/mlflow-server.js';
import { seedMlflowBench } from './mlflow-seed.js';
import { checkBundleFresh, isEvidenceRequest } from './plan-scale.js';
import { benchConfig, cliPath, DEPTH, flag, fmt, hasFlag, listFlag, log, machine, median, modelId, numberFlag, REPO, runNode, table, ucSeed } from './support.js';

const PYTHON = `${REPO}/.cache/venv/bin/python`;

type Kind = 'cli' | 'python';
interface Variant {
  readonly name: string;
  readonly kind: Kind;
  /** cli: the bundle's cli.js; python: the script. */
  readonly path: string;
}

interface Sample {
  /** cli: the plan, config load to result, preview included (result.requests.wallMs); python: its gathering loop. */
  readonly wholeMs: number;
  readonly processMs: number;
  readonly requests: number;
  /** cli only: first request to last evidence request, + 1 RTT (server clock). */
  readonly evidencePhaseMs: number | null;
  readonly evidenceRequests: number | null;
  readonly retries: number;
}

interface Row {
  readonly registry: 'databricks-uc' | 'mlflow';
  readonly models: number;
  readonly variant: string;
  readonly samples: readonly Sample[];
  /** after only: the same plan with no injected latency (the server and client by themselves). */
  readonly atZeroMs?: readonly number[];
  readonly atZeroRequests?: number;
}

interface Counter {
  clear(): void;
  total(): number;
  /** Server-side arrivals since clear(): time and whether the request gathers evidence. */
  arrivals(): { at: number; evidence: boolean }[];
}

const stats = (xs: readonly number[]): string => {
  if (!xs.length) return '—';
  return `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}`;
};

const targetsFile = (dir: string, models: number, nameOf: (id: string, env: string) => string): string => {
  const targets = [];
  for (let i = 0; i < models; i++) {
    for (const [from, to] of [
      ['dev', 'test'],
      ['test', 'prod'],
    ] as const) {
      targets.push({ candidate: { name: nameOf(modelId(i), from), alias: 'challenger' }, champion: { name: nameOf(modelId(i), to), alias: 'champion' } });
    }
  }
  const file = join(dir, `targets-${models}.json`);
  writeFileSync(file, JSON.stringify(targets));
  return file;
};

const pythonEnv = (dir: string, extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: dir,
  DATABRICKS_CONFIG_FILE: join(dir, 'no-databrickscfg'),
  MLFLOW_DISABLE_TELEMETRY: 'true',
  DO_NOT_TRACK: '1',
  PYTHONDONTWRITEBYTECODE: '1',
  ...extra,
});

/** A private copy of a dist/ directory (see bundleDir in support.ts). */
const snapshotBundle = (dist: string): string => {
  if (!existsSync(join(dist, 'cli.js'))) throw new Error(`${dist}/cli.js is missing`);
  const copy = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-before-'));
  cpSync(dist, copy, { recursive: true });
  process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
  return join(copy, 'cli.js');
};

const evidencePhase = (arrivals: readonly { at: number; evidence: boolean }[], rttMs: number): number | null => {
  const evidence = arrivals.filter((a) => a.evidence);
  if (!evidence.length) return null;
  return Math.max(...evidence.map((a) => a.at)) - Math.min(...arrivals.map((a) => a.at)) + rttMs;
};

const runOnce = async (
  variant: Variant,
  registry: Row['registry'],
  models: number,
  dir: string,
  env: { cli: NodeJS.ProcessEnv; python: NodeJS.ProcessEnv },
  counter: Counter,
  targets: string,
  rttMs: number,
): Promise<Sample> => {
  counter.clear();
  if (variant.kind === 'cli') {
    const config = join(dir, `mlops-${registry}-${models}.yml`);
    writeFileSync(config, benchConfig(models, registry));
    const run = await runNode([variant.path, 'plan', '--config', config, '--format', 'json'], { env: env.cli, cwd: dir });
    if (run.code !== 0 || !run.stdout.trim().startsWith('{')) throw new Error(`${variant.name}: plan exited ${run.code}:\n${run.stderr.slice(-2000)}`);
    const result = JSON.parse(run.stdout) as ResultDocument;
    const failing = result.targets.filter((t) => t.verdict !== 'pass');
    if (failing.length) throw new Error(`${variant.name}: ${failing.length} target(s) did not pass, e.g. ${failing[0]!.summary}`);
    if (result.targets.length !== models * 2) throw new Error(`${variant.name}: ${result.targets.length} targets, expected ${models * 2}`);
    const arrivals = counter.arrivals();
    return {
      wholeMs: result.requests!.wallMs,
      processMs: run.wallMs,
      requests: counter.total(),
      evidencePhaseMs: evidencePhase(arrivals, rttMs),
      evidenceRequests: arrivals.filter((a) => a.evidence).length,
      retries: result.requests!.retries,
    };
  }
  const run = await runNode([variant.path, targets], { command: PYTHON, env: env.python, probe: false });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  if (run.code !== 0 || !last.startsWith('{')) throw new Error(`${variant.name} exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  const out = JSON.parse(last) as { seconds: number; facts: { signatures: number; runs_with_metrics: number } };
  // The baseline must have done the whole job, or the comparison means nothing.
  if (out.facts.signatures !== models * 4 || out.facts.runs_with_metrics !== models * 4) {
    throw new Error(`${variant.name} gathered incomplete evidence: ${JSON.stringify(out.facts)}`);
  }
  return { wholeMs: out.seconds * 1000, processMs: run.wallMs, requests: counter.total(), evidencePhaseMs: null, evidenceRequests: null, retries: 0 };
};

const compare = async (
  registry: Row['registry'],
  models: number,
  variants: readonly Variant[],
  repeat: number,
  dir: string,
  env: { cli: NodeJS.ProcessEnv; python: NodeJS.ProcessEnv },
  counter: Counter,
  nameOf: (id: string, env: string) => string,
  rttMs: number,
  latency: { off(): void; on(): void },
): Promise<Row[]> => {
  const targets = targetsFile(dir, models, nameOf);
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round <= repeat; round++) {
    for (const v of variants) {
      log(`${registry} ${models} models, ${round === 0 ? 'warm-up' : `round ${round}/${repeat}`}: ${v.name} (load ${loadavg()[0]!.toFixed(1)})…`);
      const s = await runOnce(v, registry, models, dir, env, counter, targets, rttMs);
      if (round > 0) samples.get(v.name)!.push(s);
    }
  }
  // The server and client by themselves: `after` with no injected latency, for the floor.
  const after = variants.find((v) => v.name === 'after');
  const atZero: number[] = [];
  let atZeroRequests = 0;
  if (after) {
    latency.off();
    try {
      for (let i = 0; i < repeat; i++) {
        const s = await runOnce(after, registry, models, dir, env, counter, targets, 0);
        atZero.push(s.wholeMs);
        atZeroRequests = s.requests;
      }
    } finally {
      latency.on();
    }
  }
  return variants.map((v) => ({
    registry,
    models,
    variant: v.name,
    samples: samples.get(v.name)!,
    ...(v === after ? { atZeroMs: atZero, atZeroRequests } : {}),
  }));
};

async function main(): Promise<void> {
  const rttMs = numberFlag('latency', 50);
  const repeat = Math.max(1, numberFlag('repeat', 3));
  checkBundleFresh();
  const variants: Variant[] = [];
  const before = flag('before', '');
  if (before) variants.push({ name: 'before', kind: 'cli', path: snapshotBundle(resolve(before)) });
  variants.push({ name: 'after', kind: 'cli', path: cliPath() });
  variants.push({ name: 'python, 8 threads, de-duplicated', kind: 'python', path: `${REPO}/bench/python-baseline-concurrent.py` });
  if (hasFlag('sequential-python')) variants.push({ name: 'python, sequential', kind: 'python', path: `${REPO}/bench/python-baseline.py` });
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-vs-python-'));
  const rows: Row[] = [];
  const loadAtStart = loadavg();
  const startedAt = new Date();
  log(`machine: ${machine()}; load average ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}`);
  try {
    const sizes = hasFlag('no-uc') ? [] : listFlag('models', [100]);
    if (sizes.length) {
      const emulator = await startEmulator({ port: 0, seed: ucSeed(Math.max(...sizes)), modules: defaultModules(), tickMs: 0 });
      try {
        let fault = rttMs > 0 ? emulator.admin.addFault({ kind: 'latency', latencyMs: rttMs }) : null;
        const latency = {
          off: () => void (fault && emulator.admin.removeFault(fault.id)),
          on: () => void (fault && (fault = emulator.admin.addFault({ kind: 'latency', latencyMs: rttMs }))),
        };
        const counter: Counter = {
          clear: () => emulator.admin.clearRequests(),
          total: () => Object.values(emulator.admin.requests().counts).reduce((a, b) => a + b, 0),
          arrivals: () => emulator.admin.requests().entries.map((e) => ({ at: e.at, evidence: isEvidenceRequest(e.path) })),
        };
        const creds = { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN };
        const env = {
          cli: { ...process.env, ...creds, DATABRICKS_AUTH_TYPE: 'pat' },
          python: pythonEnv(dir, { ...creds, MLFLOW_TRACKING_URI: 'databricks', MLFLOW_REGISTRY_URI: 'databricks-uc' }),
        };
        for (const n of sizes) rows.push(...(await compare('databricks-uc', n, variants, repeat, dir, env, counter, (id, e) => `ml_${e}.models.${id}`, rttMs, latency)));
      } finally {
        await emulator.close();
      }
    }
    const mlflowSizes = hasFlag('no-mlflow') ? [] : listFlag('mlflow-models', [100]);
    if (mlflowSizes.length) {
      const workers = numberFlag('mlflow-workers', 4);
      const server = await startMlflowServer({ workers });
      log(`mlflow: every client uses one mlflow server, ${workers} uvicorn worker(s), SQLite`);
      try {
        await seedMlflowBench(server.url, 0, Math.max(...mlflowSizes), (d) => log(`  seeded ${d}`));
        const rules = rttMs > 0 ? [{ name: 'rtt', latencyMs: rttMs }] : [];
        const proxy = await startFaultProxy({ upstream: server.url, rules });
        try {
          let seen = 0;
          const counter: Counter = {
            clear: () => (seen = proxy.requests().length),
            total: () => proxy.requests().length - seen,
            arrivals: () => proxy.requests().slice(seen).map((r) => ({ at: r.receivedAt, evidence: isEvidenceRequest(r.path) })),
          };
          const env = { cli: { ...process.env, MLFLOW_TRACKING_URI: proxy.url }, python: pythonEnv(dir, { MLFLOW_TRACKING_URI: proxy.url }) };
          const latency = { off: () => proxy.setRules([]), on: () => proxy.setRules(rules) };
          for (const n of mlflowSizes) rows.push(...(await compare('mlflow', n, variants, repeat, dir, env, counter, (id, e) => `${id}-${e}`, rttMs, latency)));
        } finally {
          await proxy.close();
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAtEnd = loadavg();
  const out = (s: string) => process.stdout.write(s);
  out(
    `\nmlops-gate plan vs the Python mlflow client — RTT ${rttMs} ms on every request; ${repeat} rounds after a warm-up, min / median / max; ` +
      `${startedAt.toISOString().slice(0, 16)} UTC; load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at start, ${loadAtEnd.map((l) => l.toFixed(1)).join(' ')} at end; ${machine()}\n\n`,
  );
  out(
    table(
      ['registry', 'models', 'variant', 'requests', 'whole ms (plan / gathering)', 'evidence phase ms', 'whole / evidence phase', 'process ms', 'retries'],
      rows.map((r) => {
        const whole = r.samples.map((s) => s.wholeMs);
        const phases = r.samples.map((s) => s.evidencePhaseMs).filter((x): x is number => x !== null);
        const ratio = r.samples.filter((s) => s.evidencePhaseMs).map((s) => s.wholeMs / s.evidencePhaseMs!);
        const requests = [...new Set(r.samples.map((s) => s.requests))];
        return [
          r.registry,
          String(r.models),
          r.variant,
          requests.length === 1 ? String(requests[0]) : `${Math.min(...requests)}–${Math.max(...requests)}`,
          stats(whole),
          phases.length ? stats(phases) : '—',
          ratio.length ? `${fmt(Math.min(...ratio), 2)} / ${fmt(median(ratio), 2)} / ${fmt(Math.max(...ratio), 2)}` : '—',
          stats(r.samples.map((s) => s.processMs)),
          String(r.samples.reduce((n, s) => n + s.retries, 0)),
        ];
      }),
    ) + '\n',
  );
  out(
    '\n"whole" = ours: the whole `plan`, config load to result, promotion-plan preview included (result.requests.wallMs); python: its whole gathering loop after `import mlflow`.' +
      '\n"evidence phase" = as the server saw it: first request to the last evidence request (lookups, runs, MLmodel files; batched searches), + 1 RTT.' +
      '\n"process" = spawn to exit (interpreter start-up and imports included).\n\n',
  );
  const groups = [...new Set(rows.map((r) => `${r.registry}|${r.models}`))];
  for (const g of groups) {
    const [registry, models] = g.split('|') as [Row['registry'], string];
    const of = (name: string) => rows.find((r) => `${r.registry}|${r.models}` === g && r.variant === name);
    const after = of('after');
    const beforeRow = of('before');
    const python = of('python, 8 threads, de-duplicated');
    if (!after) continue;
    const wholeAfter = median(after.samples.map((s) => s.wholeMs));
    const lines: string[] = [];
    if (python) {
      const ratios = after.samples.map((s, i) => python.samples[i]!.wholeMs / s.wholeMs);
      const need = registry === 'databricks-uc' ? 4 : 2.5;
      lines.push(
        `vs python (8 threads): ${fmt(median(python.samples.map((s) => s.wholeMs)) / wholeAfter, 1)}× faster (median; per round ${ratios.map((x) => fmt(x, 1)).join(', ')}); target ≥ ${need}×: ${median(ratios) >= need ? 'met' : 'MISSED'}`,
      );
    }
    if (beforeRow) {
      const wholeBefore = median(beforeRow.samples.map((s) => s.wholeMs));
      const reqBefore = Math.max(...beforeRow.samples.map((s) => s.requests));
      const reqAfter = Math.max(...after.samples.map((s) => s.requests));
      lines.push(`vs before: ${fmt(wholeBefore / wholeAfter, 1)}× faster (median); requests ${reqAfter} vs ${reqBefore} before: ${reqAfter <= reqBefore ? 'met' : 'MISSED'} (at or below)`);
    }
    const phaseRatio = median(after.samples.filter((s) => s.evidencePhaseMs).map((s) => s.wholeMs / s.evidencePhaseMs!));
    lines.push(`whole plan / evidence phase: ${fmt(phaseRatio, 2)} (target ≤ 1.2: ${phaseRatio <= 1.2 ? 'met' : 'MISSED'})`);
    if (after.atZeroMs?.length) {
      const zero = median(after.atZeroMs);
      const requests = median(after.samples.map((s) => s.requests));
      const rate = (after.atZeroRequests ?? requests) / (zero / 1000);
      const floor = Math.max(DEPTH * rttMs, (requests / rate) * 1000);
      lines.push(
        `whole plan vs floor: sustained rate ${fmt(rate)} requests/s (the same plan at 0 ms RTT: ${stats(after.atZeroMs)} ms); floor = max(${DEPTH} × RTT, requests / rate) = ${fmt(floor)} ms; ` +
          `whole plan ${fmt(wholeAfter)} ms = ${fmt(wholeAfter / floor, 2)} × floor (target ≤ 1.3: ${wholeAfter / floor <= 1.3 ? 'met' : 'MISSED'})`,
      );
    }
    out(`targets at ${models} models (${registry}):\n${lines.map((l) => `  - ${l}`).join('\n')}\n`);
  }
  const jsonOut = flag('json', '');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ rttMs, repeat, startedAt, loadAtStart, loadAtEnd, machine: machine(), rows }, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:vs-python failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
