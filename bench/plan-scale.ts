// `npm run bench:plan`: `mlops-gate plan` at 1…500 models × 2 transitions (dev→test→prod) with a
// round-trip latency injected on every request, through the bundled CLI (dist/cli.js, real
// adapters over HTTP) in a child process. Reports requests made vs the minimal count, wall time vs
// the floor, and the CLI's peak RSS. First against the Databricks emulator (Unity Catalog), then
// against a real MLflow server behind the fault proxy (fewer sizes: seeding goes through MLflow's
// SQLite store).
//
// Flags: --latency MS (default 50) · --models 1,10,100,500 · --mlflow-models 1,10,100
//        --repeat N (runs per size below 500 models, median; default 3) · --no-mlflow · --no-uc
//        --mlflow-workers N (uvicorn workers of the MLflow server; default 4, MLflow's own default) · --json FILE

import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, defaultModules, DEFAULT_TOKEN } from '../src/emulator/index.js';
import type { EvidenceBundle, VersionInfo } from '../src/evidence/types.js';
import type { ResultDocument } from '../src/result/types.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startMlflowServer } from '../test/support/mlflow-server.js';
import { seedMlflowBench } from './mlflow-seed.js';
import {
  benchConfig,
  bundleDir,
  cliPath,
  CONCURRENCY,
  DEPTH,
  flag,
  fmt,
  hasFlag,
  listFlag,
  log,
  machine,
  median,
  modelId,
  numberFlag,
  REPO,
  runNode,
  table,
  ucSeed,
} from './support.js';

/** What the server saw: a count, and per request its arrival time and whether it gathers evidence. */
export interface ServerCounter {
  readonly clear: () => void;
  readonly total: () => number;
  readonly arrivals: () => readonly { readonly at: number; readonly evidence: boolean }[];
}

/**
 * The evidence reads, by the request's path with its query (never the server's route pattern: the
 * emulator's `GET /api/2.0/fs/files/*path` hides the MLmodel file reads): alias lookups, runs
 * (`runs/get`, or batched: `experiments/search` + `runs/search`), MLmodel files, and MLflow's
 * batched lookups (`registered-models/search` / `model-versions/search` with `name IN (…)`).
 * Anything else `plan` sends is the promotion preview.
 */
export const isEvidenceRequest = (path: string): boolean =>
  /registered-models\/alias|runs\/(get|search)|experiments\/search|\/MLmodel|get-artifact|logged-models\/[^/?]+\/artifacts/.test(path) ||
  (/(registered-models|model-versions)\/search/.test(path) && /name(\+|%20|\s)+IN(\+|%20|\s)/i.test(path));

/** The evidence phase as the server timed it: first request to last evidence request, + 1 RTT for its answer. */
const evidencePhaseMs = (arrivals: readonly { at: number; evidence: boolean }[], rttMs: number): number => {
  const evidence = arrivals.filter((a) => a.evidence);
  if (!evidence.length) return NaN;
  return Math.max(...evidence.map((a) => a.at)) - Math.min(...arrivals.map((a) => a.at)) + rttMs;
};

export interface PlanMeasurement {
  readonly registry: 'databricks-uc' | 'mlflow';
  readonly models: number;
  readonly targets: number;
  readonly requests: number;
  /** Of `requests`, those that gather evidence (the rest: the read-only promotion-plan preview). */
  readonly evidenceRequests: number;
  readonly serverSaw: number;
  readonly minimal: number;
  readonly lookups: number;
  readonly runs: number;
  readonly mlmodels: number;
  readonly wallMs: number;
  /** Evidence gathering as the server saw it: first request to last evidence request, + 1 RTT. */
  readonly evidenceWallMs: number;
  readonly floorMs: number;
  /** The same plan with no injected latency: what the server and the client cost by themselves. */
  readonly wallAtZeroMs: number;
  readonly peakRssMiB: number;
  readonly verdict: string;
  readonly rttMs: number;
  /** The server setup measured, e.g. "emulator" or "mlflow server, 4 uvicorn workers, SQLite". */
  readonly server: string;
}

/**
 * The fewest requests that can answer every gate, counting the batches each API offers:
 * - lookups: on Unity Catalog one per distinct (model, alias) (no batch answers aliases or tags);
 *   on MLflow one `registered-models/search` and one `model-versions/search` per chunk of
 *   BATCH_NAMES model names (`name IN (…)`);
 * - runs: on Unity Catalog one per distinct run (Databricks documents no `IN` for runs/search); on
 *   MLflow one `experiments/search` and one `runs/search` per chunk of BATCH_RUNS run ids;
 * - one per distinct MLmodel among the versions found: by logged-model id, else by `runs:/` source
 *   (copies share the file), else per version (UC keeps files per version).
 */
export const BATCH_NAMES = 100;
export const BATCH_RUNS = 100;
export const minimalRequests = (
  bundle: EvidenceBundle,
  lookupKeys: readonly string[],
  registry: 'databricks-uc' | 'mlflow' = 'databricks-uc',
): { lookups: number; runs: number; mlmodels: number; total: number } => {
  const runs = new Set<string>();
  const mlmodels = new Set<string>();
  for (const t of Object.values(bundle.targets)) {
    for (const side of [t.candidate, t.champion]) {
      if (!side.ok || !side.value) continue;
      const v: VersionInfo = side.value.version;
      if (v.runId) runs.add(v.runId);
      mlmodels.add(v.modelId ?? (v.source.startsWith('runs:/') ? v.source : `${v.name}/${v.version}`));
    }
  }
  if (registry === 'mlflow') {
    const names = new Set(lookupKeys.map((k) => k.slice(0, k.lastIndexOf('@')))).size;
    const lookups = 2 * Math.ceil(names / BATCH_NAMES);
    const runCount = runs.size ? 1 + Math.ceil(runs.size / BATCH_RUNS) : 0;
    return { lookups, runs: runCount, mlmodels: mlmodels.size, total: lookups + runCount + mlmodels.size };
  }
  const lookups = new Set(lookupKeys).size;
  return { lookups, runs: runs.size, mlmodels: mlmodels.size, total: lookups + runs.size + mlmodels.size };
};

/** The lookups a plan of the first `models` models must make: candidate @challenger in `from`, champion @champion in `to`. */
const lookupKeys = (models: number, nameOf: (id: string, env: string) => string): string[] => {
  const keys: string[] = [];
  for (let i = 0; i < models; i++) {
    for (const [from, to] of [
      ['dev', 'test'],
      ['test', 'prod'],
    ] as const) {
      keys.push(`${nameOf(modelId(i), from)}@challenger`, `${nameOf(modelId(i), to)}@champion`);
    }
  }
  return keys;
};

/**
 * max(depth × RTT, requests / sustained rate). The sustained rate is what this server and client
 * answer together with no injected latency (the same plan at 0 ms: requests / wall). It used to be
 * RTT / 8 per request: the client's own fixed concurrency, a floor that measured itself.
 */
const floorMs = (requests: number, rttMs: number, sustainedPerSecond: number): number => Math.max(DEPTH * rttMs, (requests / sustainedPerSecond) * 1000);

export interface OnePlan {
  readonly result: ResultDocument;
  readonly evidence: EvidenceBundle;
  readonly peakRssMiB: number;
  /** Spawn to exit of the CLI process. */
  readonly processMs: number;
}

export const runPlanChild = async (dir: string, models: number, registry: PlanMeasurement['registry'], env: NodeJS.ProcessEnv): Promise<OnePlan> => {
  const config = join(dir, `mlops-${registry}-${models}.yml`);
  const evidence = join(dir, `evidence-${registry}-${models}.json`);
  writeFileSync(config, benchConfig(models, registry));
  const run = await runNode([cliPath(), 'plan', '--config', config, '--format', 'json', '--save-evidence', evidence], { env, cwd: dir });
  if (run.code === null || run.code >= 2 || !run.stdout.trim().startsWith('{')) {
    throw new Error(`plan exited ${run.code}:\n${run.stderr.slice(-2000)}`);
  }
  return {
    result: JSON.parse(run.stdout) as ResultDocument,
    evidence: JSON.parse(readFileSync(evidence, 'utf8')) as EvidenceBundle,
    peakRssMiB: run.peakRssMiB ?? NaN,
    processMs: run.wallMs,
  };
};

const measure = async (
  registry: PlanMeasurement['registry'],
  models: number,
  rttMs: number,
  repeats: number,
  dir: string,
  env: NodeJS.ProcessEnv,
  serverCount: ServerCounter,
  nameOf: (id: string, env: string) => string,
  latency: { off: () => void; on: () => void },
  server: string,
): Promise<PlanMeasurement> => {
  const walls: number[] = [];
  const rss: number[] = [];
  let first: OnePlan | undefined;
  let firstArrivals: readonly { at: number; evidence: boolean }[] = [];
  let serverSaw = 0;
  const evidenceWalls: number[] = [];
  for (let r = 0; r < repeats; r++) {
    serverCount.clear();
    const one = await runPlanChild(dir, models, registry, env);
    if (!one.result.requests) throw new Error('the plan result carries no request accounting');
    walls.push(one.result.requests.wallMs);
    evidenceWalls.push(evidencePhaseMs(serverCount.arrivals(), rttMs));
    rss.push(one.peakRssMiB);
    if (!first) {
      first = one;
      serverSaw = serverCount.total();
      firstArrivals = serverCount.arrivals();
    }
  }
  latency.off();
  const atZero = await runPlanChild(dir, models, registry, env).finally(latency.on);
  const requests = first!.result.requests!.total;
  const evidenceRequests = firstArrivals.filter((a) => a.evidence).length;
  const minimal = minimalRequests(first!.evidence, lookupKeys(models, nameOf), registry);
  const sustained = atZero.result.requests!.total / (Math.max(1, atZero.result.requests!.wallMs) / 1000);
  const errors = first!.result.targets.flatMap((t) => t.gates.filter((g) => g.outcome === 'error').map((g) => `${t.model}: ${g.message}`));
  if (errors.length) log(`  ${errors.length} gate error(s), e.g. ${errors[0]}`);
  return {
    registry,
    models,
    targets: first!.result.targets.length,
    requests,
    evidenceRequests,
    serverSaw,
    minimal: minimal.total,
    lookups: minimal.lookups,
    runs: minimal.runs,
    mlmodels: minimal.mlmodels,
    wallMs: median(walls),
    evidenceWallMs: median(evidenceWalls),
    floorMs: floorMs(minimal.total, rttMs, sustained),
    wallAtZeroMs: atZero.result.requests!.wallMs,
    peakRssMiB: median(rss),
    verdict: first!.result.verdict,
    rttMs,
    server,
  };
};

export const planTable = (rows: readonly PlanMeasurement[]): string =>
  table(
    [
      'registry', 'server', 'models', 'targets', 'requests (evidence + preview)', 'server saw', 'minimal (lookups+runs+MLmodels)', 'evidence/min',
      'wall ms', 'evidence phase ms', 'floor ms', 'evidence phase/floor', 'wall @0 ms', 'peak RSS MiB', 'verdict',
    ],
    rows.map((r) => [
      r.registry,
      r.server,
      String(r.models),
      String(r.targets),
      `${r.requests} (${r.evidenceRequests} + ${r.requests - r.evidenceRequests})`,
      String(r.serverSaw),
      `${r.minimal} (${r.lookups}+${r.runs}+${r.mlmodels})`,
      fmt(r.evidenceRequests / r.minimal, 2),
      fmt(r.wallMs),
      fmt(r.evidenceWallMs),
      fmt(r.floorMs),
      fmt(r.evidenceWallMs / r.floorMs, 2),
      fmt(r.wallAtZeroMs),
      fmt(r.peakRssMiB),
      r.verdict,
    ]),
  );

/** Snapshot dist/ (see bundleDir) and warn when it is older than the sources it is built from. */
export const checkBundleFresh = (): void => {
  const bundled = statSync(join(bundleDir(), 'cli.js')).mtimeMs;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
      0,
    );
  if (newest(join(REPO, 'src')) > bundled) log('note: src/ changed after dist/ was built; `npm run build` to measure the current sources');
};

async function main(): Promise<void> {
  const rttMs = numberFlag('latency', 50);
  const sizes = listFlag('models', [1, 10, 100, 500]);
  const mlflowSizes = listFlag('mlflow-models', [1, 10, 100]);
  const repeat = numberFlag('repeat', 3);
  const mlflowWorkers = numberFlag('mlflow-workers', 4);
  checkBundleFresh();
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-'));
  const rows: PlanMeasurement[] = [];
  log(`machine: ${machine()}`);
  log(`round-trip latency ${rttMs} ms on every request; floor = max(${DEPTH} × RTT, minimal requests / sustained rate at 0 ms RTT)`);
  try {
    // ---- Unity Catalog on the emulator ----
    if (!hasFlag('no-uc') && sizes.length) {
      const maxModels = Math.max(...sizes);
      log(`emulator: seeding ${maxModels} models (${maxModels * 5} versions, ${maxModels * 2} runs)…`);
      const emulator = await startEmulator({ port: 0, seed: ucSeed(maxModels), modules: defaultModules(), tickMs: 0, });
      try {
        let fault = rttMs > 0 ? emulator.admin.addFault({ kind: 'latency', latencyMs: rttMs }) : null;
        const latency = {
          off: () => {
            if (fault) emulator.admin.removeFault(fault.id);
          },
          on: () => {
            if (fault) fault = emulator.admin.addFault({ kind: 'latency', latencyMs: rttMs });
          },
        };
        const env = { ...process.env, DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN, DATABRICKS_AUTH_TYPE: 'pat' };
        for (const n of sizes) {
          log(`emulator: plan over ${n} model(s)…`);
          rows.push(
            await measure('databricks-uc', n, rttMs, n >= 500 ? 1 : repeat, dir, env, {
              clear: () => emulator.admin.clearRequests(),
              total: () => Object.values(emulator.admin.requests().counts).reduce((a, b) => a + b, 0),
              arrivals: () => emulator.admin.requests().entries.map((e) => ({ at: e.at, evidence: isEvidenceRequest(e.path) })),
            }, (id, e) => `ml_${e}.models.${id}`, latency, 'emulator'),
          );
        }
      } finally {
        await emulator.close();
      }
    }
    // ---- a real MLflow server behind the delay proxy ----
    if (!hasFlag('no-mlflow') && mlflowSizes.length) {
      // Several workers, as production tracking servers run: one worker process answers only
      // about 60–70 requests/s here, which made the server, not the client, the bound (bench/README.md §1).
      const server = await startMlflowServer({ workers: mlflowWorkers });
      const serverSetup = `mlflow server, ${mlflowWorkers} uvicorn worker(s), SQLite`;
      try {
        const max = Math.max(...mlflowSizes);
        const seedStart = Date.now();
        log(`mlflow: seeding ${max} models over REST…`);
        await seedMlflowBench(server.url, 0, max, (done) => log(`  seeded ${done}/${max}`));
        log(`mlflow: seeded in ${fmt((Date.now() - seedStart) / 1000, 1)} s`);
        const rules = rttMs > 0 ? [{ name: 'rtt', latencyMs: rttMs }] : [];
        const proxy = await startFaultProxy({ upstream: server.url, rules });
        try {
          const env = { ...process.env, MLFLOW_TRACKING_URI: proxy.url };
          let seenBefore = 0;
          for (const n of mlflowSizes) {
            log(`mlflow: plan over ${n} model(s)…`);
            rows.push(
              await measure('mlflow', n, rttMs, repeat, dir, env, {
                clear: () => (seenBefore = proxy.requests().length),
                total: () => proxy.requests().length - seenBefore,
                arrivals: () => proxy.requests().slice(seenBefore).map((r) => ({ at: r.receivedAt, evidence: isEvidenceRequest(r.path) })),
              }, (id, e) => `${id}-${e}`, { off: () => proxy.setRules([]), on: () => proxy.setRules(rules) }, serverSetup),
            );
          }
        } finally {
          await proxy.close();
        }
        const locked = readFileSync(join(server.dir, 'server.log'), 'utf8').match(/database is locked/g)?.length ?? 0;
        log(`mlflow: "database is locked" in the server log: ${locked} time(s)`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\nplan at scale — RTT ${rttMs} ms, adaptive concurrency (ceiling ${CONCURRENCY}/host), depth ${DEPTH}; ${machine()}\n\n`);
  process.stdout.write(planTable(rows) + '\n');
  const at100 = rows.filter((r) => r.models === 100);
  for (const r of at100) {
    process.stdout.write(
      `\ntargets at 100 models (${r.registry}, ${r.server}): evidence requests ≤ 1.1 × minimal: ${r.evidenceRequests <= 1.1 * r.minimal ? 'met' : 'MISSED'} (${fmt(r.evidenceRequests / r.minimal, 2)}); ` +
        `evidence phase ≤ 2 × floor: ${r.evidenceWallMs <= 2 * r.floorMs ? 'met' : 'MISSED'} (${fmt(r.evidenceWallMs / r.floorMs, 2)}); ` +
        `whole plan incl. preview: ${fmt(r.requests / r.minimal, 2)} × minimal requests, ${fmt(r.wallMs / r.floorMs, 2)} × floor`,
    );
  }
  process.stdout.write(
    '\n\n"preview" = the read-only promotion plan `plan` computes for each passing target as soon as its gates are decided (src/run/promote.ts planWithPromotionPlans);' +
      '\n"evidence phase" = as the server timed it: first request to last evidence request, + 1 RTT (config load before it is not included; "wall" includes everything).\n',
  );
  const jsonOut = flag('json', '');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rows, null, 2) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench:plan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
