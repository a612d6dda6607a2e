// `npm run bench:copy`: copying a Unity Catalog model version across catalogs, 10 MiB … 2 GiB, on
// the Databricks emulator: `mlops-gate promote` (dist/cli.js, the streaming copy: ranged reads
// piped into single PUTs or multipart uploads) against the official Python client's
// `MlflowClient(registry_uri="databricks-uc").copy_model_version` (mlflow 3.17.2 from .cache/venv:
// downloads the whole version to a local temp directory, then uploads it, through the SDK's Files
// client). Same emulator, same source version, one side at a time.
//
// Printed per size: peak resident memory of each process (ru_maxrss) and throughput (MiB/s of
// model over the copy), min / median / max over --repeat runs. Ours is timed over the whole
// `promote` process (start-up, gates, lock, journal and alias included); Python's over the
// copy_model_version call only (its interpreter start and mlflow import excluded, and reported).
// The emulator runs in a process of its own (`mlops-gate emulator`, large files on disk beside its
// state file), so neither client shares memory or an event loop with the server.
//
// Flags: --sizes 10,100,500,2048 (MiB) · --repeat 3 · --no-python · --json FILE

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, flag, fmt, hasFlag, listFlag, log, machine, median, numberFlag, REPO, runNode, table } from './support.js';

const DEFAULT_TOKEN = 'dapi-emulator';

/** `mlops-gate emulator` in a child process; resolves with its URL once it listens. */
const startEmulatorProcess = (seedPath: string, statePath: string): Promise<{ url: string; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath(), 'emulator', '--port', '0', '--seed', seedPath, '--state', statePath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`the emulator exited (${code}): ${err}`)));
  });

const PYTHON = `${REPO}/.cache/venv/bin/python`;
const MIB = 1024 * 1024;
const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.pyfunc.model
    python_version: 3.11.9
mlflow_version: 3.17.2
signature:
  inputs: '${JSON.stringify(SIGNATURE.inputs)}'
  outputs: '${JSON.stringify(SIGNATURE.outputs)}'
`;

const PY_COPY = `
import json, resource, sys, time
t0 = time.perf_counter()
from mlflow import MlflowClient
imported = time.perf_counter()
client = MlflowClient(registry_uri="databricks-uc")
t = time.perf_counter()
mv = client.copy_model_version(f"models:/{sys.argv[1]}/1", sys.argv[2])
done = time.perf_counter()
print(json.dumps({"status": str(mv.status), "copyMs": (done - t) * 1000, "importMs": (imported - t0) * 1000,
                  "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
`;

interface Run {
  readonly ms: number;
  readonly rssMiB: number;
}

const stats = (xs: readonly number[], digits = 0): string =>
  xs.length === 0 ? 'n/a' : `${fmt(Math.min(...xs), digits)} / ${fmt(median(xs), digits)} / ${fmt(Math.max(...xs), digits)}`;

async function main(): Promise<void> {
  const sizes = listFlag('sizes', [10, 100, 500, 2048]);
  const repeat = Math.max(1, numberFlag('repeat', 3));
  const python = !hasFlag('no-python');
  const jsonOut = flag('json', '');
  const work = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-copy-'));
  const seedPath = join(work, 'seed.json');
  writeFileSync(
    seedPath,
    JSON.stringify({
      workspaces: {
        default: {
          tokens: { [DEFAULT_TOKEN]: 'deployer@example.com' },
          catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
          tracking: { experiments: [{ name: '/Shared/bench' }] },
        },
      },
    }),
  );
  const server = await startEmulatorProcess(seedPath, join(work, 'state.json'));
  const emu = { url: server.url, close: async () => void server.child.kill('SIGTERM') };
  const call = async <T>(method: string, path: string, body?: unknown, raw?: Uint8Array): Promise<T> => {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': raw ? 'application/octet-stream' : 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  const uc = '/api/2.0/mlflow/unity-catalog';
  // mlflow's copy resolves the source version's logged model: the source comes from one, as mlflow logs it.
  const experimentId = (await call<{ experiment: { experiment_id: string } }>('GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=%2FShared%2Fbench')).experiment.experiment_id;

  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  try {
    for (const size of sizes) {
      const name = `dev.ml.m${size}`;
      log(`source ${name}: ${size} MiB`);
      const logged = await call<{ model: { info: { model_id: string } } }>('POST', '/api/2.0/mlflow/logged-models', { experiment_id: experimentId, name: `m${size}` });
      await call('POST', `${uc}/registered-models/create`, { name });
      const mv = await call<{ model_version: { version: string } }>('POST', `${uc}/model-versions/create`, { name, source: `models:/${logged.model.info.model_id}`, model_id: logged.model.info.model_id });
      const dir = `/Models/dev/ml/m${size}/${mv.model_version.version}`;
      await call('PUT', `/api/2.0/fs/files${dir}/MLmodel?overwrite=true`, undefined, new TextEncoder().encode(MLMODEL));
      await call('POST', '/__emulator/files/generate', { path: `${dir}/model.bin`, size: size * MIB - MLMODEL.length, seed: size });
      await call('POST', `${uc}/model-versions/finalize`, { name, version: mv.model_version.version });
      await call('POST', `${uc}/registered-models/alias`, { name, alias: 'challenger', version: mv.model_version.version });

      const ours: Run[] = [];
      const theirs: (Run & { importMs: number })[] = [];
      for (let r = 1; r <= repeat; r++) {
        const dest = `copy_${size}_r${r}`;
        const config = join(work, `mlops-${size}-${r}.yml`);
        writeFileSync(
          config,
          [
            'version: 1',
            'environments:',
            `  dev: { registry: databricks-uc, host: "${emu.url}", catalog: dev, schema: ml }`,
            `  prod: { registry: databricks-uc, host: "${emu.url}", catalog: prod, schema: ml, promote_from: dev }`,
            'models:',
            `  m:`,
            `    name: m${size}`,
            `    names: { prod: ${dest} }`,
            '    candidate: { alias: challenger }',
            '    promotion: copy',
            '',
          ].join('\n'),
        );
        const run = await runNode([cliPath(), 'promote', '--config', config, '--format', 'json'], { env: { ...process.env, DATABRICKS_TOKEN: DEFAULT_TOKEN } });
        if (run.code !== 0 || !/"status":\s*"applied"/.test(run.stdout)) throw new Error(`promote failed (${run.code}): ${run.stderr}\n${run.stdout.slice(0, 2000)}`);
        ours.push({ ms: run.wallMs, rssMiB: run.peakRssMiB ?? NaN });
        log(`  ours   ${size} MiB #${r}: ${fmt(run.wallMs)} ms, peak RSS ${fmt(run.peakRssMiB ?? NaN)} MiB`);
        await call('DELETE', `${uc}/registered-models/delete`, { name: `prod.ml.${dest}` }).catch(() => undefined);

        if (python) {
          const py = await runNode(['-c', PY_COPY, name, `prod.ml.py_${size}_r${r}`], {
            command: PYTHON,
            env: { ...process.env, DATABRICKS_HOST: emu.url, DATABRICKS_TOKEN: DEFAULT_TOKEN, MLFLOW_TRACKING_URI: 'databricks' },
          });
          const out = py.stdout.trim().split('\n').pop() ?? '';
          if (py.code !== 0 || !out.startsWith('{')) throw new Error(`python copy failed (${py.code}): ${py.stderr.slice(-3000)}`);
          const parsed = JSON.parse(out) as { status: string; copyMs: number; importMs: number; maxRssKiB: number };
          if (!/READY/.test(parsed.status)) throw new Error(`python copy ended ${parsed.status}`);
          theirs.push({ ms: parsed.copyMs, rssMiB: parsed.maxRssKiB / 1024, importMs: parsed.importMs });
          log(`  python ${size} MiB #${r}: ${fmt(parsed.copyMs)} ms (+${fmt(parsed.importMs)} ms import), peak RSS ${fmt(parsed.maxRssKiB / 1024)} MiB`);
          await call('DELETE', `${uc}/registered-models/delete`, { name: `prod.ml.py_${size}_r${r}` }).catch(() => undefined);
        }
      }
      const mibps = (runs: readonly Run[]) => runs.map((x) => size / (x.ms / 1000));
      rows.push([
        `${size} MiB`,
        stats(ours.map((x) => x.rssMiB)),
        stats(mibps(ours), 1),
        python ? stats(theirs.map((x) => x.rssMiB)) : 'skipped',
        python ? stats(mibps(theirs), 1) : 'skipped',
        python ? fmt(median(theirs.map((x) => x.importMs))) : '',
      ]);
      results.push({ sizeMiB: size, ours, python: theirs });
      await call('DELETE', `${uc}/registered-models/delete`, { name }).catch(() => undefined);
    }
  } finally {
    await emu.close();
    rmSync(work, { recursive: true, force: true });
  }

  process.stdout.write(`\n## bench:copy — Unity Catalog copy across catalogs (emulator), min / median / max of ${repeat}\n\n`);
  process.stdout.write(
    `${table(['model', 'mlops-gate peak RSS MiB', 'mlops-gate MiB/s', 'python peak RSS MiB', 'python MiB/s', 'python import ms'], rows)}\n\n`,
  );
  process.stdout.write(
    'mlops-gate: the whole `promote` process (start-up, gates, lock, journal, alias). Python: `copy_model_version` only (interpreter start and import not timed). Peak RSS: ru_maxrss of each process.\n',
  );
  process.stdout.write(`${machine()}\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine: machine(), repeat, results }, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
