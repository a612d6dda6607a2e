// Reading input files at the edge, bounded: a file is read in chunks and given up once it passes
// MAX_INPUT_BYTES, so a 5 GB file, /dev/zero or an endless pipe cannot exhaust memory. Bytes
// that are not UTF-8 are decoded as U+FFFD, which the config loader reports with their line and
// column (src/config/text.ts). The tighter per-file limits of configs and policies are the
// loader's (src/config/limits.ts).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { formatBytes } from '../config/limits.js';
import { ConfigError } from '../errors.js';

/** The most mlops-gate reads from one file (configs, policies, evidence and result files). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const CHUNK = 1024 * 1024;

const tooLarge = (shownPath: string, bytes: number, atLeast: boolean, limit: number): ConfigError =>
  new ConfigError([
    {
      severity: 'error',
      code: 'file-too-large',
      message: `the file is ${atLeast ? 'more than ' : ''}${formatBytes(bytes)}; mlops-gate reads at most ${formatBytes(limit)} from one file`,
      path: '',
      position: { file: shownPath, line: 1, column: 1 },
    },
  ]);

const isMissing = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR';
};

/**
 * The text of `path`, or null when it does not exist or is a directory. Throws a ConfigError
 * (positioned at `shownPath`:1:1) for a file larger than `limit`; other errors are thrown as they are.
 */
export function readInputFile(path: string, shownPath: string = path, limit: number = MAX_INPUT_BYTES): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return null;
    if (stat.isFile() && stat.size > limit) throw tooLarge(shownPath, stat.size, false, limit);
    // Devices and pipes report no size: read until the end or past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, CHUNK, null);
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
      if (read === 0) break;
      total += read;
      if (total > limit) throw tooLarge(shownPath, total - read, true, limit);
      chunks.push(Buffer.from(buffer.subarray(0, read)));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
