// Runs one hostile case through the CLI's testable core (runCli) in a fresh directory, as
// `mlops-gate <argv>` with that directory as the working directory. Shared by the suite and
// bench/hostile.ts.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../../../src/cli.js';
import type { HostileCase } from './cases.js';

export interface CaseRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** file:line:column of the first "error:" line, if any. */
  readonly at: string | null;
  /** The source text at `at`, when it is in a file the case wrote. */
  readonly textAt: string | null;
  readonly dir: string;
}

/** Credentials for both registry kinds: nothing may be refused for want of them. */
export const CASE_ENV = { DATABRICKS_TOKEN: 'dapi-hostile', MLFLOW_TRACKING_TOKEN: 'mlflow-hostile' } as const;

const materialise = (content: string | Buffer | (() => string | Buffer), host: string): string | Buffer => {
  const value = typeof content === 'function' ? content() : content;
  return typeof value === 'string' ? value.replaceAll('HOST', host) : value;
};

/** Writes the case's files under a new directory; returns it. */
export const prepareCase = (c: HostileCase, host: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  if (c.config !== undefined) writeFileSync(join(dir, 'mlops.yml'), materialise(c.config, host));
  for (const [path, content] of Object.entries(c.files ?? {})) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (content === null) mkdirSync(full, { recursive: true });
    else writeFileSync(full, materialise(content, host));
  }
  return dir;
};

const textAt = (dir: string, at: string | null, files: Readonly<Record<string, string | Buffer>>): string | null => {
  const m = at ? /^(.+):(\d+):(\d+)$/.exec(at) : null;
  if (!m) return null;
  const content = files[m[1] ?? ''];
  if (content === undefined) return null;
  const line = (typeof content === 'string' ? content : content.toString('utf8')).split('\n')[Number(m[2]) - 1] ?? '';
  void dir;
  return line.slice(Number(m[3]) - 1);
};

export const runCase = async (c: HostileCase, host: string, argv: readonly string[] = c.argv ?? ['validate', '--config', 'mlops.yml']): Promise<CaseRun> => {
  const dir = prepareCase(c, host);
  try {
    let stdout = '';
    let stderr = '';
    const started = performance.now();
    const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: CASE_ENV, cwd: dir, now: new Date('2026-06-15T12:00:00Z') });
    const ms = performance.now() - started;
    const at = /^(\S.*?:\d+:\d+): error:/m.exec(stderr)?.[1] ?? null;
    const written: Record<string, string | Buffer> = {};
    if (c.config !== undefined) written['mlops.yml'] = materialise(c.config, host);
    for (const [path, content] of Object.entries(c.files ?? {})) if (content !== null) written[path] = materialise(content, host);
    return { code, stdout, stderr, ms, at, textAt: textAt(dir, at, written), dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
