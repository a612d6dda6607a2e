// The emulator's server core over real HTTP: auth (PAT, OAuth M2M, token exchange), Databricks
// error shapes, multi-workspace routing, fault injection and the admin API.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { defaultModules, makeTestJwt, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { call, catalogsSeed } from './helpers.js';

let now = Date.UTC(2026, 0, 1);
const clock = { now: () => now };
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    modules: defaultModules(),
    clock,
    tickMs: 0,
    tokenTtlSeconds: 600,
    workspaces: [
      {
        id: 'dev',
        federationPolicies: [
          {
            clientId: 'sp-app-id',
            issuer: 'https://token.actions.githubusercontent.com',
            subject: 'repo:acme/churn:environment:prod',
            audiences: ['https://github.com/acme'],
          },
          {
            clientId: 'sp-signed',
            issuer: 'https://token.actions.githubusercontent.com',
            subject: 'repo:acme/churn:ref:refs/heads/main',
            audiences: ['databricks'],
            hmacSecret: 'test-secret',
          },
        ],
      },
      { id: 'prod', tokens: { 'dapi-prod-only': 'prod-deployer' } },
    ],
    seed: { workspaces: { dev: catalogsSeed, prod: catalogsSeed } },
  });
});
afterAll(async () => {
  await emu.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const tokenRequest = async (fields: Record<string, string>, basic?: string) => {
  const res = await request(`${emu.url}/oidc/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}) },
    body: form(fields),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
};

describe('auth', () => {
  it('refuses a request without credentials with 401 UNAUTHENTICATED', async () => {
    const r = await call(emu.url, 'GET', '/api/2.1/unity-catalog/catalogs', { token: null });
    expect(r.status).toBe(401);
    expect(r.json.error_code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown token with 403 PERMISSION_DENIED and accepts the default PAT', async () => {
    const bad = await call(emu.url, 'GET', '/api/2.1/unity-catalog/catalogs', { token: 'dapi-nope' });
    expect(bad.status).toBe(403);
    expect(bad.json).toMatchObject({ error_code: 'PERMISSION_DENIED', message: 'Invalid access token.' });
    const ok = await call(emu.url, 'GET', '/api/2.1/unity-catalog/catalogs');
    expect(ok.status).toBe(200);
    expect((ok.json.catalogs as Array<{ name: string }>).map((c) => c.name)).toEqual(['dev', 'prod']);
  });

  it('serves OIDC discovery and host metadata without a token', async () => {
    const d = await call(emu.url, 'GET', '/oidc/.well-known/oauth-authorization-server', { token: null });
    expect(d.json.token_endpoint).toBe(`${emu.url}/oidc/v1/token`);
    const meta = await call(emu.url, 'GET', '/.well-known/databricks-config', { token: null });
    expect(meta.json.oidc_endpoint).toBe(`${emu.url}/oidc`);
  });

  it('issues M2M tokens for client credentials sent as HTTP Basic, which expire on the clock', async () => {
    const t = await tokenRequest({ grant_type: 'client_credentials', scope: 'all-apis' }, 'emulator-client:emulator-secret');
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    const token = String(t.json.access_token);
    const me = await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me', { token });
    expect(me.json.userName).toBe('emulator-service-principal');
    now += 601_000;
    const expired = await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me', { token });
    expect(expired.status).toBe(403);
    expect(String(expired.json.message)).toMatch(/expired/);
  });

  it('refuses a wrong client secret with an OAuth error body', async () => {
    const t = await tokenRequest({ grant_type: 'client_credentials' }, 'emulator-client:wrong');
    expect(t.status).toBe(401);
    expect(t.json.error).toBe('invalid_client');
  });

  it('exchanges a GitHub OIDC JWT that matches a federation policy, and refuses one that does not', async () => {
    const claims = {
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:acme/churn:environment:prod',
      aud: 'https://github.com/acme',
      exp: Math.floor(now / 1000) + 300,
    };
    const grant = {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope: 'all-apis',
      client_id: 'sp-app-id',
    };
    const good = await tokenRequest({ ...grant, subject_token: makeTestJwt(claims) });
    expect(good.status).toBe(200);
    const me = await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me', { token: String(good.json.access_token) });
    expect(me.json.userName).toBe('sp-app-id');

    const wrongSubject = await tokenRequest({ ...grant, subject_token: makeTestJwt({ ...claims, sub: 'repo:evil/fork:ref:refs/heads/main' }) });
    expect(wrongSubject.status).toBe(401);
    const wrongAudience = await tokenRequest({ ...grant, subject_token: makeTestJwt({ ...claims, aud: 'other' }) });
    expect(wrongAudience.status).toBe(401);
    const expired = await tokenRequest({ ...grant, subject_token: makeTestJwt({ ...claims, exp: Math.floor(now / 1000) - 1 }) });
    expect(expired.json.error).toBe('invalid_grant');
  });

  it('checks the HS256 signature when the policy has a secret', async () => {
    const claims = { iss: 'https://token.actions.githubusercontent.com', sub: 'repo:acme/churn:ref:refs/heads/main', aud: ['databricks'] };
    const grant = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', client_id: 'sp-signed' };
    expect((await tokenRequest({ ...grant, subject_token: makeTestJwt(claims, 'test-secret') })).status).toBe(200);
    expect((await tokenRequest({ ...grant, subject_token: makeTestJwt(claims, 'other-secret') })).status).toBe(401);
    expect((await tokenRequest({ ...grant, subject_token: makeTestJwt(claims) })).status).toBe(401);
  });
});

describe('errors and routing', () => {
  it('answers an unknown route with 404 ENDPOINT_NOT_FOUND', async () => {
    const r = await call(emu.url, 'GET', '/api/2.0/no/such/api');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: "No API found for 'GET /api/2.0/no/such/api'" });
  });

  it('answers a known path with the wrong method like an unknown route', async () => {
    const r = await call(emu.url, 'DELETE', '/api/2.0/mlflow/unity-catalog/registered-models/get');
    expect(r.status).toBe(404);
    expect(r.json.error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('rejects malformed JSON with 400', async () => {
    const r = await call(emu.url, 'POST', '/api/2.1/unity-catalog/catalogs', { raw: '{nope', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('MALFORMED_REQUEST');
  });

  it('sends x-databricks-org-id on runs/get', async () => {
    const exp = await call(emu.url, 'POST', '/api/2.0/mlflow/experiments/create', { body: { name: '/Shared/org-header' } });
    const run = await call(emu.url, 'POST', '/api/2.0/mlflow/runs/create', { body: { experiment_id: exp.json.experiment_id } });
    const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
    const got = await call(emu.url, 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`);
    expect(got.headers['x-databricks-org-id']).toBe(emu.admin.workspace('dev').orgId);
  });
});

describe('multi-workspace routing', () => {
  it('routes by Host header and by /ws/<id> prefix, with separate state and tokens', async () => {
    const created = await call(emu.url, 'POST', '/api/2.1/unity-catalog/catalogs', {
      body: { name: 'only_in_prod' },
      headers: { host: 'prod.localhost' },
      token: 'dapi-prod-only',
    });
    expect(created.status).toBe(200);
    const viaPrefix = await call(emu.workspaceUrl('prod'), 'GET', '/api/2.1/unity-catalog/catalogs/only_in_prod', { token: 'dapi-prod-only' });
    expect(viaPrefix.status).toBe(200);
    const inDev = await call(emu.url, 'GET', '/api/2.1/unity-catalog/catalogs/only_in_prod');
    expect(inDev.status).toBe(404);
    expect(inDev.json.error_code).toBe('CATALOG_DOES_NOT_EXIST');

    const prodToken = await call(emu.workspaceUrl('prod'), 'GET', '/api/2.1/unity-catalog/catalogs', { token: 'dapi-prod-only' });
    expect(prodToken.status).toBe(200);
    const prodTokenOnDev = await call(emu.url, 'GET', '/api/2.1/unity-catalog/catalogs', { token: 'dapi-prod-only' });
    expect(prodTokenOnDev.status).toBe(403);
    expect(emu.workspaceUrl('prod')).toBe(`${emu.url}/ws/prod`);
  });

  it('answers HEAD on a GET-only route with headers and no body', async () => {
    const r = await call(emu.url, 'HEAD', '/api/2.1/unity-catalog/catalogs');
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
  });

  it('answers an unknown workspace prefix with 404', async () => {
    const r = await call(emu.url, 'GET', '/ws/nope/api/2.1/unity-catalog/catalogs');
    expect(r.status).toBe(404);
  });
});

describe('fault injection', () => {
  const path = '/api/2.1/unity-catalog/catalogs';

  it('returns 429 with Retry-After, then lets requests through once `times` is used up', async () => {
    emu.admin.clearFaults();
    emu.admin.addFault({ kind: 'rate_limit', method: 'GET', path, retryAfterSeconds: 7, times: 2 });
    const a = await call(emu.url, 'GET', path);
    const b = await call(emu.url, 'GET', path);
    const c = await call(emu.url, 'GET', path);
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.headers['retry-after']).toBe('7');
    expect(a.json.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
  });

  it('lets the first `skip` matching requests through', async () => {
    emu.admin.clearFaults();
    emu.admin.addFault({ kind: 'error', method: 'GET', path, status: 500, skip: 2, times: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(emu.url, 'GET', path)).status);
    expect(statuses).toEqual([200, 200, 500, 200]);
    emu.admin.clearFaults();
  });

  it('applies faults to one workspace only when asked', async () => {
    emu.admin.addFault({ kind: 'error', workspace: 'prod', status: 503 });
    expect((await call(emu.url, 'GET', path)).status).toBe(200);
    expect((await call(emu.workspaceUrl('prod'), 'GET', path, { token: 'dapi-prod-only' })).status).toBe(503);
    emu.admin.clearFaults();
  });

  it('injects 5xx errors with the Databricks error body, matching a path glob', async () => {
    emu.admin.clearFaults();
    emu.admin.addFault({ kind: 'error', path: '/api/2.1/unity-catalog/*', status: 503 });
    const r = await call(emu.url, 'GET', path);
    expect(r.status).toBe(503);
    expect(r.json.error_code).toBe('TEMPORARILY_UNAVAILABLE');
    const other = await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me');
    expect(other.status).toBe(200);
    emu.admin.clearFaults();
  });

  it('resets the connection', async () => {
    emu.admin.addFault({ kind: 'reset', path, times: 1 });
    await expect(call(emu.url, 'GET', path)).rejects.toThrow();
    expect((await call(emu.url, 'GET', path)).status).toBe(200);
  });

  it('loses the response after the handler ran: the client sees 500, the state changed', async () => {
    emu.admin.addFault({ kind: 'lost_response', method: 'POST', path, times: 1 });
    const lost = await call(emu.url, 'POST', path, { body: { name: 'lost_one' } });
    expect(lost.status).toBe(500);
    const retry = await call(emu.url, 'POST', path, { body: { name: 'lost_one' } });
    expect(retry.status).toBe(409);
    expect(retry.json.error_code).toBe('CATALOG_ALREADY_EXISTS');
  });

  it('loses the response with a connection reset', async () => {
    emu.admin.addFault({ kind: 'lost_response', then: 'reset', method: 'POST', path, times: 1 });
    await expect(call(emu.url, 'POST', path, { body: { name: 'lost_two' } })).rejects.toThrow();
    expect((await call(emu.url, 'GET', `${path}/lost_two`)).status).toBe(200);
  });

  it('delays requests (latency rules fire and are counted; no timing is asserted)', async () => {
    emu.admin.clearFaults();
    const rule = emu.admin.addFault({ kind: 'latency', path, latencyMs: 5, jitterMs: 5 });
    expect((await call(emu.url, 'GET', path)).status).toBe(200);
    expect(emu.admin.faults().rules.find((r) => r.id === rule.id)?.fired).toBe(1);
    emu.admin.clearFaults();
  });

  it('draws probabilistic faults deterministically from the seed', async () => {
    const outcomes = async (): Promise<number[]> => {
      emu.admin.clearFaults();
      emu.admin.reseedFaults(1234);
      emu.admin.addFault({ kind: 'error', path, method: 'GET', probability: 0.5, status: 500 });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await call(emu.url, 'GET', path)).status);
      return out;
    };
    const first = await outcomes();
    const second = await outcomes();
    expect(first).toEqual(second);
    expect(first).toContain(500);
    expect(first).toContain(200);
    emu.admin.clearFaults();
  });

  it('is driven over the admin API and records per-route counts', async () => {
    await call(emu.url, 'DELETE', '/__emulator/requests', { token: null });
    const added = await call(emu.url, 'POST', '/__emulator/faults', { token: null, body: { rules: [{ kind: 'error', path: '/api/2.0/preview/*', status: 502 }] } });
    expect(added.status).toBe(200);
    const id = (added.json.rules as Array<{ id: string }>)[0]!.id;
    expect((await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me')).status).toBe(502);
    expect((await call(emu.url, 'DELETE', `/__emulator/faults/${id}`, { token: null })).status).toBe(200);
    expect((await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me')).status).toBe(200);
    const log = await call(emu.url, 'GET', '/__emulator/requests', { token: null });
    expect((log.json.counts as Record<string, number>)['GET /api/2.0/preview/scim/v2/Me']).toBe(2);
    const entries = log.json.entries as Array<{ status: number; fault: string | null }>;
    expect(entries.map((e) => [e.status, e.fault])).toEqual([
      [502, 'error'],
      [200, null],
    ]);
    const bad = await call(emu.url, 'POST', '/__emulator/faults', { token: null, body: { kind: 'explode' } });
    expect(bad.status).toBe(400);
  });
});
