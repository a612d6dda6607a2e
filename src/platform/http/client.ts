// The one HTTP client every platform adapter talks through (undici underneath): auth headers,
// retries with backoff and Retry-After, per-attempt timeouts, an overall retry deadline, a
// per-host concurrency queue, proxies from an explicit env record, request accounting and
// redacted debug logging. See docs/http.md for the behaviour matrix.

import { registerSecret } from '../secrets.js';
import { Readable } from 'node:stream';
import { Pool, ProxyAgent, request as undiciRequest, type Dispatcher } from 'undici';
import { ApiError } from '../../errors.js';
import { decodeErrorBody } from './error-body.js';
import { AimdLimiter, DEFAULT_CONCURRENCY_CEILING, DEFAULT_CONCURRENCY_INITIAL, type Signal, type Ticket } from './concurrency.js';
import { endpointLabel } from './ledger.js';
import { proxyFor, proxySettingsFromEnv, type Env, type ProxySettings } from './proxy.js';
import { describeUrlForLog, redact, secretsInHeaders } from './redact.js';
import type {
  AuthProvider,
  HttpClient,
  HttpLogger,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  HttpStreamRequest,
  HttpStreamResponse,
  RequestLedger,
} from './types.js';

export interface HttpClientOptions {
  readonly baseUrl: string;
  readonly auth?: AuthProvider;
  /** Where proxy settings come from (HTTP(S)_PROXY, NO_PROXY). Nothing is read from process.env. */
  readonly env?: Env;
  /** Per attempt: connect + headers + whole body. Default 20 s. */
  readonly timeoutMs?: number;
  /** Per attempt of a binary download or upload (model files). Default 10 min. */
  readonly transferTimeoutMs?: number;
  /** No retry is started after this much time since the first attempt. Default 60 s. */
  readonly retryDeadlineMs?: number;
  /** Attempts in total, first one included. Default 4. */
  readonly maxAttempts?: number;
  /** Told about each retry, for progress lines ("attempt 2/4 to HOST failed: …; retrying in 4 s"). */
  readonly onRetry?: (retry: RetryNotice) => void;
  /** The command's overall deadline (epoch ms), or null: no request starts after it, none runs past it. */
  readonly deadline?: () => number | null;
  /** Exponential backoff base and cap. Defaults 250 ms and 10 s. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Longest Retry-After honoured; longer values are cut to this. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  /** Random extra wait added to a Retry-After delay, up to this. Default 250 ms. */
  readonly retryAfterJitterMs?: number;
  /**
   * Ceiling of in-flight requests per host (origin); further requests queue FIFO. The window
   * adapts below it (AIMD, ./concurrency.ts): it starts at `initialConcurrentPerHost`, grows while
   * the host answers and halves on 429, 503, 504 or a timeout. Default 64
   * (MLOPS_GATE_HTTP_MAX_CONCURRENCY).
   */
  readonly maxConcurrentPerHost?: number;
  /** The window at start, at most the ceiling. Default 8. */
  readonly initialConcurrentPerHost?: number;
  /** Told each host's limiter when it is made (benchmarks and tests read its window). */
  readonly onLimiter?: (origin: string, limiter: AimdLimiter) => void;
  /** Largest JSON/text response body accepted, bytes (default 64 MiB); a larger one fails the request. */
  readonly maxResponseBytes?: number;
  /** Largest binary response body accepted, bytes (default 2 GiB). */
  readonly maxDownloadBytes?: number;
  readonly ledger?: RequestLedger;
  readonly logger?: HttpLogger;
  readonly userAgent?: string;
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** Extra secret values to scrub from logs and errors (e.g. a password the auth provider holds). */
  readonly secrets?: readonly string[];
  /** Random source for jitter, [0, 1). Injected by tests that want determinism. */
  readonly random?: () => number;
  /**
   * Read memo for a read-only command (`plan`): an identical GET marked `memo` (a registry object;
   * same URL, same response type and limit) is sent once per client and its answer shared, so the
   * promotion preview reuses what gathering read; polls are never marked. Any other method empties the memo first: nothing read before a write is reused
   * after it. Off by default (promote and rollback re-read on purpose).
   */
  readonly readMemo?: boolean;
}

export interface RetryNotice {
  readonly host: string;
  /** The attempt that failed, 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly reason: string;
  readonly delayMs: number;
}

export interface ClosableHttpClient extends HttpClient {
  /** Closes the keep-alive connections. Requests after close fail. */
  close(): Promise<void>;
}

/**
 * A silent host is given up on within about a minute: 20 s per attempt, no retry started after
 * 60 s. Downloads and uploads of model files get longer per attempt.
 */
const DEFAULTS = {
  timeoutMs: 20_000,
  transferTimeoutMs: 600_000,
  retryDeadlineMs: 60_000,
  maxAttempts: 4,
  backoffBaseMs: 250,
  backoffMaxMs: 10_000,
  maxRetryAfterMs: 60_000,
  retryAfterJitterMs: 250,
  maxConcurrentPerHost: DEFAULT_CONCURRENCY_CEILING,
  initialConcurrentPerHost: DEFAULT_CONCURRENCY_INITIAL,
  /** JSON and text answers: a registry never sends more; anything larger is refused, not buffered. */
  maxResponseBytes: 64 * 1024 * 1024,
  /** Binary downloads (model files), held in memory. */
  maxDownloadBytes: 2 * 1024 * 1024 * 1024,
  userAgent: 'mlops-gate',
} as const;

const IDEMPOTENT_BY_DEFAULT: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** The server did not process the request: safe to retry whatever the method. */
const ALWAYS_RETRY = new Set([429, 503]);
/** The host says it is overloaded: the concurrency window shrinks (./concurrency.ts). */
const OVERLOAD = new Set([429, 503, 504]);
/** May have been processed: only retried for idempotent requests. */
const RETRY_IF_IDEMPOTENT = new Set([500, 502, 504]);

type AttemptOutcome =
  | {
      readonly type: 'response';
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly body: Buffer;
      readonly bytesSent: number;
    }
  | { readonly type: 'failure'; readonly kind: 'transport' | 'timeout'; readonly cause: unknown; readonly bytesSent: number }
  /** The body passed the size limit: the connection was dropped; never retried. */
  | { readonly type: 'too-large'; readonly limit: number; readonly bytesSent: number };

type StreamAttempt =
  | Extract<AttemptOutcome, { type: 'response' } | { type: 'failure' }>
  | {
      readonly type: 'stream';
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly body: Readable;
      readonly bytesSent: number;
      /** Resets the inactivity timer (each chunk read). */
      readonly touch: () => void;
      /** Clears the timers once the body is done. */
      readonly stop: () => void;
      readonly controller: AbortController;
    };

/** Drops an answer's body unread (its abort error is expected, not an uncaught one). */
const discard = (body: Readable): void => {
  body.on('error', () => undefined);
  body.destroy();
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `Retry-After` as delay-seconds or an HTTP-date; null when absent or unparseable. */
export const parseRetryAfter = (value: string | undefined, nowMs: number): number | null => {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
};

const flattenHeaders = (headers: Record<string, string | string[] | undefined>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
};

const buildUrl = (base: URL, path: string, query: HttpRequest['query']): URL => {
  const url = /^https?:\/\//i.test(path)
    ? new URL(path)
    : new URL(`${base.pathname.replace(/\/$/, '')}${path.startsWith('/') ? path : `/${path}`}`, base.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) url.searchParams.append(key, item);
    else url.searchParams.append(key, String(value));
  }
  return url;
};

const encodeBody = (body: unknown): { payload: string | Uint8Array | undefined; contentType: string | null } => {
  if (body === undefined) return { payload: undefined, contentType: null };
  if (body instanceof Uint8Array) return { payload: body, contentType: 'application/octet-stream' };
  if (typeof body === 'string') return { payload: body, contentType: 'text/plain; charset=utf-8' };
  return { payload: JSON.stringify(body), contentType: 'application/json' };
};

const byteLength = (payload: string | Uint8Array | undefined): number =>
  payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;

const causeCode = (cause: unknown): string => {
  if (cause && typeof cause === 'object') {
    const withCode = cause as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof withCode.code === 'string' && withCode.code !== 'UND_ERR_SOCKET') return withCode.code;
    const inner = withCode.cause as { code?: unknown } | undefined;
    if (inner && typeof inner.code === 'string') return inner.code;
    if (typeof withCode.code === 'string') return withCode.code;
    if (typeof withCode.message === 'string') return withCode.message;
  }
  return String(cause);
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What went wrong in one attempt, in a few words. */
const failureReason = (outcome: { type: 'response'; status: number } | { type: 'failure'; kind: string; cause: unknown }, timeoutMs: number): string =>
  outcome.type === 'response'
    ? `HTTP ${outcome.status}`
    : outcome.kind === 'timeout'
      ? `no answer within ${Math.round(timeoutMs / 1000)} s`
      : causeCode(outcome.cause);

export const createHttpClient = (options: HttpClientOptions): ClosableHttpClient => {
  const base = new URL(options.baseUrl);
  const cfg = { ...DEFAULTS, ...stripUndefined(options) };
  const proxySettings: ProxySettings = proxySettingsFromEnv(options.env ?? {});
  const random = options.random ?? Math.random;
  const dispatchers = new Map<string, Dispatcher>();
  const slots = new Map<string, AimdLimiter>();
  const knownSecrets = new Set<string>(options.secrets ?? []);
  for (const secret of knownSecrets) registerSecret(secret);
  for (const proxy of [proxySettings.httpProxy, proxySettings.httpsProxy]) {
    if (proxy?.password) {
      knownSecrets.add(decodeURIComponent(proxy.password));
      registerSecret(decodeURIComponent(proxy.password));
    }
  }
  const scrub = (text: string): string => redact(text, knownSecrets);
  const log = (line: string): void => options.logger?.debug(scrub(line));

  const dispatcherFor = (url: URL): Dispatcher => {
    const existing = dispatchers.get(url.origin);
    if (existing) return existing;
    const common = {
      keepAliveTimeout: 4_000,
      // Our own AbortSignal enforces the per-attempt timeout; undici's phase timers stay out of the way.
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    const proxy = proxyFor(url, proxySettings);
    const dispatcher = proxy
      ? new ProxyAgent({ uri: proxy.href, connections: cfg.maxConcurrentPerHost, ...common })
      : new Pool(url.origin, { connections: cfg.maxConcurrentPerHost, ...common });
    log(`http: ${url.origin} ${proxy ? `via proxy ${proxy.origin}` : 'direct'}`);
    dispatchers.set(url.origin, dispatcher);
    return dispatcher;
  };

  /** ms left before the command's deadline; null without one. */
  const commandRemainingMs = (): number | null => {
    const at = options.deadline?.() ?? null;
    return at === null ? null : at - Date.now();
  };

  const slotsFor = (url: URL): AimdLimiter => {
    let s = slots.get(url.origin);
    if (!s) {
      s = new AimdLimiter({ ceiling: cfg.maxConcurrentPerHost, initial: Math.min(cfg.initialConcurrentPerHost, cfg.maxConcurrentPerHost) });
      slots.set(url.origin, s);
      options.onLimiter?.(url.origin, s);
    }
    return s;
  };

  const attemptOnce = async (
    url: URL,
    req: HttpRequest,
    headers: Record<string, string>,
    payload: string | Uint8Array | undefined,
  ): Promise<AttemptOutcome> => {
    const transfer = req.responseType === 'bytes' || payload instanceof Uint8Array;
    const remaining = commandRemainingMs();
    const timeoutMs = Math.min(req.timeoutMs ?? (transfer ? cfg.transferTimeoutMs : cfg.timeoutMs), remaining ?? Infinity);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    const bytesSent = byteLength(payload);
    try {
      const res = await undiciRequest(url, {
        method: req.method,
        headers,
        body: payload,
        dispatcher: dispatcherFor(url),
        signal: controller.signal,
      });
      const configured = req.responseType === 'bytes' ? cfg.maxDownloadBytes : cfg.maxResponseBytes;
      const limit = req.maxResponseBytes !== undefined ? Math.min(req.maxResponseBytes, configured) : configured;
      const declared = Number(res.headers['content-length']);
      const chunks: Buffer[] = [];
      let size = Number.isFinite(declared) && declared > limit ? declared : 0;
      if (size === 0) {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > limit) break;
          chunks.push(chunk as Buffer);
        }
      }
      if (size > limit) {
        // Stop reading: an endless or oversized answer must not grow the process.
        res.body.destroy();
        controller.abort(new Error('response too large'));
        return { type: 'too-large', limit, bytesSent };
      }
      return { type: 'response', status: res.statusCode, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks), bytesSent };
    } catch (cause) {
      return { type: 'failure', kind: controller.signal.aborted ? 'timeout' : 'transport', cause, bytesSent };
    } finally {
      clearTimeout(timer);
    }
  };

  const parseBody = (res: Extract<AttemptOutcome, { type: 'response' }>, req: HttpRequest): unknown => {
    const type = req.responseType ?? 'json';
    if (type === 'bytes') return new Uint8Array(res.body);
    const text = res.body.toString('utf8');
    if (type === 'text') return text;
    if (text.trim() === '') return {};
    return JSON.parse(text) as unknown;
  };

  /** The command's overall deadline passed before a request (or its next attempt) could be sent. */
  const deadlinePassed = (where: string, method: HttpMethod, url: string, attempts: number): ApiError =>
    new ApiError(scrub(`${where}: not sent: the command's deadline has passed (raise it with --deadline or MLOPS_GATE_DEADLINE_SECONDS)`), {
      errorCode: null,
      status: null,
      method,
      url,
      kind: 'timeout',
      attempts,
    });

  /**
   * Gives a request's slot back with what its answer says of the host: an overload answer or a
   * timeout shrinks the window (./concurrency.ts), Retry-After pauses the host, anything else grows it.
   */
  const releaseSlot = (limiter: AimdLimiter, ticket: Ticket, outcome: AttemptOutcome | StreamAttempt | undefined): void => {
    const answered = outcome && outcome.type !== 'failure' && outcome.type !== 'too-large' ? outcome : null;
    const signal: Signal = answered ? (OVERLOAD.has(answered.status) ? 'overload' : 'ok') : outcome?.type === 'failure' && outcome.kind === 'timeout' ? 'overload' : 'neutral';
    const retryAfter = answered && ALWAYS_RETRY.has(answered.status) ? parseRetryAfter(answered.headers['retry-after'], Date.now()) : null;
    limiter.release(ticket, signal, retryAfter === null ? null : Math.min(retryAfter, cfg.maxRetryAfterMs));
  };

  const memo = new Map<string, Promise<HttpResponse<unknown>>>();
  const request = <T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> => {
    if (!options.readMemo) return send<T>(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (!req.read) memo.clear();
      return send<T>(req);
    }
    if (!req.memo) return send<T>(req);
    const url = buildUrl(base, req.path, req.query);
    const key = `${req.method} ${url.href} ${req.responseType ?? 'json'} ${req.maxResponseBytes ?? ''} ${JSON.stringify(req.headers ?? {})}`;
    let answer = memo.get(key);
    if (!answer) {
      answer = send<T>(req);
      memo.set(key, answer);
    }
    return answer as Promise<HttpResponse<T>>;
  };

  const send = async <T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> => {
    const url = buildUrl(base, req.path, req.query);
    const method = req.method;
    const idempotent = req.idempotent ?? IDEMPOTENT_BY_DEFAULT.has(method);
    const endpoint = req.endpoint ?? endpointLabel(method, url.pathname);
    const where = `${method} ${url.pathname}`;
    const errorUrl = `${url.origin}${url.pathname}`;
    const { payload, contentType } = encodeBody(req.body);
    const startedAt = Date.now();
    const deadline = startedAt + cfg.retryDeadlineMs;
    let attempt = 0;
    let authRefreshed = false;

    for (;;) {
      attempt += 1;
      const left = commandRemainingMs();
      if (left !== null && left <= 0) throw deadlinePassed(where, method, errorUrl, attempt - 1);
      // Credentials go only to the base URL's origin, never to an absolute URL elsewhere
      // (e.g. a presigned artifact URL on cloud storage).
      const authHeaders = options.auth && url.origin === base.origin ? await options.auth.headers() : {};
      for (const secret of secretsInHeaders(authHeaders)) {
        knownSecrets.add(secret);
        registerSecret(secret);
      }
      const headers: Record<string, string> = {
        'user-agent': cfg.userAgent,
        accept: req.responseType === 'json' || req.responseType === undefined ? 'application/json' : '*/*',
        ...(contentType ? { 'content-type': contentType } : {}),
        ...options.defaultHeaders,
        ...req.headers,
        ...authHeaders,
      };

      const hostSlots = slotsFor(url);
      const ticket = await hostSlots.acquire();
      const t0 = performance.now();
      let outcome: AttemptOutcome | undefined;
      try {
        log(`http → ${method} ${describeUrlForLog(url)} (attempt ${attempt}/${cfg.maxAttempts})`);
        outcome = await attemptOnce(url, req, headers, payload);
      } finally {
        releaseSlot(hostSlots, ticket, outcome);
      }
      const ms = performance.now() - t0;
      options.ledger?.record({
        host: url.host,
        endpoint,
        status: outcome.type === 'response' ? outcome.status : null,
        bytesSent: outcome.bytesSent,
        bytesReceived: outcome.type === 'response' ? outcome.body.byteLength : outcome.type === 'too-large' ? outcome.limit : 0,
        ms,
        retry: attempt > 1,
      });

      if (outcome.type === 'too-large') {
        throw new ApiError(
          scrub(
            req.maxResponseBytes !== undefined && outcome.limit === req.maxResponseBytes
              ? `${where}: the answer from ${url.host} is larger than ${outcome.limit} bytes, the limit for this read; refused`
              : `${where}: the answer from ${url.host} is larger than ${Math.round(outcome.limit / 1024 / 1024)} MiB; refused (raise MLOPS_GATE_HTTP_MAX_RESPONSE_MB if this server really sends that much)`,
          ),
          { errorCode: null, status: null, method, url: errorUrl, kind: 'too-large', attempts: attempt },
        );
      }
      if (outcome.type === 'response') {
        log(`http ← ${outcome.status} ${where} ${Math.round(ms)} ms ${outcome.body.byteLength} B`);
        if (outcome.status >= 200 && outcome.status < 300) {
          let body: unknown;
          try {
            body = parseBody(outcome, req);
          } catch {
            throw new ApiError(
              scrub(`${where}: HTTP ${outcome.status} but the body is not valid JSON (${plural(attempt, 'attempt')})`),
              { errorCode: null, status: outcome.status, method, url: errorUrl, kind: 'http', attempts: attempt },
            );
          }
          return { status: outcome.status, headers: outcome.headers, body: body as T };
        }
      } else {
        log(`http ✗ ${where} ${outcome.kind}: ${causeCode(outcome.cause)} after ${Math.round(ms)} ms`);
      }

      // A token the server rejected: drop it and try once more with a fresh one.
      if (
        outcome.type === 'response' &&
        outcome.status === 401 &&
        options.auth?.invalidate &&
        !authRefreshed &&
        attempt < cfg.maxAttempts
      ) {
        authRefreshed = true;
        options.auth.invalidate();
        log(`http ↻ ${where}: 401, refreshing credentials and retrying once`);
        continue;
      }

      const retryable =
        outcome.type === 'response'
          ? ALWAYS_RETRY.has(outcome.status) || (idempotent && RETRY_IF_IDEMPOTENT.has(outcome.status))
          : idempotent;
      const delay = retryable ? retryDelay(outcome, attempt) : 0;
      const pastDeadline = retryable && Date.now() + delay > deadline;
      if (!retryable || attempt >= cfg.maxAttempts || pastDeadline) {
        const suffix = pastDeadline
          ? `; gave up: the next retry would pass the ${Math.round(cfg.retryDeadlineMs / 1000)} s retry deadline`
          : '';
        throw buildError(outcome, { where, method, errorUrl, attempt, timeoutMs: req.timeoutMs ?? cfg.timeoutMs, suffix });
      }
      log(`http ↻ ${where}: retry ${attempt + 1}/${cfg.maxAttempts} in ${Math.round(delay)} ms`);
      options.onRetry?.({ host: url.host, attempt, maxAttempts: cfg.maxAttempts, reason: scrub(failureReason(outcome, req.timeoutMs ?? cfg.timeoutMs)), delayMs: delay });
      await sleep(delay);
    }
  };

  /** One attempt of a streamed request, up to the answer's headers (a 2xx body is handed over unread). */
  const attemptStream = async (
    url: URL,
    req: HttpStreamRequest,
    headers: Record<string, string>,
    idleMs: number,
  ): Promise<StreamAttempt> => {
    const controller = new AbortController();
    const remaining = commandRemainingMs();
    // The command's deadline bounds the whole transfer; silence bounds each attempt.
    const hardTimer = remaining !== null ? setTimeout(() => controller.abort(new Error('the command deadline passed')), Math.max(0, remaining)) : null;
    let idleTimer: NodeJS.Timeout | null = null;
    const touch = (): void => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => controller.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    };
    const stop = (): void => {
      if (idleTimer) clearTimeout(idleTimer);
      if (hardTimer) clearTimeout(hardTimer);
      idleTimer = null;
    };
    let bytesSent = 0;
    let bodyError: unknown = null;
    const source = req.body;
    const payload = source
      ? Readable.from(
          (async function* () {
            try {
              for await (const chunk of source.open()) {
                bytesSent += chunk.byteLength;
                touch();
                yield chunk;
              }
            } catch (e) {
              // The body's own source failed (e.g. the download feeding this upload): remembered so
              // the attempt reports it, and the request is retried with the body opened again.
              bodyError = e;
              throw e;
            }
          })(),
          { objectMode: false },
        )
      : undefined;
    touch();
    try {
      const res = await undiciRequest(url, {
        method: req.method,
        headers: { ...headers, ...(source ? { 'content-length': String(source.length) } : {}) },
        body: payload,
        dispatcher: dispatcherFor(url),
        signal: controller.signal,
      });
      touch();
      if (source && bytesSent !== source.length && res.statusCode >= 200 && res.statusCode < 300) {
        discard(res.body);
        stop();
        return { type: 'failure', kind: 'transport', cause: new Error(`sent ${bytesSent} of ${source.length} bytes`), bytesSent };
      }
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { type: 'stream', status: res.statusCode, headers: flattenHeaders(res.headers), body: res.body, bytesSent, touch, stop, controller };
      }
      // An error answer: read it (bounded) for its error code and message.
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > cfg.maxResponseBytes) break;
        chunks.push(chunk as Buffer);
      }
      if (size > cfg.maxResponseBytes) discard(res.body);
      stop();
      return { type: 'response', status: res.statusCode, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks), bytesSent };
    } catch (cause) {
      stop();
      const timedOut = controller.signal.aborted && bodyError === null;
      return { type: 'failure', kind: timedOut ? 'timeout' : 'transport', cause: bodyError ?? cause, bytesSent };
    }
  };

  const stream = async (req: HttpStreamRequest): Promise<HttpStreamResponse> => {
    const url = buildUrl(base, req.path, req.query);
    const method = req.method;
    const idempotent = req.idempotent ?? IDEMPOTENT_BY_DEFAULT.has(method);
    const endpoint = req.endpoint ?? endpointLabel(method, url.pathname);
    const where = `${method} ${url.pathname}`;
    const errorUrl = `${url.origin}${url.pathname}`;
    const idleMs = req.idleTimeoutMs ?? cfg.timeoutMs;
    const startedAt = Date.now();
    const deadline = startedAt + cfg.retryDeadlineMs;
    let attempt = 0;
    let authRefreshed = false;
    for (;;) {
      attempt += 1;
      const left = commandRemainingMs();
      if (left !== null && left <= 0) throw deadlinePassed(where, method, errorUrl, attempt - 1);
      const authHeaders = options.auth && req.authenticate !== false && url.origin === base.origin ? await options.auth.headers() : {};
      for (const secret of secretsInHeaders(authHeaders)) {
        knownSecrets.add(secret);
        registerSecret(secret);
      }
      const headers: Record<string, string> = {
        'user-agent': cfg.userAgent,
        accept: '*/*',
        ...(req.body ? { 'content-type': 'application/octet-stream' } : {}),
        ...options.defaultHeaders,
        ...req.headers,
        ...authHeaders,
      };
      const hostSlots = slotsFor(url);
      const ticket = await hostSlots.acquire();
      const t0 = performance.now();
      let outcome: StreamAttempt | undefined;
      try {
        log(`http → ${method} ${describeUrlForLog(url)} (stream, attempt ${attempt}/${cfg.maxAttempts})`);
        outcome = await attemptStream(url, req, headers, idleMs);
      } finally {
        // The slot bounds requests being sent and answered; a body being read holds a pool connection.
        // Overload answers and timeouts shrink the host's window as for buffered requests.
        releaseSlot(hostSlots, ticket, outcome);
      }
      if (outcome.type === 'stream') {
        const ok = outcome;
        log(`http ← ${ok.status} ${where} (stream) ${Math.round(performance.now() - t0)} ms to headers`);
        let received = 0;
        let recorded = false;
        const finish = (status: number | null): void => {
          ok.stop();
          if (recorded) return;
          recorded = true;
          options.ledger?.record({ host: url.host, endpoint, status, bytesSent: ok.bytesSent, bytesReceived: received, ms: performance.now() - t0, retry: attempt > 1 });
        };
        const attemptsSoFar = attempt;
        const body = (async function* () {
          try {
            for await (const chunk of ok.body) {
              const bytes = chunk as Buffer;
              received += bytes.length;
              ok.touch();
              yield new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            }
            finish(ok.status);
          } catch (cause) {
            finish(null);
            const timedOut = ok.controller.signal.aborted;
            const message = timedOut
              ? `${where}: the answer from ${url.host} stopped for more than ${Math.round(idleMs / 1000)} s after ${received} bytes`
              : `${where}: the answer from ${url.host} broke off after ${received} bytes: ${causeCode(cause)}`;
            const error = new ApiError(scrub(message), { errorCode: null, status: null, method, url: errorUrl, kind: timedOut ? 'timeout' : 'transport', attempts: attemptsSoFar });
            Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
            throw error;
          } finally {
            // Left early (break / return): free the connection.
            if (!recorded) {
              discard(ok.body);
              finish(ok.status);
            }
          }
        })();
        return {
          status: ok.status,
          headers: ok.headers,
          body,
          cancel: () => {
            discard(ok.body);
            finish(ok.status);
          },
        };
      }
      const ms = performance.now() - t0;
      options.ledger?.record({
        host: url.host,
        endpoint,
        status: outcome.type === 'response' ? outcome.status : null,
        bytesSent: outcome.bytesSent,
        bytesReceived: outcome.type === 'response' ? outcome.body.byteLength : 0,
        ms,
        retry: attempt > 1,
      });
      if (outcome.type === 'response') log(`http ← ${outcome.status} ${where} ${Math.round(ms)} ms`);
      else log(`http ✗ ${where} ${outcome.kind}: ${causeCode(outcome.cause)} after ${Math.round(ms)} ms`);
      if (outcome.type === 'response' && outcome.status === 401 && options.auth?.invalidate && req.authenticate !== false && !authRefreshed && attempt < cfg.maxAttempts) {
        authRefreshed = true;
        options.auth.invalidate();
        continue;
      }
      const retryable =
        outcome.type === 'response'
          ? ALWAYS_RETRY.has(outcome.status) || (idempotent && RETRY_IF_IDEMPOTENT.has(outcome.status))
          : idempotent;
      const delay = retryable ? retryDelay(outcome, attempt) : 0;
      const pastDeadline = retryable && Date.now() + delay > deadline;
      if (!retryable || attempt >= cfg.maxAttempts || pastDeadline) {
        const suffix = pastDeadline ? `; gave up: the next retry would pass the ${Math.round(cfg.retryDeadlineMs / 1000)} s retry deadline` : '';
        throw buildError(outcome, { where, method, errorUrl, attempt, timeoutMs: idleMs, suffix });
      }
      options.onRetry?.({ host: url.host, attempt, maxAttempts: cfg.maxAttempts, reason: scrub(failureReason(outcome, idleMs)), delayMs: delay });
      await sleep(delay);
    }
  };

  const retryDelay = (outcome: Exclude<AttemptOutcome, { type: 'too-large' }>, attempt: number): number => {
    if (outcome.type === 'response' && ALWAYS_RETRY.has(outcome.status)) {
      const retryAfter = parseRetryAfter(outcome.headers['retry-after'], Date.now());
      if (retryAfter !== null) return Math.min(retryAfter, cfg.maxRetryAfterMs) + random() * cfg.retryAfterJitterMs;
    }
    // Exponential with "equal jitter": half fixed, half random, so waits never collapse to zero.
    const exp = Math.min(cfg.backoffMaxMs, cfg.backoffBaseMs * 2 ** (attempt - 1));
    return exp / 2 + random() * (exp / 2);
  };

  const buildError = (
    outcome: Exclude<AttemptOutcome, { type: 'too-large' }>,
    ctx: { where: string; method: string; errorUrl: string; attempt: number; timeoutMs: number; suffix: string },
  ): ApiError => {
    const attempts = `(${plural(ctx.attempt, 'attempt')})`;
    if (outcome.type === 'failure') {
      const message =
        outcome.kind === 'timeout'
          ? `${ctx.where}: no complete answer from ${new URL(ctx.errorUrl).host} within ${ctx.timeoutMs} ms ${attempts}${ctx.suffix}`
          : `${ctx.where}: could not reach ${new URL(ctx.errorUrl).host}: ${causeCode(outcome.cause)} ${attempts}${ctx.suffix}`;
      const error = new ApiError(scrub(message), {
        errorCode: null,
        status: null,
        method: ctx.method,
        url: ctx.errorUrl,
        kind: outcome.kind,
        attempts: ctx.attempt,
      });
      Object.defineProperty(error, 'cause', { value: outcome.cause, enumerable: false });
      return error;
    }
    const decoded = decodeErrorBody(outcome.body.toString('utf8'));
    const label = decoded.errorCode ?? statusText(outcome.status);
    const text = decoded.message ? `: ${decoded.message}` : '';
    const hint =
      outcome.status === 401
        ? ' — the server rejected the credentials; check the token or username/password it was given'
        : outcome.status === 403
          ? ' — the credentials are valid but lack permission for this call'
          : '';
    return new ApiError(scrub(`${ctx.where}: HTTP ${outcome.status} ${label}${text}${hint} ${attempts}${ctx.suffix}`), {
      errorCode: decoded.errorCode,
      status: outcome.status,
      method: ctx.method,
      url: ctx.errorUrl,
      kind: 'http',
      attempts: ctx.attempt,
    });
  };

  return {
    baseUrl: base.href.replace(/\/$/, ''),
    request,
    stream,
    async close() {
      const all = [...dispatchers.values()];
      dispatchers.clear();
      await Promise.all(all.map((d) => d.close()));
    },
  };
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
const statusText = (status: number): string => STATUS_TEXT[status] ?? 'error';

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
