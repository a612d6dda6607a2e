// Large file contents of the emulated Files API, kept on disk instead of in the JSON state: a
// multi-GiB model cannot live in a base64 string (and should not live in memory). Blobs are
// immutable; the state names them by id. One directory per process by default (a temp dir removed
// at exit); `startEmulator({ blobDir })` names a lasting one (beside a state file, so a restarted
// emulator finds its files).

import { randomBytes } from 'node:crypto';
import { createReadStream, linkSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** Files up to this size stay inline (base64 in the state, as seeds and small artifacts always were). */
export const INLINE_LIMIT = 1024 * 1024;

let dir: string | null = null;

/** Use `path` for blobs from now on (created if absent; never removed by the emulator). */
export const setBlobDir = (path: string): void => {
  mkdirSync(path, { recursive: true });
  dir = path;
};

const blobDir = (): string => {
  if (dir) return dir;
  const made = mkdtempSync(join(tmpdir(), 'mlops-gate-emulator-blobs-'));
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  dir = made;
  return made;
};

const pathOf = (id: string): string => {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`invalid blob id ${id}`);
  return join(blobDir(), id);
};

const newId = (): string => randomBytes(16).toString('hex');

export const writeBlob = (data: Buffer): string => {
  const id = newId();
  writeFileSync(pathOf(id), data);
  return id;
};

export const readBlob = (id: string): Buffer => readFileSync(pathOf(id));

export const blobSize = (id: string): number => statSync(pathOf(id)).size;

/** Bytes `start`..`end` (inclusive) of a blob, streamed. */
export const blobStream = (id: string, start: number, end: number): NodeJS.ReadableStream => createReadStream(pathOf(id), { start, end, highWaterMark: 1024 * 1024 });

/** A second id for the same (immutable) contents: a hard link where the file system allows. */
export const shareBlob = (id: string): string => {
  const copy = newId();
  try {
    linkSync(pathOf(id), pathOf(copy));
  } catch {
    copyFileSync(pathOf(id), pathOf(copy));
  }
  return copy;
};

export const deleteBlob = (id: string): void => {
  try {
    unlinkSync(pathOf(id));
  } catch {
    // already gone
  }
};

/** Bytes `start`..`end` (inclusive) of blobs read one after another (a file assembled from parts). */
export const piecesStream = (pieces: readonly { readonly blob: string; readonly size: number }[], start: number, end: number): NodeJS.ReadableStream =>
  Readable.from(
    (async function* () {
      let at = 0;
      for (const piece of pieces) {
        const from = Math.max(start, at);
        const to = Math.min(end, at + piece.size - 1);
        if (from <= to) {
          for await (const chunk of createReadStream(pathOf(piece.blob), { start: from - at, end: to - at, highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
        }
        at += piece.size;
        if (at > end) return;
      }
    })(),
  );
