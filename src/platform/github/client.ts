// Octokit configured for Actions runners: GHES base URL, bounded retries, and GitHub's rate-limit
// rules (primary and secondary). The token goes only into the Authorization header; it is never
// part of a message we produce.

import { Octokit } from '@octokit/rest';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { TOOL_VERSION } from '../../version.js';
import { proxyFor, proxySettingsFromEnv } from '../http/proxy.js';
import { redact } from '../http/redact.js';

export type GitHub = Octokit;

export interface GitHubClientOptions {
  readonly token: string | null;
  /** REST base URL, e.g. https://api.github.com or https://ghes.example.com/api/v3. */
  readonly apiUrl: string;
  /** Retries after the first attempt (5xx, transport faults, rate limits). Default 3. */
  readonly maxRetries?: number;
  /** Longest single wait we accept for a rate limit, in seconds; longer → give up. Default 60. */
  readonly maxRateLimitWaitSeconds?: number;
  /** Injected for tests; default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Told about each retry (never with headers or the token). */
  readonly onRetry?: (message: string) => void;
  /** Proxy variables (HTTPS_PROXY, NO_PROXY…), as for the registries; self-hosted runners often need them. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per request, headers and body. Default 30 s. */
  readonly timeoutMs?: number;
  /** Largest answer accepted, bytes. Default 32 MiB. */
  readonly maxResponseBytes?: number;
}

/**
 * undici's fetch through the configured proxy (if any), with a deadline per request and a cap on
 * the answer's size: a GitHub that never answers, or answers without end, cannot hold the run.
 */
function boundedFetch(apiUrl: string, env: Readonly<Record<string, string | undefined>> | undefined, timeoutMs: number, maxBytes: number): typeof globalThis.fetch {
  const proxy = env ? proxyFor(new URL(apiUrl), proxySettingsFromEnv(env)) : null;
  const dispatcher = proxy ? new ProxyAgent(proxy.href) : undefined;
  return (async (input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal as AbortSignal, timeout]) : timeout;
    const res = await undiciFetch(input, { ...init, signal, ...(dispatcher ? { dispatcher } : {}) });
    if (!res.body) return res;
    let seen = 0;
    const limited = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(new Error(`GitHub answered more than ${Math.round(maxBytes / 1024 / 1024)} MiB; refused`));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(limited as unknown as ReadableStream, { status: res.status, statusText: res.statusText, headers: res.headers as unknown as Headers });
  }) as unknown as typeof globalThis.fetch;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Status of an Octokit error, or null for transport failures and non-HTTP errors. */
export function statusOf(e: unknown): number | null {
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 100 ? status : null;
}

const headerOf = (e: unknown, name: string): string | null => {
  const headers = (e as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers;
  const v = headers?.[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
};

/** Message of a GitHub error without request details. */
export function describeError(e: unknown): string {
  const status = statusOf(e);
  const data = (e as { response?: { data?: unknown } } | null)?.response?.data;
  const apiMessage =
    typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string'
      ? (data as { message: string }).message
      : e instanceof Error
        ? e.message
        : String(e);
  // Error bodies come from the server: the same redaction as every other server text.
  return redact(status ? `HTTP ${status}: ${apiMessage}` : apiMessage);
}

export class RateLimitError extends Error {
  override readonly name = 'RateLimitError';
}

/**
 * How long GitHub asks us to wait, in ms, or null when the error is not a rate limit.
 * Per GitHub's docs: honour `retry-after`; else when `x-ratelimit-remaining` is 0 wait until
 * `x-ratelimit-reset`; else (secondary limit without headers) wait a minute, doubling per attempt.
 */
export function rateLimitWaitMs(e: unknown, now: number, attempt = 0): number | null {
  const status = statusOf(e);
  if (status !== 403 && status !== 429) return null;
  const retryAfter = headerOf(e, 'retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter.trim()) * 1000;
  const remaining = headerOf(e, 'x-ratelimit-remaining');
  const reset = headerOf(e, 'x-ratelimit-reset');
  if (remaining === '0' && reset !== null && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now) + 1000;
  const text = describeError(e).toLowerCase();
  // No headers: at least a minute, growing exponentially while the limit persists.
  if (status === 429 || text.includes('secondary rate limit') || text.includes('rate limit exceeded')) return 60_000 * 2 ** attempt;
  return null; // a plain 403: permissions, not a limit
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);

export function createGitHubClient(options: GitHubClientOptions): GitHub {
  const maxRetries = options.maxRetries ?? 3;
  const maxWaitMs = (options.maxRateLimitWaitSeconds ?? 60) * 1000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const fetch = boundedFetch(options.apiUrl, options.env, options.timeoutMs ?? 30_000, options.maxResponseBytes ?? 32 * 1024 * 1024);
  const octokit = new Octokit({
    ...(options.token ? { auth: options.token } : {}),
    request: { fetch },
    baseUrl: options.apiUrl.replace(/\/+$/, ''),
    userAgent: `mlops-gate/${TOOL_VERSION}`,
    // Octokit's own logger would print request URLs on warnings; keep the output ours.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const method = String(requestOptions.method ?? 'GET').toUpperCase();
    const what = `${method} ${String(requestOptions.url)}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (e) {
        if (attempt >= maxRetries) throw e;
        const status = statusOf(e);
        const limitWait = rateLimitWaitMs(e, now(), attempt);
        if (limitWait !== null) {
          if (limitWait > maxWaitMs) {
            throw new RateLimitError(
              `GitHub rate limit on ${what}: it asks to wait ${Math.ceil(limitWait / 1000)} s, more than the ${maxWaitMs / 1000} s this run allows; re-run the job later`,
            );
          }
          options.onRetry?.(`GitHub rate limit on ${what}; waiting ${Math.ceil(limitWait / 1000)} s`);
          await sleep(limitWait);
          continue;
        }
        // A POST that may have reached GitHub is not repeated blindly (it could create twice).
        const transient = status === null || status >= 500;
        if (!transient || !IDEMPOTENT.has(method)) throw e;
        const backoff = Math.min(8_000, 500 * 2 ** attempt);
        options.onRetry?.(`GitHub ${status ?? 'connection'} error on ${what}; retrying in ${backoff} ms`);
        await sleep(backoff);
      }
    }
  });
  return octokit;
}
