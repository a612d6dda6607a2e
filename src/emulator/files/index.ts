// Files API (`/api/2.0/fs/files/...`, `/api/2.0/fs/directories/...`): the store behind UC model
// version artifacts (`/Models/<catalog>/<schema>/<model>/<version>/...`) and Databricks-hosted run
// and logged-model artifacts (`/WorkspaceInternal/Mlflow/Artifacts/...`). Also the presigned
// download URL that the SDK's files client asks for first (`/api/2.0/fs/create-download-url`), and
// the multipart upload protocol of the SDK's FilesExt (initiate-upload, create-upload-part-urls,
// part PUTs to presigned URLs answering an ETag, complete-upload, create-abort-upload-url): SDK
// mixins/files.py, see docs/fidelity.md. Large contents live on disk (./blobs.ts) and are served
// as streams, with Range and If-Unmodified-Since.

import { createHash, randomBytes } from 'node:crypto';
import { authorize } from '../permissions/index.js';
import { blobSize, blobStream, deleteBlob, INLINE_LIMIT, piecesStream, readBlob, shareBlob, writeBlob } from './blobs.js';
import type { EmulatorContext, EmulatorModule, EmulatorRequest, EmulatorResponse, RouteTable, Workspace } from '../types.js';
import { DatabricksApiError } from '../types.js';
import { compact, invalidParameter, notFound, optInt, optString, paginate, slice } from '../core/helpers.js';

export const FILES_MODULE = 'files';

export interface StoredFile {
  /** Contents, base64 (the state is JSON), for files up to INLINE_LIMIT. */
  data?: string;
  /** Larger contents: a blob on disk (./blobs.ts). */
  blob?: string;
  /** Or several blobs one after another (a completed multipart upload: its parts, never copied). */
  pieces?: { blob: string; size: number }[];
  size?: number;
  modified: number;
}

/** One multipart upload in progress (until complete-upload or an abort). */
export interface UploadSession {
  path: string;
  overwrite: boolean | null;
  started: number;
  /** part number → its blob and ETag. */
  parts: Record<string, { blob: string; etag: string; size: number }>;
}

export interface FilesState {
  files: Record<string, StoredFile>;
  /** Directories created explicitly; parents of files exist implicitly. */
  dirs: Record<string, number>;
  /** Multipart uploads by session token. */
  uploads?: Record<string, UploadSession>;
}

const state = (ws: Workspace): FilesState => {
  const s = slice<FilesState | undefined>(ws, FILES_MODULE);
  if (!s) throw new Error('The files module is not installed in this emulator.');
  return s;
};

/** `/a//b/` → `/a/b`; rejects relative paths and `..`. */
export const normalizePath = (raw: string): string => {
  const p = ('/' + raw).replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  if (p.split('/').some((seg) => seg === '..' || seg === '.')) throw invalidParameter(`Path '${raw}' must not contain '.' or '..' segments.`);
  return p;
};

const sizeOf = (f: StoredFile): number =>
  f.size ?? (f.pieces ? f.pieces.reduce((a, p) => a + p.size, 0) : f.blob ? blobSize(f.blob) : Buffer.from(f.data ?? '', 'base64').length);
const contentOf = (f: StoredFile): Buffer =>
  f.pieces ? Buffer.concat(f.pieces.map((p) => readBlob(p.blob))) : f.blob ? readBlob(f.blob) : Buffer.from(f.data ?? '', 'base64');
const blobsOf = (f: StoredFile | undefined): string[] => (f ? [...(f.blob ? [f.blob] : []), ...(f.pieces ?? []).map((p) => p.blob)] : []);
const dropBlobs = (f: StoredFile | undefined): void => {
  for (const b of blobsOf(f)) deleteBlob(b);
};

/** Replaces whatever was at `path` (its blobs, if any, are dropped). */
const put = (s: FilesState, path: string, file: StoredFile): void => {
  const old = s.files[path];
  const keep = new Set(blobsOf(file));
  for (const b of blobsOf(old)) if (!keep.has(b)) deleteBlob(b);
  s.files[path] = file;
};

export const writeFile = (ws: Workspace, path: string, data: Buffer | string, now: number): void => {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const file: StoredFile = buf.length > INLINE_LIMIT ? { blob: writeBlob(buf), size: buf.length, modified: now } : { data: buf.toString('base64'), size: buf.length, modified: now };
  put(state(ws), normalizePath(path), file);
};

export const readFile = (ws: Workspace, path: string): Buffer | undefined => {
  const f = state(ws).files[normalizePath(path)];
  return f ? contentOf(f) : undefined;
};

/** Files under a directory (recursive), with paths relative to it. */
export const listTree = (ws: Workspace, dir: string): Array<{ path: string; size: number }> => {
  const prefix = normalizePath(dir) + '/';
  return Object.entries(state(ws).files)
    .filter(([p]) => p.startsWith(prefix))
    .map(([p, f]) => ({ path: p.slice(prefix.length), size: sizeOf(f) }))
    .sort((a, b) => a.path.localeCompare(b.path));
};

export const copyTree = (fromWs: Workspace, fromDir: string, toWs: Workspace, toDir: string, now: number): number => {
  const from = state(fromWs);
  const root = normalizePath(fromDir) + '/';
  const files = Object.entries(from.files).filter(([p]) => p.startsWith(root));
  for (const [p, f] of files) {
    const copy: StoredFile = f.pieces
      ? { pieces: f.pieces.map((p) => ({ blob: shareBlob(p.blob), size: p.size })), size: sizeOf(f), modified: now }
      : f.blob
        ? { blob: shareBlob(f.blob), size: sizeOf(f), modified: now }
        : { data: f.data ?? '', size: sizeOf(f), modified: now };
    put(state(toWs), normalizePath(`${toDir}/${p.slice(root.length)}`), copy);
  }
  return files.length;
};

export const deleteTree = (ws: Workspace, dir: string): void => {
  const s = state(ws);
  const root = normalizePath(dir);
  for (const [p, f] of Object.entries(s.files)) {
    if (!p.startsWith(root + '/')) continue;
    dropBlobs(f);
    delete s.files[p];
  }
  for (const p of Object.keys(s.dirs)) if (p === root || p.startsWith(root + '/')) delete s.dirs[p];
};

const isDirectory = (s: FilesState, path: string): boolean => {
  if (path === '/') return true;
  if (s.dirs[path] !== undefined) return true;
  const prefix = path + '/';
  return Object.keys(s.files).some((p) => p.startsWith(prefix)) || Object.keys(s.dirs).some((p) => p.startsWith(prefix));
};

const httpDate = (ms: number): string => new Date(ms).toUTCString();

const fileHeaders = (f: StoredFile, size: number): Record<string, string> => ({
  'content-type': 'application/octet-stream',
  'content-length': String(size),
  'last-modified': httpDate(f.modified),
});

/** XML errors of cloud storage, as the SDK parses them (mixins/files.py _is_url_expired_response). */
const storageError = (status: number, code: string, message: string) => ({
  status,
  raw: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  headers: { 'content-type': 'application/xml' },
});
const expired = () => storageError(403, 'AccessDenied', 'Request has expired');

/** What a presigned URL lets its holder do (kept in memory, not persisted, like the URLs' signatures). */
type Ticket =
  | { kind: 'download' | 'upload'; workspaceId: string; path: string; expiresAt: number }
  | { kind: 'part'; workspaceId: string; session: string; partNumber: number; expiresAt: number }
  | { kind: 'abort'; workspaceId: string; session: string; expiresAt: number };

const tickets = new Map<string, Ticket>();

const issue = (ticket: Ticket, now: number): string => {
  for (const [k, t] of tickets) if (t.expiresAt <= now) tickets.delete(k);
  const id = randomBytes(18).toString('base64url');
  tickets.set(id, ticket);
  return id;
};

const issueTicket = (workspaceId: string, path: string, now: number, upload: boolean): string =>
  issue({ kind: upload ? 'upload' : 'download', workspaceId, path, expiresAt: now + 15 * 60 * 1000 }, now);

/** `expire_time` (RFC 3339, what the SDK sends) as epoch ms; default one hour (SDK config.py). */
const expiryOf = (raw: unknown, now: number): number => {
  if (raw === undefined || raw === null || raw === '') return now + 60 * 60 * 1000;
  const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (Number.isNaN(at)) throw invalidParameter(`expire_time '${String(raw)}' is not an RFC 3339 time.`);
  return at;
};

const serveFile = (req: EmulatorRequest, path: string): EmulatorResponse => {
  const s = state(req.workspace);
  const f = s.files[path];
  if (!f) {
    if (isDirectory(s, path)) throw new DatabricksApiError(400, 'BAD_REQUEST', `Path '${path}' is a directory, not a file.`);
    throw notFound(`The file being accessed is not found: ${path}`, 'NOT_FOUND');
  }
  const size = sizeOf(f);
  if (req.method === 'HEAD') return { status: 200, raw: Buffer.alloc(0), headers: fileHeaders(f, size) };
  // "It supports the Range and If-Unmodified-Since HTTP headers" (SDK service/files.py download).
  const since = typeof req.headers['if-unmodified-since'] === 'string' ? Date.parse(req.headers['if-unmodified-since']) : NaN;
  if (!Number.isNaN(since) && Math.floor(f.modified / 1000) * 1000 > since) {
    throw new DatabricksApiError(412, 'PRECONDITION_FAILED', `The file ${path} was modified after ${req.headers['if-unmodified-since']}.`);
  }
  const range = typeof req.headers.range === 'string' ? req.headers.range.match(/^bytes=(\d+)-(\d*)$/) : null;
  const body = (start: number, end: number) =>
    f.pieces
      ? { stream: () => piecesStream(f.pieces!, start, end) }
      : f.blob
        ? { stream: () => blobStream(f.blob!, start, end) }
        : { raw: Buffer.from(f.data ?? '', 'base64').subarray(start, end + 1) };
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size) throw new DatabricksApiError(416, 'INVALID_PARAMETER_VALUE', `Range start ${start} is past the end of the file.`);
    return {
      status: 206,
      ...body(start, end),
      headers: { ...fileHeaders(f, end - start + 1), 'content-range': `bytes ${start}-${end}/${size}` },
    };
  }
  return { status: 200, ...(size === 0 ? { raw: Buffer.alloc(0) } : body(0, size - 1)), headers: fileHeaders(f, size) };
};

interface FilesFixture {
  /** path → text contents, or `{ base64 }`. */
  files?: Record<string, string | { base64: string }>;
  dirs?: string[];
}

export const filesModule: EmulatorModule = {
  name: FILES_MODULE,
  initState: (): FilesState => ({ files: {}, dirs: {} }),
  seed(ws, fixture, ctx) {
    const fx = fixture as FilesFixture;
    const now = ctx.clock.now();
    for (const [p, v] of Object.entries(fx.files ?? {})) writeFile(ws, p, typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.base64, 'base64'), now);
    for (const d of fx.dirs ?? []) state(ws).dirs[normalizePath(d)] = now;
  },
  routes(table: RouteTable, ctx: EmulatorContext) {
    /**
     * Strict `uc-models-files-gated`: model version files go through the Files API only where the
     * workspace says so (the registry's is-databricks-sdk-models-artifact-repository-enabled).
     */
    const modelsGate = (req: EmulatorRequest, path: string): void => {
      if (!path.startsWith('/Models/') || !ctx.strict('uc-models-files-gated')) return;
      const flag = (req.workspace.state.registry as { files_api_for_models?: boolean | null } | undefined)?.files_api_for_models ?? true;
      if (flag !== true) {
        throw new DatabricksApiError(403, 'PERMISSION_DENIED', `Model version files are not served through the Files API in this workspace (${path}).`);
      }
    };
    const filePath = (req: EmulatorRequest): string => {
      const path = normalizePath(req.params.path ?? '');
      modelsGate(req, path);
      // A model version's files: reading needs EXECUTE on the model, writing its ownership (when enforced).
      const m = /^\/Models\/([^/]+)\/([^/]+)\/([^/]+)\//.exec(path);
      if (m) authorize(req.workspace, req.principal, { type: 'function', name: `${m[1]}.${m[2]}.${m[3]}`, anyOf: req.method === 'GET' || req.method === 'HEAD' ? ['OWNER', 'EXECUTE'] : ['OWNER'] });
      return path;
    };

    table.add('PUT', '/api/2.0/fs/files/*path', (req) => {
      const path = filePath(req);
      const s = state(req.workspace);
      // "If true or unspecified, an existing file will be overwritten. If false, an error will be
      // returned if the path points to an existing file." (SDK files.py FilesAPI.upload)
      if (s.files[path] && req.query.get('overwrite') === 'false') {
        throw new DatabricksApiError(409, 'ALREADY_EXISTS', `The file being created already exists: ${path}. Leave out overwrite=false (or pass overwrite=true) to replace it.`);
      }
      if (isDirectory(s, path)) throw new DatabricksApiError(409, 'ALREADY_EXISTS', `A directory exists at ${path}.`);
      writeFile(req.workspace, path, req.rawBody, ctx.clock.now());
      ctx.changed();
      return { status: 204, raw: Buffer.alloc(0) };
    });
    table.add('GET', '/api/2.0/fs/files/*path', (req) => serveFile(req, filePath(req)));
    table.add('HEAD', '/api/2.0/fs/files/*path', (req) => serveFile(req, filePath(req)));
    table.add('DELETE', '/api/2.0/fs/files/*path', (req) => {
      const path = filePath(req);
      const s = state(req.workspace);
      const f = s.files[path];
      if (!f) throw notFound(`The file being accessed is not found: ${path}`, 'NOT_FOUND');
      dropBlobs(f);
      delete s.files[path];
      ctx.changed();
      return { status: 204, raw: Buffer.alloc(0) };
    });

    table.add('PUT', '/api/2.0/fs/directories/*path', (req) => {
      const path = filePath(req);
      const s = state(req.workspace);
      if (s.files[path]) throw new DatabricksApiError(409, 'ALREADY_EXISTS', `A file exists at ${path}.`);
      s.dirs[path] ??= ctx.clock.now();
      ctx.changed();
      return { status: 204, raw: Buffer.alloc(0) };
    });
    table.add('HEAD', '/api/2.0/fs/directories/*path', (req) => {
      const path = filePath(req);
      if (!isDirectory(state(req.workspace), path)) throw notFound(`The directory being accessed is not found: ${path}`, 'NOT_FOUND');
      return { status: 200, raw: Buffer.alloc(0) };
    });
    table.add('GET', '/api/2.0/fs/directories/*path', (req) => {
      const path = filePath(req);
      const s = state(req.workspace);
      if (!isDirectory(s, path)) throw notFound(`The directory being accessed is not found: ${path}`, 'NOT_FOUND');
      const prefix = path === '/' ? '/' : path + '/';
      const entries = new Map<string, Record<string, unknown>>();
      for (const [p, f] of Object.entries(s.files)) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const name = rest.split('/')[0]!;
        const child = prefix + name;
        if (rest.includes('/')) entries.set(child, { path: child, name, is_directory: true });
        else entries.set(child, { path: child, name, is_directory: false, file_size: sizeOf(f), last_modified: f.modified });
      }
      for (const d of Object.keys(s.dirs)) {
        if (!d.startsWith(prefix)) continue;
        const name = d.slice(prefix.length).split('/')[0]!;
        if (!entries.has(prefix + name)) entries.set(prefix + name, { path: prefix + name, name, is_directory: true });
      }
      const all = [...entries.values()].sort((a, b) => String(a.path).localeCompare(String(b.path)));
      const size = Math.min(optInt(req, 'page_size') || 1000, 1000);
      const page = paginate(all, size, optString(req, 'page_token'));
      return { body: compact({ contents: page.items, next_page_token: page.nextPageToken }) };
    });
    table.add('DELETE', '/api/2.0/fs/directories/*path', (req) => {
      const path = filePath(req);
      const s = state(req.workspace);
      if (!isDirectory(s, path)) throw notFound(`The directory being accessed is not found: ${path}`, 'NOT_FOUND');
      if (Object.keys(s.files).some((p) => p.startsWith(path + '/'))) {
        throw new DatabricksApiError(409, 'RESOURCE_CONFLICT', `The directory ${path} is not empty.`);
      }
      for (const d of Object.keys(s.dirs)) if (d === path || d.startsWith(path + '/')) delete s.dirs[d];
      ctx.changed();
      return { status: 204, raw: Buffer.alloc(0) };
    });

    // Presigned download: the SDK's files client asks for one before falling back to GET /fs/files.
    table.add('POST', '/api/2.0/fs/create-download-url', (req) => {
      const path = normalizePath(optString(req, 'path') ?? '');
      if (!state(req.workspace).files[path]) throw notFound(`The file being accessed is not found: ${path}`, 'NOT_FOUND');
      const ticket = issueTicket(req.workspace.id, path, ctx.clock.now(), false);
      return { body: { url: `${req.baseUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`}/__presigned/files/${ticket}`, headers: [] } };
    });
    // Presigned upload, used by mlflow's PresignedUrlArtifactRepository (UC storage_mode DEFAULT_STORAGE).
    table.add('POST', '/api/2.0/fs/create-upload-url', (req) => {
      const path = normalizePath(optString(req, 'path') ?? '');
      const ticket = issueTicket(req.workspace.id, path, ctx.clock.now(), true);
      return { body: { url: `${req.baseUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`}/__presigned/files/${ticket}`, headers: [] } };
    });
    table.add('PUT', '/__presigned/files/:ticket', (req) => {
      const t = tickets.get(req.params.ticket!);
      if (!t || t.kind !== 'upload' || t.workspaceId !== req.workspace.id) return storageError(403, 'AccessDenied', 'The signature is invalid');
      if (t.expiresAt <= ctx.clock.now()) return expired();
      writeFile(req.workspace, t.path, req.rawBody, ctx.clock.now());
      ctx.changed();
      return { status: 200, raw: Buffer.alloc(0) };
    });
    table.add('GET', '/__presigned/files/:ticket', (req) => {
      const t = tickets.get(req.params.ticket!);
      if (!t || t.kind !== 'download' || t.workspaceId !== req.workspace.id) return storageError(403, 'AccessDenied', 'The signature is invalid');
      if (t.expiresAt <= ctx.clock.now()) return expired();
      return serveFile(req, t.path);
    });

    // ---- Multipart upload (SDK mixins/files.py FilesExt: _initiate_multipart_upload,
    // build_upload_part_urls, _do_upload_one_part, _complete_multipart_upload, build_abort_url).
    const uploads = (ws: Workspace): Record<string, UploadSession> => (state(ws).uploads ??= {});
    const sessionOf = (req: EmulatorRequest, token: string | undefined, path: string): UploadSession => {
      const session = token ? uploads(req.workspace)[token] : undefined;
      if (!session) throw notFound(`No upload session '${token ?? ''}': it was completed, aborted or never started.`, 'NOT_FOUND');
      if (session.path !== path) throw invalidParameter(`The upload session '${token}' is for ${session.path}, not ${path}.`);
      return session;
    };
    const dropSession = (ws: Workspace, token: string): void => {
      const session = uploads(ws)[token];
      if (!session) return;
      for (const part of Object.values(session.parts)) deleteBlob(part.blob);
      delete uploads(ws)[token];
    };
    const base = (req: EmulatorRequest): string => req.baseUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`;
    /** Presigned URLs carry their own signature: a request that also sends credentials is refused (S3: one auth mechanism). */
    const withCredentials = (req: EmulatorRequest) =>
      req.headers.authorization !== undefined
        ? storageError(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified')
        : null;

    table.add('POST', '/api/2.0/fs/files/*path', (req) => {
      const path = filePath(req);
      const s = state(req.workspace);
      const action = req.query.get('action');
      const overwriteParam = req.query.get('overwrite');
      if (action === 'initiate-upload') {
        if (overwriteParam === 'false' && s.files[path]) {
          throw new DatabricksApiError(409, 'ALREADY_EXISTS', `The file being created already exists: ${path}.`);
        }
        if (isDirectory(s, path)) throw new DatabricksApiError(409, 'ALREADY_EXISTS', `A directory exists at ${path}.`);
        const token = randomBytes(24).toString('base64url');
        uploads(req.workspace)[token] = { path, overwrite: overwriteParam === null ? null : overwriteParam === 'true', started: ctx.clock.now(), parts: {} };
        ctx.changed();
        return { body: { multipart_upload: { session_token: token } } };
      }
      if (action === 'complete-upload') {
        if (req.query.get('upload_type') !== 'multipart') throw invalidParameter(`complete-upload needs upload_type=multipart (got '${req.query.get('upload_type') ?? ''}').`);
        const token = req.query.get('session_token') ?? undefined;
        const session = sessionOf(req, token, path);
        const listed = Array.isArray(req.body?.parts) ? (req.body.parts as unknown[]) : null;
        if (!listed || listed.length === 0) throw invalidParameter('complete-upload needs the uploaded parts: {"parts": [{"part_number", "etag"}, …]}.');
        const pieces: { blob: string; size: number }[] = [];
        let previous = 0;
        for (const [i, raw] of listed.entries()) {
          const part = raw as { part_number?: unknown; etag?: unknown };
          const n = Number(part.part_number);
          if (!Number.isInteger(n) || n <= previous) throw invalidParameter(`parts[${i}].part_number must be an integer greater than the previous part's (parts in ascending order).`);
          previous = n;
          const stored = session.parts[String(n)];
          if (!stored) throw invalidParameter(`Part ${n} was never uploaded in session '${token}'.`);
          if (String(part.etag ?? '') !== stored.etag) throw invalidParameter(`The ETag of part ${n} does not match: expected ${stored.etag}, got ${String(part.etag ?? '')}.`);
          pieces.push({ blob: stored.blob, size: stored.size });
        }
        if (session.overwrite === false && s.files[path]) {
          dropSession(req.workspace, token!);
          throw new DatabricksApiError(409, 'ALREADY_EXISTS', `The file being created already exists: ${path}.`);
        }
        // The parts become the file (S3 assembles them likewise); parts not listed are dropped.
        const used = new Set(pieces.map((p) => p.blob));
        for (const part of Object.values(session.parts)) if (!used.has(part.blob)) deleteBlob(part.blob);
        delete uploads(req.workspace)[token!];
        put(s, path, { pieces, size: pieces.reduce((a, p) => a + p.size, 0), modified: ctx.clock.now() });
        ctx.changed();
        return { body: {} };
      }
      throw invalidParameter(`Unknown action '${action ?? ''}' for POST /api/2.0/fs/files: expected initiate-upload or complete-upload.`);
    });

    table.add('POST', '/api/2.0/fs/create-upload-part-urls', (req) => {
      const path = normalizePath(optString(req, 'path') ?? '');
      modelsGate(req, path);
      const token = optString(req, 'session_token');
      sessionOf(req, token, path);
      const start = optInt(req, 'start_part_number') ?? 1;
      const count = optInt(req, 'count') ?? 1;
      // S3 numbers parts 1 to 10,000.
      if (start < 1 || count < 1 || start + count - 1 > 10_000) throw invalidParameter(`Part numbers must be between 1 and 10000 (start_part_number ${start}, count ${count}).`);
      const now = ctx.clock.now();
      const expiresAt = expiryOf(req.body?.expire_time, now);
      const urls = Array.from({ length: count }, (_, i) => {
        const partNumber = start + i;
        const ticket = issue({ kind: 'part', workspaceId: req.workspace.id, session: token!, partNumber, expiresAt }, now);
        return { part_number: partNumber, url: `${base(req)}/__presigned/parts/${ticket}`, headers: [] };
      });
      return { body: { upload_part_urls: urls } };
    });

    table.add('PUT', '/__presigned/parts/:ticket', (req) => {
      const refused = withCredentials(req);
      if (refused) return refused;
      const t = tickets.get(req.params.ticket!);
      if (!t || t.kind !== 'part' || t.workspaceId !== req.workspace.id) return storageError(403, 'AccessDenied', 'The signature is invalid');
      if (t.expiresAt <= ctx.clock.now()) return expired();
      // "AWS and Azure don't support traditional 'Transfer-encoding: chunked'" (SDK mixins/files.py).
      if (req.headers['content-length'] === undefined) return storageError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
      const session = uploads(req.workspace)[t.session];
      if (!session) return storageError(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
      const etag = `"${createHash('md5').update(req.rawBody).digest('hex')}"`;
      const old = session.parts[String(t.partNumber)];
      if (old) deleteBlob(old.blob);
      session.parts[String(t.partNumber)] = { blob: writeBlob(req.rawBody), etag, size: req.rawBody.length };
      ctx.changed();
      return { status: 200, raw: Buffer.alloc(0), headers: { etag } };
    });

    table.add('POST', '/api/2.0/fs/create-abort-upload-url', (req) => {
      const path = normalizePath(optString(req, 'path') ?? '');
      const token = optString(req, 'session_token');
      sessionOf(req, token, path);
      const now = ctx.clock.now();
      const ticket = issue({ kind: 'abort', workspaceId: req.workspace.id, session: token!, expiresAt: expiryOf(req.body?.expire_time, now) }, now);
      return { body: { abort_upload_url: { url: `${base(req)}/__presigned/abort/${ticket}`, headers: [] } } };
    });

    table.add('DELETE', '/__presigned/abort/:ticket', (req) => {
      const refused = withCredentials(req);
      if (refused) return refused;
      const t = tickets.get(req.params.ticket!);
      if (!t || t.kind !== 'abort' || t.workspaceId !== req.workspace.id) return storageError(403, 'AccessDenied', 'The signature is invalid');
      if (t.expiresAt <= ctx.clock.now()) return expired();
      dropSession(req.workspace, t.session);
      ctx.changed();
      return { status: 200, raw: Buffer.alloc(0) };
    });

    // Emulator admin: a large file made in place (benchmarks and memory tests need GiB-sized models
    // without pushing them through a client first). Pseudo-random bytes from a seed.
    table.add('POST', '/__emulator/files/generate', (req) => {
      const path = normalizePath(optString(req, 'path') ?? '');
      const size = optInt(req, 'size') ?? 0;
      if (size < 0) throw invalidParameter('size must not be negative.');
      const seed = optInt(req, 'seed') ?? 1;
      const pieces: { blob: string; size: number }[] = [];
      const chunk = 8 * 1024 * 1024;
      let x = seed >>> 0 || 1;
      for (let at = 0; at < size; at += chunk) {
        const n = Math.min(chunk, size - at);
        const buf = Buffer.allocUnsafe(n);
        for (let i = 0; i + 4 <= n; i += 4) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          buf.writeUInt32LE(x >>> 0, i);
        }
        for (let i = n - (n % 4); i < n; i++) buf[i] = i & 0xff;
        pieces.push({ blob: writeBlob(buf), size: n });
      }
      put(state(req.workspace), path, size === 0 ? { data: '', size: 0, modified: ctx.clock.now() } : { pieces, size, modified: ctx.clock.now() });
      ctx.changed();
      return { body: { path, size } };
    });
  },
};
