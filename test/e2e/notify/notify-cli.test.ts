// Notifications from `mlops-gate promote` / `rollback` (CLI, in-process) on the Databricks emulator,
// delivered over real HTTP to local receivers standing in for Slack, a Teams Workflows webhook and a
// signed JSON endpoint: the payloads, the signature, retries on 5xx, a receiver that hangs, and
// that none of it changes the run's exit code or prints a secret.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { verifyWebhookSignature } from '../../../src/util/webhook-signature.js';
import { runCliOnConfigText, type CliRun } from '../../support/run-cli.js';
import { startServer, type ReceivedRequest, type TestServer } from '../../support/http-server.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'long', required: true }] };
const version = (owner: string | null) => ({ description: 'Gradient boosting on the 2026-11 snapshot.', tags: owner ? { owner } : {}, signature: SIGNATURE, files: { 'model.pkl': 'x' } });
const SEED = {
  workspaces: {
    dev: {
      tokens: { 'dapi-dev': 'ml-engineer@example.com' },
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
      registry: {
        models: [
          { name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version('churn-team'), version('churn-team')] },
          { name: 'dev.ml.fraud', aliases: { challenger: 1 }, versions: [version(null)] },
        ],
      },
    },
  },
};

type Answer = { status: number; delayMs?: number; body?: string };
const receivers: Record<'slack' | 'teams' | 'hook', { server: TestServer; answer: (index: number) => Answer }> = {} as never;
let emu: RunningEmulator;
let dir: string;

// The URLs and the key are secrets: long, recognisable, and never to be printed.
const SLACK_TOKEN = 'T0SLACKTEAM/B0SLACKHOOK/slacksecrettoken0123456789';
const TEAMS_QUERY = 'api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=teamssecretsig0123456789abcdef';
const HOOK_KEY = 'hook-signing-key-0123456789abcdef';
const env = () => ({
  DATABRICKS_TOKEN: 'dapi-dev',
  GITHUB_ACTOR: 'release-bot',
  GITHUB_REPOSITORY: 'acme/models',
  GITHUB_RUN_ID: '77',
  GITHUB_SHA: 'c'.repeat(40),
  GITHUB_SERVER_URL: 'https://github.example',
  SLACK_WEBHOOK_URL: `${receivers.slack.server.url}/services/${SLACK_TOKEN}`,
  TEAMS_WORKFLOW_URL: `${receivers.teams.server.url}/workflows/abc/triggers/manual/paths/invoke?${TEAMS_QUERY}`,
  AUDIT_HOOK_URL: `${receivers.hook.server.url}/mlops-events`,
  AUDIT_HOOK_KEY: HOOK_KEY,
});
const SECRETS = [SLACK_TOKEN, 'slacksecrettoken0123456789', 'teamssecretsig0123456789abcdef', HOOK_KEY, '/mlops-events'];

const config = (notify = '') => `version: 1
environments:
  dev:
    registry: databricks-uc
    host: ${emu.workspaceUrl('dev')}
    catalog: dev
    schema: ml
  prod:
    registry: databricks-uc
    host: ${emu.workspaceUrl('dev')}
    catalog: prod
    schema: ml
    promote_from: dev
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [release]
  fraud:
    name: fraud
    candidate: { alias: challenger }
    policies: [release]
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
notify:
  timeout_seconds: 0.5
  attempts: 3
  channels:
    - name: ml-alerts
      kind: slack
      url_env: SLACK_WEBHOOK_URL
    - name: release-room
      kind: teams
      url_env: TEAMS_WORKFLOW_URL
      events: [applied, rolled_back, aborted]
    - name: audit
      kind: webhook
      url_env: AUDIT_HOOK_URL
      secret_env: AUDIT_HOOK_KEY
      models: [churn]
${notify}`;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0 });
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-notify-'));
  for (const name of ['slack', 'teams', 'hook'] as const) {
    const slot = { server: null as unknown as TestServer, answer: (_i: number): Answer => ({ status: 200 }) };
    slot.server = await startServer(async (_req, res, index) => {
      const a = slot.answer(index);
      if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
      if (res.destroyed) return;
      res.writeHead(a.status, { 'content-type': 'text/plain' });
      res.end(a.body ?? (a.status < 300 ? 'ok' : 'error'));
    });
    receivers[name] = slot;
  }
});
afterAll(async () => {
  await Promise.all(Object.values(receivers).map((r) => r.server.close()));
  await emu?.close();
});

let seen: Record<string, number> = {};
/** From here on, `received` shows only new requests. */
const mark = () => (seen = Object.fromEntries(Object.entries(receivers).map(([k, r]) => [k, r.server.requests().length])));
beforeEach(async () => {
  await emu.admin.reset();
  mark();
  for (const r of Object.values(receivers)) r.answer = () => ({ status: 200 });
});
const received = (name: keyof typeof receivers): ReceivedRequest[] => receivers[name].server.requests().slice(seen[name]);
const json = (r: ReceivedRequest) => JSON.parse(r.body) as Record<string, unknown>;

const run = async (argv: string[], text = config()): Promise<CliRun & { files: string }> => {
  const resultFile = join(dir, `result-${Math.random().toString(36).slice(2)}.json`);
  const r = await runCliOnConfigText([...argv, '--result', resultFile], text, dir, { env: env() });
  return { ...r, files: readFileSync(resultFile, 'utf8') };
};

const expectNoSecrets = (r: CliRun & { files: string }) => {
  for (const s of SECRETS) {
    expect(r.stderr).not.toContain(s);
    expect(JSON.stringify(r.result)).not.toContain(s);
    expect(r.files).not.toContain(s);
  }
};

describe('notifications from the CLI', () => {
  it('a promotion notifies Slack, Teams and the signed webhook once each, with links; a blocked target only where selected', async () => {
    // A first champion (v1), so the promotion below replaces one and the rollback has a target.
    const first = await run(['promote', '--model', 'churn'], config().replace('{ alias: challenger }', '{ version: "1" }'));
    expect(first.code, first.stderr).toBe(0);
    expect(received('hook').map((m) => json(m).event)).toEqual(['applied']);
    mark();

    const r = await run(['promote']);
    expect(r.code, r.stderr).toBe(1); // fraud is blocked (no owner tag); churn is promoted
    expect(r.result!.targets.map((t) => [t.model, t.plan?.status])).toEqual([
      ['churn', 'applied'],
      ['fraud', 'blocked'],
    ]);

    // Slack: both events, in target order.
    const slack = received('slack');
    expect(slack.map((m) => m.url)).toEqual([`/services/${SLACK_TOKEN}`, `/services/${SLACK_TOKEN}`]);
    expect(slack.map((m) => (json(m).text as string).split(':')[0])).toEqual(['✅ churn', '⛔ fraud']);
    const applied = json(slack[0]!) as { blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
    expect(applied.blocks[0]!.text!.text).toMatch(/^\*✅ churn: promoted dev → prod\*\n/);
    expect(applied.blocks[0]!.text!.text).toContain('dev.ml.churn v2 → prod.ml.churn v2, replacing v1');
    expect(applied.blocks.at(-1)!.elements![0]!.text).toBe(
      `<https://github.example/acme/models/actions/runs/77|Run> · <${emu.workspaceUrl('dev')}/explore/data/models/prod/ml/churn/version/2|Model> · <https://github.example/acme/models/commit/${'c'.repeat(40)}|Commit>`,
    );
    const blockedText = JSON.stringify(json(slack[1]!));
    expect(blockedText).toContain('required_tags');

    // Teams: only `applied` (its events exclude blocked), as an Adaptive Card.
    const teams = received('teams');
    expect(teams).toHaveLength(1);
    expect(teams[0]!.url).toBe(`/workflows/abc/triggers/manual/paths/invoke?${TEAMS_QUERY}`);
    expect(json(teams[0]!)).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }] });

    // The webhook: churn only, signed; the signature verifies over the raw body and is fresh.
    const hook = received('hook');
    expect(hook).toHaveLength(1);
    const h = hook[0]!.headers as Record<string, string>;
    expect(verifyWebhookSignature(h['x-mlops-gate-signature'], HOOK_KEY, h['x-mlops-gate-delivery-id']!, h['x-mlops-gate-timestamp']!, hook[0]!.body)).toBe(true);
    expect(Math.abs(Date.now() / 1000 - Number(h['x-mlops-gate-timestamp']))).toBeLessThan(60);
    expect(h['x-mlops-gate-event']).toBe('applied');
    expect(h['user-agent']).toMatch(/^mlops-gate\//);
    expect(json(hook[0]!)).toMatchObject({
      type: 'mlops-gate.notification',
      version: 1,
      id: h['x-mlops-gate-delivery-id'],
      event: 'applied',
      command: 'promote',
      model: 'churn',
      from: 'dev',
      to: 'prod',
      status: 'applied',
      candidate: { name: 'dev.ml.churn', version: '2' },
      destination: { name: 'prod.ml.churn', version: '2' },
      previous_version: '1',
      plan_hash: r.result!.targets[0]!.plan!.hash,
      repository: 'acme/models',
      actor: 'release-bot',
      links: { run: 'https://github.example/acme/models/actions/runs/77' },
    });

    expect(r.stderr).toMatch(/notified Slack channel "ml-alerts" \(127\.0\.0\.1:\d+\): applied churn → prod/);
    expect(r.stderr).not.toMatch(/warning/);
    expectNoSecrets(r);

    // A re-run changes nothing: no notification.
    const again = await run(['promote', '--model', 'churn']);
    expect(again.result!.targets[0]!.plan!.status).toBe('up-to-date');
    expect(received('slack')).toHaveLength(2);

    // The rollback: rolled_back to Slack, Teams and the webhook.
    const back = await run(['rollback', '--model', 'churn', '--env', 'prod']);
    expect(back.code, back.stderr).toBe(0);
    expect(json(received('slack')[2]!).text).toMatch(/^↩️ churn: rolled back in prod/);
    expect(received('teams')).toHaveLength(2);
    expect(json(received('hook')[1]!)).toMatchObject({ event: 'rolled_back', command: 'rollback', status: 'applied', previous_version: '2', destination: { name: 'prod.ml.churn', version: '1' } });
    expect(JSON.stringify(json(received('slack')[2]!).blocks)).toContain('prod.ml.churn back to v1 (from v2)');
    expectNoSecrets(back);
  });

  it('retries 5xx with backoff, gives up on a hanging endpoint within its bounds, never retries a 4xx, and the run\'s outcome does not change', async () => {
    receivers.slack.answer = (i) => (i - seen.slack! < 2 ? { status: 503 } : { status: 200 });
    receivers.teams.answer = () => ({ status: 200, delayMs: 30_000 }); // hangs
    receivers.hook.answer = () => ({ status: 400, body: 'invalid_payload' });
    const t0 = Date.now();
    const r = await run(['promote', '--model', 'churn']);
    const elapsed = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(r.result!.targets[0]!.plan!.status).toBe('applied');

    const slack = received('slack');
    expect(slack).toHaveLength(3);
    expect(new Set(slack.map((m) => m.body)).size).toBe(1);
    expect(slack[1]!.receivedAt - slack[0]!.receivedAt).toBeGreaterThanOrEqual(200);
    expect(received('teams')).toHaveLength(3); // three attempts of 0.5 s each
    expect(received('hook')).toHaveLength(1);
    expect(elapsed).toBeLessThan(15_000);

    expect(r.stderr).toMatch(/notified Slack channel "ml-alerts"/);
    expect(r.stderr).toMatch(/warning: Microsoft Teams channel "release-room" \(127\.0\.0\.1:\d+\) did not take applied churn → prod: no complete answer from 127\.0\.0\.1:\d+ within 500 ms \(3 attempts\)/);
    expect(r.stderr).toMatch(/warning: webhook channel "audit" \(127\.0\.0\.1:\d+\) did not take applied churn → prod: HTTP 400/);
    expectNoSecrets(r);
  });

  it('a variable that is not set skips its channel with a warning naming the variable', async () => {
    const text = config().replace('url_env: SLACK_WEBHOOK_URL', 'url_env: NOT_SET_ANYWHERE');
    const r = await run(['promote', '--model', 'churn'], text);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: Slack channel "ml-alerts" skipped \(1 notification\(s\)\): environment variable NOT_SET_ANYWHERE is not set/);
    expect(received('slack')).toHaveLength(0);
    expect(received('teams')).toHaveLength(1);
    expectNoSecrets(r);
  });

  it('plan notifies blocked targets only to channels with plans: true', async () => {
    const quiet = await run(['plan']);
    expect(quiet.code).toBe(1);
    expect(received('slack')).toHaveLength(0);
    const text = config().replace('      url_env: SLACK_WEBHOOK_URL\n', '      url_env: SLACK_WEBHOOK_URL\n      plans: true\n');
    const loud = await run(['plan'], text);
    expect(loud.code).toBe(1);
    expect(received('slack').map((m) => (json(m).text as string).split(':')[0])).toEqual(['⛔ fraud']);
    expect(received('hook')).toHaveLength(0); // the webhook channel only covers churn
  });
});
