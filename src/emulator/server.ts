// The Databricks workspace emulator: one node:http server hosting several workspaces.
//
// A request reaches a workspace by (1) the path prefix `/ws/<id>/...`, else (2) its Host header
// (`<id>.localhost`, or any host configured for the workspace), else (3) the default (first)
// workspace. Then: admin routes (`/__emulator/...`, no auth) → public OAuth/discovery routes →
// bearer auth → fault injection → module route → JSON response in Databricks' error shape.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import {
  DatabricksApiError,
  type EmulatorClock,
  type EmulatorContext,
  type EmulatorModule,
  type EmulatorRequest,
  type EmulatorResponse,
  type Workspace,
} from './types.js';
import { Router } from './core/router.js';
import { FaultInjector, validateFaultRule, type ActiveFault, type FaultRule } from './core/faults.js';
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_PRINCIPAL,
  DEFAULT_TOKEN,
  makeTestJwt,
  TokenIssuer,
  type FederationPolicy,
  type OAuthClient,
  type WorkspaceAuthConfig,
} from './core/auth.js';
import { loadState, STATE_FORMAT, StateWriter, type PersistedState } from './core/persistence.js';
import { parseStrict, resolveStrict, type StrictBehaviour, type StrictOption } from './core/strict.js';
import { setBlobDir } from './files/blobs.js';
import { TokenBucket, type RateLimitOptions, type RateLimitStats } from './core/rate-limit.js';

export interface WorkspaceOptions {
  readonly id: string;
  /** Extra Host names routed to this workspace (`<id>.localhost` is always added). */
  readonly hosts?: readonly string[];
  /** Numeric workspace id sent as `x-databricks-org-id`; default derived from the position. */
  readonly orgId?: string;
  /** Personal access tokens: token → principal. Default `{ "dapi-emulator": "emulator-user@example.com" }`. */
  readonly tokens?: Readonly<Record<string, string>>;
  /** OAuth M2M clients. Default one client `emulator-client` / `emulator-secret`. */
  readonly oauthClients?: readonly OAuthClient[];
  /** Federation policies for the OIDC token-exchange grant. Default none. */
  readonly federationPolicies?: readonly FederationPolicy[];
  /**
   * Fields merged into `GET /.well-known/databricks-config` (what databricks-sdk reads as host
   * metadata, `oauth.py` HostMetadata): e.g. `token_federation_default_oidc_audiences`, `account_id`;
   * `workspace_id: null` answers as an account host does (no workspace id). Default: none.
   */
  readonly hostMetadata?: Readonly<Record<string, unknown>>;
}

export interface EmulatorOptions {
  readonly port?: number;
  /** Listen address; default 127.0.0.1. */
  readonly host?: string;
  /** JSON file to persist state to (atomic, debounced) and to reload on start. */
  readonly statePath?: string;
  /** Parsed seed fixture (see docs/emulator.md); ignored when statePath already holds state. */
  readonly seed?: unknown;
  /** Path of a JSON or YAML seed fixture; used when `seed` is not given. */
  readonly seedPath?: string;
  readonly modules?: readonly EmulatorModule[];
  /** Workspaces; default: those named in the seed fixture, else one workspace `default`. */
  readonly workspaces?: readonly WorkspaceOptions[];
  readonly clock?: EmulatorClock;
  /** Period of the background tick that advances asynchronous state machines; 0 disables. Default 250 ms. */
  readonly tickMs?: number;
  /** OAuth access-token lifetime in seconds; default 3600. */
  readonly tokenTtlSeconds?: number;
  /** Seed of the fault-injection random generator; default 42. */
  readonly faultSeed?: number;
  /** Keep at most this many request-log entries; default 10000. */
  readonly requestLogLimit?: number;
  /**
   * Behaviours answered with their strict reading (src/emulator/core/strict.ts, docs/emulator.md):
   * `all`, `none`, ids, or `{ all: true, except }`. Default: the seed's `strict`, else the
   * environment variable MLOPS_GATE_EMULATOR_STRICT, else none.
   */
  readonly strict?: StrictOption;
  /**
   * Where Files API contents above 1 MiB are kept (./files/blobs.ts). Default: a temp directory
   * removed at exit; give one beside `statePath` for large files to survive a restart.
   */
  readonly blobDir?: string;
  /**
   * A per-workspace rate limit on the API routes (not the admin ones): a token bucket answering
   * 429 + Retry-After when empty (src/emulator/core/rate-limit.ts). Default: none. Also the seed's
   * top-level `rate_limit: { per_second, burst }`.
   */
  readonly rateLimit?: RateLimitOptions;
}

export interface RequestLogEntry {
  readonly seq: number;
  readonly at: number;
  readonly workspace: string;
  readonly method: string;
  readonly path: string;
  /** Matched route as `METHOD pattern`, or null when no route matched. */
  readonly route: string | null;
  readonly status: number;
  /** Injected fault kind, when one fired. */
  readonly fault: string | null;
  readonly principal: string | null;
}

export interface EmulatorAdmin {
  addFault(rule: FaultRule): ActiveFault;
  removeFault(id: string): boolean;
  clearFaults(): void;
  faults(): { seed: number; rules: ActiveFault[] };
  reseedFaults(seed: number): void;
  requests(): { total: number; counts: Record<string, number>; entries: RequestLogEntry[] };
  clearRequests(): void;
  /** Count of requests per `METHOD pattern` (or `METHOD path` when unmatched). */
  count(route: string): number;
  workspace(id: string): Workspace;
  /** A deep copy of all workspace state. */
  state(): Record<string, Record<string, unknown>>;
  /** Back to the seeded state; clears faults, request log and issued OAuth tokens. */
  reset(): Promise<void>;
  /** Write the state file now (no-op without statePath). */
  flush(): Promise<void>;
  /** Advance asynchronous module state machines now. */
  tick(): void;
  /** The behaviours answered with their strict reading, sorted. */
  strict(): StrictBehaviour[];
  /** Replaces the strict set (`all`, `none`, ids…); kept across `reset`. */
  setStrict(option: StrictOption): void;
  /** The rate limit's counts per workspace (empty without `rateLimit`). */
  rateLimits(): Record<string, RateLimitStats>;
}

export interface RunningEmulator {
  /** Base URL of the default workspace, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Base URL of a workspace: the default's is `url`, others use the `/ws/<id>` path prefix. */
  workspaceUrl(id: string): string;
  readonly admin: EmulatorAdmin;
  close(): Promise<void>;
}

interface WorkspaceRecord {
  readonly workspace: Workspace & { state: Record<string, unknown> };
  readonly auth: WorkspaceAuthConfig;
  readonly hostMetadata: Readonly<Record<string, unknown>>;
}

const systemClock: EmulatorClock = { now: () => Date.now() };

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Read a seed fixture from a `.json`, `.yaml` or `.yml` file. */
export const loadFixture = async (path: string): Promise<unknown> => {
  const text = await readFile(path, 'utf8');
  return /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
};

const fixtureWorkspaces = (seed: unknown): Record<string, Record<string, unknown>> => {
  if (!seed || typeof seed !== 'object') return {};
  const ws = (seed as { workspaces?: unknown }).workspaces;
  if (Array.isArray(ws)) {
    const out: Record<string, Record<string, unknown>> = {};
    for (const w of ws) if (w && typeof w === 'object' && typeof (w as { id?: unknown }).id === 'string') out[(w as { id: string }).id] = w as Record<string, unknown>;
    return out;
  }
  if (ws && typeof ws === 'object') return ws as Record<string, Record<string, unknown>>;
  return {};
};

const deepCopy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const startEmulator = async (opts: EmulatorOptions = {}): Promise<RunningEmulator> => {
  const clock = opts.clock ?? systemClock;
  const modules = opts.modules ?? [];
  if (opts.blobDir) setBlobDir(opts.blobDir);
  const seed = opts.seed ?? (opts.seedPath ? await loadFixture(opts.seedPath) : undefined);
  const seedWorkspaces = fixtureWorkspaces(seed);

  // Explicit workspace options win; settings the fixture gives for the same workspace fill the gaps.
  const wsOptions: WorkspaceOptions[] = opts.workspaces
    ? opts.workspaces.map((w) => ({ ...(seedWorkspaces[w.id] as Partial<WorkspaceOptions> | undefined), ...w }))
    : Object.keys(seedWorkspaces).length > 0
      ? Object.entries(seedWorkspaces).map(([id, w]) => ({ ...(w as Partial<WorkspaceOptions>), id }))
      : [{ id: 'default' }];
  if (wsOptions.length === 0) throw new Error('startEmulator: at least one workspace is required');

  const records = new Map<string, WorkspaceRecord>();
  wsOptions.forEach((w, i) => {
    if (!/^[A-Za-z0-9_-]+$/.test(w.id)) throw new Error(`Workspace id '${w.id}' must be letters, digits, '-' or '_'.`);
    const workspace = {
      id: w.id,
      hosts: [`${w.id}.localhost`, ...(i === 0 ? ['127.0.0.1', 'localhost', '[::1]'] : []), ...(w.hosts ?? [])],
      orgId: w.orgId ?? String(1000000000000000 + (i + 1) * 1111),
      state: {} as Record<string, unknown>,
    };
    records.set(w.id, {
      workspace,
      auth: {
        tokens: w.tokens ?? { [DEFAULT_TOKEN]: DEFAULT_PRINCIPAL },
        oauthClients: w.oauthClients ?? [{ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, principal: 'emulator-service-principal' }],
        federationPolicies: w.federationPolicies ?? [],
      },
      hostMetadata: w.hostMetadata ?? {},
    });
  });
  const defaultRecord = records.get(wsOptions[0]!.id)!;

  let strict = resolveStrict(opts.strict, seed, process.env);
  let writer: StateWriter | undefined;
  const ctx: EmulatorContext = {
    clock,
    strict: (behaviour) => strict.has(behaviour),
    workspaceByHost(host: string) {
      const h = host.replace(/:\d+$/, '');
      const byId = records.get(h);
      if (byId) return byId.workspace;
      for (const r of records.values()) if (r.workspace.hosts.includes(h)) return r.workspace;
      return undefined;
    },
    changed() {
      writer?.schedule();
    },
  };

  const router = new Router();
  for (const m of modules) m.routes(router, ctx);

  const initAll = async (): Promise<void> => {
    for (const { workspace } of records.values()) {
      for (const k of Object.keys(workspace.state)) delete workspace.state[k];
      for (const m of modules) workspace.state[m.name] = m.initState();
    }
    for (const m of modules) {
      for (const { workspace } of records.values()) {
        const fx = seedWorkspaces[workspace.id]?.[m.name];
        // A copy: modules keep parts of the fixture (e.g. tag maps) in their state, and later writes
        // must not reach the caller's fixture, a reset, or another emulator seeded from it.
        if (fx !== undefined && m.seed) await m.seed(workspace, structuredClone(fx), ctx);
      }
    }
  };

  const snapshot = (): PersistedState => ({
    format: STATE_FORMAT,
    savedAt: new Date(clock.now()).toISOString(),
    workspaces: Object.fromEntries([...records.values()].map((r) => [r.workspace.id, { orgId: r.workspace.orgId, state: r.workspace.state }])),
  });

  const persisted = opts.statePath ? await loadState(opts.statePath) : undefined;
  await initAll();
  if (persisted) {
    for (const [id, saved] of Object.entries(persisted.workspaces)) {
      const r = records.get(id);
      if (!r) continue;
      for (const [k, v] of Object.entries(saved.state)) r.workspace.state[k] = v;
    }
  }
  if (opts.statePath) writer = new StateWriter(opts.statePath, snapshot);

  const issuer = new TokenIssuer(clock, opts.tokenTtlSeconds ?? 3600);
  const faults = new FaultInjector(opts.faultSeed ?? 42);
  const logLimit = opts.requestLogLimit ?? 10000;
  let log: RequestLogEntry[] = [];
  let counts: Record<string, number> = {};
  let seq = 0;

  const tickWorkspace = (w: Workspace): void => {
    for (const m of modules) m.tick?.(w, ctx);
  };
  const tickAll = (): void => {
    for (const r of records.values()) tickWorkspace(r.workspace);
  };

  const record = (entry: Omit<RequestLogEntry, 'seq' | 'at'>): void => {
    const full: RequestLogEntry = { ...entry, seq: ++seq, at: clock.now() };
    log.push(full);
    if (log.length > logLimit) log = log.slice(log.length - logLimit);
    const key = entry.route ?? `${entry.method} ${entry.path}`;
    counts[key] = (counts[key] ?? 0) + 1;
  };

  const seedLimit = (opts.seed as { rate_limit?: { per_second?: number; burst?: number } } | undefined)?.rate_limit;
  const rateLimit: RateLimitOptions | undefined =
    opts.rateLimit ?? (seedLimit?.per_second ? { perSecond: seedLimit.per_second, ...(seedLimit.burst ? { burst: seedLimit.burst } : {}) } : undefined);
  const buckets = new Map<string, TokenBucket>();
  const bucketOf = (workspaceId: string): TokenBucket | null => {
    if (!rateLimit) return null;
    let b = buckets.get(workspaceId);
    if (!b) {
      b = new TokenBucket(rateLimit.perSecond, rateLimit.burst, () => performance.now());
      buckets.set(workspaceId, b);
    }
    return b;
  };

  const admin: EmulatorAdmin = {
    rateLimits: () => Object.fromEntries([...buckets].map(([id, b]) => [id, b.stats()])),
    addFault: (rule) => faults.add(rule),
    removeFault: (id) => faults.remove(id),
    clearFaults: () => faults.clear(),
    faults: () => faults.list(),
    reseedFaults: (s) => faults.reseed(s),
    requests: () => ({ total: seq, counts: { ...counts }, entries: [...log] }),
    clearRequests: () => {
      log = [];
      counts = {};
    },
    count: (route) => counts[route] ?? 0,
    workspace: (id) => {
      const r = records.get(id);
      if (!r) throw new Error(`No workspace '${id}'`);
      return r.workspace;
    },
    state: () => deepCopy(Object.fromEntries([...records.values()].map((r) => [r.workspace.id, r.workspace.state]))),
    reset: async () => {
      faults.clear();
      admin.clearRequests();
      issuer.clear();
      await initAll();
      ctx.changed();
    },
    flush: async () => {
      if (writer) await writer.flush();
    },
    tick: tickAll,
    strict: () => [...strict].sort(),
    setStrict: (option) => {
      strict = parseStrict(option);
    },
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: 'INTERNAL_ERROR', message: `Emulator failure: ${(e as Error).message}` }));
      } else {
        res.destroy();
      }
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, head = false): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(head ? undefined : text);
  };

  const resetConnection = (res: ServerResponse): void => {
    const socket = res.socket as (Socket & { resetAndDestroy?: () => void }) | null;
    if (socket?.resetAndDestroy) socket.resetAndDestroy();
    else socket?.destroy();
  };

  const handleAdmin = async (method: string, path: string, query: URLSearchParams, body: unknown, res: ServerResponse): Promise<void> => {
    const sub = path.slice('/__emulator'.length);
    if (sub === '/health' && method === 'GET') return send(res, 200, { ok: true, workspaces: [...records.keys()] });
    if (sub === '/requests' && method === 'GET') {
      const since = Number(query.get('since') ?? 0);
      const r = admin.requests();
      return send(res, 200, { total: r.total, counts: r.counts, entries: r.entries.filter((e) => e.seq > since) });
    }
    if (sub === '/requests' && method === 'DELETE') {
      admin.clearRequests();
      return send(res, 200, {});
    }
    if (sub === '/faults' && method === 'GET') return send(res, 200, faults.list());
    if (sub === '/faults' && method === 'POST') {
      const b = (body ?? {}) as { rules?: unknown; seed?: unknown };
      if (typeof b.seed === 'number') faults.reseed(b.seed);
      const inputs = Array.isArray(b.rules) ? b.rules : b.rules === undefined && 'kind' in (b as object) ? [b] : [];
      const added: ActiveFault[] = [];
      for (const input of inputs) {
        const rule = validateFaultRule(input);
        if (typeof rule === 'string') return send(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: rule });
        added.push(faults.add(rule));
      }
      return send(res, 200, { rules: added, seed: faults.list().seed });
    }
    if (sub === '/faults' && method === 'DELETE') {
      faults.clear();
      return send(res, 200, {});
    }
    const faultId = sub.match(/^\/faults\/([^/]+)$/)?.[1];
    if (faultId && method === 'DELETE') {
      return faults.remove(decodeURIComponent(faultId))
        ? send(res, 200, {})
        : send(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No fault rule '${faultId}'.` });
    }
    if (sub === '/state' && method === 'GET') return send(res, 200, { workspaces: admin.state() });
    if (sub === '/reset' && method === 'POST') {
      await admin.reset();
      return send(res, 200, {});
    }
    if (sub === '/github-oidc/token' && method === 'GET') {
      // Stand-in for GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL: mints an unsigned GitHub-style
      // OIDC JWT, so the SDK's github-oidc auth can run end to end against the emulator.
      const seconds = Math.floor(clock.now() / 1000);
      const claims = {
        iss: 'https://token.actions.githubusercontent.com',
        sub: query.get('sub') ?? 'repo:example/repo:ref:refs/heads/main',
        aud: query.get('audience') ?? 'https://github.com/example',
        repository: query.get('repository') ?? 'example/repo',
        iat: seconds,
        nbf: seconds,
        exp: seconds + 300,
      };
      return send(res, 200, { count: 1, value: makeTestJwt(claims, query.get('hs256_secret') ?? undefined) });
    }
    if (sub === '/strict' && method === 'GET') return send(res, 200, { strict: admin.strict() });
    if (sub === '/strict' && method === 'PUT') {
      try {
        admin.setStrict(((body ?? {}) as { strict?: StrictOption }).strict ?? 'none');
      } catch (e) {
        return send(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: (e as Error).message });
      }
      return send(res, 200, { strict: admin.strict() });
    }
    if (sub === '/tick' && method === 'POST') {
      tickAll();
      return send(res, 200, {});
    }
    return send(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No emulator admin API for '${method} ${path}'.` });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const rawBody = await readBody(req);
    let path = url.pathname;
    const hostHeader = req.headers.host ?? `127.0.0.1:${port}`;

    let rec: WorkspaceRecord | undefined;
    let prefix = '';
    const prefixed = path.match(/^\/ws\/([^/]+)(\/.*)?$/);
    if (prefixed) {
      rec = records.get(decodeURIComponent(prefixed[1]!));
      if (!rec) return send(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No emulated workspace '${prefixed[1]}'.` });
      prefix = `/ws/${prefixed[1]}`;
      path = prefixed[2] ?? '/';
    } else {
      const ws = ctx.workspaceByHost(hostHeader);
      rec = ws ? records.get(ws.id) : undefined;
    }
    rec ??= defaultRecord;
    const workspace = rec.workspace;
    const baseUrl = `http://${hostHeader}${prefix}`;

    const contentType = req.headers['content-type'] ?? '';
    let body: Record<string, unknown> | undefined;
    if (rawBody.length > 0 && (contentType.includes('json') || (!contentType.includes('octet-stream') && rawBody[0] === 0x7b))) {
      try {
        const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        if (contentType.includes('json')) {
          return send(res, 400, { error_code: 'MALFORMED_REQUEST', message: 'Request body is not valid JSON.' });
        }
      }
    }

    if (path.startsWith('/__emulator')) {
      // Modules register their own admin routes (e.g. /__emulator/serving/...): no auth, no faults.
      const moduleAdmin = router.match(method, path);
      if (moduleAdmin.kind !== 'found') return handleAdmin(method, path, url.searchParams, body, res);
      tickWorkspace(workspace);
      try {
        const out = await moduleAdmin.route.handler({
          method,
          path,
          query: url.searchParams,
          headers: req.headers,
          body,
          rawBody,
          params: moduleAdmin.params,
          principal: 'emulator-admin',
          workspace,
          baseUrl,
        });
        return send(res, out.status ?? 200, out.body ?? {}, out.headers ?? {});
      } catch (e) {
        if (e instanceof DatabricksApiError) return send(res, e.status, { error_code: e.errorCode, message: e.message }, e.headers);
        return send(res, 500, { error_code: 'INTERNAL_ERROR', message: `Emulator admin handler failed: ${(e as Error).message}` });
      }
    }

    const orgHeader = { 'x-databricks-org-id': workspace.orgId };

    // Public discovery and OAuth endpoints (no bearer token).
    if (method === 'GET' && path === '/.well-known/databricks-config') {
      const meta: Record<string, unknown> = { oidc_endpoint: `${baseUrl}/oidc`, workspace_id: workspace.orgId, ...rec.hostMetadata };
      for (const [k, v] of Object.entries(meta)) if (v === null) delete meta[k];
      return send(res, 200, meta, orgHeader);
    }
    if (method === 'GET' && path === '/oidc/.well-known/oauth-authorization-server') {
      return send(res, 200, {
        issuer: `${baseUrl}/oidc`,
        authorization_endpoint: `${baseUrl}/oidc/v1/authorize`,
        token_endpoint: `${baseUrl}/oidc/v1/token`,
        grant_types_supported: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: ['all-apis'],
      });
    }
    if (path === '/oidc/v1/token') {
      if (method !== 'POST') return send(res, 405, { error: 'invalid_request', error_description: 'Use POST.' });
      const outcome = issuer.token(req.headers, new URLSearchParams(rawBody.toString('utf8')), workspace.id, rec.auth);
      record({ workspace: workspace.id, method, path, route: 'POST /oidc/v1/token', status: outcome.ok ? 200 : outcome.status, fault: null, principal: null });
      return send(res, outcome.ok ? 200 : outcome.status, outcome.body);
    }

    const matched = router.match(method === 'HEAD' ? 'HEAD' : method, path);
    const found = matched.kind === 'found' ? matched : method === 'HEAD' ? router.match('GET', path) : matched;
    const routeKey = found.kind === 'found' ? `${found.route.method === 'GET' && method === 'HEAD' ? 'HEAD' : found.route.method} ${found.route.pattern}` : null;

    // Presigned URLs carry their own ticket instead of a bearer token.
    const isPresigned = path.startsWith('/__presigned/');
    let principal: string | null = null;
    if (!isPresigned) {
      const auth = issuer.authenticate(req.headers, workspace.id, rec.auth);
      if (!auth.ok) {
        record({ workspace: workspace.id, method, path, route: routeKey, status: auth.status, fault: null, principal: null });
        return send(res, auth.status, { error_code: auth.errorCode, message: auth.message }, orgHeader, method === 'HEAD');
      }
      principal = auth.principal;
    }

    if (found.kind !== 'found') {
      record({ workspace: workspace.id, method, path, route: null, status: 404, fault: null, principal });
      return send(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${method} ${path}'` }, orgHeader, method === 'HEAD');
    }

    const limitedFor = bucketOf(workspace.id)?.take() ?? null;
    if (limitedFor !== null) {
      record({ workspace: workspace.id, method, path, route: routeKey, status: 429, fault: 'rate_limit', principal });
      return send(
        res,
        429,
        { error_code: 'REQUEST_LIMIT_EXCEEDED', message: `The workspace's request rate limit (${rateLimit!.perSecond}/s) is exceeded. Please try again later.` },
        { ...orgHeader, 'retry-after': String(limitedFor) },
        method === 'HEAD',
      );
    }

    const decision = faults.decide(method, path, workspace.id);
    if (decision.delayMs > 0) await sleep(decision.delayMs);
    const fault = decision.terminal;
    const logFault = (status: number, kind: string): void =>
      record({ workspace: workspace.id, method, path, route: routeKey, status, fault: kind, principal });
    if (fault?.kind === 'reset') {
      logFault(0, 'reset');
      return resetConnection(res);
    }
    if (fault?.kind === 'rate_limit') {
      const retryAfter = String(fault.retryAfterSeconds ?? 1);
      logFault(429, 'rate_limit');
      return send(
        res,
        429,
        { error_code: fault.errorCode ?? 'REQUEST_LIMIT_EXCEEDED', message: fault.message ?? 'Too many requests. Please try again later.' },
        { ...orgHeader, 'retry-after': retryAfter },
        method === 'HEAD',
      );
    }
    if (fault?.kind === 'error') {
      const status = fault.status ?? 503;
      logFault(status, 'error');
      const headers: Record<string, string> = { ...orgHeader };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return send(
        res,
        status,
        { error_code: fault.errorCode ?? (status === 503 ? 'TEMPORARILY_UNAVAILABLE' : 'INTERNAL_ERROR'), message: fault.message ?? 'Injected fault.' },
        headers,
        method === 'HEAD',
      );
    }

    tickWorkspace(workspace);
    const emuReq: EmulatorRequest = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      rawBody,
      params: found.params,
      principal: principal ?? 'presigned-url',
      workspace,
      baseUrl,
    };
    let out: EmulatorResponse;
    try {
      out = await found.route.handler(emuReq);
    } catch (e) {
      if (e instanceof DatabricksApiError) {
        out = { status: e.status, body: { error_code: e.errorCode, message: e.message }, headers: e.headers };
      } else {
        out = { status: 500, body: { error_code: 'INTERNAL_ERROR', message: `Emulator handler failed: ${(e as Error).message}` } };
      }
    }

    if (fault?.kind === 'lost_response') {
      // The handler ran and state changed; the client never learns the outcome.
      if (fault.then === 'reset') {
        logFault(0, 'lost_response');
        return resetConnection(res);
      }
      const status = fault.status ?? 500;
      logFault(status, 'lost_response');
      return send(res, status, { error_code: fault.errorCode ?? 'INTERNAL_ERROR', message: fault.message ?? 'Injected fault: response lost.' }, orgHeader);
    }

    const status = out.status ?? 200;
    record({ workspace: workspace.id, method, path, route: routeKey, status, fault: null, principal });
    if (out.stream !== undefined) {
      res.writeHead(status, { 'content-type': 'application/octet-stream', ...orgHeader, ...(out.headers ?? {}) });
      if (method === 'HEAD') return void res.end();
      const body = out.stream();
      body.on('error', () => res.destroy());
      res.on('close', () => (body as unknown as { destroy?: () => void }).destroy?.());
      body.pipe(res);
      return;
    }
    if (out.raw !== undefined) {
      const buf = typeof out.raw === 'string' ? Buffer.from(out.raw) : out.raw;
      res.writeHead(status, {
        'content-type': 'application/octet-stream',
        'content-length': String(buf.length),
        ...orgHeader,
        ...(out.headers ?? {}),
      });
      res.end(method === 'HEAD' ? undefined : buf);
      return;
    }
    return send(res, status, out.body ?? {}, { ...orgHeader, ...(out.headers ?? {}) }, method === 'HEAD');
  };

  const listenHost = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  const url = `http://${hostForUrl}:${port}`;

  const tickMs = opts.tickMs ?? 250;
  const timer = tickMs > 0 ? setInterval(tickAll, tickMs) : undefined;
  timer?.unref();

  return {
    url,
    port,
    workspaceUrl(id: string) {
      if (!records.has(id)) throw new Error(`No emulated workspace '${id}'`);
      return id === defaultRecord.workspace.id ? url : `${url}/ws/${encodeURIComponent(id)}`;
    },
    admin,
    async close() {
      if (timer) clearInterval(timer);
      await admin.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
};
