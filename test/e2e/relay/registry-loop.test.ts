// The registry → pull request loop, end to end, with the venv's real MLflow server (SQL backend,
// webhooks on, loopback allowed) and the local GitHub stand-in:
//
//   register a model version on MLflow ─webhook─► mlops-gate relay ─repository_dispatch─► "GitHub"
//   ─client_payload─► mlops-gate bump (mlops.yml) ─► mlops-gate plan against the same MLflow
//
// MLflow caches each event's webhook list for 60 s per server process, so the webhook is created
// before the server sees any registry event (a fresh server), and the test takes seconds, not a
// minute. Between MLflow and the relay sits a recording proxy, so the test can replay a delivery
// exactly as MLflow sent it.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import type { ResultDocument } from '../../../src/result/types.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { startServer, type ReceivedRequest, type TestServer } from '../../support/http-server.js';
import { startMlflowServer, type MlflowServer } from '../../support/mlflow-server.js';
import { post, startRelayCli, until, type RelayProcess } from './harness.js';

const SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const TOKEN = 'ghs_loop_token_for_tests_0000000000000';
const MODEL = 'iris-gate-dev';

let mlflow: MlflowServer;
let api: GitHubStandIn;
let relay: RelayProcess;
let recorder: TestServer;
let dir: string;
const dispatches = () => api.callsTo('POST', /^\/repos\/acme\/models\/dispatches$/);

async function rest<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${mlflow.url}/api/2.0/mlflow${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

const CONFIG = (candidate: string) => `version: 1
environments:
  dev:
    registry: mlflow
    tracking_uri: \${MLFLOW_TRACKING_URI}
  prod:
    registry: mlflow
    tracking_uri: \${MLFLOW_TRACKING_URI}
    promote_from: dev
models:
  iris:
    name: iris-gate-\${env}   # one registered model per environment
    candidate: ${candidate}   # bumped by the promotion pull request
    policies: [docs]
policies:
  docs:
    gates:
      - type: description
        min_length: 5
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-loop-'));
  [mlflow, api] = await Promise.all([
    startMlflowServer({
      env: {
        // Deliveries to a loopback http URL need both (mlflow/webhooks/ssrf.py); never in production.
        MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: 'true',
        MLFLOW_WEBHOOK_ALLOWED_SCHEMES: 'http,https',
        // Without a fixed key, stored webhook secrets are unreadable after a restart.
        MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: randomBytes(32).toString('base64url') + '=',
      },
    }),
    startGitHubStandIn({ token: TOKEN }),
  ]);
  relay = await startRelayCli(['--github-repo', 'acme/models', '--aliases', 'challenger', '--registry-url', mlflow.url], {
    MLOPS_GATE_RELAY_SECRET: SECRET,
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: api.url,
  });
  // MLflow → recorder → relay: the recorder keeps MLflow's exact bytes and passes the answer back.
  recorder = await startServer(async (req, res) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('x-mlflow-') || k === 'content-type')) as Record<string, string>;
    const answer = await post(relay.url, { headers, body: req.bodyText });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.text);
  });
  // Before any registry event: the server's per-event webhook cache is still empty.
  await rest('POST', '/webhooks', {
    name: 'mlops-gate-relay',
    url: recorder.url + '/mlflow-webhook',
    events: [
      { entity: 'MODEL_VERSION', action: 'CREATED' },
      { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' },
    ],
    secret: SECRET,
  });
}, 300_000);

afterAll(async () => {
  const code = await relay?.stop();
  await recorder?.close();
  await api?.close();
  await mlflow?.stop();
  expect(code).toBe(0);
});

const deliveredBy = (event: string): ReceivedRequest[] => recorder.requests().filter((r) => r.body.includes(event));

describe('registry → relay → repository_dispatch → bump → plan', () => {
  it('a version registered on MLflow becomes exactly one repository_dispatch, which bumps the candidate the plan then gates', async () => {
    await rest('POST', '/registered-models/create', { name: MODEL });
    await rest('POST', '/model-versions/create', { name: MODEL, source: 's3://bucket/iris/1', description: 'first iris model' });

    await until('a repository_dispatch at the GitHub stand-in', () => dispatches().length >= 1);
    // MLflow got 202 at once, so it does not retry: still exactly one a moment later.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(dispatches()).toHaveLength(1);
    expect(api.dispatches).toHaveLength(1); // accepted by the stand-in's GitHub limits (event_type, client_payload)
    const call = dispatches()[0]!;
    expect(call.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.status).toBe(204);
    const delivered = deliveredBy('"model_version"');
    expect(delivered).toHaveLength(1);
    // The real delivery: MLflow's headers, its Python json.dumps bytes, verified as received.
    expect(delivered[0]!.headers['x-mlflow-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(delivered[0]!.body).toContain('"entity": "model_version"');
    expect(call.body).toEqual({
      event_type: 'mlops-gate-registry',
      client_payload: {
        event: 'model_version.created',
        model: { name: MODEL, version: '1', alias: null, source: 's3://bucket/iris/1', run_id: null },
        registry: { kind: 'mlflow', url: mlflow.url },
        delivery_id: delivered[0]!.headers['x-mlflow-delivery-id'],
        occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });

    // The example workflow's next steps: bump the candidate from the payload, then plan.
    const configFile = join(dir, 'mlops.yml');
    writeFileSync(configFile, CONFIG('{ latest: true }'));
    const payload = call.body as { client_payload: { model: { name: string; version: string } } };
    const env = { MLFLOW_TRACKING_URI: mlflow.url };
    let out = '';
    const bump = await runCli(['bump', '--config', configFile, '--name', payload.client_payload.model.name, '--version', payload.client_payload.model.version], {
      stdout: (s) => (out += s),
      stderr: (s) => (out += s),
      env,
      cwd: dir,
    });
    expect(bump, out).toBe(0);
    const bumped = readFileSync(configFile, 'utf8');
    expect(bumped).toContain('candidate: { version: "1" }');
    expect(bumped).toContain('# one registered model per environment'); // comments survive

    let json = '';
    const plan = await runCli(['plan', '--config', configFile, '--format', 'json'], { stdout: (s) => (json += s), stderr: () => undefined, env, cwd: dir });
    const result = JSON.parse(json) as ResultDocument;
    expect(plan).toBe(0);
    expect(result.targets[0]).toMatchObject({ model: 'iris', from: 'dev', to: 'prod', verdict: 'pass', candidate: { name: MODEL, version: '1' } });
  });

  it('forwards the configured alias only, and refuses MLflow\'s own delivery when it is replayed', async () => {
    const before = dispatches().length;
    await rest('POST', '/registered-models/alias', { name: MODEL, alias: 'champion', version: '1' });
    await rest('POST', '/registered-models/alias', { name: MODEL, alias: 'challenger', version: '1' });
    await until('the alias dispatch', () => dispatches().length === before + 1);
    await until('both alias deliveries', () => deliveredBy('"model_version_alias"').length === 2);
    expect(dispatches()[before]!.body).toMatchObject({ client_payload: { event: 'model_version_alias.created', model: { name: MODEL, version: '1', alias: 'challenger' } } });
    expect(relay.output()).toMatch(/200 ignored: model_version_alias.created iris-gate-dev v1 @champion/);

    // An attacker who captured MLflow's delivery sends it again, byte for byte.
    const captured = deliveredBy('"challenger"')[0]!;
    const headers = Object.fromEntries(Object.entries(captured.headers).filter(([k]) => k.startsWith('x-mlflow-') || k === 'content-type')) as Record<string, string>;
    const replay = await post(relay.url, { headers, body: captured.body });
    expect(replay).toMatchObject({ status: 401, text: '{"error":"unauthorized"}' });
    // …or re-signs it with a guessed secret.
    const forged = await post(relay.url, { headers: { ...headers, 'x-mlflow-signature': 'v1,' + Buffer.alloc(32).toString('base64') }, body: captured.body });
    expect(forged.status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(dispatches()).toHaveLength(before + 1);
    expect(relay.output()).not.toContain(SECRET);
  });
});
