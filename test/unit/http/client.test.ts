import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors.js';
import { createHttpClient, parseRetryAfter, type ClosableHttpClient, type HttpClientOptions } from '../../../src/platform/http/client.js';
import { createRequestLedger } from '../../../src/platform/http/ledger.js';
import { sendJson, startServer, type Handler, type TestServer } from '../../support/http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const serve = async (handler: Handler): Promise<TestServer> => {
  const server = await startServer(handler);
  cleanups.push(() => server.close());
  return server;
};

const client = (baseUrl: string, extra: Partial<HttpClientOptions> = {}): ClosableHttpClient => {
  const c = createHttpClient({ baseUrl, backoffBaseMs: 5, backoffMaxMs: 20, retryAfterJitterMs: 10, ...extra });
  cleanups.push(() => c.close());
  return c;
};

const catchApiError = async (p: Promise<unknown>): Promise<ApiError> => {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected the request to fail');
};

/** Answers with `failures` error responses (or actions), then 200 `{ok: true}`. */
const failThenOk =
  (failures: number, fail: Handler): Handler =>
  (req, res, index) => {
    if (index < failures) return fail(req, res, index);
    sendJson(res, 200, { ok: true, index });
  };

const resetSocket: Handler = (req) => {
  req.socket.destroy();
};

describe('retries', () => {
  it('retries a 429 after the Retry-After seconds the server asked for', async () => {
    const server = await serve(failThenOk(1, (_req, res) => sendJson(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED' }, { 'retry-after': '1' })));
    const res = await client(server.url).request({ method: 'POST', path: '/api/2.0/mlflow/runs/create', body: {} });
    expect(res.body).toEqual({ ok: true, index: 1 });
    const [first, second] = server.requests();
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('honours Retry-After given as an HTTP-date', async () => {
    const server = await serve(
      failThenOk(1, (_req, res) =>
        sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE' }, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }),
      ),
    );
    await client(server.url).request({ method: 'GET', path: '/x' });
    const [first, second] = server.requests();
    // HTTP-dates have whole-second resolution: at least ~1 s must have passed.
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('caps Retry-After at maxRetryAfterMs and still retries', async () => {
    const server = await serve(failThenOk(1, (_req, res) => sendJson(res, 429, {}, { 'retry-after': '3600' })));
    const res = await client(server.url, { maxRetryAfterMs: 50 }).request({ method: 'GET', path: '/x' });
    expect(res.status).toBe(200);
    expect(server.requests()).toHaveLength(2);
  });

  it('parses Retry-After seconds and HTTP-dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('garbage', 0)).toBeNull();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(new Date(0).toUTCString(), 4_000)).toBe(0);
  });

  it('retries 503 even for a POST', async () => {
    const server = await serve(failThenOk(2, (_req, res) => sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE' })));
    const res = await client(server.url).request({ method: 'POST', path: '/p', body: { a: 1 } });
    expect(res.status).toBe(200);
    expect(server.requests()).toHaveLength(3);
  });

  it('retries a 500 for a GET but not for a POST', async () => {
    const fail500: Handler = (_req, res) => sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message: 'boom' });
    const getServer = await serve(failThenOk(1, fail500));
    await client(getServer.url).request({ method: 'GET', path: '/g' });
    expect(getServer.requests()).toHaveLength(2);

    const postServer = await serve(failThenOk(1, fail500));
    const error = await catchApiError(client(postServer.url).request({ method: 'POST', path: '/p', body: {} }));
    expect(postServer.requests()).toHaveLength(1);
    expect(error.details).toMatchObject({ status: 500, errorCode: 'INTERNAL_ERROR', attempts: 1, kind: 'http' });
  });

  it('retries a POST marked idempotent after a 502', async () => {
    const server = await serve(failThenOk(1, (_req, res) => sendJson(res, 502, {})));
    await client(server.url).request({ method: 'POST', path: '/p', body: {}, idempotent: true });
    expect(server.requests()).toHaveLength(2);
  });

  it('retries a connection reset for idempotent requests only', async () => {
    const getServer = await serve(failThenOk(2, resetSocket));
    const res = await client(getServer.url).request({ method: 'GET', path: '/g' });
    expect(res.body).toEqual({ ok: true, index: 2 });

    const postServer = await serve(failThenOk(1, resetSocket));
    const error = await catchApiError(client(postServer.url).request({ method: 'POST', path: '/p', body: {} }));
    expect(error.details.kind).toBe('transport');
    expect(error.details.status).toBeNull();
    expect(error.details.attempts).toBe(1);
    expect(postServer.requests()).toHaveLength(1);
  });

  it('times out a slow answer and retries it when idempotent', async () => {
    const server = await serve(async (_req, res, index) => {
      if (index === 0) await new Promise((r) => setTimeout(r, 1_000));
      if (!res.destroyed) sendJson(res, 200, { index });
    });
    const res = await client(server.url, { timeoutMs: 150 }).request({ method: 'GET', path: '/slow' });
    expect(res.body).toEqual({ index: 1 });
  });

  it('reports a timeout as kind "timeout" when every attempt is too slow', async () => {
    const server = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 600));
      if (!res.destroyed) sendJson(res, 200, {});
    });
    const error = await catchApiError(client(server.url, { timeoutMs: 100, maxAttempts: 2 }).request({ method: 'GET', path: '/slow' }));
    expect(error.details).toMatchObject({ kind: 'timeout', attempts: 2, status: null });
    expect(error.message).toContain('within 100 ms');
    expect(error.message).toContain('2 attempts');
  });

  it('times out a body that stalls after the headers', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const error = await catchApiError(client(server.url, { timeoutMs: 150, maxAttempts: 1 }).request({ method: 'GET', path: '/stall' }));
    expect(error.details.kind).toBe('timeout');
  });

  it('stops after maxAttempts and says how many attempts were made', async () => {
    const server = await serve((_req, res) => sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }));
    const error = await catchApiError(client(server.url, { maxAttempts: 4 }).request({ method: 'GET', path: '/api/2.0/x', query: { a: 'b' } }));
    expect(server.requests()).toHaveLength(4);
    expect(error.details).toMatchObject({ attempts: 4, status: 503, errorCode: 'TEMPORARILY_UNAVAILABLE', method: 'GET' });
    expect(error.message).toContain('GET /api/2.0/x');
    expect(error.message).toContain('4 attempts');
    expect(error.details.url).toBe(`${server.url}/api/2.0/x`);
  });

  it('gives up when the next retry would pass the retry deadline', async () => {
    const server = await serve((_req, res) => sendJson(res, 429, {}, { 'retry-after': '30' }));
    const error = await catchApiError(client(server.url, { retryDeadlineMs: 2_000 }).request({ method: 'GET', path: '/x' }));
    expect(server.requests()).toHaveLength(1);
    expect(error.message).toContain('retry deadline');
  });

  it('does not retry 400/404/409', async () => {
    for (const status of [400, 404, 409]) {
      const server = await serve((_req, res) => sendJson(res, status, { error_code: 'X' }));
      await catchApiError(client(server.url).request({ method: 'GET', path: '/x' }));
      expect(server.requests()).toHaveLength(1);
    }
  });

  it('reports a refused connection as a transport error after retrying', async () => {
    const server = await startServer((_req, res) => sendJson(res, 200, {}));
    const url = server.url;
    await server.close();
    const error = await catchApiError(client(url, { maxAttempts: 3 }).request({ method: 'GET', path: '/x' }));
    expect(error.details).toMatchObject({ kind: 'transport', attempts: 3 });
    expect(error.message).toContain('ECONNREFUSED');
    expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(Error);
  });

  it('lets one request override the timeout', async () => {
    const server = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      if (!res.destroyed) sendJson(res, 200, {});
    });
    const c = client(server.url, { timeoutMs: 5_000, maxAttempts: 1 });
    const error = await catchApiError(c.request({ method: 'GET', path: '/x', timeoutMs: 50 }));
    expect(error.details.kind).toBe('timeout');
    expect((await c.request({ method: 'GET', path: '/x' })).status).toBe(200);
  });
});

describe('concurrency', () => {
  it('keeps at most maxConcurrentPerHost requests in flight per host, in FIFO order', async () => {
    const server = await serve(async (req, res) => {
      await new Promise((r) => setTimeout(r, 40));
      sendJson(res, 200, { path: req.url });
    });
    const c = client(server.url, { maxConcurrentPerHost: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.request({ method: 'GET', path: `/item/${i}` })));
    expect(results).toHaveLength(12);
    expect(server.maxInFlight()).toBe(3);
    // The first three go out first; queued requests start in the order they were made.
    // Each later wave of three is made of the next three requests in call order.
    const order = server.requests().map((r) => Number(r.url.split('/').pop()));
    const waves = [0, 3, 6, 9].map((start) => [...order.slice(start, start + 3)].sort((a, b) => a - b));
    expect(waves).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ]);
  });
});

describe('error decoding', () => {
  it('decodes MLflow RESOURCE_ALREADY_EXISTS sent as 400 by its error_code', async () => {
    const server = await serve((_req, res) =>
      sendJson(res, 400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: "Registered Model (name=churn) already exists." }),
    );
    const error = await catchApiError(client(server.url).request({ method: 'POST', path: '/api/2.0/mlflow/registered-models/create', body: { name: 'churn' } }));
    expect(error.errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect(error.details.status).toBe(400);
    expect(error.message).toContain('POST /api/2.0/mlflow/registered-models/create');
    expect(error.message).toContain('already exists');
  });

  it('decodes 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const server = await serve((_req, res) => sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run x not found' }));
    const error = await catchApiError(client(server.url).request({ method: 'GET', path: '/api/2.0/mlflow/runs/get', query: { run_id: 'x' } }));
    expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(error.message).toContain('Run x not found');
  });

  it('explains a plain-text 401 from the MLflow basic-auth app', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="mlflow"' });
      res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html');
    });
    const error = await catchApiError(client(server.url).request({ method: 'GET', path: '/api/2.0/mlflow/experiments/search' }));
    expect(error.errorCode).toBeNull();
    expect(error.details.status).toBe(401);
    expect(error.message).toContain('You are not authenticated');
    expect(error.message).toContain('rejected the credentials');
  });

  it('decodes OAuth-style and legacy error bodies', async () => {
    const server = await serve((_req, res, index) => {
      if (index === 0) sendJson(res, 400, { error: 'invalid_client', error_description: 'Client authentication failed' });
      else sendJson(res, 403, { error: 'Token is not allowed to call this API' });
    });
    const c = client(server.url);
    const oauth = await catchApiError(c.request({ method: 'POST', path: '/oidc/v1/token', body: {} }));
    expect(oauth.errorCode).toBe('invalid_client');
    expect(oauth.message).toContain('Client authentication failed');
    const legacy = await catchApiError(c.request({ method: 'POST', path: '/legacy', body: {} }));
    expect(legacy.errorCode).toBeNull();
    expect(legacy.message).toContain('Token is not allowed to call this API');
  });

  it('reports a 2xx body that is not JSON', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const error = await catchApiError(client(server.url).request({ method: 'GET', path: '/x' }));
    expect(error.message).toContain('not valid JSON');
  });
});

describe('request and response shapes', () => {
  it('sends JSON, encodes the query, and returns bytes or text on request', async () => {
    const server = await serve((req, res) => {
      if (req.url?.includes('/artifact')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from([0, 1, 2, 255]));
        return;
      }
      sendJson(res, 200, { method: req.method, url: req.url, body: req.bodyText, contentType: req.headers['content-type'] });
    });
    const c = client(`${server.url}/base/`);
    const json = await c.request<{ url: string; body: string; contentType: string }>({
      method: 'POST',
      path: '/api/2.0/mlflow/runs/search',
      query: { a: 'x y', list: ['1', '2'], skip: undefined, n: 3 },
      body: { experiment_ids: ['1'] },
    });
    expect(json.body.url).toBe('/base/api/2.0/mlflow/runs/search?a=x+y&list=1&list=2&n=3');
    expect(JSON.parse(json.body.body)).toEqual({ experiment_ids: ['1'] });
    expect(json.body.contentType).toBe('application/json');

    const bytes = await c.request<Uint8Array>({ method: 'GET', path: '/artifact', responseType: 'bytes' });
    expect([...bytes.body]).toEqual([0, 1, 2, 255]);
    const text = await c.request<string>({ method: 'GET', path: '/text', responseType: 'text' });
    expect(typeof text.body).toBe('string');
  });
});

describe('ledger', () => {
  it('records every attempt with retries flagged, shared by several clients', async () => {
    const server = await serve(failThenOk(1, (_req, res) => sendJson(res, 503, {})));
    const other = await serve((_req, res) => sendJson(res, 200, { ok: true }));
    const ledger = createRequestLedger();
    await client(server.url, { ledger }).request({ method: 'GET', path: '/api/2.0/mlflow/runs/get', query: { run_id: 'abc' } });
    const c2 = client(other.url, { ledger });
    await c2.request({ method: 'GET', path: '/api/2.0/mlflow/runs/get' });
    await c2.request({ method: 'GET', path: '/api/2.1/unity-catalog/models/c.s.m/versions/12' });
    await c2.request({ method: 'POST', path: '/api/2.0/mlflow/runs/search', body: { x: 1 }, endpoint: 'search runs' });
    const snap = ledger.snapshot();
    expect(snap.total).toBe(5);
    expect(snap.retries).toBe(1);
    expect(snap.byEndpoint['GET /api/2.0/mlflow/runs/get']).toMatchObject({ count: 3, retries: 1, errors: 1 });
    expect(snap.byEndpoint['GET /api/2.1/unity-catalog/models/c.s.m/versions/{id}']).toMatchObject({ count: 1 });
    expect(snap.byEndpoint['search runs']).toMatchObject({ count: 1, bytesSent: 7 });
    expect(snap.byEndpoint['search runs']!.bytesReceived).toBeGreaterThan(0);
  });
});

describe('credentials and origins', () => {
  it('sends auth headers to the base origin only, not to absolute URLs elsewhere', async () => {
    const home = await serve((req, res) => sendJson(res, 200, { auth: req.headers.authorization ?? null }));
    const elsewhere = await serve((req, res) => sendJson(res, 200, { auth: req.headers.authorization ?? null }));
    const c = client(home.url, { auth: { headers: async () => ({ authorization: 'Bearer home-token-123' }) } });
    expect((await c.request<{ auth: string | null }>({ method: 'GET', path: '/x' })).body.auth).toBe('Bearer home-token-123');
    expect((await c.request<{ auth: string | null }>({ method: 'GET', path: `${elsewhere.url}/presigned` })).body.auth).toBeNull();
  });
});

describe('401 with a token provider', () => {
  it('invalidates the token and retries exactly once', async () => {
    let generation = 0;
    let invalidations = 0;
    const auth = {
      headers: async () => ({ authorization: `Bearer token-${generation}` }),
      invalidate: () => {
        invalidations += 1;
        generation += 1;
      },
    };
    const server = await serve((req, res) =>
      req.headers.authorization === 'Bearer token-1' ? sendJson(res, 200, { ok: true }) : sendJson(res, 401, { error_code: 'UNAUTHENTICATED' }),
    );
    const res = await client(server.url, { auth }).request({ method: 'POST', path: '/p', body: {} });
    expect(res.body).toEqual({ ok: true });
    expect(invalidations).toBe(1);

    generation = 5; // every token is rejected now: one refresh, then the error
    const error = await catchApiError(client(server.url, { auth }).request({ method: 'GET', path: '/g' }));
    expect(error.details).toMatchObject({ status: 401, attempts: 2 });
    expect(invalidations).toBe(2);
  });
});

