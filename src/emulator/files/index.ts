// Files API (`/api/2.0/fs/files/...`, `/api/2.0/fs/directories/...`): the store behind UC model
// version artifacts (`/Models/<catalog>/<schema>/<model>/<version>/...`) and Databricks-hosted run
// and logged-model artifacts (`/WorkspaceInternal/Mlflow/Artifacts/...`). Also the presigned
// download URL that the SDK's files client asks for first (`/api/2.0/fs/create-download-url`).

import { randomBytes } from 'node:crypto';
import type { EmulatorContext, EmulatorModule, EmulatorRequest, EmulatorResponse, RouteTable, Workspace } from '../types.js';
import { DatabricksApiError } from '../types.js';
import { compact, invalidParameter, notFound, optInt, optString, paginate, slice } from '../core/helpers.js';

export const FILES_MODULE = 'files';

export interface StoredFile {
  /** Contents, base64 (the state is JSON). */
  data: string;
  modified: number;
}

export interface FilesState {
  files: Record<string, StoredFile>;
  /** Directories created explicitly; parents of files exist implicitly. */
  dirs: Record<string, number>;
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

export const writeFile = (ws: Workspace, path: string, data: Buffer | string, now: number): void => {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  state(ws).files[normalizePath(path)] = { data: buf.toString('base64'), modified: now };
};

export const readFile = (ws: Workspace, path: string): Buffer | undefined => {
  const f = state(ws).files[normalizePath(path)];
  return f ? Buffer.from(f.data, 'base64') : undefined;
};

/** Files under a directory (recursive), with paths relative to it. */
export const listTree = (ws: Workspace, dir: string): Array<{ path: string; size: number }> => {
  const prefix = normalizePath(dir) + '/';
  return Object.entries(state(ws).files)
    .filter(([p]) => p.startsWith(prefix))
    .map(([p, f]) => ({ path: p.slice(prefix.length), size: Buffer.from(f.data, 'base64').length }))
    .sort((a, b) => a.path.localeCompare(b.path));
};

export const copyTree = (fromWs: Workspace, fromDir: string, toWs: Workspace, toDir: string, now: number): number => {
  const files = listTree(fromWs, fromDir);
  for (const f of files) writeFile(toWs, `${toDir}/${f.path}`, readFile(fromWs, `${fromDir}/${f.path}`)!, now);
  return files.length;
};

export const deleteTree = (ws: Workspace, dir: string): void => {
  const s = state(ws);
  const root = normalizePath(dir);
  for (const p of Object.keys(s.files)) if (p.startsWith(root + '/')) delete s.files[p];
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

/** Short-lived tickets for presigned download URLs (kept in memory, not persisted). */
const tickets = new Map<string, { workspaceId: string; path: string; expiresAt: number; upload?: boolean }>();

const issueTicket = (workspaceId: string, path: string, now: number, upload: boolean): string => {
  for (const [k, t] of tickets) if (t.expiresAt <= now) tickets.delete(k);
  const ticket = randomBytes(18).toString('base64url');
  tickets.set(ticket, { workspaceId, path, expiresAt: now + 15 * 60 * 1000, upload });
  return ticket;
};

const serveFile = (req: EmulatorRequest, path: string): EmulatorResponse => {
  const s = state(req.workspace);
  const f = s.files[path];
  if (!f) {
    if (isDirectory(s, path)) throw new DatabricksApiError(400, 'BAD_REQUEST', `Path '${path}' is a directory, not a file.`);
    throw notFound(`The file being accessed is not found: ${path}`, 'NOT_FOUND');
  }
  const data = Buffer.from(f.data, 'base64');
  if (req.method === 'HEAD') return { status: 200, raw: Buffer.alloc(0), headers: fileHeaders(f, data.length) };
  const range = typeof req.headers.range === 'string' ? req.headers.range.match(/^bytes=(\d+)-(\d*)$/) : null;
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
    if (start >= data.length) throw new DatabricksApiError(416, 'INVALID_PARAMETER_VALUE', `Range start ${start} is past the end of the file.`);
    const part = data.subarray(start, end + 1);
    return {
      status: 206,
      raw: part,
      headers: { ...fileHeaders(f, part.length), 'content-range': `bytes ${start}-${end}/${data.length}` },
    };
  }
  return { status: 200, raw: data, headers: fileHeaders(f, data.length) };
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
      if (!s.files[path]) throw notFound(`The file being accessed is not found: ${path}`, 'NOT_FOUND');
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
        else entries.set(child, { path: child, name, is_directory: false, file_size: Buffer.from(f.data, 'base64').length, last_modified: f.modified });
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
      if (!t || !t.upload || t.workspaceId !== req.workspace.id || t.expiresAt <= ctx.clock.now()) {
        return { status: 403, raw: '<Error><Code>AccessDenied</Code><Message>Request has expired or the signature is invalid</Message></Error>', headers: { 'content-type': 'application/xml' } };
      }
      writeFile(req.workspace, t.path, req.rawBody, ctx.clock.now());
      ctx.changed();
      return { status: 200, raw: Buffer.alloc(0) };
    });
    table.add('GET', '/__presigned/files/:ticket', (req) => {
      const t = tickets.get(req.params.ticket!);
      if (!t || t.upload || t.workspaceId !== req.workspace.id || t.expiresAt <= ctx.clock.now()) {
        return { status: 403, raw: '<Error><Code>AccessDenied</Code><Message>Request has expired or the signature is invalid</Message></Error>', headers: { 'content-type': 'application/xml' } };
      }
      return serveFile(req, t.path);
    });
  },
};
