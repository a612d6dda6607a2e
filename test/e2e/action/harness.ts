// Runs the built action bundle the way a runner does: `node dist/index.js` with MLOPS_GATE_* env
// (what action.yml maps inputs to), GITHUB_* context variables, an event payload file, and
// GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files; GitHub itself is the local stand-in.

import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');

/**
 * Build once (`npm run build`) and copy the bundle aside, so another build in the same checkout
 * cannot swap it mid-test. MLOPS_GATE_E2E_PREBUILT=1 uses the existing dist/ instead.
 */
export async function buildActionBundle(): Promise<string> {
  if (process.env.MLOPS_GATE_E2E_PREBUILT !== '1') {
    try {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    } catch (e) {
      const out = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`npm run build failed:\n${out.stdout ?? ''}\n${out.stderr ?? out.message}`);
    }
  }
  const actionDir = mkdtempSync(join(tmpdir(), 'mlops-gate-action-'));
  mkdirSync(join(actionDir, 'dist'));
  for (const f of ['index.js', 'package.json']) {
    if (!existsSync(join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run npm run build`);
    copyFileSync(join(ROOT, 'dist', f), join(actionDir, 'dist', f));
  }
  return join(actionDir, 'dist', 'index.js');
}

export interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly summary: string;
  /** `::error file=…,line=…::message` lines, parsed. */
  readonly annotations: readonly { level: string; props: Record<string, string>; message: string }[];
}

export interface RunSpec {
  readonly bundle: string;
  readonly apiUrl: string;
  /** Files of the checked-out workspace (the PR head). */
  readonly workspace: Readonly<Record<string, string>>;
  /** Symlinks in the workspace: path → target (absolute, or relative to the link). */
  readonly symlinks?: Readonly<Record<string, string>>;
  readonly event: unknown;
  readonly eventName: string;
  readonly inputs?: Readonly<Record<string, string>>;
  readonly token?: string | null;
  readonly runId?: number;
  readonly repository?: string;
  /** Extra environment of the step (credentials, registry hosts). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Values that must never appear in anything the run produced (stdout but the runner's own
   * `::add-mask::` lines, stderr, summary, outputs, the result file, every file it wrote, comments
   * and deployments on the GitHub stand-in), in any letter case. The token and every credential
   * variable of `env` are always included.
   */
  readonly secrets?: readonly string[];
  /** The GitHub stand-in, whose comments and deployments are checked for secrets too. */
  readonly github?: { readonly comments: Map<string, { body: string }[]>; readonly deployments: readonly { payload: unknown; description: string | null }[] };
}

/** Credential-looking variables, as the program itself classifies them. */
const CREDENTIAL = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_?KEY|CREDENTIAL|API_?KEY|ACCESS_?KEY|AUTHORIZATION)/i;

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    : [];

/** Throws naming where a secret leaked; the check every action run goes through. */
export function assertNoSecretLeaks(secrets: readonly string[], places: Readonly<Record<string, string>>): void {
  const wanted = [...new Set(secrets)].filter((s) => s.length >= 4);
  for (const [where, text] of Object.entries(places)) {
    const lower = text.toLowerCase();
    for (const secret of wanted) {
      if (lower.includes(secret.toLowerCase())) throw new Error(`secret leaked in ${where}: …${text.slice(Math.max(0, lower.indexOf(secret.toLowerCase()) - 40), lower.indexOf(secret.toLowerCase()) + secret.length + 20)}…`);
    }
  }
}

/** Parse the GITHUB_OUTPUT file (`name<<DELIM … DELIM` blocks, as @actions/core writes them). */
export const parseOutputs = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i]!.match(/^([^<=]+)<<(.+)$/);
    if (!m) continue;
    const [, name, delim] = m as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
    out[name] = value.join('\n');
  }
  return out;
};

/** Undo @actions/core's command escaping. */
const unescape = (s: string): string =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');

const parseAnnotations = (stdout: string): ActionRun['annotations'] =>
  stdout
    .split('\n')
    .map((line) => line.match(/^::(error|warning|notice)(?: ([^:]*))?::(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({
      level: m[1]!,
      props: Object.fromEntries(
        (m[2] ?? '')
          .split(',')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), unescape(kv.slice(kv.indexOf('=') + 1))]),
      ),
      message: unescape(m[3] ?? ''),
    }));

export async function runAction(spec: RunSpec): Promise<ActionRun & { readonly workspaceDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-run-'));
  const workspace = join(dir, 'workspace');
  for (const [path, text] of Object.entries(spec.workspace)) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), text);
  }
  mkdirSync(workspace, { recursive: true });
  for (const [path, target] of Object.entries(spec.symlinks ?? {})) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    symlinkSync(target, join(workspace, path));
  }
  const eventPath = join(dir, 'event.json');
  const outputPath = join(dir, 'output');
  const summaryPath = join(dir, 'summary.md');
  writeFileSync(eventPath, JSON.stringify(spec.event));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  mkdirSync(join(dir, 'temp'));

  // A runner's environment, not the test process's: nothing inherited but PATH and HOME.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: spec.eventName,
    GITHUB_REPOSITORY: spec.repository ?? 'acme/models',
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_RUN_ID: String(spec.runId ?? 42),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'alice',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_API_URL: spec.apiUrl,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: join(dir, 'temp'),
    MLOPS_GATE_COMMAND: 'plan',
    MLOPS_GATE_CONFIG: 'mlops.yml',
    MLOPS_GATE_COMMENT: 'true',
    ...(spec.token === null ? {} : { MLOPS_GATE_GITHUB_TOKEN: spec.token ?? 'ghs_testtoken' }),
    // `$WORKSPACE` in an input stands for `${{ github.workspace }}`.
    ...Object.fromEntries(Object.entries(spec.inputs ?? {}).map(([k, v]) => [`MLOPS_GATE_${k.toUpperCase().replace(/-/g, '_')}`, v.replace('$WORKSPACE', workspace)])),
    ...spec.env,
  };
  const child = spawn(process.execPath, [spec.bundle], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const run: ActionRun = {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
    annotations: parseAnnotations(stdout),
  };
  // The secret grep: whatever the test is about, nothing secret left the run.
  const secrets = [
    ...(spec.secrets ?? []),
    ...(spec.token === null ? [] : [spec.token ?? 'ghs_testtoken']),
    ...Object.entries(env).filter(([k]) => CREDENTIAL.test(k)).map(([, v]) => v),
  ];
  const written = Object.fromEntries(filesUnder(join(dir, 'temp')).map((f) => [f, readFileSync(f, 'utf8')]));
  assertNoSecretLeaks(secrets, {
    stdout: stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'),
    stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    ...written,
    ...Object.fromEntries([...(spec.github?.comments.entries() ?? [])].map(([k, list]) => [`comments ${k}`, list.map((c) => c.body).join('\n')])),
    deployments: JSON.stringify(spec.github?.deployments ?? []),
  });
  return { ...run, workspaceDir: workspace };
}
