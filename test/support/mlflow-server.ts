// A real MLflow tracking server for integration tests: the project's virtualenv (created by
// scripts/setup-python.sh when missing), SQLite backend and proxied artifacts in a temp dir, a free
// loopback port, telemetry off. `stop()` ends the whole process group (uvicorn spawns workers).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const VENV_BIN = join(REPO_ROOT, '.cache/venv/bin');

const say = (message: string): void => {
  process.stderr.write(`[mlflow-server] ${message}\n`);
};

/** Environment for every MLflow process we start: nothing phones home. */
const quietEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  MLFLOW_DISABLE_TELEMETRY: 'true',
  DO_NOT_TRACK: 'true',
  MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT: 'true',
  PYTHONUNBUFFERED: '1',
});

/** Runs scripts/setup-python.sh (idempotent: fast when the venv is current). */
export const ensurePythonVenv = (): void => {
  say('checking the Python virtualenv (.cache/venv)');
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts/setup-python.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(`scripts/setup-python.sh failed (exit ${result.status ?? result.signal}); see its output above`);
  }
};

export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });

export interface MlflowServer {
  readonly url: string;
  readonly dir: string;
  /** Stops the server (process group) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

const tail = (file: string, lines = 30): string => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));

export interface StartMlflowOptions {
  readonly startTimeoutMs?: number;
  /**
   * uvicorn worker processes (`mlflow server --workers`). Default 1: the tests need one predictable
   * process. Benchmarks pass more, as production tracking servers run (MLflow's own default is 4).
   */
  readonly workers?: number;
  /** Extra environment for the server process (e.g. the MLFLOW_WEBHOOK_* variables). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startMlflowServer(options: StartMlflowOptions = {}): Promise<MlflowServer> {
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  const mlflow = join(VENV_BIN, 'mlflow');
  ensurePythonVenv(); // fast when the venv matches test/python/requirements.txt
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-mlflow-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'server.log');
  const logFd = openSync(logFile, 'a');
  say(`starting MLflow on ${url} with ${workers} worker(s) (data in ${dir})`);
  const child = spawn(
    mlflow,
    [
      'server',
      '--host', '127.0.0.1',
      '--port', String(port),
      '--workers', String(workers),
      '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination', join(dir, 'artifacts'),
      '--serve-artifacts',
    ],
    { cwd: dir, env: { ...quietEnv(), ...options.env }, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  // Should the test runner die without its teardown, do not leave the server running.
  const killOnExit = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited(child);
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`mlflow server exited early (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
      }
      try {
        const res = await fetch(`${url}/health`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`mlflow server did not answer /health within the timeout:\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  say(`MLflow is up on ${url}`);
  return { url, dir, stop };
}

/** Runs test/python/seed_mlflow.py against `url` and returns its manifest; progress streams to stderr. */
export async function seedMlflow(url: string, dir: string): Promise<SeedManifest> {
  const manifestFile = join(dir, 'manifest.json');
  say('seeding: training and registering the scenario models (about 30 s)');
  const child = spawn(join(VENV_BIN, 'python'), [join(REPO_ROOT, 'test/python/seed_mlflow.py'), '--manifest', manifestFile], {
    env: { ...quietEnv(), MLFLOW_TRACKING_URI: url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (line.startsWith('seed:')) say(line);
    }
  });
  const code = await new Promise<number | null>((resolveExit) => child.once('close', (c) => resolveExit(c)));
  if (partial) lines.push(partial);
  if (code !== 0) {
    throw new Error(`seed_mlflow.py failed (exit ${code}):\n${lines.slice(-40).join('\n')}`);
  }
  return JSON.parse(readFileSync(manifestFile, 'utf8')) as SeedManifest;
}

// ---- the seed manifest (written by test/python/seed_mlflow.py) --------------------------------

export interface SeedVersion {
  readonly run_id: string;
  readonly source: string;
  readonly model_id: string | null;
  readonly tags: Record<string, string>;
  readonly description: string;
  readonly aliases: string[];
}

export interface SeedRun {
  readonly status: 'FINISHED' | 'RUNNING';
  readonly metrics: { readonly roc_auc: number; readonly accuracy: number; readonly latency_p95_ms: number };
  readonly params: Record<string, string>;
  readonly git_commit: string;
  readonly model_id: string | null;
  readonly signature_inputs: { readonly name: string; readonly type: string }[] | null;
  readonly has_signature: boolean;
  readonly input_example: string | null;
  /** Digest of the evaluation dataset the run logged with mlflow.log_input (context eval), if any. */
  readonly eval_digest: string | null;
  readonly pip_requirements: readonly string[];
}

export interface SeedRef {
  readonly name: string;
  readonly version: string;
}

export interface SeedScenario {
  readonly candidate: SeedRef;
  readonly champion: SeedRef | null;
  readonly selector: string;
  readonly removed?: string[];
  readonly retyped?: Record<string, [string, string]>;
}

export interface SeedManifest {
  readonly tracking_uri: string;
  readonly experiment_id: string;
  readonly git_commit: string;
  readonly features: string[];
  readonly required_tags: Record<string, string>;
  readonly models: Record<string, { readonly versions: Record<string, SeedVersion> }>;
  readonly runs: Record<string, SeedRun>;
  readonly scenarios: Record<string, SeedScenario>;
}
