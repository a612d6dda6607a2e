// The process as the program sees it: output streams, environment, working directory and the
// test seams (clock, crash hooks). Entries build one; everything below takes it as a value.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServingClock } from '../endpoint/ports.js';
import { readInputFile } from '../platform/files.js';

export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly now?: Date;
  /** Resolves when the process should stop (long-running commands such as `emulator`). */
  readonly untilStopped?: () => Promise<void>;
  /** Test seam: the clock serving waits and canary pauses use (default: real time). */
  readonly servingClock?: ServingClock;
  /** Test seam (crash tests): awaited after each promotion/rollback step; see ApplyOptions.afterStep. */
  readonly afterStep?: (stepId: string, index: number) => Promise<void>;
}

export interface FileAccess {
  /** Reads a file relative to cwd; null when it does not exist (or is a directory). */
  readonly readFile: (path: string) => string | null;
  /** A directory's entries relative to cwd (at most 10,000); null when it does not exist. */
  readonly listDir?: (path: string) => readonly { readonly name: string; readonly dir: boolean }[] | null;
  readonly writeFile: (path: string, text: string) => void;
}

export const resolvePath = (cwd: string, p: string): string => (p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p}`);

export function fileAccess(cwd: string): FileAccess {
  return {
    // Bounded: a huge file, /dev/zero or a pipe cannot exhaust memory (src/platform/files.ts).
    readFile: (p) => readInputFile(resolvePath(cwd, p), p),
    listDir: (p) => {
      try {
        return readdirSync(resolvePath(cwd, p), { withFileTypes: true })
          .slice(0, 10_000)
          .map((e) => ({ name: e.name, dir: e.isDirectory() }));
      } catch {
        return null;
      }
    },
    writeFile: (p, text) => {
      const full = resolvePath(cwd, p);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    },
  };
}
