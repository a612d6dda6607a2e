// `mlops-gate relay` as a running service: a small HTTP server that takes MLflow registry
// webhooks, lets src/relay/handle.ts decide, answers at once, and sends accepted events to GitHub
// as `repository_dispatch` in the background (bounded queue, bounded concurrency, retries).
//
// What bounds what:
// - a request body larger than maxBodyBytes: 413 before it is read to the end;
// - slow senders: the server's header and request timeouts; at most 256 open connections;
// - dispatches: at most `concurrency` in flight, at most `queueLimit` waiting; a delivery that
//   arrives when the queue is full gets 503 (MLflow retries it with the same delivery id, which
//   is only remembered once accepted);
// - a slow or failing GitHub: each dispatch has a per-attempt timeout and a bounded number of
//   retries; it never delays the answer to MLflow.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../platform/http/client.js';
import { redact } from '../platform/http/redact.js';
import { decide, type RelayRules } from '../relay/handle.js';
import type { DispatchBody } from '../relay/dispatch.js';
import { ReplayCache } from '../relay/replay.js';
import { TOOL_VERSION } from '../version.js';

export interface RelayOptions {
  readonly host: string;
  readonly port: number;
  /** The path MLflow posts to (e.g. /mlflow-webhook). */
  readonly path: string;
  readonly rules: RelayRules;
  readonly github: {
    /** REST base, e.g. https://api.github.com (GITHUB_API_URL). */
    readonly apiUrl: string;
    readonly owner: string;
    readonly repo: string;
    readonly token: string;
  };
  readonly maxBodyBytes: number;
  readonly concurrency: number;
  readonly queueLimit: number;
  /** Proxy variables for the GitHub client (HTTPS_PROXY, NO_PROXY). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
  readonly now?: () => number;
  /** GitHub client tuning (tests shorten these). */
  readonly dispatch?: { readonly timeoutMs?: number; readonly maxAttempts?: number; readonly backoffBaseMs?: number };
}

export interface RelayStats {
  readonly accepted: number;
  readonly dispatched: number;
  readonly failed: number;
  readonly refused: number;
  readonly inFlight: number;
  readonly queued: number;
}

export interface RunningRelay {
  readonly url: string;
  stats(): RelayStats;
  /** Stops accepting, lets queued dispatches finish (up to `drainMs`), then closes. */
  close(drainMs?: number): Promise<void>;
}

const RESPONSES = {
  accepted: [202, { status: 'accepted' }],
  ignored: [200, { status: 'ignored' }],
  unauthorized: [401, { error: 'unauthorized' }],
  badRequest: [400, { error: 'bad request' }],
  tooLarge: [413, { error: 'payload too large' }],
  busy: [503, { error: 'busy' }],
  notFound: [404, { error: 'not found' }],
  method: [405, { error: 'method not allowed' }],
} as const;

type Answer = (typeof RESPONSES)[keyof typeof RESPONSES];

const reply = (res: ServerResponse, [status, body]: Answer, extra: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...extra });
  res.end(text);
};

/** The body, or null when it exceeds `max` bytes (the request is then answered 413 and drained). */
const readBounded = (req: IncomingMessage, max: number): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const now = options.now ?? Date.now;
  const replay = new ReplayCache(10_000);
  const scrub = (s: string): string => redact(s, [options.github.token, options.rules.secret]);
  const log = (line: string): void => options.log(scrub(line));
  const github = createHttpClient({
    baseUrl: options.github.apiUrl,
    env: options.env,
    userAgent: `mlops-gate/${TOOL_VERSION} relay`,
    defaultHeaders: { authorization: `Bearer ${options.github.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    secrets: [options.github.token],
    timeoutMs: options.dispatch?.timeoutMs ?? 10_000,
    maxAttempts: options.dispatch?.maxAttempts ?? 5,
    backoffBaseMs: options.dispatch?.backoffBaseMs ?? 500,
    backoffMaxMs: 8_000,
    retryDeadlineMs: 120_000,
    maxConcurrentPerHost: options.concurrency,
  });
  const dispatchPath = `/repos/${encodeURIComponent(options.github.owner)}/${encodeURIComponent(options.github.repo)}/dispatches`;

  const counts = { accepted: 0, dispatched: 0, failed: 0, refused: 0 };
  const queue: { readonly body: DispatchBody; readonly label: string }[] = [];
  let inFlight = 0;
  let idle: (() => void) | null = null;

  const pump = (): void => {
    while (inFlight < options.concurrency && queue.length > 0) {
      const job = queue.shift()!;
      inFlight += 1;
      void github
        // Retried on 5xx, 429 and timeouts even though it is a POST: a duplicate dispatch carries the
        // same delivery_id and the example workflow is idempotent, a lost one is a missed promotion.
        .request({ method: 'POST', path: dispatchPath, body: job.body, idempotent: true, responseType: 'text', endpoint: 'POST /repos/{owner}/{repo}/dispatches' })
        .then(
          () => {
            counts.dispatched += 1;
            log(`relay: dispatched "${job.body.event_type}" to ${options.github.owner}/${options.github.repo}: ${job.label}`);
          },
          (e: unknown) => {
            counts.failed += 1;
            log(`relay: dispatch FAILED for ${job.label}: ${e instanceof Error ? e.message : String(e)}`);
          },
        )
        .finally(() => {
          inFlight -= 1;
          pump();
          if (inFlight === 0 && queue.length === 0) idle?.();
        });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('ok');
    }
    if (path !== options.path) return reply(res, RESPONSES.notFound);
    if (req.method !== 'POST') return reply(res, RESPONSES.method, { allow: 'POST' });
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      counts.refused += 1;
      log(`relay: 413 body of ${declared} bytes exceeds ${options.maxBodyBytes}`);
      res.once('finish', () => req.destroy());
      return reply(res, RESPONSES.tooLarge, { connection: 'close' });
    }
    const body = await readBounded(req, options.maxBodyBytes);
    if (body === null) {
      counts.refused += 1;
      log(`relay: 413 body exceeds ${options.maxBodyBytes} bytes`);
      res.once('finish', () => req.destroy());
      return reply(res, RESPONSES.tooLarge, { connection: 'close' });
    }
    // From here to the answer nothing awaits: the replay check and the record are one step.
    const at = now();
    const decision = decide(req.headers, body, options.rules, replay, at);
    switch (decision.kind) {
      case 'unauthorized':
        counts.refused += 1;
        log(`relay: 401 ${decision.log}`);
        return reply(res, RESPONSES.unauthorized);
      case 'bad-request':
        counts.refused += 1;
        log(`relay: 400 ${decision.log}`);
        return reply(res, RESPONSES.badRequest);
      case 'ignore':
        log(`relay: 200 ignored: ${decision.log}`);
        return reply(res, RESPONSES.ignored);
      case 'accept': {
        if (inFlight + queue.length >= options.queueLimit || !replay.add(decision.deliveryId, decision.rememberUntilMs, at)) {
          log(`relay: 503 busy (${inFlight} in flight, ${queue.length} queued): ${decision.log}`);
          return reply(res, RESPONSES.busy, { 'retry-after': '5' });
        }
        counts.accepted += 1;
        queue.push({ body: decision.dispatch, label: decision.log });
        log(`relay: 202 accepted: ${decision.log}`);
        reply(res, RESPONSES.accepted);
        return pump();
      }
    }
  };

  const server = createServer({ requestTimeout: 15_000, headersTimeout: 10_000, maxHeaderSize: 16_384 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`relay: 500 internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"internal"}');
      } else res.destroy();
    });
  });
  server.maxHeadersCount = 64;
  // Further connections are closed as soon as they are accepted.
  server.maxConnections = 256;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}${options.path}`,
    stats: () => ({ ...counts, inFlight, queued: queue.length }),
    close: async (drainMs = 10_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0 || queue.length > 0) {
        await Promise.race([new Promise<void>((resolve) => (idle = resolve)), new Promise((resolve) => setTimeout(resolve, drainMs).unref())]);
        if (queue.length > 0 || inFlight > 0) log(`relay: stopped with ${inFlight + queue.length} dispatch(es) unfinished`);
      }
      server.closeAllConnections();
      await closed;
      await github.close();
    },
  };
}
