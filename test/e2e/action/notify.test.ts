// Notifications from the action bundle (`command: promote` / `rollback`, as a runner runs it) on
// the Databricks emulator: the webhook URLs and the signing key are registered with the runner's
// masker (::add-mask::) before anything is sent, a failing channel is a ::warning:: and never a
// failed step, and no secret appears anywhere else in the output, the summary or the result file.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { verifyWebhookSignature } from '../../../src/util/webhook-signature.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { buildActionBundle, runAction } from './harness.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'long', required: true }] };
const SEED = {
  workspaces: {
    dev: {
      tokens: { 'dapi-dev': 'ml-engineer@example.com' },
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
      registry: {
        models: [
          {
            name: 'dev.ml.churn',
            aliases: { challenger: 1 },
            versions: [{ description: 'Gradient boosting on the 2026-11 snapshot.', tags: { owner: 'churn-team' }, signature: SIGNATURE, files: { 'model.pkl': 'x' } }],
          },
        ],
      },
    },
  },
};

const SLACK_PATH = '/services/T0ACTION/B0ACTION/actionslacksecret0123456789';
const HOOK_KEY = 'action-hook-signing-key-0123456789';

let bundle: string;
let emu: RunningEmulator;
let api: GitHubStandIn;
let slack: TestServer;
let hook: TestServer;

beforeAll(async () => {
  [bundle, emu, api] = await Promise.all([buildActionBundle(), startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0 }), startGitHubStandIn({ token: 'ghs_testtoken' })]);
  slack = await startServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('rollup_error');
  });
  hook = await startServer((_req, res) => {
    res.writeHead(204);
    res.end();
  });
}, 300_000);
afterAll(async () => {
  await slack?.close();
  await hook?.close();
  await api?.close();
  await emu?.close();
});

const config = () => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${emu.workspaceUrl('dev')}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${emu.workspaceUrl('dev')}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [release]
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
notify:
  timeout_seconds: 2
  attempts: 2
  channels:
    - { name: alerts, kind: slack, url_env: SLACK_WEBHOOK_URL }
    - { name: audit, kind: webhook, url_env: AUDIT_HOOK_URL, secret_env: AUDIT_HOOK_KEY }
`;

describe('notifications from the action', () => {
  it('masks the secrets first, delivers the signed event, and turns a failing Slack into a warning', async () => {
    const secrets = { SLACK_WEBHOOK_URL: `${slack.url}${SLACK_PATH}`, AUDIT_HOOK_URL: `${hook.url}/audit-events`, AUDIT_HOOK_KEY: HOOK_KEY };
    const run = await runAction({
      bundle,
      apiUrl: api.url,
      workspace: { 'mlops.yml': config() },
      event: { ref: 'refs/heads/main', after: 'f'.repeat(40) },
      eventName: 'push',
      inputs: { command: 'promote', environment: 'prod', deployments: 'false' },
      env: { DATABRICKS_TOKEN: 'dapi-dev', ...secrets },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.verdict).toBe('pass');

    // The webhook got the event, signed.
    expect(hook.requests()).toHaveLength(1);
    const [delivery] = hook.requests();
    const h = delivery!.headers as Record<string, string>;
    expect(verifyWebhookSignature(h['x-mlops-gate-signature'], HOOK_KEY, h['x-mlops-gate-delivery-id']!, h['x-mlops-gate-timestamp']!, delivery!.body)).toBe(true);
    expect(JSON.parse(delivery!.body)).toMatchObject({ event: 'applied', model: 'churn', links: { run: 'https://github.example/acme/models/actions/runs/42', commit: `https://github.example/acme/models/commit/${'f'.repeat(40)}` } });

    // Slack answered 500 twice: a warning annotation, not a failed step.
    expect(slack.requests()).toHaveLength(2);
    const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([expect.stringMatching(/^Slack channel "alerts" \(127\.0\.0\.1:\d+\) did not take applied churn → prod: HTTP 500 .*rollup_error.*\(2 attempts\)$/)]);
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);

    // Every secret is registered with the masker, before the first notification line…
    const lines = run.stdout.split('\n');
    const masked = lines.filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice('::add-mask::'.length));
    for (const s of [secrets.SLACK_WEBHOOK_URL, SLACK_PATH, HOOK_KEY, secrets.AUDIT_HOOK_URL]) expect(masked).toContain(s);
    const firstMask = lines.findIndex((l) => l.startsWith('::add-mask::'));
    const firstNotice = lines.findIndex((l) => /notified|did not take/.test(l));
    expect(firstMask).toBeGreaterThanOrEqual(0);
    expect(firstMask).toBeLessThan(firstNotice);
    // …and appears nowhere else: not in other lines, the summary, or the result file.
    const others = lines.filter((l) => !l.startsWith('::add-mask::')).join('\n') + run.stderr + run.summary + readFileSync(run.outputs['result-json']!, 'utf8');
    for (const s of ['actionslacksecret0123456789', HOOK_KEY, '/audit-events']) expect(others).not.toContain(s);
    expect(others).toMatch(/notified webhook channel "audit"/);
  });
});
