import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { databricksAuthFromEnv } from '../../../src/platform/http/auth.js';
import { createHttpClient, type HttpClientOptions } from '../../../src/platform/http/client.js';
import { proxyFor, proxySettingsFromEnv } from '../../../src/platform/http/proxy.js';
import { sendJson, startServer, type TestServer } from '../../support/http-server.js';
import { startForwardProxy, type ForwardProxy } from './forward-proxy.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const upstream = async (): Promise<TestServer> => {
  const s = await startServer((req, res) => sendJson(res, 200, { path: req.url }));
  cleanups.push(() => s.close());
  return s;
};
const proxy = async (requiredAuth?: string): Promise<ForwardProxy> => {
  const p = await startForwardProxy(requiredAuth);
  cleanups.push(() => p.close());
  return p;
};
const client = (opts: HttpClientOptions) => {
  const c = createHttpClient(opts);
  cleanups.push(() => c.close());
  return c;
};

describe('proxy selection (NO_PROXY semantics)', () => {
  const target = (u: string) => new URL(u);
  const pick = (env: Record<string, string>, url: string) => proxyFor(target(url), proxySettingsFromEnv(env))?.host ?? null;

  it.each([
    // [env, url, expected proxy host or null]
    [{ HTTPS_PROXY: 'p:3128' }, 'https://dbc.example.com', 'p:3128'],
    [{ HTTPS_PROXY: 'p:3128' }, 'http://dbc.example.com', null], // no cross-scheme fallback
    [{ HTTP_PROXY: 'p:3128' }, 'http://localhost:5000', 'p:3128'], // loopback is not special
    [{ HTTP_PROXY: 'p:3128', NO_PROXY: 'localhost,127.0.0.1' }, 'http://localhost:5000', null],
    [{ HTTP_PROXY: 'p:3128', NO_PROXY: '*' }, 'http://anything.test', null],
    [{ HTTPS_PROXY: 'p:3128', NO_PROXY: 'example.com' }, 'https://dbc.example.com', null],
    [{ HTTPS_PROXY: 'p:3128', NO_PROXY: '.example.com' }, 'https://example.com', null],
    [{ HTTPS_PROXY: 'p:3128', NO_PROXY: '*.example.com' }, 'https://a.b.example.com', null],
    [{ HTTPS_PROXY: 'p:3128', NO_PROXY: 'example.com' }, 'https://notexample.com', 'p:3128'],
    [{ HTTP_PROXY: 'p:3128', NO_PROXY: '127.0.0.1:9999' }, 'http://127.0.0.1:5000', 'p:3128'],
    [{ HTTP_PROXY: 'p:3128', NO_PROXY: '127.0.0.1:5000' }, 'http://127.0.0.1:5000', null],
    [{ HTTP_PROXY: 'p:3128', NO_PROXY: '10.0.0.0/8' }, 'http://10.1.2.3', null],
    [{ HTTP_PROXY: 'p:3128', NO_PROXY: '10.0.0.0/8' }, 'http://11.1.2.3', 'p:3128'],
    [{ HTTP_PROXY: 'p:3128', NO_PROXY: '::1' }, 'http://[::1]:5000', null],
    [{ http_proxy: 'lower:1', HTTP_PROXY: 'upper:2' }, 'http://x.test', 'lower:1'],
    [{ http_proxy: '', HTTP_PROXY: 'upper:2' }, 'http://x.test', 'upper:2'],
    [{ HTTP_PROXY: 'p:1', no_proxy: 'x.test', NO_PROXY: '' }, 'http://x.test', null],
  ])('%j %s → %s', (env, url, expected) => {
    expect(pick(env, url)).toBe(expected);
  });

  it('rejects an unusable proxy URL with a ConfigError naming the variable', () => {
    expect(() => proxySettingsFromEnv({ HTTPS_PROXY: 'ftp://p:21' })).toThrow(ConfigError);
    expect(() => proxySettingsFromEnv({ HTTPS_PROXY: 'ftp://p:21' })).toThrow(/HTTPS_PROXY/);
  });
});

describe('requests through a real forward proxy', () => {
  it('tunnels through HTTP_PROXY', async () => {
    const [up, p] = [await upstream(), await proxy()];
    const res = await client({ baseUrl: up.url, env: { HTTP_PROXY: p.url } }).request({ method: 'GET', path: '/api/x' });
    expect(res.body).toEqual({ path: '/api/x' });
    expect(p.connects()).toEqual([`127.0.0.1:${up.port}`]);
    expect(up.requests()).toHaveLength(1);
  });

  it('goes direct when NO_PROXY lists the host', async () => {
    const [up, p] = [await upstream(), await proxy()];
    await client({ baseUrl: up.url, env: { http_proxy: p.url, no_proxy: '127.0.0.1' } }).request({ method: 'GET', path: '/x' });
    expect(p.connects()).toEqual([]);
    expect(p.forwarded()).toEqual([]);
    expect(up.requests()).toHaveLength(1);
  });

  it('sends proxy credentials from the proxy URL and never logs them', async () => {
    const password = 'proxy-pass-s3cret';
    const [up, p] = [await upstream(), await proxy(`Basic ${Buffer.from(`bob:${password}`).toString('base64')}`)];
    const lines: string[] = [];
    const proxyUrl = p.url.replace('http://', `http://bob:${password}@`);
    await client({ baseUrl: up.url, env: { HTTP_PROXY: proxyUrl }, logger: { debug: (l) => lines.push(l) } }).request({ method: 'GET', path: '/x' });
    expect(p.connects()).toHaveLength(1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(password);
  });

  it('sends Databricks token requests through the proxy too', async () => {
    const p = await proxy();
    const ws = await startServer((req, res) => {
      if (req.url?.startsWith('/oidc/.well-known')) return sendJson(res, 200, { token_endpoint: `http://${req.headers.host}/oidc/v1/token` });
      return sendJson(res, 200, { access_token: 'tok-abcdef', expires_in: 3600, token_type: 'Bearer' });
    });
    cleanups.push(() => ws.close());
    const auth = databricksAuthFromEnv(ws.url, { DATABRICKS_CLIENT_ID: 'id', DATABRICKS_CLIENT_SECRET: 'secret-xyz', HTTP_PROXY: p.url });
    expect(await auth.headers()).toEqual({ authorization: 'Bearer tok-abcdef' });
    expect(p.connects().length).toBeGreaterThanOrEqual(1);
  });
});
