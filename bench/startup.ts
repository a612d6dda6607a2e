// `npm run bench:startup`: what the bundled programs cost before they do any work. Spawned from
// here, several times each (median), in the same run:
//   - bare `node -e ''` (the floor any Node program pays),
//   - `node dist/cli.js validate` on the example configs (load, schema check, policy packs),
//   - `node dist/cli.js plan` and `node dist/index.js` (the action, command plan) up to their first
//     network request: a local server records when the first request arrives, relative to spawn.
// Peak RSS comes from bench/rss-probe.mjs preloaded into every process (the bare run included).
//
// Also prints the bundle sizes (parsing them is part of every start).
//
// Flags: --repeat N (default 9)

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkBundleFresh } from './plan-scale.js';
import { actionPath, cliPath, fmt, log, machine, median, numberFlag, REPO, runNode, table } from './support.js';

interface Sample {
  readonly ms: number;
  readonly rssMiB: number;
}

/** Answers every request with MLflow's "does not exist" and remembers when the first one came. */
const startRecorder = async () => {
  let first: number | null = null;
  const server: Server = createServer((req, res) => {
    if (first === null) first = performance.now();
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'benchmark recorder' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reset: () => (first = null),
    first: () => first,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};

async function main(): Promise<void> {
  const repeat = Math.max(1, Math.round(numberFlag('repeat', 9)));
  checkBundleFresh();
  const CLI = cliPath();
  const recorder = await startRecorder();
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-startup-'));
  const outputs = join(dir, 'github-output');
  writeFileSync(outputs, '');
  const env = {
    ...process.env,
    MLFLOW_TRACKING_URI: recorder.url,
    DATABRICKS_HOST_DEV: 'https://dev.example.test',
    DATABRICKS_HOST_TEST: 'https://test.example.test',
    DATABRICKS_HOST_PROD: 'https://prod.example.test',
  };
  // The action as action.yml starts it: inputs as MLOPS_GATE_*, outputs/summary files, no GitHub token.
  const actionEnv = {
    ...env,
    MLOPS_GATE_COMMAND: 'plan',
    MLOPS_GATE_CONFIG: 'examples/mlflow/mlops.yml',
    MLOPS_GATE_COMMENT: 'false',
    GITHUB_OUTPUT: outputs,
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_WORKSPACE: REPO,
  };
  const cases: { name: string; args: string[]; env: NodeJS.ProcessEnv; untilFirstRequest: boolean }[] = [
    { name: "node -e ''", args: ['-e', ''], env, untilFirstRequest: false },
    { name: 'cli validate (mlflow example)', args: [CLI, 'validate', '--config', 'examples/mlflow/mlops.yml'], env, untilFirstRequest: false },
    { name: 'cli validate (databricks example)', args: [CLI, 'validate', '--config', 'examples/databricks/mlops.yml'], env, untilFirstRequest: false },
    { name: 'cli plan → first request', args: [CLI, 'plan', '--config', 'examples/mlflow/mlops.yml'], env, untilFirstRequest: true },
    { name: 'action (dist/index.js) plan → first request', args: [actionPath()], env: actionEnv, untilFirstRequest: true },
  ];
  const results = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  try {
    // Interleaved rounds, so drift in machine load hits every case alike; one warm-up round first.
    for (let round = -1; round < repeat; round++) {
      for (const c of cases) {
        recorder.reset();
        const started = performance.now();
        const run = await runNode(c.args, { env: c.env });
        const first = recorder.first();
        if (c.untilFirstRequest && first === null) {
          throw new Error(`${c.name}: no request reached the recorder (exit ${run.code}):\n${run.stderr.slice(-2000)}${run.stdout.slice(-1000)}`);
        }
        if (!c.untilFirstRequest && run.code !== 0) throw new Error(`${c.name}: exit ${run.code}:\n${run.stderr.slice(-2000)}`);
        if (round >= 0) results.get(c.name)!.push({ ms: c.untilFirstRequest ? first! - started : run.wallMs, rssMiB: run.peakRssMiB ?? NaN });
      }
      if (round >= 0) log(`round ${round + 1}/${repeat} done`);
    }
  } finally {
    await recorder.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = median(results.get("node -e ''")!.map((s) => s.ms));
  const bareRss = median(results.get("node -e ''")!.map((s) => s.rssMiB));
  const rows = cases.map((c) => {
    const samples = results.get(c.name)!;
    const ms = median(samples.map((s) => s.ms));
    const rss = median(samples.map((s) => s.rssMiB));
    return [
      c.name,
      c.untilFirstRequest ? 'spawn → first request' : 'spawn → exit',
      fmt(ms),
      c.args[0] === '-e' ? '—' : `+${fmt(ms - bare)}`,
      fmt(Math.min(...samples.map((s) => s.ms))),
      fmt(Math.max(...samples.map((s) => s.ms))),
      fmt(rss),
      c.args[0] === '-e' ? '—' : `+${fmt(rss - bareRss)}`,
    ];
  });
  process.stdout.write(`\nstart-up — median of ${repeat} runs (after one warm-up round); ${machine()}\n\n`);
  process.stdout.write(
    table(['program', 'measured', 'median ms', 'overhead ms', 'min ms', 'max ms', 'peak RSS MiB', 'RSS over bare'], rows) + '\n',
  );
  const worst = Math.max(...rows.filter((r) => r[3] !== '—').map((r) => Number(r[3]!.slice(1))));
  process.stdout.write(`\ntarget: overhead < 300 ms over bare node: ${worst < 300 ? 'met' : 'MISSED'} (worst +${fmt(worst)} ms)\n`);
  process.stdout.write('(the "plan" rows include the whole process start — the measured clock starts at spawn, in the parent).\n');
  // Parsing the bundle is a fixed part of every start: its size is worth watching next to the times.
  const kib = (path: string) => `${basename(path)} ${Math.round(statSync(path).size / 1024)} KiB`;
  process.stdout.write(`bundles (dist/): ${kib(CLI)}, ${kib(actionPath())}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:startup failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
