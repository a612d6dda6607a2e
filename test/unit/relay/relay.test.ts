// The relay's decisions without a network: MLflow's real signed deliveries (captured from the
// venv's mlflow 3.17.2 server, /work/notes/mlflow-webhook-delivery.txt) verify byte for byte; the
// replay cache is bounded and never forgets a fresh id; dispatch payloads fit GitHub's limits.

import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseCliArgs } from '../../../src/invocation.js';
import { decide, type RelayRules } from '../../../src/relay/handle.js';
import { dispatchBody, CLIENT_PAYLOAD_MAX_CHARS } from '../../../src/relay/dispatch.js';
import { parseDelivery } from '../../../src/relay/events.js';
import { ReplayCache } from '../../../src/relay/replay.js';
import { signWebhook, verifyWebhookSignature } from '../../../src/util/webhook-signature.js';

/** Real deliveries (headers and raw body) from MLflow 3.17.2, webhook secret "s3cr3t-for-test". */
const CAPTURED = [
  {
    id: 'e4fec338-64ac-4537-9c18-a6d382ceb927',
    ts: '1796671584',
    sig: 'v1,YDedCKDzj2ummQ/A6LUGHUtx9BilRPghi+7lwzpVNM8=',
    body: '{"entity": "model_version", "action": "created", "timestamp": "2026-12-07T19:26:24.557044+00:00", "data": {"name": "iris-gate", "version": "1", "source": "models:/m-f06eddef9de34f02859978d86ae8c341", "run_id": "1daf6b3ca9c0440ba495f80e03f10d20", "tags": {"stage_hint": "candidate"}, "description": "v1 from research"}}',
  },
  {
    id: 'ecd56d2c-f044-4a41-8350-d249365cfba8',
    ts: '1796671586',
    sig: 'v1,nyveZzV7Mfy3VSs20vNS02Hz58ZQL2NBWsbam/KHjUo=',
    body: '{"entity": "model_version_alias", "action": "created", "timestamp": "2026-12-07T19:26:26.604872+00:00", "data": {"name": "iris-gate", "alias": "champion", "version": "1"}}',
  },
  {
    id: '6e186ccb-bc17-46dd-bd5f-8afd1a05186c',
    ts: '1796671586',
    sig: 'v1,nKY9mPI8YodgU4W2L0RKhyTEQ8UOIH7woyMYQvIPoiw=',
    body: '{"entity": "model_version_tag", "action": "set", "timestamp": "2026-12-07T19:26:26.636214+00:00", "data": {"name": "iris-gate", "version": "1", "key": "validation_status", "value": "approved"}}',
  },
  {
    id: 'a95ed4c9-1553-4711-a90c-d79e196ba156',
    ts: '1796671612',
    sig: 'v1,OPHGZjPz24MTaRsO6akTn3NHEQubkjpvQgPAhHZy0ug=',
    body: '{"entity": "model_version", "action": "created", "timestamp": "2026-12-07T19:26:52.181145+00:00", "data": {"name": "iris-gate", "version": "2", "source": "models:/m-f06eddef9de34f02859978d86ae8c341", "run_id": null, "tags": {}, "description": null}}',
  },
];
const SECRET = 's3cr3t-for-test';

describe('webhook signature (MLflow 3 scheme)', () => {
  it.each(CAPTURED)('verifies MLflow\'s own signature of delivery $id', (d) => {
    expect(signWebhook(SECRET, d.id, d.ts, d.body)).toBe(d.sig);
    expect(verifyWebhookSignature(d.sig, SECRET, d.id, d.ts, Buffer.from(d.body))).toBe(true);
  });

  it('fails on any change to the id, the timestamp, the body or the key, and on junk headers', () => {
    const d = CAPTURED[0]!;
    expect(verifyWebhookSignature(d.sig, SECRET, d.id.replace('e4', 'e5'), d.ts, d.body)).toBe(false);
    expect(verifyWebhookSignature(d.sig, SECRET, d.id, String(Number(d.ts) + 1), d.body)).toBe(false);
    expect(verifyWebhookSignature(d.sig, SECRET, d.id, d.ts, d.body.replace('"1"', '"2"'))).toBe(false);
    // Re-serialised JSON is different bytes: verification must use the raw body.
    expect(verifyWebhookSignature(d.sig, SECRET, d.id, d.ts, JSON.stringify(JSON.parse(d.body)))).toBe(false);
    expect(verifyWebhookSignature(d.sig, 's3cr3t-for-tesT', d.id, d.ts, d.body)).toBe(false);
    for (const junk of ['', 'v1,', 'v1=' + d.sig.slice(3), d.sig.slice(0, -2), 'x'.repeat(10_000), null, undefined]) {
      expect(verifyWebhookSignature(junk, SECRET, d.id, d.ts, d.body)).toBe(false);
    }
    expect(verifyWebhookSignature(d.sig, '', d.id, d.ts, d.body)).toBe(false);
  });

  it('accepts one matching signature among several (key rotation)', () => {
    const d = CAPTURED[0]!;
    expect(verifyWebhookSignature(`v1,AAAA ${d.sig}`, SECRET, d.id, d.ts, d.body)).toBe(true);
  });
});

describe('parseDelivery', () => {
  it('reads the forwarded events and acknowledges the others', () => {
    expect(parseDelivery(CAPTURED[0]!.body)).toEqual({
      kind: 'event',
      value: { event: 'model_version.created', name: 'iris-gate', version: '1', alias: null, source: 'models:/m-f06eddef9de34f02859978d86ae8c341', runId: '1daf6b3ca9c0440ba495f80e03f10d20', occurredAt: '2026-12-07T19:26:24.557044+00:00' },
    });
    expect(parseDelivery(CAPTURED[1]!.body)).toMatchObject({ kind: 'event', value: { event: 'model_version_alias.created', alias: 'champion', version: '1' } });
    expect(parseDelivery(CAPTURED[2]!.body)).toEqual({ kind: 'other', event: 'model_version_tag.set' });
    expect(parseDelivery(CAPTURED[3]!.body)).toMatchObject({ kind: 'event', value: { version: '2', runId: null } });
  });

  it.each([
    ['not json', '{'],
    ['an array', '[]'],
    ['no data', '{"entity":"model_version","action":"created"}'],
    ['version not a number', '{"entity":"model_version","action":"created","data":{"name":"m","version":"1; rm -rf"}}'],
    ['control characters in the name', '{"entity":"model_version","action":"created","data":{"name":"m\\nx","version":"1"}}'],
    ['an alias without version', '{"entity":"model_version_alias","action":"created","data":{"name":"m","alias":"a"}}'],
  ])('refuses %s', (_what, body) => {
    expect(parseDelivery(body).kind).toBe('malformed');
  });
});

describe('ReplayCache', () => {
  it('remembers ids until their expiry, and refuses new ids rather than forget fresh ones', () => {
    const cache = new ReplayCache(2);
    expect(cache.add('a', 1_000, 0)).toBe(true);
    expect(cache.add('b', 2_000, 0)).toBe(true);
    expect(cache.has('a', 500)).toBe(true);
    expect(cache.add('c', 3_000, 500)).toBe(false); // full of fresh ids
    expect(cache.has('a', 1_500)).toBe(false);
    expect(cache.add('c', 3_000, 1_500)).toBe(true); // a expired, its slot is reused
    expect(cache.size).toBe(2);
    expect(cache.has('b', 1_500) && cache.has('c', 1_500)).toBe(true);
  });

  it('stays bounded under a flood', () => {
    const cache = new ReplayCache(1_000);
    let refused = 0;
    for (let i = 0; i < 50_000; i++) if (!cache.add(`id-${i}`, i + 100, i)) refused++;
    expect(cache.size).toBeLessThanOrEqual(1_000);
    expect(refused).toBe(0); // ids expire as fast as they come
  });
});

describe('decide', () => {
  const rules: RelayRules = { secret: SECRET, eventType: 'mlops-gate-registry', events: ['model_version.created', 'model_version_alias.created'], models: null, aliases: null, maxSkewSeconds: 300, registryUrl: null };
  const headersOf = (d: (typeof CAPTURED)[number]) => ({ 'x-mlflow-delivery-id': d.id, 'x-mlflow-timestamp': d.ts, 'x-mlflow-signature': d.sig });
  const at = (d: (typeof CAPTURED)[number], offsetSeconds = 0) => (Number(d.ts) + offsetSeconds) * 1000;

  it('accepts a fresh genuine delivery and says how long to remember it', () => {
    const d = CAPTURED[0]!;
    const decision = decide(headersOf(d), Buffer.from(d.body), rules, new ReplayCache(10), at(d, 2));
    expect(decision).toMatchObject({ kind: 'accept', deliveryId: d.id, rememberUntilMs: (Number(d.ts) + 301) * 1000 });
  });

  it('refuses stale and future timestamps at the skew boundary', () => {
    const d = CAPTURED[0]!;
    expect(decide(headersOf(d), Buffer.from(d.body), rules, new ReplayCache(10), at(d, 300)).kind).toBe('accept');
    expect(decide(headersOf(d), Buffer.from(d.body), rules, new ReplayCache(10), at(d, 301)).kind).toBe('unauthorized');
    expect(decide(headersOf(d), Buffer.from(d.body), rules, new ReplayCache(10), at(d, -301)).kind).toBe('unauthorized');
  });

  it('checks the signature before anything else: an unsigned stale replay says "bad signature"', () => {
    const d = CAPTURED[0]!;
    const replay = new ReplayCache(10);
    replay.add(d.id, at(d, 1000), at(d));
    const decision = decide({ ...headersOf(d), 'x-mlflow-signature': 'v1,AAAA' }, Buffer.from(d.body), rules, replay, at(d, 9_999));
    expect(decision).toMatchObject({ kind: 'unauthorized', log: expect.stringMatching(/^bad signature/) });
  });

  it('filters by event, model glob and alias', () => {
    const [version, alias] = [CAPTURED[0]!, CAPTURED[1]!];
    const run = (r: Partial<RelayRules>, d = version) => decide(headersOf(d), Buffer.from(d.body), { ...rules, ...r }, new ReplayCache(10), at(d)).kind;
    expect(run({ events: ['model_version_alias.created'] })).toBe('ignore');
    expect(run({ models: ['iris-*'] })).toBe('accept');
    expect(run({ models: ['churn-*', 'fraud'] })).toBe('ignore');
    expect(run({ aliases: ['challenger'] }, alias)).toBe('ignore');
    expect(run({ aliases: ['champion'] }, alias)).toBe('accept');
  });

  it('builds a repository_dispatch within GitHub\'s limits whatever the event holds', () => {
    const body = dispatchBody('e', { event: 'model_version.created', name: 'n'.repeat(512), version: '9'.repeat(19), alias: null, source: 's'.repeat(1_000_000), runId: 'r'.repeat(10_000), occurredAt: null }, 'id', 'u'.repeat(100_000));
    expect(Object.keys(body.client_payload).length).toBeLessThanOrEqual(10);
    expect(JSON.stringify(body.client_payload).length).toBeLessThan(CLIENT_PAYLOAD_MAX_CHARS);
  });
});

describe('relay and bump flags', () => {
  it('defaults', () => {
    expect(parseCliArgs(['relay'])).toEqual({
      command: 'relay', port: 8788, host: '127.0.0.1', path: '/mlflow-webhook', secretEnv: 'MLOPS_GATE_RELAY_SECRET', tokenEnv: 'GITHUB_TOKEN', githubRepo: null,
      eventType: 'mlops-gate-registry', events: ['model_version.created', 'model_version_alias.created'], models: null, aliases: null, registryUrl: null,
      maxSkewSeconds: 300, maxBodyBytes: 65_536, concurrency: 4, queueLimit: 100,
    });
    expect(parseCliArgs(['bump', '--name', 'churn-dev', '--version', '7'])).toEqual({ command: 'bump', configPath: 'mlops.yml', name: 'churn-dev', version: '7' });
  });

  it.each([
    [['relay', '--event-type', 'x'.repeat(101)], /at most 100 characters/],
    [['relay', '--events', 'model_version.deleted'], /--events takes/],
    [['relay', '--secret-env', 'whsec_abc-123'], /NAME of an environment variable/],
    [['relay', '--github-repo', 'nope'], /OWNER\/NAME/],
    [['relay', '--concurrency', '0'], /--concurrency must be an integer 1..64/],
    [['relay', '--max-body-bytes', '10'], /--max-body-bytes/],
    [['relay', '--registry-url', 'file:///etc/passwd'], /http\(s\) URL/],
    [['bump', '--name', 'm', '--version', 'latest'], /--version must be a version number/],
    [['bump', '--version', '3'], /--name is required/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe('mlops-gate relay refuses to start without what it needs', () => {
  const start = async (env: Record<string, string>, args: string[] = []) => {
    let out = '';
    const { runCli } = await import('../../../src/cli.js');
    const code = await runCli(['relay', '--port', '0', ...args], { stdout: (s) => (out += s), stderr: (s) => (out += s), env, cwd: process.cwd(), untilStopped: async () => undefined });
    return { code, out };
  };
  it.each([
    [{}, /MLOPS_GATE_RELAY_SECRET is not set/],
    [{ MLOPS_GATE_RELAY_SECRET: 'short' }, /shorter than 16 characters/],
    [{ MLOPS_GATE_RELAY_SECRET: 'a-long-enough-secret-value' }, /GITHUB_TOKEN is not set/],
    [{ MLOPS_GATE_RELAY_SECRET: 'a-long-enough-secret-value', GITHUB_TOKEN: 'ghs_x' }, /--github-repo OWNER\/NAME is required/],
  ])('%j', async (env, message) => {
    const r = await start(env);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(message);
    expect(r.out).not.toMatch(/listening/);
    for (const value of Object.values(env)) if (value.length > 5) expect(r.out).not.toContain(value);
  });

  it('starts and stops cleanly when everything is there', async () => {
    const r = await start({ MLOPS_GATE_RELAY_SECRET: 'a-long-enough-secret-value', GITHUB_TOKEN: 'ghs_token_value', GITHUB_REPOSITORY: 'acme/models' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/mlflow-webhook → repository_dispatch "mlops-gate-registry" to acme\/models via https:\/\/api\.github\.com/);
    expect(r.out).not.toContain('a-long-enough-secret-value');
    expect(r.out).not.toContain('ghs_token_value');
  });
});
