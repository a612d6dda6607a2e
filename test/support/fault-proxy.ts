// A real HTTP reverse proxy (node:http) for tests, placed in front of any upstream (MLflow, the
// emulator, a test server) to inject faults per route: latency, error statuses, 429/503 with
// Retry-After, connection resets, lost responses (upstream did the work, client never hears), a
// "gateway says upstream is down" 502, and refusing connections altogether. It counts what it saw.
//
//   const proxy = await startFaultProxy({ upstream: mlflowUrl });
//   proxy.setRules([{ method: 'GET', path: '/api/2.0/mlflow/runs/get', times: 2, fault: { kind: 'rate-limit', retryAfter: 1 } }]);
//   ... point the client at proxy.url ...
//   expect(proxy.count({ path: '/api/2.0/mlflow/runs/get' })).toBe(3);

import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Forward to the upstream unchanged (the default). */
  | { readonly kind: 'pass' }
  /** Answer with this status without contacting the upstream. Objects are sent as JSON. */
  | { readonly kind: 'status'; readonly status: number; readonly body?: string | object; readonly headers?: Readonly<Record<string, string>> }
  /** 429 (or 503) with Retry-After (seconds or an HTTP-date string); not forwarded. */
  | { readonly kind: 'rate-limit'; readonly retryAfter?: number | string; readonly status?: 429 | 503; readonly body?: object }
  /** Read the request, then destroy the socket without answering: a connection reset. */
  | { readonly kind: 'reset' }
  /** Forward (the upstream processes it), then destroy the socket instead of relaying the answer. */
  | { readonly kind: 'drop-response' }
  /** 502 text answer, as a load balancer does when its upstream is down; not forwarded. */
  | { readonly kind: 'upstream-down' };

export interface FaultRule {
  /** Shown in requests() so a test can see which rule fired. */
  readonly name?: string;
  /** One method or several; absent = any. */
  readonly method?: string | readonly string[];
  /** A string is a prefix of the path (without query); a RegExp is tested against path + query. Absent = any. */
  readonly path?: string | RegExp;
  /** Added before the fault or the forward: fixed ms, or uniform in [min, max]. */
  readonly latencyMs?: number | { readonly min: number; readonly max: number };
  readonly fault?: Fault;
  /** Let the first `skip` matching requests through untouched. */
  readonly skip?: number;
  /** Apply to at most this many matching requests (after `skip`), then the rule is spent. */
  readonly times?: number;
  /** Apply with this probability (0..1) when it matches. */
  readonly probability?: number;
}

export interface SeenRequest {
  readonly method: string;
  /** Path with query. */
  readonly path: string;
  readonly receivedAt: number;
  /** Name (or index) of the rule that was applied, null when none applied. */
  readonly rule: string | null;
  readonly outcome: Fault['kind'];
  /** Status the upstream answered with, when the request was forwarded. */
  readonly upstreamStatus: number | null;
}

export interface FaultProxyOptions {
  /** Base URL of the upstream, e.g. http://127.0.0.1:5000. */
  readonly upstream: string;
  readonly rules?: readonly FaultRule[];
  /** Random source for latency ranges and probabilities. */
  readonly random?: () => number;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  /** Replaces the rules and resets their match counters. */
  setRules(rules: readonly FaultRule[]): void;
  requests(): readonly SeenRequest[];
  /** Requests seen, optionally only those matching a method and/or path prefix. */
  count(filter?: { readonly method?: string; readonly path?: string }): number;
  /** Stop accepting connections (clients get ECONNREFUSED) and drop open ones. */
  refuseConnections(): Promise<void>;
  /** Accept connections again, on the same port. */
  acceptConnections(): Promise<void>;
  close(): Promise<void>;
}

interface RuleState {
  readonly rule: FaultRule;
  readonly label: string;
  matched: number;
  applied: number;
}

const matches = (rule: FaultRule, method: string, pathWithQuery: string): boolean => {
  if (rule.method !== undefined) {
    const methods = typeof rule.method === 'string' ? [rule.method] : rule.method;
    if (!methods.some((m) => m.toUpperCase() === method)) return false;
  }
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return (pathWithQuery.split('?')[0] ?? '').startsWith(rule.path);
  return rule.path.test(pathWithQuery);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const startFaultProxy = async (options: FaultProxyOptions): Promise<FaultProxy> => {
  const upstream = new URL(options.upstream);
  const random = options.random ?? Math.random;
  const upstreamAgent = new Agent({ keepAlive: true });
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let states: RuleState[] = [];

  const setRules = (rules: readonly FaultRule[]): void => {
    states = rules.map((rule, i) => ({ rule, label: rule.name ?? `#${i}`, matched: 0, applied: 0 }));
  };
  setRules(options.rules ?? []);

  /** The first rule that matches and is still live; bumps its counters. */
  const choose = (method: string, path: string): RuleState | null => {
    for (const state of states) {
      if (!matches(state.rule, method, path)) continue;
      const { skip = 0, times, probability } = state.rule;
      if (times !== undefined && state.applied >= times) continue;
      state.matched += 1;
      if (state.matched <= skip) return null;
      if (probability !== undefined && random() >= probability) return null;
      state.applied += 1;
      return state;
    }
    return null;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host };
      const basePath = upstream.pathname.replace(/\/$/, '');
      const up = httpRequest(
        { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: `${basePath}${req.url ?? '/'}`, headers, agent: upstreamAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url ?? '/';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const state = choose(method, path);
    const rule = state?.rule;
    const fault: Fault = rule?.fault ?? { kind: 'pass' };
    const record = (upstreamStatus: number | null): void => {
      seen.push({ method, path, receivedAt, rule: state?.label ?? null, outcome: fault.kind, upstreamStatus });
    };

    if (rule?.latencyMs !== undefined) {
      const ms = typeof rule.latencyMs === 'number' ? rule.latencyMs : rule.latencyMs.min + random() * (rule.latencyMs.max - rule.latencyMs.min);
      await sleep(ms);
    }

    switch (fault.kind) {
      case 'reset':
        record(null);
        req.socket.destroy();
        return;
      case 'status': {
        record(null);
        const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? { error_code: 'INJECTED_FAULT', message: `injected ${fault.status}` });
        const type = typeof fault.body === 'string' ? 'text/plain' : 'application/json';
        res.writeHead(fault.status, { 'content-type': type, ...fault.headers });
        res.end(text);
        return;
      }
      case 'rate-limit': {
        record(null);
        const status = fault.status ?? 429;
        const retryAfter = fault.retryAfter ?? 1;
        const code = status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE';
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': String(retryAfter) });
        res.end(JSON.stringify(fault.body ?? { error_code: code, message: 'injected rate limit' }));
        return;
      }
      case 'upstream-down':
        record(null);
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('Bad Gateway: upstream unavailable (injected)');
        return;
      case 'drop-response':
      case 'pass': {
        let answer: Awaited<ReturnType<typeof forward>>;
        try {
          answer = await forward(req, body);
        } catch {
          record(null);
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('Bad Gateway: upstream unreachable');
          return;
        }
        record(answer.status);
        if (fault.kind === 'drop-response') {
          req.socket.destroy();
          return;
        }
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        delete headers['connection'];
        delete headers['keep-alive'];
        headers['content-length'] = String(answer.body.byteLength);
        res.writeHead(answer.status, headers);
        res.end(answer.body);
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('fault proxy error');
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setRules,
    requests: () => [...seen],
    count: (filter = {}) =>
      seen.filter(
        (r) =>
          (filter.method === undefined || r.method === filter.method.toUpperCase()) &&
          (filter.path === undefined || (r.path.split('?')[0] ?? '').startsWith(filter.path)),
      ).length,
    refuseConnections: stopListening,
    acceptConnections: async () => {
      if (!server.listening) await listen(port);
    },
    close: async () => {
      await stopListening();
      upstreamAgent.destroy();
    },
  };
};

/** Same as startFaultProxy; the short name the test plan uses. */
export const start = startFaultProxy;
