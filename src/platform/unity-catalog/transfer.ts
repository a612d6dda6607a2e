// Streaming copy of a Unity Catalog model version's files, from one Files API directory
// (`/Models/<c>/<s>/<m>/<v>/`, any workspace) into another, without holding a file in memory:
// each file is read with ranged GETs and piped into its upload as it arrives, so memory stays a
// few chunks whatever the model's size.
//
// Uploads follow the Databricks SDK's FilesExt (databricks/sdk/mixins/files.py): below 50 MiB one
// `PUT /api/2.0/fs/files{path}`; from 50 MiB a multipart upload (initiate-upload, one presigned
// URL per part from create-upload-part-urls, the part PUT without credentials, complete-upload
// with the parts' ETags; aborted on failure), parts sized as the SDK sizes them (the smallest of
// 10 MiB … 4 GiB that needs at most 100 parts). A part whose URL expired gets a new URL; a first
// part refused (e.g. an Azure storage firewall) falls back to the single PUT, as the SDK does.
//
// Each file's sha256 is computed on the bytes as they pass, in order (the copy's content digest),
// which is why one file's parts go up one after another; several files move at once. A retried
// request re-reads only its own range and the hash skips bytes it has already seen.
//
// Resume: a download that breaks off continues from the byte it reached (Range, with
// If-Unmodified-Since so a changed source is never stitched); a failed part is sent again on its
// own. A file already complete in the destination (a re-run after a crash or a failed attempt) is
// not uploaded again: it is only read back for its digest. An unfinished multipart session is not
// carried across runs (whether a session outlives its URLs is not documented): its file starts over.

import { createHash, type Hash } from 'node:crypto';
import { ApiError, ApplyError } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import type { HttpClient, HttpStreamResponse, StreamBody } from '../http/types.js';

const FILES = '/api/2.0/fs/files';
const DIRECTORIES = '/api/2.0/fs/directories';
const MIB = 1024 * 1024;

/** SDK config.py `files_ext_multipart_upload_min_stream_size`: smaller files go up in one PUT. */
export const MULTIPART_THRESHOLD = 50 * MIB;
/** SDK config.py `files_ext_multipart_upload_part_size_options`. */
const PART_SIZES = [10, 20, 50, 100, 200, 500, 1024, 2048, 4096].map((m) => m * MIB);
/** SDK `_get_optimized_performance_parameters_for_upload`: at most 100 parts. */
const MAX_PARTS = 100;
/** SDK config.py `files_ext_multipart_upload_max_retries`: new URLs for a part whose URL expired. */
const URL_RETRIES = 3;
/** Recoveries of one download without progress before it is given up. */
const DOWNLOAD_RECOVERIES = 3;
/** Files moving at once (each is one download piped into one upload). */
export const FILE_CONCURRENCY = 3;
/** Longest silence on a transfer (the SDK's network inactivity timeout is 60 s). */
const IDLE_MS = 60_000;
/** complete-upload assembles the parts: give it minutes, not the 20 s of an ordinary call. */
const COMPLETE_TIMEOUT_MS = 10 * 60_000;
/** The single-PUT limit ("Uploads a file of up to 5 GiB", SDK service/files.py FilesAPI.upload). */
const SINGLE_PUT_LIMIT = 5 * 1024 * MIB;

/** The SDK's part size for a file of `size` bytes. */
export const partSizeFor = (size: number): number => PART_SIZES.find((p) => Math.ceil(size / p) <= MAX_PARTS) ?? PART_SIZES[PART_SIZES.length - 1]!;

export const encodePath = (path: string): string =>
  path
    .split('/')
    .filter((p) => p !== '')
    .map(encodeURIComponent)
    .join('/');

const filesPath = (absolute: string): string => `${FILES}/${encodePath(absolute)}`;

const isNotFound = (e: unknown): boolean =>
  e instanceof ApiError && (e.details.status === 404 || e.errorCode === 'NOT_FOUND' || e.errorCode === 'RESOURCE_DOES_NOT_EXIST');

/** One file of a version directory. */
export interface RemoteFile {
  /** Path relative to the version directory (`MLmodel`, `data/model.safetensors`). */
  readonly rel: string;
  /** Bytes; null when the listing did not say (then a HEAD asks). */
  readonly size: number | null;
}

/** Every file under `dir`, recursively, with sizes, sorted by path; [] when the directory is absent. */
export async function listEntries(http: HttpClient, dir: string): Promise<RemoteFile[]> {
  const root = dir.replace(/\/+$/, '');
  const out: RemoteFile[] = [];
  const walk = async (path: string): Promise<void> => {
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const page = (
        await http.request<{ contents?: { path?: string; name?: string; is_directory?: boolean; file_size?: number | string }[]; next_page_token?: string }>({
          method: 'GET',
          path: `${DIRECTORIES}/${encodePath(path)}`,
          query: { page_token: token },
          endpoint: 'GET /api/2.0/fs/directories/Models/{model}/{version}/…',
        })
      ).body;
      for (const entry of page.contents ?? []) {
        const name = entry.name ?? entry.path?.split('/').filter(Boolean).pop();
        if (!name) continue;
        const child = `${path}/${name}`;
        if (entry.is_directory) await walk(child);
        else {
          const size = entry.file_size === undefined || entry.file_size === null ? null : Number(entry.file_size);
          out.push({ rel: child.slice(root.length + 1), size: size !== null && Number.isFinite(size) ? size : null });
        }
      }
      token = page.next_page_token || undefined;
      if (token && seen.has(token)) throw new Error(`Files API: ${path} repeated a page token`);
      if (token) seen.add(token);
    } while (token);
  };
  try {
    await walk(root);
  } catch (e) {
    if (isNotFound(e) && out.length === 0) return [];
    throw e;
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** The size of a file (HEAD), for listings that leave it out. */
async function sizeOf(http: HttpClient, path: string): Promise<number> {
  const res = await http.request({ method: 'HEAD', path: filesPath(path), endpoint: 'HEAD /api/2.0/fs/files/Models/{model}/{version}/…', responseType: 'text' });
  const size = Number(res.headers['content-length']);
  if (!Number.isFinite(size)) throw new ApplyError(`Files API: HEAD ${path} gave no content-length`);
  return size;
}

/** A small file's bytes (MLmodel), refused past `limit`. */
export async function readSmallFile(http: HttpClient, path: string, limit = 16 * MIB): Promise<Uint8Array> {
  const res = await http.stream({ method: 'GET', path: filesPath(path), endpoint: 'GET /api/2.0/fs/files/Models/{model}/{version}/…' });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > limit) {
      res.cancel();
      throw new ApplyError(`${path} is larger than ${Math.round(limit / MIB)} MiB; it is not read whole`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

// ---------------------------------------------------------------------------------------------
// Reading

interface SourceFile {
  readonly http: HttpClient;
  readonly path: string;
  readonly size: number;
  /** The source's Last-Modified, once seen: later ranges ask If-Unmodified-Since it. */
  lastModified: string | null;
}

/** Bytes `start`..`end` (inclusive) of a file, streamed; an answer that breaks off resumes where it stopped. */
export const readFileRange = (http: HttpClient, path: string, size: number, start: number, end: number): AsyncGenerator<Uint8Array> =>
  readRange({ http, path, size, lastModified: null }, start, end);

async function* readRange(src: SourceFile, start: number, end: number): AsyncGenerator<Uint8Array> {
  let offset = start;
  let stalls = 0;
  while (offset <= end) {
    let res: HttpStreamResponse;
    try {
      res = await src.http.stream({
        method: 'GET',
        path: filesPath(src.path),
        headers: { range: `bytes=${offset}-${end}`, ...(src.lastModified ? { 'if-unmodified-since': src.lastModified } : {}) },
        endpoint: 'GET /api/2.0/fs/files/Models/{model}/{version}/…',
        idleTimeoutMs: IDLE_MS,
      });
    } catch (e) {
      if (e instanceof ApiError && e.details.status === 412) {
        throw new ApplyError(`${src.path} changed while it was being copied (If-Unmodified-Since ${src.lastModified}); run the promotion again`);
      }
      throw e;
    }
    src.lastModified ??= res.headers['last-modified'] ?? null;
    // A server that ignores Range answers 200 with the whole file: skip what came before.
    let skip = res.status === 200 ? offset : 0;
    const before = offset;
    try {
      for await (const chunk of res.body) {
        let bytes = chunk;
        if (skip > 0) {
          const n = Math.min(skip, bytes.byteLength);
          skip -= n;
          bytes = bytes.subarray(n);
        }
        if (bytes.byteLength > end - offset + 1) bytes = bytes.subarray(0, end - offset + 1);
        if (bytes.byteLength === 0) continue;
        offset += bytes.byteLength;
        yield bytes;
        if (offset > end) break;
      }
      if (offset <= end) throw new ApiError(`GET ${src.path}: the answer ended at byte ${offset} of ${end + 1}`, { errorCode: null, status: null, method: 'GET', url: src.path, kind: 'transport', attempts: 1 });
    } catch (e) {
      if (!(e instanceof ApiError) || e.details.kind === 'http') throw e;
      stalls = offset > before ? 0 : stalls + 1;
      if (stalls >= DOWNLOAD_RECOVERIES) throw e;
    } finally {
      res.cancel();
    }
  }
}

/** A file's running sha256, fed each byte once even when a retried request re-reads a range. */
class InOrderHash {
  private readonly hash: Hash = createHash('sha256');
  private upTo = 0;
  feed(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.byteLength;
    if (end <= this.upTo) return;
    if (offset > this.upTo) throw new Error(`hash gap: bytes ${this.upTo}..${offset} were never seen`);
    this.hash.update(bytes.subarray(this.upTo - offset));
    this.upTo = end;
  }
  get seen(): number {
    return this.upTo;
  }
  hex(): string {
    return this.hash.digest('hex');
  }
}

/** A stream body over `start`..`end` of the source, hashed as it goes; opened again for each retry. */
const rangeBody = (src: SourceFile, start: number, end: number, hash: InOrderHash): StreamBody => ({
  length: end - start + 1,
  open: () =>
    (async function* () {
      let at = start;
      for await (const bytes of readRange(src, start, end)) {
        hash.feed(at, bytes);
        at += bytes.byteLength;
        yield bytes;
      }
    })(),
});

// ---------------------------------------------------------------------------------------------
// Writing

interface Destination {
  readonly http: HttpClient;
  readonly path: string;
}

async function drain(res: HttpStreamResponse): Promise<void> {
  for await (const _ of res.body) void _;
}

async function singlePut(dst: Destination, body: StreamBody): Promise<void> {
  if (body.length > SINGLE_PUT_LIMIT) {
    throw new ApplyError(`${dst.path} is ${Math.round(body.length / MIB)} MiB: above the 5 GiB a single Files API upload takes, and the workspace offers no multipart upload`);
  }
  await drain(
    await dst.http.stream({
      method: 'PUT',
      path: filesPath(dst.path),
      query: { overwrite: 'true' },
      body,
      idempotent: true,
      idleTimeoutMs: IDLE_MS,
      endpoint: 'PUT /api/2.0/fs/files/Models/{model}/{version}/…',
    }),
  );
}

const expireTime = (): string => new Date(Date.now() + 60 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** "Request has expired" (S3) / "Signature not valid in the specified time frame" (Azure): SDK `_is_url_expired_response`. */
const isExpired = (e: unknown): boolean =>
  e instanceof ApiError && e.details.status === 403 && /Request has expired|Signature not valid in the specified time frame/.test(e.message);

class FallBack extends Error {}

async function multipartUpload(dst: Destination, src: SourceFile, hash: InOrderHash): Promise<void> {
  const started = (
    await dst.http.request<{ multipart_upload?: { session_token?: string }; resumable_upload?: { session_token?: string } }>({
      method: 'POST',
      path: filesPath(dst.path),
      query: { action: 'initiate-upload', overwrite: 'true' },
      idempotent: true,
      endpoint: 'POST /api/2.0/fs/files/Models/{model}/{version}/…?action=initiate-upload',
    })
  ).body;
  const token = started.multipart_upload?.session_token;
  if (!token) {
    // Google Cloud answers a resumable session (SDK: "GCP does not support parallel resumable
    // uploads"); the single Files API PUT carries the file instead, streamed the same way.
    if (started.resumable_upload) return singlePut(dst, rangeBody(src, 0, src.size - 1, hash));
    throw new ApplyError(`initiate-upload of ${dst.path} answered no session token`);
  }
  const partSize = partSizeFor(src.size);
  const parts: { part_number: number; etag: string }[] = [];
  try {
    for (let n = 1, start = 0; start < src.size; n++, start += partSize) {
      const end = Math.min(start + partSize, src.size) - 1;
      parts.push({ part_number: n, etag: await uploadPart(dst, token, n, rangeBody(src, start, end, hash)) });
    }
    await completeUpload(dst, token, parts, src.size);
  } catch (e) {
    await abortUpload(dst, token);
    // The first part refused (e.g. an Azure storage firewall): the SDK falls back to the single PUT.
    if (e instanceof FallBack) return singlePut(dst, rangeBody(src, 0, src.size - 1, hash));
    throw e;
  }
}

/**
 * complete-upload, given time (assembling a large object can take minutes). Retried when its answer
 * is lost; a retry that finds the session gone (the first attempt completed it) is taken as done
 * when the file is there with the right size.
 */
async function completeUpload(dst: Destination, token: string, parts: readonly { part_number: number; etag: string }[], size: number): Promise<void> {
  try {
    await dst.http.request({
      method: 'POST',
      path: filesPath(dst.path),
      query: { action: 'complete-upload', upload_type: 'multipart', session_token: token },
      body: { parts },
      idempotent: true,
      timeoutMs: COMPLETE_TIMEOUT_MS,
      endpoint: 'POST /api/2.0/fs/files/Models/{model}/{version}/…?action=complete-upload',
    });
  } catch (e) {
    const there = await sizeOf(dst.http, dst.path).catch(() => null);
    if (there === size) return;
    throw e;
  }
}

async function uploadPart(dst: Destination, token: string, n: number, body: StreamBody): Promise<string> {
  for (let expiredUrls = 0; ; ) {
    let url: { url?: string; headers?: { name: string; value: string }[] } | undefined;
    try {
      url = (
        await dst.http.request<{ upload_part_urls?: { part_number?: number; url?: string; headers?: { name: string; value: string }[] }[] }>({
          method: 'POST',
          path: '/api/2.0/fs/create-upload-part-urls',
          body: { path: dst.path, session_token: token, start_part_number: n, count: 1, expire_time: expireTime() },
          idempotent: true,
          endpoint: 'POST /api/2.0/fs/create-upload-part-urls',
        })
      ).body.upload_part_urls?.[0];
    } catch (e) {
      if (n === 1) throw new FallBack(String(e));
      throw e;
    }
    if (!url?.url) throw new ApplyError(`create-upload-part-urls answered no URL for part ${n} of ${dst.path}`);
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    for (const h of url.headers ?? []) headers[h.name.toLowerCase()] = h.value;
    try {
      const res = await dst.http.stream({
        method: 'PUT',
        path: url.url,
        headers,
        body,
        authenticate: false,
        idempotent: true,
        idleTimeoutMs: IDLE_MS,
        endpoint: 'PUT /{upload_part_url}',
      });
      await drain(res);
      return res.headers.etag ?? '';
    } catch (e) {
      if (isExpired(e) && expiredUrls < URL_RETRIES) {
        expiredUrls++;
        continue;
      }
      if (n === 1 && e instanceof ApiError && e.details.status !== null && e.details.status < 500 && !isExpired(e)) throw new FallBack(e.message);
      throw e;
    }
  }
}

/** Best effort, as the SDK's abort: a failure here never hides the error that caused it. */
async function abortUpload(dst: Destination, token: string): Promise<void> {
  try {
    const url = (
      await dst.http.request<{ abort_upload_url?: { url?: string; headers?: { name: string; value: string }[] } }>({
        method: 'POST',
        path: '/api/2.0/fs/create-abort-upload-url',
        body: { path: dst.path, session_token: token, expire_time: expireTime() },
        idempotent: true,
        endpoint: 'POST /api/2.0/fs/create-abort-upload-url',
      })
    ).body.abort_upload_url;
    if (!url?.url) return;
    const headers: Record<string, string> = {};
    for (const h of url.headers ?? []) headers[h.name.toLowerCase()] = h.value;
    await drain(await dst.http.stream({ method: 'DELETE', path: url.url, headers, authenticate: false, idempotent: true, endpoint: 'DELETE /{abort_upload_url}' }));
  } catch {
    // The session expires on its own.
  }
}

// ---------------------------------------------------------------------------------------------
// A whole version

export interface CopyRequest {
  readonly source: HttpClient;
  /** `/Models/<c>/<s>/<m>/<v>` in the source workspace. */
  readonly sourceDir: string;
  /** The source's files (listEntries). */
  readonly files: readonly RemoteFile[];
  readonly destination: HttpClient;
  readonly destinationDir: string;
  /** Told once per file: copied, or kept from an earlier attempt. */
  readonly onFile?: (event: { readonly rel: string; readonly bytes: number; readonly action: 'copied' | 'kept' }) => void;
}

export interface CopyResult {
  /** `sha256:<hex>` over the sorted (path, sha256 of the bytes) pairs, as the MLflow transfer digests. */
  readonly digest: string;
  readonly bytes: number;
  /** Files already complete in the destination (not uploaded again). */
  readonly kept: number;
}

/** `sha256:` over sorted `(path, sha256)` pairs. */
export const digestOfHashes = (hashes: ReadonlyMap<string, string>): string =>
  `sha256:${sha256Hex(
    [...hashes.keys()]
      .sort()
      .map((rel) => `${rel}\n${hashes.get(rel)}`)
      .join('\n'),
  )}`;

async function hashOnly(src: SourceFile): Promise<string> {
  const hash = new InOrderHash();
  let at = 0;
  for await (const bytes of readRange(src, 0, src.size - 1)) {
    hash.feed(at, bytes);
    at += bytes.byteLength;
  }
  return hash.hex();
}

export async function copyVersionFiles(request: CopyRequest): Promise<CopyResult> {
  const present = new Map((await listEntries(request.destination, request.destinationDir)).map((f) => [f.rel, f.size] as const));
  const hashes = new Map<string, string>();
  let bytes = 0;
  let kept = 0;
  const queue = [...request.files];
  const lane = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const from = `${request.sourceDir}/${file.rel}`;
      const to = `${request.destinationDir}/${file.rel}`;
      const size = file.size ?? (await sizeOf(request.source, from));
      bytes += size;
      if (present.get(file.rel) === size) {
        // Complete from an earlier attempt (a single PUT or a completed multipart upload appears whole
        // or not at all): read it back for its digest, never upload it again.
        hashes.set(file.rel, size === 0 ? sha256Hex('') : await hashOnly({ http: request.destination, path: to, size, lastModified: null }));
        kept++;
        request.onFile?.({ rel: file.rel, bytes: size, action: 'kept' });
        continue;
      }
      const src: SourceFile = { http: request.source, path: from, size, lastModified: null };
      const hash = new InOrderHash();
      const dst = { http: request.destination, path: to };
      if (size === 0) await singlePut(dst, { length: 0, open: () => (async function* () {})() });
      else if (size < MULTIPART_THRESHOLD) await singlePut(dst, rangeBody(src, 0, size - 1, hash));
      else await multipartUpload(dst, src, hash);
      if (hash.seen !== size) throw new ApplyError(`${from}: ${hash.seen} of ${size} bytes passed through the copy`);
      hashes.set(file.rel, hash.hex());
      request.onFile?.({ rel: file.rel, bytes: size, action: 'copied' });
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILE_CONCURRENCY, request.files.length) }, lane));
  return { digest: digestOfHashes(hashes), bytes, kept };
}
