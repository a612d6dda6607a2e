// `mlops-gate relay` under attack and under load, over real HTTP: forged, stale, replayed,
// oversized and malformed deliveries are refused with a bare status and dispatch nothing; a slow
// or failing GitHub never slows the answer to MLflow; dispatches are retried and bounded.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { mlflowDelivery, post, startRelayCli, until, type RelayProcess } from './harness.js';

const SECRET = 'relay-test-secret-0123456789abcdef';
const TOKEN = 'ghs_relay_token_for_tests_000000000000';
const created = (name: string, version: string) => ({ entity: 'model_version', action: 'created', data: { name, version, source: `models:/m-${version}`, run_id: null, tags: {}, description: null } });

let api: GitHubStandIn;
let relay: RelayProcess;
const dispatches = () => api.callsTo('POST', /^\/repos\/acme\/models\/dispatches$/);

beforeAll(async () => {
  api = await startGitHubStandIn({ token: TOKEN });
  relay = await startRelayCli(['--github-repo', 'acme/models', '--max-body-bytes', '4096'], {
    MLOPS_GATE_RELAY_SECRET: SECRET,
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: api.url,
  });
});
afterAll(async () => {
  expect(await relay?.stop()).toBe(0);
  await api?.close();
});

describe('relay: refusals', () => {
  it('accepts a genuine delivery once, and refuses forged, stale, replayed, oversized and unsigned ones without dispatching', async () => {
    const genuine = mlflowDelivery(SECRET, created('churn-dev', '7'));
    const ok = await post(relay.url, genuine);
    expect(ok).toMatchObject({ status: 202 });
    await until('the dispatch', () => dispatches().length === 1);
    expect(dispatches()[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(dispatches()[0]!.body).toMatchObject({ event_type: 'mlops-gate-registry', client_payload: { event: 'model_version.created', model: { name: 'churn-dev', version: '7' }, delivery_id: genuine.id } });

    const forged = mlflowDelivery('not-the-secret-but-long-enough', created('churn-dev', '8'));
    const tampered = { ...genuine, body: genuine.body.replace('"7"', '"9"') };
    const stale = mlflowDelivery(SECRET, created('churn-dev', '10'), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const future = mlflowDelivery(SECRET, created('churn-dev', '11'), { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    const unsigned = { headers: { 'content-type': 'application/json' }, body: genuine.body };
    const noSignature = { headers: { ...genuine.headers, 'x-mlflow-signature': '' }, body: genuine.body };
    const wrongHeaderId = { ...genuine, headers: { ...genuine.headers, 'x-mlflow-delivery-id': 'other-id' } };
    const cases = { replayed: genuine, forged, tampered, stale, future, unsigned, noSignature, wrongHeaderId };
    for (const [what, d] of Object.entries(cases)) {
      const r = await post(relay.url, d);
      // One answer for every refusal: the sender learns nothing about why.
      expect({ what, status: r.status, text: r.text }).toEqual({ what, status: 401, text: '{"error":"unauthorized"}' });
    }

    const big = mlflowDelivery(SECRET, { entity: 'model_version', action: 'created', data: { name: 'churn-dev', version: '12', description: 'x'.repeat(10_000) } });
    expect(await post(relay.url, big)).toMatchObject({ status: 413 });
    // Chunked (no content-length): counted while it streams.
    const chunked = await fetch(relay.url, {
      method: 'POST',
      headers: big.headers,
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1000)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);

    // Signed but not an event the relay forwards, or not usable: acknowledged, nothing dispatched.
    const tag = mlflowDelivery(SECRET, { entity: 'model_version_tag', action: 'set', data: { name: 'churn-dev', version: '7', key: 'k', value: 'v' } });
    expect(await post(relay.url, tag)).toMatchObject({ status: 200, text: '{"status":"ignored"}' });
    const junk = mlflowDelivery(SECRET, { entity: 'model_version', action: 'created', data: { name: 'churn-dev', version: 'seven' } });
    expect(await post(relay.url, junk)).toMatchObject({ status: 400 });

    expect((await fetch(relay.url.replace(/\/mlflow-webhook$/, '/elsewhere'), { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(relay.url)).status).toBe(405);
    expect((await fetch(relay.url.replace(/\/mlflow-webhook$/, '/healthz'))).status).toBe(200);

    await new Promise((r) => setTimeout(r, 300));
    expect(dispatches()).toHaveLength(1);
    // The operator's log says why; it never holds the secret or the token.
    const log = relay.output();
    expect(log).toMatch(/401 bad signature/);
    expect(log).toMatch(/401 stale timestamp/);
    expect(log).toMatch(/401 replayed delivery/);
    expect(log).toMatch(/413/);
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(TOKEN);
  });
});

describe('relay: a slow or failing GitHub', () => {
  let github: TestServer;
  let slow: RelayProcess;
  let answer: (index: number) => { status: number; delayMs: number } = () => ({ status: 204, delayMs: 0 });
  afterEach(async () => {
    await slow?.stop();
    await github?.close();
  });

  const startBehind = async (args: string[]) => {
    github = await startServer(async (_req, res, index) => {
      const { status, delayMs } = answer(index);
      await new Promise((r) => setTimeout(r, delayMs));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 204 ? '' : '{"message":"injected"}');
    });
    slow = await startRelayCli(['--github-repo', 'acme/models', ...args], { MLOPS_GATE_RELAY_SECRET: SECRET, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
  };

  it('retries a dispatch on 5xx with backoff, with the same body each time', async () => {
    answer = (i) => ({ status: i < 2 ? 502 : 204, delayMs: 0 });
    await startBehind([]);
    const d = mlflowDelivery(SECRET, created('churn-dev', '3'));
    expect((await post(slow.url, d)).status).toBe(202);
    await until('three attempts', () => github.requests().length === 3);
    const bodies = github.requests().map((r) => r.body);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ client_payload: { delivery_id: d.id } });
    const [a, b, c] = github.requests().map((r) => r.receivedAt);
    expect(b! - a!).toBeGreaterThanOrEqual(200); // backoff, not a hot loop
    expect(c! - b!).toBeGreaterThanOrEqual(400);
    await until('the dispatched log line', () => /dispatched "mlops-gate-registry"/.test(slow.output()));
  });

  it('answers MLflow at once while GitHub hangs, keeps at most --concurrency dispatches in flight, and answers 503 when the queue is full', async () => {
    answer = () => ({ status: 204, delayMs: 1_500 });
    await startBehind(['--concurrency', '2', '--queue', '4']);
    const deliveries = Array.from({ length: 6 }, (_, i) => mlflowDelivery(SECRET, created('churn-dev', String(20 + i))));
    const results = [];
    for (const d of deliveries) results.push(await post(slow.url, d));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 503, 503]);
    for (const r of results) expect(r.ms).toBeLessThan(1_000);
    expect(results[4]!.text).toBe('{"error":"busy"}');
    await until('four dispatches', () => github.requests().length === 4, 20_000);
    expect(github.maxInFlight()).toBe(2);
    // A delivery refused as busy was not remembered: MLflow's retry (same id) is accepted.
    expect((await post(slow.url, deliveries[4]!)).status).toBe(202);
    await until('the fifth dispatch', () => github.requests().length === 5, 20_000);
  });

  it('gives up on a dispatch after bounded retries and says so in its log, never to the sender', async () => {
    answer = () => ({ status: 500, delayMs: 0 });
    await startBehind([]);
    const d = mlflowDelivery(SECRET, created('churn-dev', '40'));
    expect((await post(slow.url, d)).status).toBe(202);
    await until('the failure log line', () => /dispatch FAILED/.test(slow.output()), 30_000);
    expect(github.requests().length).toBe(5);
    expect(slow.output()).not.toContain(TOKEN);
  });
});
