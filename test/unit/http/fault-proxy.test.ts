import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors.js';
import { createHttpClient, type HttpClientOptions } from '../../../src/platform/http/client.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { sendJson, startServer, type TestServer } from '../../support/http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const setup = async (extra: Partial<HttpClientOptions> = {}) => {
  const upstream: TestServer = await startServer((req, res) => sendJson(res, 200, { path: req.url, body: req.bodyText }));
  cleanups.push(() => upstream.close());
  const proxy: FaultProxy = await startFaultProxy({ upstream: upstream.url });
  cleanups.push(() => proxy.close());
  const client = createHttpClient({ baseUrl: proxy.url, backoffBaseMs: 5, backoffMaxMs: 20, retryAfterJitterMs: 5, ...extra });
  cleanups.push(() => client.close());
  return { upstream, proxy, client };
};

const failure = async (p: Promise<unknown>): Promise<ApiError> => {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected failure');
};

describe('fault proxy', () => {
  it('passes requests through and counts them', async () => {
    const { upstream, proxy, client } = await setup();
    const res = await client.request({ method: 'POST', path: '/api/2.0/mlflow/runs/search?x=1', body: { a: 1 } });
    expect(res.body).toEqual({ path: '/api/2.0/mlflow/runs/search?x=1', body: '{"a":1}' });
    expect(proxy.count()).toBe(1);
    expect(proxy.count({ method: 'post', path: '/api/2.0/mlflow' })).toBe(1);
    expect(proxy.count({ method: 'GET' })).toBe(0);
    expect(upstream.requests()).toHaveLength(1);
  });

  it('injects 429 with Retry-After a given number of times', async () => {
    const { upstream, proxy, client } = await setup();
    proxy.setRules([{ name: 'throttle', path: '/api/', times: 2, fault: { kind: 'rate-limit', retryAfter: 0 } }]);
    await client.request({ method: 'GET', path: '/api/x' });
    expect(proxy.requests().map((r) => r.rule)).toEqual(['throttle', 'throttle', null]);
    expect(proxy.requests().map((r) => r.outcome)).toEqual(['rate-limit', 'rate-limit', 'pass']);
    expect(upstream.requests()).toHaveLength(1);
  });

  it('injects error statuses with a body, matching by method and regex, after skipping some', async () => {
    const { proxy, client } = await setup();
    proxy.setRules([
      { method: 'POST', path: /\/create$/, skip: 1, fault: { kind: 'status', status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' } } },
    ]);
    await client.request({ method: 'POST', path: '/m/create', body: {} }); // skipped
    const error = await failure(client.request({ method: 'POST', path: '/m/create', body: {} }));
    expect(error.errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    await client.request({ method: 'GET', path: '/m/create' }); // method does not match
    expect(proxy.requests().map((r) => r.outcome)).toEqual(['pass', 'status', 'pass']);
  });

  it('resets connections: retried for GET, surfaced for POST', async () => {
    const { upstream, proxy, client } = await setup();
    proxy.setRules([{ times: 1, fault: { kind: 'reset' } }]);
    await client.request({ method: 'GET', path: '/g' });
    expect(proxy.count()).toBe(2);
    proxy.setRules([{ times: 1, fault: { kind: 'reset' } }]);
    const error = await failure(client.request({ method: 'POST', path: '/p', body: {} }));
    expect(error.details.kind).toBe('transport');
    expect(upstream.requests().map((r) => r.url)).toEqual(['/g']);
  });

  it('drops the response after the upstream processed the request', async () => {
    const { upstream, proxy, client } = await setup();
    proxy.setRules([{ path: '/p', fault: { kind: 'drop-response' } }]);
    const error = await failure(client.request({ method: 'POST', path: '/p', body: { n: 1 } }));
    expect(error.details.kind).toBe('transport');
    expect(upstream.requests()).toHaveLength(1);
    expect(proxy.requests()[0]?.upstreamStatus).toBe(200);
  });

  it('adds latency before forwarding (fixed and random range)', async () => {
    const { upstream, proxy, client } = await setup();
    proxy.setRules([{ latencyMs: 200 }]);
    await client.request({ method: 'GET', path: '/slow' });
    const [seen] = proxy.requests();
    const [arrived] = upstream.requests();
    expect(arrived!.receivedAt - seen!.receivedAt).toBeGreaterThanOrEqual(190);

    proxy.setRules([{ latencyMs: { min: 100, max: 150 } }]);
    await client.request({ method: 'GET', path: '/slow2' });
    expect(upstream.requests()[1]!.receivedAt - proxy.requests()[1]!.receivedAt).toBeGreaterThanOrEqual(90);
  });

  it('a latency longer than the client timeout is seen as a timeout', async () => {
    const { proxy, client } = await setup({ timeoutMs: 100, maxAttempts: 1 });
    proxy.setRules([{ latencyMs: 400 }]);
    const error = await failure(client.request({ method: 'GET', path: '/x' }));
    expect(error.details.kind).toBe('timeout');
  });

  it('simulates a 502 from a gateway whose upstream is down', async () => {
    const { upstream, proxy, client } = await setup({ maxAttempts: 2 });
    proxy.setRules([{ fault: { kind: 'upstream-down' } }]);
    const error = await failure(client.request({ method: 'GET', path: '/x' }));
    expect(error.details.status).toBe(502);
    expect(error.message).toContain('upstream unavailable');
    expect(proxy.count()).toBe(2);
    expect(upstream.requests()).toHaveLength(0);
  });

  it('refuses connections until told to accept again', async () => {
    const { proxy, client } = await setup({ maxAttempts: 2 });
    await client.request({ method: 'GET', path: '/before' });
    await proxy.refuseConnections();
    const error = await failure(client.request({ method: 'GET', path: '/during' }));
    expect(error.details.kind).toBe('transport');
    expect(error.message).toMatch(/ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|other side closed/);
    await proxy.acceptConnections();
    const res = await client.request({ method: 'GET', path: '/after' });
    expect(res.status).toBe(200);
    expect(proxy.requests().map((r) => r.path)).toEqual(['/before', '/after']);
  });

  it('applies a rule with a probability using the injected random source', async () => {
    const upstream = await startServer((_req, res) => sendJson(res, 200, {}));
    cleanups.push(() => upstream.close());
    const draws = [0.9, 0.1, 0.9, 0.1];
    const proxy = await startFaultProxy({ upstream: upstream.url, random: () => draws.shift() ?? 0.9, rules: [{ probability: 0.5, fault: { kind: 'status', status: 500 } }] });
    cleanups.push(() => proxy.close());
    const c = createHttpClient({ baseUrl: proxy.url, maxAttempts: 1 });
    cleanups.push(() => c.close());
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      outcomes.push(await c.request({ method: 'GET', path: '/x' }).then(() => 'ok', () => 'fail'));
    }
    expect(outcomes).toEqual(['ok', 'fail', 'ok', 'fail']);
  });
});
