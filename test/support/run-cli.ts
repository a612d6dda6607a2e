// Runs the CLI in-process with `--format json`, capturing stdout/stderr, the way the e2e promote
// tests drive `mlops-gate promote|rollback|plan` against the emulator.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliIO } from '../../src/cli.js';
import type { ResultDocument } from '../../src/result/types.js';

export interface CliRun {
  readonly code: number;
  readonly stderr: string;
  /** The JSON result, when the command printed one. */
  readonly result: ResultDocument | null;
}

/** `argv --config <configFile> --format json`; `io` adds env, cwd, clocks and hooks. */
export async function runCliJson(argv: readonly string[], configFile: string, io: Omit<CliIO, 'stdout' | 'stderr'>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--config', configFile, '--format', 'json'], {
    ...io,
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stderr, result: stdout.trim().startsWith('{') ? (JSON.parse(stdout) as ResultDocument) : null };
}

/** Writes `text` to a fresh mlops.yml in `dir` and runs the CLI on it. */
export const runCliOnConfigText = (argv: readonly string[], text: string, dir: string, io: Omit<CliIO, 'stdout' | 'stderr' | 'cwd'>): Promise<CliRun> => {
  const file = join(dir, `mlops-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text);
  return runCliJson(argv, file, { ...io, cwd: dir });
};
