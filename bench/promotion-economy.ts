// `npm run bench:economy`: how many API calls a promotion costs, counted on the server side.
//
//   1. API calls per promotion (excluding polls), per mode, first run and immediate re-run: MLflow
//      copy and alias mode on a real MLflow server (through a recording proxy); Unity Catalog copy,
//      alias, copy + replace, copy + replace + monitor, copy + canary [50, 100] + monitor on the
//      Databricks emulator (its request log). `runCli` in-process, serving waits on a simulated clock.
//   2. Polls per minute of endpoint waiting: a replace rollout whose config update takes 1/5/20
//      simulated minutes; endpoint GETs during the wait ÷ simulated minutes waited.
//   3. GitHub content-creating calls per run: the bundled action (dist/index.js) against the local
//      GitHub stand-in: plan on a PR (first, unchanged re-run, changed re-run), promote (and its
//      re-run), rollback.
//
// Flags: --durations 1,5,20 (simulated minutes) · --repeat N (runs per duration; jitter is random,
//        default 5) · --no-mlflow · --no-action
//        --log (every request of every measured run, classified, on stderr)

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import type { ResultDocument } from '../src/result/types.js';
import { startFaultProxy, type FaultProxy } from '../test/support/fault-proxy.js';
import { startMlflowServer } from '../test/support/mlflow-server.js';
import { classify, CLASSIFICATION_RULE, countCalls, ECONOMY_POLICY, mlflowRoute, type CallCounts, type CallKind, type SeenCall } from './economy-classify.js';
import { githubEconomy } from './economy-github.js';
import { seedMlflowBench } from './mlflow-seed.js';
import { fmt, hasFlag, listFlag, log, machine, median, numberFlag, table, ucSeed } from './support.js';

const TARGET_CALLS = 25;
const UPDATE_MS_ITEM_1 = 10_000;

// ---- simulated clock (serving waits, canary pauses, the emulator's state machines) ---------------

let now = 1_800_000_000_000;
const servingClock = { now: () => now, sleep: async (ms: number) => void (now += ms) };

const POLICY = `policies:\n${ECONOMY_POLICY}`;

interface OneRun {
  readonly code: number;
  readonly status: string;
  readonly reportedWrites: number | null;
  readonly counts: CallCounts;
  readonly stderr: string;
}

const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-economy-'));
let configSeq = 0;

const promote = async (yaml: string, env: Record<string, string>, calls: () => readonly SeenCall[]): Promise<OneRun> => {
  const file = join(dir, `mlops-${++configSeq}.yml`);
  writeFileSync(file, yaml);
  let stdout = '';
  let stderr = '';
  const code = await runCli(['promote', '--config', file, '--format', 'json'], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { GITHUB_ACTOR: 'release-bot', GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: String(configSeq), ...env },
    cwd: dir,
    servingClock,
  });
  const result = stdout.trim().startsWith('{') ? (JSON.parse(stdout) as ResultDocument) : null;
  const plan = result?.targets[0]?.plan;
  if (code !== 0) log(`  promote exited ${code}: ${plan?.message ?? stderr.slice(-600)}`);
  const seen = calls();
  if (hasFlag('log')) {
    const { kinds } = classify(seen);
    seen.forEach((c, i) => log(`    ${kinds[i]!.padEnd(9)} ${c.method} ${c.path} @${c.at - (seen[0]?.at ?? 0)} ms`));
  }
  return { code, status: plan?.status ?? `exit ${code}`, reportedWrites: plan?.writes ?? null, counts: countCalls(seen), stderr };
};

interface ModeRow {
  readonly mode: string;
  readonly server: string;
  readonly first: OneRun;
  readonly rerun: OneRun;
}

// ---- Unity Catalog on the emulator --------------------------------------------------------------

/** bench/support.ts's world for one model, plus an endpoint serving prod v1 and a payload table for a monitor. */
const ucWorld = (updateMs: number, extraFiles: Readonly<Record<string, string>> = {}) => {
  const seed = ucSeed(1);
  for (const model of seed.workspaces.bench.registry.models) {
    for (const v of model.versions) Object.assign(v, { files: { ...v.files, ...extraFiles } });
  }
  const ws = seed.workspaces.bench as Record<string, unknown> & { catalog: { catalogs: { name: string; schemas: string[] }[] } };
  ws.catalog.catalogs = ws.catalog.catalogs.map((c) => (c.name === 'ml_prod' ? { ...c, schemas: ['models', 'monitoring'] } : c));
  Object.assign(ws.catalog, {
    tables: [{ name: 'ml_prod.monitoring.m0000_payload', columns: [{ name: 'timestamp_ms', type_name: 'LONG' }, { name: 'prediction', type_name: 'DOUBLE' }] }],
  });
  ws.serving = {
    update_duration_ms: updateMs,
    ready_delay_ms: 0,
    // Users of the endpoint: the canary's health check needs requests to judge (docs/serving.md).
    live_traffic_per_minute: 100,
    endpoints: [
      { name: 'm0000-prod', config: { served_entities: [{ name: 'm0000-1', entity_name: 'ml_prod.models.m0000', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] } },
    ],
  };
  ws.monitors = { activation_ms: 0, refresh_duration_ms: 500 };
  return seed;
};

const MONITOR = `    monitor:
      table: "ml_prod.monitoring.m0000_payload"
      output_schema: "ml_prod.monitoring"
      inference_log: { problem_type: classification, prediction_col: prediction, timestamp_col: timestamp_ms, model_id_col: model_version, granularities: ["1 day"] }
`;

const ucConfig = (host: string, opts: { promotion: 'copy' | 'alias'; serving?: string; monitor?: boolean; waitTimeout?: string }): string => {
  // Alias mode: one model (ml_test.models.m0000, champion v1, challenger v2), both environments on it.
  const prodCatalog = opts.promotion === 'alias' ? 'ml_test' : 'ml_prod';
  const serving = opts.serving
    ? `    serving: { endpoint: "m0000-\${env}", workload_size: Small, wait_timeout: ${opts.waitTimeout ?? '5m'}, ${opts.serving} }\n`
    : '';
  return `version: 1
environments:
  test: { registry: databricks-uc, host: ${host}, catalog: ml_test, schema: models }
  prod: { registry: databricks-uc, host: ${host}, catalog: ${prodCatalog}, schema: models, promote_from: test }
models:
  m0000:
    name: m0000
    promotion: ${opts.promotion}
    candidate: { alias: challenger }
    champion_alias: champion
    policies: [release]
${serving}${opts.monitor ? MONITOR : ''}
${POLICY}`;
};

const emulatorCalls = (emu: RunningEmulator, sinceSeq: number): SeenCall[] =>
  emu.admin
    .requests()
    .entries.filter((e) => e.seq > sinceSeq && !e.path.startsWith('/__emulator'))
    .map((e) => ({ method: e.method, path: e.path, route: e.route ?? `${e.method} ${e.path}`, at: e.at }));

const lastSeq = (emu: RunningEmulator): number => emu.admin.requests().entries.at(-1)?.seq ?? 0;

const UC_MODES: readonly { readonly mode: string; readonly opts: Parameters<typeof ucConfig>[1] }[] = [
  { mode: 'UC copy across catalogs', opts: { promotion: 'copy' } },
  { mode: 'UC alias mode', opts: { promotion: 'alias' } },
  { mode: 'UC copy + replace', opts: { promotion: 'copy', serving: 'strategy: replace' } },
  { mode: 'UC copy + replace + monitor', opts: { promotion: 'copy', serving: 'strategy: replace', monitor: true } },
  { mode: 'UC copy + canary [50,100] + monitor', opts: { promotion: 'copy', serving: 'strategy: canary, steps: [50, 100], pause: 1m', monitor: true } },
];

const ucEnv = { DATABRICKS_TOKEN: DEFAULT_TOKEN };

/**
 * What `mlflow.sklearn.log_model` writes besides MLmodel, requirements.txt and input_example.json:
 * a copy moves every file (a GET and a PUT each), so a real model costs 8 more calls than the 3-file world.
 */
const SKLEARN_FILES = {
  'conda.yaml': 'name: mlflow-env\nchannels: [conda-forge]\ndependencies: [python=3.12, pip]\n',
  'python_env.yaml': 'python: 3.12\nbuild_dependencies: [pip]\ndependencies: [-r requirements.txt]\n',
  'model.pkl': 'pickled-gradient-boosting',
  'serving_input_example.json': '{"dataframe_split": {"columns": ["tenure_months"], "data": [[12]]}}',
};

async function measureUcModes(modes: typeof UC_MODES, extraFiles: Readonly<Record<string, string>> = {}): Promise<ModeRow[]> {
  const emu = await startEmulator({ port: 0, seed: ucWorld(UPDATE_MS_ITEM_1, extraFiles), modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  const rows: ModeRow[] = [];
  try {
    for (const { mode, opts } of modes) {
      log(`emulator: ${mode}…`);
      await emu.admin.reset();
      const yaml = ucConfig(emu.url, opts);
      let seq = lastSeq(emu);
      const first = await promote(yaml, ucEnv, () => emulatorCalls(emu, seq));
      seq = lastSeq(emu);
      const rerun = await promote(yaml, ucEnv, () => emulatorCalls(emu, seq));
      rows.push({ mode, server: 'emulator', first, rerun });
    }
  } finally {
    await emu.close();
  }
  return rows;
}

async function measureUc(): Promise<{ rows: ModeRow[]; waits: WaitRow[] }> {
  const rows = await measureUcModes(UC_MODES);
  rows.push(...(await measureUcModes([{ mode: 'UC copy, 7-file model (sklearn log_model)', opts: { promotion: 'copy' } }], SKLEARN_FILES)));
  return { rows, waits: await measureWaits() };
}

// ---- 2. polls per minute of waiting ---------------------------------------------------------------

interface WaitRow {
  readonly minutes: number;
  readonly polls: readonly number[];
  readonly waitedMs: readonly number[];
  readonly heartbeats: readonly number[];
}

async function measureWaits(): Promise<WaitRow[]> {
  const durations = listFlag('durations', [1, 5, 20]);
  const repeat = Math.max(1, numberFlag('repeat', 5));
  const rows: WaitRow[] = [];
  for (const minutes of durations) {
    const emu = await startEmulator({ port: 0, seed: ucWorld(minutes * 60_000), modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
    try {
      const polls: number[] = [];
      const waitedMs: number[] = [];
      const heartbeats: number[] = [];
      for (let r = 0; r < repeat; r++) {
        log(`emulator: replace rollout, ${minutes} simulated min update, run ${r + 1}/${repeat}…`);
        await emu.admin.reset();
        const seq = lastSeq(emu);
        const yaml = ucConfig(emu.url, { promotion: 'copy', serving: 'strategy: replace', waitTimeout: `${minutes * 2 + 10}m` });
        const run = await promote(yaml, ucEnv, () => emulatorCalls(emu, seq));
        if (run.code !== 0) throw new Error(`the ${minutes} min rollout did not finish (${run.status})`);
        polls.push(run.counts.poll);
        waitedMs.push(run.counts.pollWaitMs);
        heartbeats.push(run.counts.heartbeats);
      }
      rows.push({ minutes, polls, waitedMs, heartbeats });
    } finally {
      await emu.close();
    }
  }
  return rows;
}

/** The wait loop's schedule (src/platform/serving/client.ts): step = min(10 s, 1 s × 2^(n−1)), sleep uniform in [step/2, step]. */
const scheduleTable = (): string => {
  const rows: string[][] = [];
  let lo = 0;
  let hi = 0;
  for (let n = 1; n <= 8; n++) {
    const step = Math.min(10_000, 1_000 * 2 ** (n - 1));
    rows.push([String(n), `${fmt(lo / 1000, 1)}–${fmt(hi / 1000, 1)}`, `${fmt(step / 1000)}`, `${fmt(step / 2000, 1)}–${fmt(step / 1000, 1)}`]);
    lo += step / 2;
    hi += step;
  }
  rows.push(['n ≥ 5', '…', '10', '5.0–10.0 (mean 7.5 s → 8 polls/min)']);
  return table(['poll #', 'sent at s after the PUT (range)', 'step s', 'sleep after it s'], rows);
};

// ---- MLflow OSS on a real server -----------------------------------------------------------------

const mlflowConfig = (url: string, model: { name: string; promotion: 'copy' | 'alias' }): string => `version: 1
environments:
  test: { registry: mlflow, tracking_uri: "${url}" }
  prod: { registry: mlflow, tracking_uri: "${url}", promote_from: test }
models:
  m:
    name: ${model.name}
    promotion: ${model.promotion}
    candidate: { alias: challenger }
    champion_alias: champion
    policies: [release]

${POLICY}`;

const proxyCalls = (proxy: FaultProxy, since: number): SeenCall[] =>
  proxy
    .requests()
    .slice(since)
    .map((r) => {
      const path = r.path.split('?')[0]!;
      return { method: r.method, path, route: mlflowRoute(r.method, path), at: r.receivedAt };
    });

async function measureMlflow(): Promise<ModeRow[]> {
  const server = await startMlflowServer();
  const rows: ModeRow[] = [];
  try {
    log('mlflow: seeding 3 models…');
    await seedMlflowBench(server.url, 0, 3);
    const proxy = await startFaultProxy({ upstream: server.url });
    try {
      const modes = [
        // m0000-test v2 → m0000-prod, which has a champion (v1): the steady state.
        { mode: 'MLflow copy (destination has a champion)', model: { name: 'm0000-${env}', promotion: 'copy' as const } },
        // m0001-test v2 → m0001-fresh, absent: the first promotion ever (docs/promotion.md's scenario).
        { mode: 'MLflow copy (first promotion, new model)', model: { name: 'm0001-${env}', promotion: 'copy' as const }, rename: true },
        // One model, m0002-test: champion v1 → v2, alias `prod` added.
        { mode: 'MLflow alias mode', model: { name: 'm0002-test', promotion: 'alias' as const } },
      ];
      for (const m of modes) {
        log(`mlflow: ${m.mode}…`);
        let yaml = mlflowConfig(proxy.url, m.model);
        if (m.rename) yaml = yaml.replace('    name: m0001-${env}', '    name: m0001-${env}\n    names: { prod: m0001-fresh }');
        let since = proxy.requests().length;
        const first = await promote(yaml, {}, () => proxyCalls(proxy, since));
        since = proxy.requests().length;
        const rerun = await promote(yaml, {}, () => proxyCalls(proxy, since));
        rows.push({ mode: m.mode, server: 'MLflow 3 (real)', first, rerun });
      }
    } finally {
      await proxy.close();
    }
  } finally {
    await server.stop();
  }
  return rows;
}

// ---- output -------------------------------------------------------------------------------------

const callRow = (mode: string, run: string, r: OneRun, target: boolean): string[] => {
  const c = r.counts;
  const verdict = !target ? (c.write === 0 ? 'ok (0 writes)' : `MISSED (${c.write} writes)`) : c.total <= TARGET_CALLS ? 'met' : 'MISSED';
  return [mode, run, r.status, String(c.evidence), String(c.promotion), String(c.write), String(c.total), String(c.poll), verdict];
};

const breakdown = (rows: readonly ModeRow[]): string => {
  const lines: string[] = [];
  for (const row of rows) {
    for (const [label, run] of [['first run', row.first], ['re-run', row.rerun]] as const) {
      lines.push(`${row.mode} — ${label}:`);
      for (const kind of ['evidence', 'promotion', 'write', 'poll'] as CallKind[]) {
        const entries = Object.entries(run.counts.routes[kind]).sort((a, b) => b[1] - a[1]);
        if (!entries.length) continue;
        lines.push(`  ${kind.padEnd(9)} ${entries.map(([route, n]) => `${n}× ${route.replace(/ \/api\/2\.0\/mlflow\/unity-catalog\//, ' uc/').replace(/ \/api\/2\.0\/mlflow\//, ' mlflow/')}`).join(' · ')}`);
      }
    }
  }
  return lines.join('\n');
};

async function main(): Promise<void> {
  const started = new Date();
  const rows: ModeRow[] = [];
  if (!hasFlag('no-mlflow')) rows.push(...(await measureMlflow()));
  const uc = await measureUc();
  rows.push(...uc.rows);
  const github = hasFlag('no-action') ? null : await githubEconomy(log);

  const out: string[] = [];
  out.push(`# bench:economy — ${started.toISOString()}; ${machine()}`, '');
  out.push(`## 1. API calls per promotion (target ≤ ${TARGET_CALLS} excluding polls; re-run: 0 writes)`, '');
  out.push(`Policy: required_tags + metric_threshold (evidence = candidate alias, champion alias, candidate run). Serving update ${UPDATE_MS_ITEM_1 / 1000} s (simulated).`, '');
  out.push(
    table(
      ['mode', 'run', 'plan status', 'evidence reads', 'promotion reads', 'writes', 'total excl. polls', 'polls', `target`],
      rows.flatMap((r) => [callRow(r.mode, 'first', r.first, true), callRow(r.mode, 're-run', r.rerun, false)]),
    ),
  );
  out.push('', CLASSIFICATION_RULE, '', 'Per route (uc/ = /api/2.0/mlflow/unity-catalog/, mlflow/ = /api/2.0/mlflow/):', '', '```', breakdown(rows), '```', '');
  const missed = rows.filter((r) => r.first.counts.total > TARGET_CALLS).map((r) => r.mode);
  out.push(missed.length ? `MISSED (> ${TARGET_CALLS} calls): ${missed.join('; ')}` : `All modes within ${TARGET_CALLS} calls.`, '');

  out.push('## 2. Polls per minute of endpoint waiting (replace rollout, simulated clock)', '');
  out.push(
    table(
      ['update duration', 'runs', 'polls median (min–max)', 'waited min (median)', 'polls/min median (min–max)', 'lock heartbeat calls in the wait (median)'],
      uc.waits.map((w) => {
        const perMin = w.polls.map((p, i) => p / (w.waitedMs[i]! / 60_000));
        return [
          `${w.minutes} min`,
          String(w.polls.length),
          `${median(w.polls)} (${Math.min(...w.polls)}–${Math.max(...w.polls)})`,
          fmt(median(w.waitedMs) / 60_000, 2),
          `${fmt(median(perMin), 1)} (${fmt(Math.min(...perMin), 1)}–${fmt(Math.max(...perMin), 1)})`,
          String(median(w.heartbeats)),
        ];
      }),
    ),
  );
  out.push('', 'Waited = from the config PUT to the poll that saw NOT_UPDATING + READY (server clock, simulated).', 'Backoff schedule (src/platform/serving/client.ts `waitUntilSettled`, defaults base 1 s, cap 10 s, full jitter over the upper half; ends at `serving.wait_timeout`):', '', scheduleTable(), '');

  if (github) out.push('## 3. GitHub content-creating calls per action run (target 1)', '', github, '');
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
