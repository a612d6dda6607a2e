// A local stand-in for the slice of the GitHub REST API mlops-gate uses. It keeps state in memory,
// records every call, pages like GitHub (per_page/page + Link headers), and can inject faults
// (rate limits, 5xx) and latency so concurrent runs really interleave.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly method: string;
  /** Path without the API prefix and query, e.g. /repos/o/r/issues/1/comments. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly authorization: string | null;
  readonly status: number;
}

export interface StandInComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
}

export interface StandInReview {
  id?: number;
  user: string;
  /** GitHub's author_association on the review (default COLLABORATOR). */
  association?: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  commit_id: string;
  submitted_at?: string;
}

export interface StandInPull {
  number: number;
  author: string;
  baseSha: string;
  baseRef?: string;
  headSha: string;
  headRef?: string;
  /** owner/name of the head repository (default: the base repository). */
  headRepo?: string;
  fork?: boolean;
  files?: string[];
}

export interface StandInEnvApproval {
  user: string;
  state: 'approved' | 'rejected' | 'pending';
  environments: string[];
  comment?: string;
}

export interface StandInDeployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  payload: unknown;
  description: string | null;
  production_environment: boolean;
  transient_environment: boolean;
  created_at: string;
  statuses: { id: number; state: string; description: string; log_url: string; environment_url: string; created_at: string }[];
}

export interface StandInDispatch {
  /** owner/name */
  readonly repo: string;
  readonly event_type: string;
  readonly client_payload: unknown;
}

export interface Fault {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export interface StandInOptions {
  /** Path prefix, e.g. /api/v3 to look like GitHub Enterprise Server. */
  readonly prefix?: string;
  /** When set, requests must carry this token. */
  readonly token?: string | null;
  /** Writes answer 403 like a read-only GITHUB_TOKEN on a fork PR. */
  readonly readOnly?: boolean;
  /** Random delay 0..latencyMs before each answer (state changes apply on arrival). */
  readonly latencyMs?: number;
  /** Login the token belongs to (author of created comments). */
  readonly botLogin?: string;
  /** Repository permission of users not in `permissions` (default write, like a team of collaborators). */
  readonly defaultPermission?: 'admin' | 'write' | 'read' | 'none';
  /** The collaborator permission API answers 403 (a token that cannot read it). */
  readonly permissionsForbidden?: boolean;
}

export interface GitHubStandIn {
  readonly url: string;
  readonly calls: RecordedCall[];
  readonly comments: Map<string, StandInComment[]>;
  readonly pulls: Map<number, StandInPull>;
  readonly reviews: Map<number, StandInReview[]>;
  /** "org/slug" → members, or an HTTP status the members endpoint answers with. */
  readonly teams: Map<string, string[] | 403 | 404>;
  readonly runApprovals: Map<number, StandInEnvApproval[]>;
  readonly commits: Set<string>;
  /** ref (sha or branch) → path → text. */
  readonly contents: Map<string, Map<string, string>>;
  readonly deployments: StandInDeployment[];
  /** login → repository permission (GET /repos/{o}/{r}/collaborators/{user}/permission). */
  readonly permissions: Map<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>;
  /** repository_dispatch events accepted (204), in arrival order. */
  readonly dispatches: StandInDispatch[];
  /** Answer the next matching requests with these faults, in order. */
  failNext(method: string, pathPattern: RegExp, ...faults: Fault[]): void;
  /**
   * Hold the next `count` matching requests until all of them have arrived (or `maxWaitMs` passed),
   * then answer them together: forces concurrent clients to interleave at that point.
   */
  barrier(method: string, pathPattern: RegExp, count: number, maxWaitMs?: number): void;
  callsTo(method: string, pathPattern: RegExp): RecordedCall[];
  commentsOn(owner: string, repo: string, issue: number): StandInComment[];
  addComment(owner: string, repo: string, issue: number, body: string, login?: string): StandInComment;
  close(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = body === undefined || status === 204 ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    ...headers,
  });
  res.end(text);
};

const readBody = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export async function startGitHubStandIn(options: StandInOptions = {}): Promise<GitHubStandIn> {
  const prefix = options.prefix ?? '';
  const calls: RecordedCall[] = [];
  const comments = new Map<string, StandInComment[]>();
  const pulls = new Map<number, StandInPull>();
  const reviews = new Map<number, StandInReview[]>();
  const teams = new Map<string, string[] | 403 | 404>();
  const runApprovals = new Map<number, StandInEnvApproval[]>();
  const commits = new Set<string>();
  const contents = new Map<string, Map<string, string>>();
  const deployments: StandInDeployment[] = [];
  const permissions = new Map<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>();
  const dispatches: StandInDispatch[] = [];
  const faults: { method: string; pattern: RegExp; fault: Fault }[] = [];
  const barriers: { method: string; pattern: RegExp; remaining: number; waiting: (() => void)[]; timer: NodeJS.Timeout | null; maxWaitMs: number }[] = [];
  const passBarrier = async (method: string, path: string): Promise<void> => {
    const b = barriers.find((x) => x.method === method && x.pattern.test(path) && x.remaining > 0);
    if (!b) return;
    b.remaining--;
    const release = () => {
      if (b.timer) clearTimeout(b.timer);
      b.remaining = 0;
      for (const go of b.waiting.splice(0)) go();
    };
    const wait = new Promise<void>((resolve) => b.waiting.push(resolve));
    if (b.remaining === 0) release();
    else b.timer ??= setTimeout(release, b.maxWaitMs);
    await wait;
  };
  let nextId = 1000;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const stamp = () => new Date((clock += 1000)).toISOString();
  const bot = options.botLogin ?? 'github-actions[bot]';

  const commentsKey = (o: string, r: string, n: number) => `${o}/${r}#${n}`;
  const addComment = (o: string, r: string, n: number, body: string, login = bot): StandInComment => {
    const list = comments.get(commentsKey(o, r, n)) ?? [];
    const at = stamp();
    const c: StandInComment = { id: nextId++, body, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }, created_at: at, updated_at: at };
    list.push(c);
    comments.set(commentsKey(o, r, n), list);
    return c;
  };

  const page = <T>(req: IncomingMessage, res: ServerResponse, url: URL, items: readonly T[], map: (t: T) => unknown = (t) => t) => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
    const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage).map(map);
    const link = (p: number, rel: string) => {
      const u = new URL(url.toString());
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<http://${req.headers.host}${u.pathname}${u.search}>; rel="${rel}"`;
    };
    const links = [...(pageNo < last ? [link(pageNo + 1, 'next'), link(last, 'last')] : []), ...(pageNo > 1 ? [link(1, 'first'), link(pageNo - 1, 'prev')] : [])];
    send(res, 200, slice, links.length ? { link: links.join(', ') } : {});
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || '/' : url.pathname;
    const body = await readBody(req);
    const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : null;
    const call: { -readonly [K in keyof RecordedCall]: RecordedCall[K] } = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization,
      status: 0,
    };
    calls.push(call);
    const record = (s: number) => (call.status = s);
    res.once('finish', () => {
      if (call.status === 0) call.status = res.statusCode;
    });
    const reply = (s: number, b: unknown, h: Record<string, string> = {}) => {
      record(s);
      send(res, s, b, h);
    };

    await passBarrier(method, path);
    const faultIndex = faults.findIndex((f) => f.method === method && f.pattern.test(path));
    if (faultIndex >= 0) {
      const fault = faults.splice(faultIndex, 1)[0]!.fault;
      return reply(fault.status, fault.body ?? { message: `injected ${fault.status}` }, { ...fault.headers });
    }
    if (options.token) {
      const given = authorization?.replace(/^(token|bearer)\s+/i, '') ?? null;
      if (given !== options.token) return reply(401, { message: 'Bad credentials' });
    }
    if (options.readOnly && method !== 'GET') return reply(403, { message: 'Resource not accessible by integration' });

    let m: RegExpMatchArray | null;
    // Issue comments
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
      const [, o, r, n] = m as unknown as [string, string, string, string];
      if (method === 'GET') return page(req, res, url, comments.get(commentsKey(o, r, Number(n))) ?? []);
      if (method === 'POST') {
        const text = (body as { body?: unknown } | null)?.body;
        if (typeof text !== 'string' || !text) return reply(422, { message: 'Validation Failed: body is missing' });
        if (text.length > 65_536) return reply(422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
        return reply(201, addComment(o, r, Number(n), text));
      }
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/))) {
      const id = Number(m[3]);
      const list = [...comments.values()].find((l) => l.some((c) => c.id === id));
      const c = list?.find((x) => x.id === id);
      if (!list || !c) return reply(404, { message: 'Not Found' });
      if (method === 'GET') return reply(200, c);
      if (method === 'PATCH') {
        const text = (body as { body?: unknown } | null)?.body;
        if (typeof text !== 'string' || !text) return reply(422, { message: 'Validation Failed: body is missing' });
        if (text.length > 65_536) return reply(422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
        c.body = text;
        c.updated_at = stamp();
        return reply(200, c);
      }
      if (method === 'DELETE') {
        list.splice(list.indexOf(c), 1);
        record(204);
        res.writeHead(204);
        return void res.end();
      }
    }
    // Pull requests
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)(\/reviews|\/files)?$/)) && method === 'GET') {
      const [, o, r, n, sub] = m as unknown as [string, string, string, string, string | undefined];
      const pr = pulls.get(Number(n));
      if (!pr) return reply(404, { message: 'Not Found' });
      if (sub === '/reviews') {
        return page(req, res, url, reviews.get(pr.number) ?? [], (rv) => ({
          id: rv.id,
          user: { login: rv.user, type: rv.user.endsWith('[bot]') ? 'Bot' : 'User' },
          author_association: rv.association ?? 'COLLABORATOR',
          state: rv.state,
          commit_id: rv.commit_id,
          submitted_at: rv.state === 'PENDING' ? undefined : rv.submitted_at,
          body: '',
        }));
      }
      if (sub === '/files') return page(req, res, url, pr.files ?? [], (f) => ({ filename: f, status: 'modified' }));
      const headRepo = pr.headRepo ?? `${o}/${r}`;
      return reply(200, {
        number: pr.number,
        state: 'open',
        user: { login: pr.author, type: 'User' },
        base: { sha: pr.baseSha, ref: pr.baseRef ?? 'main', repo: { full_name: `${o}/${r}`, fork: false } },
        head: { sha: pr.headSha, ref: pr.headRef ?? 'feature', repo: { full_name: headRepo, fork: pr.fork ?? headRepo !== `${o}/${r}` } },
      });
    }
    // Who the token is: installation tokens (ghs_…) cannot read /user, as on GitHub.
    if (path === '/user' && method === 'GET') {
      const auth = req.headers.authorization ?? '';
      if (/\bghs_/.test(auth)) return reply(403, { message: 'Resource not accessible by integration' });
      return reply(200, { login: bot, type: bot.endsWith('[bot]') ? 'Bot' : 'User' });
    }
    // Repository permission of a user
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)\/permission$/)) && method === 'GET') {
      if (options.permissionsForbidden) return reply(403, { message: 'Resource not accessible by integration' });
      const login = decodeURIComponent(m[1] ?? '');
      const role = permissions.get(login) ?? options.defaultPermission ?? 'write';
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return reply(200, { permission, role_name: role, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' } });
    }
    // Teams
    if ((m = path.match(/^\/orgs\/([^/]+)\/teams\/([^/]+)\/members$/)) && method === 'GET') {
      const team = teams.get(`${m[1]}/${m[2]}`);
      if (team === undefined || team === 404) return reply(404, { message: 'Not Found' });
      if (team === 403) return reply(403, { message: 'Resource not accessible by integration' });
      return page(req, res, url, team, (login) => ({ login, type: 'User' }));
    }
    // Environment approvals of a run
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/approvals$/)) && method === 'GET') {
      const list = runApprovals.get(Number(m[1])) ?? [];
      return reply(
        200,
        list.map((a) => ({
          state: a.state,
          comment: a.comment ?? '',
          user: { login: a.user, type: 'User' },
          environments: a.environments.map((name, i) => ({ id: i + 1, name })),
        })),
      );
    }
    // Commits
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)$/)) && method === 'GET') {
      const sha = decodeURIComponent(m[1] ?? '');
      if (commits.has(sha)) return reply(200, { sha, commit: { message: 'stand-in' } });
      return reply(/^[0-9a-f]{7,40}$/.test(sha) ? 422 : 404, { message: `No commit found for SHA: ${sha}` });
    }
    // Contents
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/contents(?:\/(.*))?$/)) && method === 'GET') {
      const filePath = decodeURIComponent(m[1] ?? '').replace(/\/+$/, '');
      const ref = url.searchParams.get('ref') ?? 'main';
      const text = contents.get(ref)?.get(filePath);
      if (text === undefined) {
        // A directory: its entries (files and subdirectories), as the contents API lists them.
        const prefix = filePath === '' ? '' : `${filePath}/`;
        const entries = new Map<string, 'file' | 'dir'>();
        for (const p of contents.get(ref)?.keys() ?? []) {
          if (!p.startsWith(prefix)) continue;
          const rest = p.slice(prefix.length).split('/');
          entries.set(rest[0]!, rest.length > 1 ? 'dir' : 'file');
        }
        if (entries.size === 0) return reply(404, { message: 'Not Found' });
        return reply(200, [...entries].sort().map(([name, type]) => ({ type, name, path: `${prefix}${name}` })));
      }
      if (String(req.headers.accept ?? '').includes('raw')) {
        record(200);
        res.writeHead(200, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
        return void res.end(text);
      }
      return reply(200, { type: 'file', path: filePath, encoding: 'base64', content: Buffer.from(text).toString('base64'), size: Buffer.byteLength(text) });
    }
    // Deployments
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/deployments$/))) {
      if (method === 'GET') {
        const env = url.searchParams.get('environment');
        const sha = url.searchParams.get('sha');
        const list = deployments.filter((d) => (!env || d.environment === env) && (!sha || d.sha === sha)).reverse();
        return page(req, res, url, list, ({ statuses: _s, ...d }) => d);
      }
      if (method === 'POST') {
        const b = (body ?? {}) as Record<string, unknown>;
        if (typeof b.ref !== 'string') return reply(422, { message: 'Validation Failed: ref is missing' });
        const d: StandInDeployment = {
          id: nextId++,
          ref: b.ref,
          sha: /^[0-9a-f]{40}$/.test(b.ref) ? b.ref : 'f'.repeat(40),
          environment: typeof b.environment === 'string' ? b.environment : 'production',
          payload: b.payload ?? {},
          description: typeof b.description === 'string' ? b.description : null,
          production_environment: b.production_environment === true,
          transient_environment: b.transient_environment === true,
          created_at: stamp(),
          statuses: [],
        };
        deployments.push(d);
        const { statuses: _s, ...view } = d;
        return reply(201, view);
      }
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/))) {
      const d = deployments.find((x) => x.id === Number(m![1]));
      if (!d) return reply(404, { message: 'Not Found' });
      if (method === 'GET') return page(req, res, url, [...d.statuses].reverse());
      if (method === 'POST') {
        const b = (body ?? {}) as Record<string, unknown>;
        const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
        if (typeof b.state !== 'string' || !states.includes(b.state)) return reply(422, { message: 'Validation Failed: state' });
        const s = {
          id: nextId++,
          state: b.state,
          description: typeof b.description === 'string' ? b.description : '',
          log_url: typeof b.log_url === 'string' ? b.log_url : '',
          environment_url: typeof b.environment_url === 'string' ? b.environment_url : '',
          created_at: stamp(),
        };
        d.statuses.push(s);
        return reply(201, s);
      }
    }
    // repository_dispatch, with GitHub's documented limits (event_type ≤ 100 characters,
    // client_payload ≤ 10 top-level keys and ≤ 65,535 characters); 204 without a body.
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/dispatches$/)) && method === 'POST') {
      const b = (body ?? {}) as Record<string, unknown>;
      const eventType = b.event_type;
      const payload = b.client_payload ?? {};
      if (typeof eventType !== 'string' || eventType.length === 0 || eventType.length > 100) return reply(422, { message: 'Validation Failed: event_type' });
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return reply(422, { message: 'Validation Failed: client_payload is not an object' });
      if (Object.keys(payload).length > 10) return reply(422, { message: 'Validation Failed: client_payload has more than 10 top-level properties' });
      if (JSON.stringify(payload).length > 65_535) return reply(422, { message: 'Validation Failed: client_payload is too large' });
      dispatches.push({ repo: `${m[1]}/${m[2]}`, event_type: eventType, client_payload: payload });
      record(204);
      res.writeHead(204);
      return void res.end();
    }
    return reply(404, { message: `stand-in: no route for ${method} ${path}` });
  };

  const server: Server = createServer((req, res) => {
    const delay = options.latencyMs ? Math.floor(Math.random() * options.latencyMs) : 0;
    // Apply the request immediately, delay only the answer: concurrent clients see each other's writes
    // in arrival order, like a real (linearizable) API with network latency.
    const deferred = delay
      ? new Proxy(res, {
          get(target, prop, receiver) {
            if (prop === 'end') return (...args: unknown[]) => setTimeout(() => (target.end as (...a: unknown[]) => void)(...args), delay);
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        })
      : res;
    handle(req, deferred).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `stand-in error: ${(e as Error).message}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    calls,
    comments,
    pulls,
    reviews,
    teams,
    runApprovals,
    commits,
    contents,
    deployments,
    permissions,
    dispatches,
    failNext(method, pathPattern, ...fs) {
      for (const fault of fs) faults.push({ method: method.toUpperCase(), pattern: pathPattern, fault });
    },
    barrier(method, pathPattern, count, maxWaitMs = 30_000) {
      barriers.push({ method: method.toUpperCase(), pattern: pathPattern, remaining: count, waiting: [], timer: null, maxWaitMs });
    },
    callsTo(method, pathPattern) {
      return calls.filter((c) => c.method === method.toUpperCase() && pathPattern.test(c.path));
    },
    commentsOn(o, r, n) {
      return comments.get(commentsKey(o, r, n)) ?? [];
    },
    addComment,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
