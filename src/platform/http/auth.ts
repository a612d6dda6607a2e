// Auth providers, each built from an explicit env record (nothing here reads process.env).
// - MLflow OSS: Basic from MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (wins when both
//   kinds are set, as in mlflow/utils/rest_utils.py), else Bearer MLFLOW_TRACKING_TOKEN, else none.
// - Databricks: PAT, OAuth M2M (client credentials) or GitHub Actions OIDC token exchange, chosen
//   by DATABRICKS_AUTH_TYPE or by what is present (the SDK's order: pat, oauth-m2m, github-oidc).
//   OAuth tokens are cached, refreshed ahead of expiry, and concurrent callers share one refresh.
// Incomplete configuration raises ConfigError naming the missing variable, before any request.

import { registerSecret, registeredSecrets } from '../secrets.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { ApiError, ConfigError } from '../../errors.js';
import { decodeErrorBody } from './error-body.js';
import { proxyFor, proxySettingsFromEnv, type Env } from './proxy.js';
import { redact } from './redact.js';
import type { AuthProvider } from './types.js';

/** The part of `fetch` the providers use; the global fetch and undici's fetch both fit. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; redirect?: 'manual' },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface NamedAuthProvider extends AuthProvider {
  /** Which mechanism was chosen, for logs and reports (never contains a secret). */
  readonly kind: 'none' | 'basic' | 'bearer' | 'pat' | 'oauth-m2m' | 'github-oidc';
}

const set = (env: Env, name: string): string | null => {
  const value = env[name];
  return value !== undefined && value.trim() !== '' ? value.trim() : null;
};

const missing = (message: string, hint?: string): ConfigError =>
  new ConfigError([{ severity: 'error', code: 'missing-credential', message, path: '', position: null, ...(hint ? { hint } : {}) }]);

// ---------------------------------------------------------------------------------------------
// MLflow

export const mlflowAuthFromEnv = (env: Env): NamedAuthProvider => {
  const username = set(env, 'MLFLOW_TRACKING_USERNAME');
  const password = set(env, 'MLFLOW_TRACKING_PASSWORD');
  const token = set(env, 'MLFLOW_TRACKING_TOKEN');
  if (username && password) {
    const header = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return { kind: 'basic', headers: async () => ({ authorization: header }) };
  }
  if ((username && !password) || (!username && password)) {
    // MLflow silently ignores half a pair; we say so, because the 401 that follows is confusing.
    const absent = username ? 'MLFLOW_TRACKING_PASSWORD' : 'MLFLOW_TRACKING_USERNAME';
    if (!token) throw missing(`MLflow basic auth is incomplete: ${absent} is not set`, 'set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN');
  }
  if (token) return { kind: 'bearer', headers: async () => ({ authorization: `Bearer ${token}` }) };
  return { kind: 'none', headers: async () => ({}) };
};

// ---------------------------------------------------------------------------------------------
// Databricks

export interface DatabricksAuthOptions {
  /** Clock for token expiry, ms since epoch. */
  readonly now?: () => number;
  /** Per token-endpoint call. Default 30 s. */
  readonly timeoutMs?: number;
  /** OAuth scope. Default `all-apis`. */
  readonly scope?: string;
}

export interface DatabricksAuth extends NamedAuthProvider {
  /** Drop the cached token so the next call fetches a fresh one. */
  invalidate(): void;
}

/** Token endpoints answer a few hundred bytes; a larger answer is cut (it is an error anyway). */
const MAX_AUTH_RESPONSE_CHARS = 256 * 1024;

const sameOrigin = (a: string, b: string): boolean => {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
};

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
/** Refresh this long before expiry at most (and at most 10% of a token's lifetime). */
const MAX_REFRESH_MARGIN_MS = 5 * 60_000;
/** Assumed lifetime when a token endpoint omits expires_in (Databricks documents one hour). */
const DEFAULT_LIFETIME_S = 3600;

interface Token {
  readonly header: string;
  readonly refreshAt: number;
  readonly expiresAt: number;
}

const normalizeHost = (host: string): string => {
  const withScheme = /^https?:\/\//i.test(host) ? host : `https://${host}`;
  return withScheme.replace(/\/+$/, '');
};

/** Default fetch: undici's, through the proxy the env record names for that URL. */
const proxiedFetch = (env: Env): FetchLike => {
  const settings = proxySettingsFromEnv(env);
  const agents = new Map<string, ProxyAgent>();
  return async (url, init) => {
    const proxy = proxyFor(new URL(url), settings);
    let dispatcher: ProxyAgent | undefined;
    if (proxy) {
      dispatcher = agents.get(proxy.href) ?? new ProxyAgent(proxy.href);
      agents.set(proxy.href, dispatcher);
    }
    const res = await undiciFetch(url, { ...init, ...(dispatcher ? { dispatcher } : {}) });
    return { status: res.status, text: () => boundedText(res.body, MAX_AUTH_RESPONSE_CHARS) };
  };
};

/** The body as text, reading at most `limit` bytes (the rest is dropped, the stream cancelled). */
async function boundedText(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= limit) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

export const databricksAuthFromEnv = (
  host: string | undefined,
  env: Env,
  fetchImpl?: FetchLike,
  options: DatabricksAuthOptions = {},
): DatabricksAuth => {
  const hostValue = host?.trim() || set(env, 'DATABRICKS_HOST');
  if (!hostValue) throw missing('Databricks host is not set: DATABRICKS_HOST is empty', 'set DATABRICKS_HOST to the workspace URL, e.g. https://adb-123.4.azuredatabricks.net');
  const base = normalizeHost(hostValue);
  const explicit = set(env, 'DATABRICKS_AUTH_TYPE');
  const token = set(env, 'DATABRICKS_TOKEN');
  const clientId = set(env, 'DATABRICKS_CLIENT_ID');
  const clientSecret = set(env, 'DATABRICKS_CLIENT_SECRET');
  const oidcUrl = set(env, 'ACTIONS_ID_TOKEN_REQUEST_URL');
  const oidcRequestToken = set(env, 'ACTIONS_ID_TOKEN_REQUEST_TOKEN');

  const kind = ((): DatabricksAuth['kind'] => {
    if (explicit) {
      if (explicit === 'pat' || explicit === 'oauth-m2m' || explicit === 'github-oidc') return explicit;
      throw missing(`DATABRICKS_AUTH_TYPE "${explicit}" is not supported here`, 'use pat, oauth-m2m or github-oidc');
    }
    if (token) return 'pat';
    if (clientId && clientSecret) return 'oauth-m2m';
    if (clientId && oidcUrl && oidcRequestToken) return 'github-oidc';
    if (clientSecret && !clientId) throw missing('Databricks OAuth is incomplete: DATABRICKS_CLIENT_ID is not set');
    if (clientId) {
      throw missing(
        'Databricks OAuth is incomplete: DATABRICKS_CLIENT_SECRET is not set (and no GitHub OIDC token is available)',
        'set DATABRICKS_CLIENT_SECRET for OAuth M2M, or grant the job `permissions: id-token: write` for GitHub OIDC',
      );
    }
    throw missing(
      'No Databricks credentials: set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET, or DATABRICKS_CLIENT_ID with DATABRICKS_AUTH_TYPE=github-oidc',
    );
  })();

  if (kind === 'pat') {
    if (!token) throw missing('DATABRICKS_AUTH_TYPE=pat but DATABRICKS_TOKEN is not set');
    return { kind, headers: async () => ({ authorization: `Bearer ${token}` }), invalidate: () => undefined };
  }
  if (!clientId) throw missing(`DATABRICKS_AUTH_TYPE=${kind} but DATABRICKS_CLIENT_ID is not set`);
  if (kind === 'oauth-m2m' && !clientSecret) throw missing('DATABRICKS_AUTH_TYPE=oauth-m2m but DATABRICKS_CLIENT_SECRET is not set');
  if (kind === 'github-oidc' && (!oidcUrl || !oidcRequestToken)) {
    throw missing(
      `DATABRICKS_AUTH_TYPE=github-oidc but ${!oidcUrl ? 'ACTIONS_ID_TOKEN_REQUEST_URL' : 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'} is not set`,
      'GitHub sets it only when the job has `permissions: id-token: write`',
    );
  }

  const fetchFn = fetchImpl ?? proxiedFetch(env);
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const scope = options.scope ?? 'all-apis';
  // Every secret this provider holds or obtains is also registered process-wide (masking, redaction).
  const secrets = { add: (s: string) => registerSecret(s), [Symbol.iterator]: () => registeredSecrets()[Symbol.iterator]() };
  secrets.add(clientSecret ?? '');
  secrets.add(oidcRequestToken ?? '');
  const scrub = (text: string): string => redact(text, secrets);
  const credentialHint =
    kind === 'oauth-m2m'
      ? 'check DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET'
      : 'check DATABRICKS_CLIENT_ID and the service principal federation policy (issuer, subject, audience)';

  /** One call to an auth endpoint with a small retry on 429/5xx/transport failures. */
  const call = async (what: string, url: string, init: Parameters<FetchLike>[1]): Promise<Record<string, unknown>> => {
    const path = new URL(url).pathname;
    const maxAttempts = 3;
    for (let attempt = 1; ; attempt += 1) {
      let status: number;
      let text: string;
      try {
        // Never follow a redirect: it would re-send the client secret or the OIDC subject token elsewhere.
        const res = await fetchFn(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        status = res.status;
        text = status >= 300 && status < 400 ? '' : await res.text();
        if (text.length > MAX_AUTH_RESPONSE_CHARS) text = text.slice(0, MAX_AUTH_RESPONSE_CHARS);
      } catch (cause) {
        if (attempt < maxAttempts) {
          await new Promise((r) => setTimeout(r, 200 * attempt));
          continue;
        }
        const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
        const error = new ApiError(scrub(`${what}: ${init.method} ${path} failed: ${cause instanceof Error ? cause.message : String(cause)} (${attempt} attempts)`), {
          errorCode: null,
          status: null,
          method: init.method,
          url: `${new URL(url).origin}${path}`,
          kind: timedOut ? 'timeout' : 'transport',
          attempts: attempt,
        });
        Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
        throw error;
      }
      if ((status === 429 || status >= 500) && attempt < maxAttempts) {
        await new Promise((r) => setTimeout(r, 200 * attempt));
        continue;
      }
      if (status >= 300 && status < 400) {
        throw new ApiError(scrub(`${what}: ${init.method} ${path} answered with a redirect (HTTP ${status}); token requests never follow redirects`), {
          errorCode: null,
          status,
          method: init.method,
          url: `${new URL(url).origin}${path}`,
          kind: 'http',
          attempts: attempt,
        });
      }
      const fail = (detail: string, errorCode: string | null): ApiError =>
        new ApiError(scrub(`${what}: ${init.method} ${path}: ${detail} (${attempt} attempt${attempt === 1 ? '' : 's'})`), {
          errorCode,
          status,
          method: init.method,
          url: `${new URL(url).origin}${path}`,
          kind: 'http',
          attempts: attempt,
        });
      if (status < 200 || status >= 300) {
        const decoded = decodeErrorBody(text);
        const hint = status === 400 || status === 401 || status === 403 ? ` — ${credentialHint}` : '';
        throw fail(`HTTP ${status} ${decoded.errorCode ?? ''}${decoded.message ? `: ${decoded.message}` : ''}${hint}`.replace(/ :/, ':'), decoded.errorCode);
      }
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // fall through
      }
      throw fail(`HTTP ${status} but the body is not a JSON object`, null);
    }
  };

  let tokenEndpoint: Promise<string> | null = null;
  const discoverTokenEndpoint = (): Promise<string> => {
    tokenEndpoint ??= call('Databricks OIDC discovery', `${base}/oidc/.well-known/oauth-authorization-server`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    }).then((doc) => {
      const endpoint = doc['token_endpoint'];
      if (typeof endpoint !== 'string' || endpoint === '') {
        throw new ApiError(`Databricks OIDC discovery: ${base}/oidc/.well-known/oauth-authorization-server has no token_endpoint`, {
          errorCode: null,
          status: 200,
          method: 'GET',
          url: `${base}/oidc/.well-known/oauth-authorization-server`,
          kind: 'http',
          attempts: 1,
        });
      }
      // The client secret and the OIDC subject token go only to the workspace's own origin.
      if (!sameOrigin(endpoint, base)) {
        throw new ApiError(
          `Databricks OIDC discovery: the token_endpoint is on another origin than ${new URL(base).origin}; refusing to send credentials there`,
          { errorCode: null, status: 200, method: 'GET', url: `${base}/oidc/.well-known/oauth-authorization-server`, kind: 'http', attempts: 1 },
        );
      }
      return endpoint;
    });
    tokenEndpoint.catch(() => {
      tokenEndpoint = null; // a failed discovery is retried on the next call
    });
    return tokenEndpoint;
  };

  const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

  /**
   * The audience of the GitHub OIDC token, as databricks-sdk-py chooses it (docs/fidelity.md #11):
   * DATABRICKS_TOKEN_AUDIENCE; else the host metadata's first `token_federation_default_oidc_audiences`
   * (`config.py` _resolve_host_metadata); else, on an account host (metadata without a workspace id),
   * the account id; else the token endpoint URL (`credentials_provider.py` _oidc_credentials_provider).
   * The metadata is best effort, as in the SDK: when it cannot be read, the fallbacks apply.
   */
  let audience: Promise<string> | null = null;
  const tokenAudience = (endpoint: string): Promise<string> => {
    audience ??= (async () => {
      const explicit = set(env, 'DATABRICKS_TOKEN_AUDIENCE');
      if (explicit) return explicit;
      let meta: Record<string, unknown> | null = null;
      try {
        meta = await call('Databricks host metadata', `${base}/.well-known/databricks-config`, { method: 'GET', headers: { accept: 'application/json' } });
      } catch {
        meta = null;
      }
      const listed = meta?.['token_federation_default_oidc_audiences'];
      if (Array.isArray(listed) && typeof listed[0] === 'string' && listed[0] !== '') return listed[0];
      const account = set(env, 'DATABRICKS_ACCOUNT_ID') ?? (typeof meta?.['account_id'] === 'string' ? (meta['account_id'] as string) : null);
      if (meta && !meta['workspace_id'] && account) return account;
      return endpoint;
    })();
    return audience;
  };

  const fetchGithubIdToken = async (audience: string): Promise<string> => {
    const url = new URL(oidcUrl as string);
    url.searchParams.set('audience', audience);
    const body = await call('GitHub OIDC token request', url.href, {
      method: 'GET',
      headers: { authorization: `Bearer ${oidcRequestToken as string}`, accept: 'application/json' },
    });
    const value = body['value'];
    if (typeof value !== 'string' || value === '') {
      throw new ApiError('GitHub OIDC token request: the answer has no "value" (is `permissions: id-token: write` set on the job?)', {
        errorCode: null,
        status: 200,
        method: 'GET',
        url: `${url.origin}${url.pathname}`,
        kind: 'http',
        attempts: 1,
      });
    }
    secrets.add(value);
    return value;
  };

  const requestToken = async (): Promise<Token> => {
    const endpoint = await discoverTokenEndpoint();
    let body: Record<string, unknown>;
    if (kind === 'oauth-m2m') {
      const basic = Buffer.from(`${clientId}:${clientSecret as string}`).toString('base64');
      secrets.add(basic);
      body = await call('Databricks OAuth M2M token request', endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form({ grant_type: 'client_credentials', scope }),
      });
    } else {
      // A fresh GitHub JWT per exchange: they are short-lived.
      const jwt = await fetchGithubIdToken(await tokenAudience(endpoint));
      body = await call('Databricks OIDC token exchange', endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form({
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token_type: JWT_TOKEN_TYPE,
          subject_token: jwt,
          scope,
          client_id: clientId,
        }),
      });
    }
    const accessToken = body['access_token'];
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new ApiError(`Databricks ${kind} token request: the answer has no access_token`, {
        errorCode: null,
        status: 200,
        method: 'POST',
        url: endpoint,
        kind: 'http',
        attempts: 1,
      });
    }
    secrets.add(accessToken);
    const rawType = typeof body['token_type'] === 'string' ? (body['token_type'] as string) : 'Bearer';
    const tokenType = rawType.toLowerCase() === 'bearer' ? 'Bearer' : rawType;
    const expiresIn = Number(body['expires_in']);
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S) * 1000;
    const issuedAt = now();
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10);
    return { header: `${tokenType} ${accessToken}`, expiresAt: issuedAt + lifetimeMs, refreshAt: issuedAt + lifetimeMs - margin };
  };

  let cached: Token | null = null;
  let inFlight: Promise<Token> | null = null;
  const currentToken = async (): Promise<Token> => {
    if (cached && now() < cached.refreshAt) return cached;
    // Single flight: every caller waiting for a refresh shares this one request.
    inFlight ??= requestToken()
      .then((t) => {
        cached = t;
        return t;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  return {
    kind,
    headers: async () => ({ authorization: (await currentToken()).header }),
    invalidate: () => {
      cached = null;
    },
  };
};
