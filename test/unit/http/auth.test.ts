import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ConfigError } from '../../../src/errors.js';
import { databricksAuthFromEnv, mlflowAuthFromEnv } from '../../../src/platform/http/auth.js';
import { createHttpClient } from '../../../src/platform/http/client.js';
import { sendJson, startServer, type TestServer } from '../../support/http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const CLIENT_ID = 'sp-app-id-1234';
const CLIENT_SECRET = 'dose-secret-very-private-9876';
const GH_REQUEST_TOKEN = 'gh-request-token-abcdef123456';
const GH_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9yZXBvIn0.c2lnbmF0dXJl';

interface TokenServer extends TestServer {
  tokenRequests(): Array<{ form: URLSearchParams; authorization: string | undefined }>;
  audiences(): string[];
  setExpiresIn(seconds: number): void;
}

/** A tiny Databricks-like workspace: OIDC discovery, token endpoint, GitHub's ID-token endpoint, and one API. */
const startWorkspace = async (): Promise<TokenServer> => {
  let issued = 0;
  let expiresIn = 3600;
  const tokenRequests: Array<{ form: URLSearchParams; authorization: string | undefined }> = [];
  const audiences: string[] = [];
  const server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/oidc/.well-known/oauth-authorization-server') {
      return sendJson(res, 200, { token_endpoint: `http://${req.headers.host}/oidc/v1/token`, issuer: 'x' });
    }
    if (url.pathname === '/oidc/v1/token') {
      const form = new URLSearchParams(req.bodyText);
      tokenRequests.push({ form, authorization: req.headers.authorization });
      const grant = form.get('grant_type');
      const m2mOk = grant === 'client_credentials' && req.headers.authorization === `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      const exchangeOk =
        grant === 'urn:ietf:params:oauth:grant-type:token-exchange' &&
        form.get('subject_token') === GH_JWT &&
        form.get('subject_token_type') === 'urn:ietf:params:oauth:token-type:jwt' &&
        form.get('client_id') === CLIENT_ID;
      if (!m2mOk && !exchangeOk) return sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      issued += 1;
      return sendJson(res, 200, { access_token: `access-token-${issued}-xyz`, token_type: 'bearer', expires_in: expiresIn, scope: form.get('scope') });
    }
    if (url.pathname === '/gh/idtoken') {
      if (req.headers.authorization !== `Bearer ${GH_REQUEST_TOKEN}`) return sendJson(res, 401, { message: 'bad request token' });
      audiences.push(url.searchParams.get('audience') ?? '');
      return sendJson(res, 200, { value: GH_JWT });
    }
    if (url.pathname.startsWith('/api/')) {
      const auth = req.headers.authorization ?? '';
      const current = `Bearer access-token-${issued}-xyz`;
      if (auth !== current) return sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' });
      return sendJson(res, 200, { auth });
    }
    sendJson(res, 404, { error_code: 'ENDPOINT_NOT_FOUND' });
  });
  cleanups.push(() => server.close());
  return Object.assign(server, {
    tokenRequests: () => tokenRequests,
    audiences: () => audiences,
    setExpiresIn: (s: number) => {
      expiresIn = s;
    },
  });
};

const clientFor = (baseUrl: string, auth: Parameters<typeof createHttpClient>[0]['auth']) => {
  const c = createHttpClient({ baseUrl, auth, backoffBaseMs: 5, backoffMaxMs: 20 });
  cleanups.push(() => c.close());
  return c;
};

const configErrorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('MLflow auth', () => {
  it('uses Basic when username and password are set, even if a token is set too', async () => {
    const auth = mlflowAuthFromEnv({ MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 'pw-1234', MLFLOW_TRACKING_TOKEN: 'tok-5678' });
    expect(auth.kind).toBe('basic');
    expect(await auth.headers()).toEqual({ authorization: `Basic ${Buffer.from('alice:pw-1234').toString('base64')}` });
  });

  it('uses Bearer with only a token, and nothing with no variables', async () => {
    expect(await mlflowAuthFromEnv({ MLFLOW_TRACKING_TOKEN: 'tok-5678' }).headers()).toEqual({ authorization: 'Bearer tok-5678' });
    const none = mlflowAuthFromEnv({ MLFLOW_TRACKING_USERNAME: '' });
    expect(none.kind).toBe('none');
    expect(await none.headers()).toEqual({});
  });

  it('names the missing half of a username/password pair', () => {
    expect(configErrorOf(() => mlflowAuthFromEnv({ MLFLOW_TRACKING_USERNAME: 'alice' })).message).toContain('MLFLOW_TRACKING_PASSWORD');
  });

  it('sends the header to a real server', async () => {
    const server = await startServer((req, res) => sendJson(res, 200, { auth: req.headers.authorization }));
    cleanups.push(() => server.close());
    const res = await clientFor(server.url, mlflowAuthFromEnv({ MLFLOW_TRACKING_TOKEN: 'tok-5678' })).request<{ auth: string }>({ method: 'GET', path: '/x' });
    expect(res.body.auth).toBe('Bearer tok-5678');
  });
});

describe('Databricks PAT', () => {
  it('sends DATABRICKS_TOKEN as Bearer and wins over OAuth variables', async () => {
    const auth = databricksAuthFromEnv('https://dbc.example.com', { DATABRICKS_TOKEN: 'dapi-123456', DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: CLIENT_SECRET });
    expect(auth.kind).toBe('pat');
    expect(await auth.headers()).toEqual({ authorization: 'Bearer dapi-123456' });
  });
});

describe('Databricks OAuth M2M', () => {
  it('discovers the token endpoint, fetches one token for many calls, sends the right form', async () => {
    const ws = await startWorkspace();
    const auth = databricksAuthFromEnv(ws.url, { DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: CLIENT_SECRET });
    expect(auth.kind).toBe('oauth-m2m');
    const c = clientFor(ws.url, auth);
    await Promise.all(Array.from({ length: 10 }, () => c.request({ method: 'GET', path: '/api/2.0/x' })));
    for (let i = 0; i < 5; i += 1) await c.request({ method: 'GET', path: '/api/2.0/y' });
    expect(ws.tokenRequests()).toHaveLength(1);
    const discovery = ws.requests().filter((r) => r.url.startsWith('/oidc/.well-known'));
    expect(discovery).toHaveLength(1);
    const [first] = ws.tokenRequests();
    expect(first!.form.get('grant_type')).toBe('client_credentials');
    expect(first!.form.get('scope')).toBe('all-apis');
  });

  it('refreshes ahead of expiry using the injected clock', async () => {
    const ws = await startWorkspace();
    let now = 1_000_000;
    const auth = databricksAuthFromEnv(ws.url, { DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: CLIENT_SECRET }, undefined, { now: () => now });
    expect(await auth.headers()).toEqual({ authorization: 'Bearer access-token-1-xyz' });
    // One hour token: refreshed 5 minutes before it expires, not earlier.
    now += (3600 - 301) * 1000;
    expect(await auth.headers()).toEqual({ authorization: 'Bearer access-token-1-xyz' });
    now += 2_000;
    expect(await auth.headers()).toEqual({ authorization: 'Bearer access-token-2-xyz' });
    expect(ws.tokenRequests()).toHaveLength(2);

    // A short-lived token (60 s) is refreshed in its last 10% (6 s).
    ws.setExpiresIn(60);
    auth.invalidate();
    await auth.headers();
    const before = ws.tokenRequests().length;
    now += 53_000;
    await auth.headers();
    expect(ws.tokenRequests()).toHaveLength(before);
    now += 2_000;
    await auth.headers();
    expect(ws.tokenRequests()).toHaveLength(before + 1);
  });

  it('gets a fresh token when the API answers 401', async () => {
    const ws = await startWorkspace();
    const auth = databricksAuthFromEnv(ws.url, { DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: CLIENT_SECRET });
    const c = clientFor(ws.url, auth);
    await c.request({ method: 'GET', path: '/api/x' });
    // Another process rotates the token behind our back.
    await fetch(`${ws.url}/oidc/v1/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    const res = await c.request<{ auth: string }>({ method: 'POST', path: '/api/y', body: {} });
    expect(res.body.auth).toBe('Bearer access-token-3-xyz');
  });

  it('reports a rejected client secret with the OAuth error code and without the secret', async () => {
    const ws = await startWorkspace();
    const auth = databricksAuthFromEnv(ws.url, { DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: 'wrong-secret-value-42' });
    let error: unknown;
    try {
      await auth.headers();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.errorCode).toBe('invalid_client');
    expect(apiError.message).toContain('DATABRICKS_CLIENT_SECRET');
    expect(apiError.message).not.toContain('wrong-secret-value-42');
    expect(apiError.message).not.toContain(Buffer.from(`${CLIENT_ID}:wrong-secret-value-42`).toString('base64'));
  });
});

describe('Databricks GitHub OIDC', () => {
  const env = (ws: TestServer, extra: Record<string, string> = {}) => ({
    DATABRICKS_AUTH_TYPE: 'github-oidc',
    DATABRICKS_CLIENT_ID: CLIENT_ID,
    ACTIONS_ID_TOKEN_REQUEST_URL: `${ws.url}/gh/idtoken?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: GH_REQUEST_TOKEN,
    ...extra,
  });

  it('exchanges the GitHub ID token, with the token endpoint as default audience', async () => {
    const ws = await startWorkspace();
    const auth = databricksAuthFromEnv(ws.url, env(ws));
    expect(auth.kind).toBe('github-oidc');
    const res = await clientFor(ws.url, auth).request<{ auth: string }>({ method: 'GET', path: '/api/2.0/serving-endpoints' });
    expect(res.body.auth).toBe('Bearer access-token-1-xyz');
    expect(ws.audiences()).toEqual([`${ws.url}/oidc/v1/token`]);
    const [exchange] = ws.tokenRequests();
    expect(exchange!.form.get('client_id')).toBe(CLIENT_ID);
    expect(exchange!.form.get('scope')).toBe('all-apis');
    expect(exchange!.form.has('client_secret')).toBe(false);
    expect(exchange!.authorization).toBeUndefined();
  });

  it('uses DATABRICKS_TOKEN_AUDIENCE when set, and is picked without AUTH_TYPE when only OIDC is available', async () => {
    const ws = await startWorkspace();
    const { DATABRICKS_AUTH_TYPE: _omit, ...rest } = env(ws, { DATABRICKS_TOKEN_AUDIENCE: 'https://github.com/org/repo' });
    const auth = databricksAuthFromEnv(ws.url, rest);
    expect(auth.kind).toBe('github-oidc');
    await auth.headers();
    expect(ws.audiences()).toEqual(['https://github.com/org/repo']);
  });
});

describe('incomplete Databricks configuration', () => {
  it('names the missing variable before making any request', async () => {
    const ws = await startWorkspace();
    expect(configErrorOf(() => databricksAuthFromEnv(ws.url, {})).message).toContain('DATABRICKS_TOKEN');
    expect(configErrorOf(() => databricksAuthFromEnv(ws.url, { DATABRICKS_CLIENT_ID: CLIENT_ID })).message).toContain('DATABRICKS_CLIENT_SECRET');
    expect(configErrorOf(() => databricksAuthFromEnv(ws.url, { DATABRICKS_CLIENT_SECRET: 'x' })).message).toContain('DATABRICKS_CLIENT_ID');
    expect(configErrorOf(() => databricksAuthFromEnv('', { DATABRICKS_TOKEN: 'x' })).message).toContain('DATABRICKS_HOST');
    expect(configErrorOf(() => databricksAuthFromEnv(ws.url, { DATABRICKS_AUTH_TYPE: 'pat' })).message).toContain('DATABRICKS_TOKEN');
    expect(
      configErrorOf(() => databricksAuthFromEnv(ws.url, { DATABRICKS_AUTH_TYPE: 'github-oidc', DATABRICKS_CLIENT_ID: CLIENT_ID })).message,
    ).toContain('ACTIONS_ID_TOKEN_REQUEST_URL');
    expect(configErrorOf(() => databricksAuthFromEnv(ws.url, { DATABRICKS_AUTH_TYPE: 'azure-cli' })).message).toContain('azure-cli');
    expect(ws.requests()).toHaveLength(0);
  });
});
