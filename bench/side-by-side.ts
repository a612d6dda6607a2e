// `npm run bench:vs-python`: the same evidence gathering, in the same run, against the same server
// and the same injected round-trip latency: `mlops-gate plan` (dist/cli.js) versus the official
// Python `mlflow` client used the way MLOps Stacks notebooks use it (bench/python-baseline.py:
// get_model_version_by_alias, get_run, get_model_info, one call after another).
//
// The server is the Databricks emulator in Unity Catalog mode (registry_uri "databricks-uc"): the
// registry MLOps Stacks targets, the one the official clients' contract tests run against, and
// one process that counts every request of both sides. `--mlflow` adds the same comparison
// against a real MLflow server behind the delay proxy.
//
// Both sides of the MLflow comparison talk to the one server started here, so they see the same
// setup; --mlflow-workers sets its uvicorn workers (default 4, as bench:plan).
//
// Flags: --latency MS (default 50) · --models 10,100 · --mlflow (also real MLflow) · --mlflow-models 10,100
//        --mlflow-workers N

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModules, DEFAULT_TOKEN, startEmulator } from '../src/emulator/index.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startMlflowServer } from '../test/support/mlflow-server.js';
import { seedMlflowBench } from './mlflow-seed.js';
import { checkBundleFresh, runPlanChild } from './plan-scale.js';
import { fmt, hasFlag, listFlag, log, machine, modelId, numberFlag, REPO, runNode, table, ucSeed } from './support.js';

const PYTHON = `${REPO}/.cache/venv/bin/python`;

interface Side {
  readonly gatherMs: number;
  readonly processMs: number;
  readonly requests: number;
}

interface Row {
  readonly registry: string;
  readonly models: number;
  readonly ours: Side;
  readonly python: Side & { readonly importMs: number };
  /** Requests per route, each side (emulator only). */
  readonly routes: { readonly ours: Record<string, number>; readonly python: Record<string, number> } | null;
}

const targetsFile = (dir: string, models: number, nameOf: (id: string, env: string) => string): string => {
  const targets = [];
  for (let i = 0; i < models; i++) {
    for (const [from, to] of [
      ['dev', 'test'],
      ['test', 'prod'],
    ] as const) {
      targets.push({
        candidate: { name: nameOf(modelId(i), from), alias: 'challenger' },
        champion: { name: nameOf(modelId(i), to), alias: 'champion' },
      });
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

const runPython = async (targets: string, env: NodeJS.ProcessEnv, models: number) => {
  const run = await runNode([`${REPO}/bench/python-baseline.py`, targets], { command: PYTHON, env, probe: false });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  if (run.code !== 0 || !last.startsWith('{')) throw new Error(`python-baseline.py exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  const out = JSON.parse(last) as { seconds: number; importSeconds: number; facts: { signatures: number; runs_with_metrics: number } };
  // The baseline must have done the whole job, or the comparison means nothing.
  if (out.facts.signatures !== models * 4 || out.facts.runs_with_metrics !== models * 4) {
    throw new Error(`python baseline gathered incomplete evidence: ${JSON.stringify(out.facts)}`);
  }
  return { gatherMs: out.seconds * 1000, importMs: out.importSeconds * 1000, processMs: run.wallMs };
};

const compare = async (
  registry: string,
  models: number,
  dir: string,
  ourEnv: NodeJS.ProcessEnv,
  pyEnv: NodeJS.ProcessEnv,
  counter: { clear: () => void; total: () => number; byRoute?: () => Record<string, number> },
  nameOf: (id: string, env: string) => string,
): Promise<Row> => {
  log(`${registry}: ${models} model(s), mlops-gate plan…`);
  counter.clear();
  const plan = await runPlanChild(dir, models, registry === 'mlflow' ? 'mlflow' : 'databricks-uc', ourEnv);
  const ourRequests = counter.total();
  const ourRoutes = counter.byRoute?.() ?? null;
  const errors = plan.result.targets.filter((t) => t.verdict !== 'pass').length;
  if (errors) throw new Error(`mlops-gate plan: ${errors} target(s) did not pass; the evidence is incomplete`);
  log(`${registry}: ${models} model(s), python mlflow client…`);
  counter.clear();
  const python = await runPython(targetsFile(dir, models, nameOf), pyEnv, models);
  const pyRequests = counter.total();
  const pyRoutes = counter.byRoute?.() ?? null;
  return {
    routes: ourRoutes && pyRoutes ? { ours: ourRoutes, python: pyRoutes } : null,
    registry,
    models,
    ours: { gatherMs: plan.result.requests!.wallMs, processMs: plan.processMs, requests: ourRequests },
    python: { ...python, requests: pyRequests },
  };
};

async function main(): Promise<void> {
  const rttMs = numberFlag('latency', 50);
  const sizes = listFlag('models', [10, 100]);
  checkBundleFresh();
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-vs-python-'));
  const rows: Row[] = [];
  try {
    const emulator = await startEmulator({ port: 0, seed: ucSeed(Math.max(...sizes)), modules: defaultModules(), tickMs: 0 });
    try {
      if (rttMs > 0) emulator.admin.addFault({ kind: 'latency', latencyMs: rttMs });
      const counter = {
        clear: () => emulator.admin.clearRequests(),
        total: () => Object.values(emulator.admin.requests().counts).reduce((a, b) => a + b, 0),
        byRoute: () => emulator.admin.requests().counts,
      };
      const creds = { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN };
      const ourEnv = { ...process.env, ...creds, DATABRICKS_AUTH_TYPE: 'pat' };
      const pyEnv = pythonEnv(dir, { ...creds, MLFLOW_TRACKING_URI: 'databricks', MLFLOW_REGISTRY_URI: 'databricks-uc' });
      for (const n of sizes) rows.push(await compare('databricks-uc', n, dir, ourEnv, pyEnv, counter, (id, e) => `ml_${e}.models.${id}`));
    } finally {
      await emulator.close();
    }
    if (hasFlag('mlflow')) {
      const mlflowSizes = listFlag('mlflow-models', [10, 100]);
      const mlflowWorkers = numberFlag('mlflow-workers', 4);
      const server = await startMlflowServer({ workers: mlflowWorkers });
      log(`mlflow: both clients use one mlflow server, ${mlflowWorkers} uvicorn worker(s), SQLite`);
      try {
        await seedMlflowBench(server.url, 0, Math.max(...mlflowSizes), (d) => log(`  seeded ${d}`));
        const proxy = await startFaultProxy({ upstream: server.url, rules: rttMs > 0 ? [{ name: 'rtt', latencyMs: rttMs }] : [] });
        try {
          let before = 0;
          const counter = { clear: () => (before = proxy.requests().length), total: () => proxy.requests().length - before };
          const ourEnv = { ...process.env, MLFLOW_TRACKING_URI: proxy.url };
          const pyEnv = pythonEnv(dir, { MLFLOW_TRACKING_URI: proxy.url });
          for (const n of mlflowSizes) rows.push(await compare('mlflow', n, dir, ourEnv, pyEnv, counter, (id, e) => `${id}-${e}`));
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
  process.stdout.write(`\nmlops-gate plan vs the Python mlflow client — RTT ${rttMs} ms on every request; ${machine()}\n\n`);
  process.stdout.write(
    table(
      ['registry', 'models', 'targets', 'ours: requests', 'ours: gather ms', 'python: requests', 'python: gather ms', 'speed-up (gather)', 'ours: process ms', 'python: process ms (import)', 'speed-up (process)'],
      rows.map((r) => [
        r.registry,
        String(r.models),
        String(r.models * 2),
        String(r.ours.requests),
        fmt(r.ours.gatherMs),
        String(r.python.requests),
        fmt(r.python.gatherMs),
        `${fmt(r.python.gatherMs / r.ours.gatherMs, 1)}×`,
        fmt(r.ours.processMs),
        `${fmt(r.python.processMs)} (${fmt(r.python.importMs)})`,
        `${fmt(r.python.processMs / r.ours.processMs, 1)}×`,
      ]),
    ) + '\n',
  );
  process.stdout.write(
    '\n"gather" = ours: the plan from config load to verdicts (result.requests.wallMs); python: the evidence loop alone, after `import mlflow`.\n' +
      '"process" = spawn to exit, both including interpreter start-up and imports.\n',
  );
  const largest = rows.filter((r) => r.routes).at(-1);
  if (largest?.routes) {
    const routes = [...new Set([...Object.keys(largest.routes.ours), ...Object.keys(largest.routes.python)])].sort();
    process.stdout.write(`\nrequests per route at ${largest.models} models (${largest.registry}):\n\n`);
    process.stdout.write(
      table(
        ['route', 'mlops-gate', 'python mlflow'],
        routes.map((k) => [k, String(largest.routes!.ours[k] ?? 0), String(largest.routes!.python[k] ?? 0)]),
      ) + '\n\n',
    );
  }
  for (const r of rows.filter((x) => x.models === 100)) {
    const ratio = r.python.gatherMs / r.ours.gatherMs;
    process.stdout.write(`target at 100 models (${r.registry}): ≥ 10× faster: ${ratio >= 10 ? 'met' : 'MISSED'} (${fmt(ratio, 1)}×)\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:vs-python failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
