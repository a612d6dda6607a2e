// bench:economy, part 3: GitHub content-creating calls per action run. The bundled action
// (dist/index.js, from the private copy bundleDir() takes) runs the way a runner runs it — a
// runner's environment only, MLOPS_GATE_* inputs, an event payload file — against the local GitHub
// stand-in (test/support/github-api.ts, which records every call) and the Databricks emulator as the
// registry (Unity Catalog copy test → prod, real clock, no serving).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { startGitHubStandIn, type RecordedCall } from '../test/support/github-api.js';
import { actionPath, REPO, table, ucSeed } from './support.js';
import { ECONOMY_POLICY } from './economy-classify.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const RELEASE = 'f'.repeat(40);
const PR = 7;
const TOKEN = 'ghs_benchtoken';

const config = (host: string) => `version: 1
environments:
  test: { registry: databricks-uc, host: ${host}, catalog: ml_test, schema: models }
  prod: { registry: databricks-uc, host: ${host}, catalog: ml_prod, schema: models, promote_from: test, github_environment: production }
models:
  m0000:
    name: m0000
    candidate: { alias: challenger }
    champion_alias: champion
    policies: [release]
policies:
${ECONOMY_POLICY}`;

const prEvent = {
  action: 'synchronize',
  number: PR,
  pull_request: {
    number: PR,
    user: { login: 'alice' },
    base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/models', fork: false } },
    head: { sha: HEAD, ref: 'feature', repo: { full_name: 'acme/models', fork: false } },
  },
};
const pushEvent = { ref: 'refs/heads/main', after: RELEASE };

interface ActionSpec {
  readonly eventName: string;
  readonly event: unknown;
  readonly sha: string;
  readonly runId: number;
  readonly inputs: Readonly<Record<string, string>>;
}

/** One action run: a runner's environment (PATH, HOME, GITHUB_*, RUNNER_TEMP), the inputs, and the registry credential. */
const runAction = async (apiUrl: string, workspaceFiles: Readonly<Record<string, string>>, spec: ActionSpec): Promise<{ code: number | null; output: string }> => {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-action-'));
  const workspace = join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(dir, 'temp'));
  for (const [path, text] of Object.entries(workspaceFiles)) writeFileSync(join(workspace, path), text);
  writeFileSync(join(dir, 'event.json'), JSON.stringify(spec.event));
  for (const f of ['output', 'summary.md']) writeFileSync(join(dir, f), '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_EVENT_NAME: spec.eventName,
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_SHA: spec.sha,
    GITHUB_RUN_ID: String(spec.runId),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'alice',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_API_URL: apiUrl,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    RUNNER_TEMP: join(dir, 'temp'),
    DATABRICKS_TOKEN: DEFAULT_TOKEN,
    MLOPS_GATE_CONFIG: 'mlops.yml',
    MLOPS_GATE_GITHUB_TOKEN: TOKEN,
    ...Object.fromEntries(Object.entries(spec.inputs).map(([k, v]) => [`MLOPS_GATE_${k.toUpperCase().replace(/-/g, '_')}`, v])),
  };
  const child = spawn(process.execPath, [actionPath()], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
};

/** A GitHub write, named by what it creates or changes. */
const nameOf = (c: RecordedCall): string => {
  if (c.method === 'POST' && /\/issues\/\d+\/comments$/.test(c.path)) return 'PR comment create';
  if (c.method === 'PATCH' && /\/issues\/comments\/\d+$/.test(c.path)) return 'PR comment update';
  if (c.method === 'DELETE' && /\/issues\/comments\/\d+$/.test(c.path)) return 'PR comment delete';
  if (c.method === 'POST' && /\/deployments$/.test(c.path)) return 'deployment create';
  if (c.method === 'POST' && /\/deployments\/\d+\/statuses$/.test(c.path)) return `deployment status ${(c.body as { state?: string } | null)?.state ?? '?'}`;
  return `${c.method} ${c.path}`;
};

const isWrite = (c: RecordedCall): boolean => ['POST', 'PATCH', 'PUT', 'DELETE'].includes(c.method);

const setCandidateTag = async (emu: RunningEmulator, value: string): Promise<void> => {
  const res = await fetch(`${emu.url}/api/2.0/mlflow/unity-catalog/model-versions/set-tag`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ml_test.models.m0000', version: '2', key: 'validation_status', value }),
  });
  if (!res.ok) throw new Error(`set-tag: ${res.status} ${await res.text()}`);
};

/** Newest modification time under src/, to say when the bundle being measured is older than the sources. */
const newestSourceMs = (dir = join(REPO, 'src')): number =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newestSourceMs(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)),
  );

const bundleNote = (): string => {
  const built = statSync(join(REPO, 'dist', 'index.js')).mtimeMs;
  const stale = newestSourceMs() > built;
  return `Bundle: dist/index.js built ${new Date(built).toISOString()}${stale ? ' — OLDER than the newest file in src/: run `npm run build` for current figures' : ''}.`;
};

/** Runs the scenarios and returns the Markdown table (with its notes). */
export async function githubEconomy(log: (message: string) => void): Promise<string> {
  const note = bundleNote();
  actionPath(); // takes the private copy of dist/ now, so every run below measures this build
  const emu = await startEmulator({ port: 0, seed: ucSeed(1), modules: defaultModules() });
  const api = await startGitHubStandIn({ token: TOKEN });
  try {
    const yaml = config(emu.url);
    api.pulls.set(PR, { number: PR, author: 'alice', baseSha: BASE, headSha: HEAD, files: ['train.py'] });
    api.contents.set(BASE, new Map([['mlops.yml', yaml]]));
    const files = { 'mlops.yml': yaml };
    const pr = (runId: number): ActionSpec => ({ eventName: 'pull_request', event: prEvent, sha: HEAD, runId, inputs: { command: 'plan' } });
    const release = (runId: number, inputs: Record<string, string>): ActionSpec => ({ eventName: 'push', event: pushEvent, sha: RELEASE, runId, inputs });

    const scenarios: { readonly name: string; readonly before?: () => Promise<void>; readonly spec: ActionSpec; readonly why: string }[] = [
      { name: 'plan on a PR: first run', spec: pr(101), why: 'the sticky comment is created' },
      { name: 'plan on a PR: re-run, unchanged result', spec: pr(102), why: 'same verdict and plan (new run id): nothing to edit' },
      {
        name: 'plan on a PR: re-run, changed result',
        before: () => setCandidateTag(emu, 'failed'),
        spec: pr(103),
        why: 'the candidate lost its validation tag: the comment is edited in place',
      },
      { name: 'promote (push)', before: () => setCandidateTag(emu, 'passed'), spec: release(201, { command: 'promote', environment: 'prod' }), why: '' },
      { name: 'promote: re-run', spec: release(202, { command: 'promote', environment: 'prod' }), why: 'already recorded for this commit and environment' },
      { name: 'rollback (workflow_dispatch)', spec: { ...release(301, { command: 'rollback', models: 'm0000', environment: 'prod' }), eventName: 'workflow_dispatch', event: { ref: 'refs/heads/main', inputs: {} } }, why: '' },
    ];
    const rows: string[][] = [];
    for (const s of scenarios) {
      log(`action: ${s.name}…`);
      await s.before?.();
      const before = api.calls.length;
      const run = await runAction(api.url, files, s.spec);
      if (run.code !== 0 && !(s.name.includes('changed') && run.code === 1)) log(`  exit ${run.code}:\n${run.output.slice(-1500)}`);
      const calls = api.calls.slice(before);
      const writes = calls.filter(isWrite);
      const named = writes.map(nameOf);
      const deploymentWrites = named.filter((n) => n.startsWith('deployment')).length;
      const verdict =
        writes.length <= 1
          ? 'met'
          : deploymentWrites === writes.length
            ? `MISSED (${writes.length}): a Deployment is a create + its status (GitHub floor)`
            : `MISSED (${writes.length})`;
      rows.push([s.name, String(run.code), String(calls.length - writes.length), String(writes.length), named.length ? named.join(', ') : '—', verdict, s.why]);
    }
    return [
      note,
      '',
      table(['run', 'exit', 'GitHub reads', 'content-creating calls', 'which', 'target 1', 'note'], rows),
      '',
      'Content-creating = POST/PATCH/PUT/DELETE to the GitHub API (the stand-in records every call).',
      'promote/rollback record a GitHub Deployment for the environment (`github_environment: production`):',
      'one create, then its final status (success/failure). GitHub has no call that creates a deployment',
      'with a status, so 2 is the floor for a recorded deployment. `deployments: false` makes them 0.',
    ].join('\n');
  } finally {
    await api.close();
    await emu.close();
  }
}
