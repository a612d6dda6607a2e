// Notifications without a network: which events a run produces, the three channel payloads, the
// event document against schema/notification.schema.json, the signature, the `notify:` config.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { NOTIFY_CHANNEL_KINDS, NOTIFY_EVENTS } from '../../../src/config/notify.js';
import type { NotifyConfig } from '../../../src/config/notify-types.js';
import type { PromotionReport } from '../../../src/plan/types.js';
import { NOTIFY_CHANNELS } from '../../../src/notify/channels/index.js';
import { WEBHOOK_HEADERS } from '../../../src/notify/channels/webhook.js';
import { planDeliveries, secretsOf } from '../../../src/notify/deliveries.js';
import { documentFor, targetEvents } from '../../../src/notify/events.js';
import type { NotificationDocument, RunContext } from '../../../src/notify/types.js';
import type { ResultDocument, TargetReport } from '../../../src/result/types.js';
import { verifyWebhookSignature } from '../../../src/util/webhook-signature.js';
import { blocked as blockedResult, gate, result, target } from '../github/results.js';
import { load, loadErrors, REPO_ROOT } from '../config/helpers.js';

const report = (status: PromotionReport['status'], extra: Partial<PromotionReport> = {}): PromotionReport => ({
  mode: 'copy',
  hash: 'sha256:' + 'a'.repeat(64),
  status,
  message: `promotion ${status}`,
  source: null,
  destination: { registry: 'https://mlflow.example', model: 'churn-prod', version: '3' },
  previousChampion: '2',
  steps: [],
  writes: status === 'applied' ? 4 : 0,
  ...extra,
});
const withPlan = (t: TargetReport, plan: PromotionReport): TargetReport => ({ ...t, plan });
const promoteResult = (...targets: TargetReport[]): ResultDocument => result(targets, 'pass', { command: 'promote' });

const CONFIG = `version: 1
environments:
  test: { registry: mlflow, tracking_uri: "https://mlflow.example" }
  prod: { registry: mlflow, tracking_uri: "https://mlflow.example", promote_from: test }
models:
  churn: { name: churn_model, promotion: alias, candidate: { latest: true } }
  fraud: { name: fraud_model, promotion: alias, candidate: { latest: true } }
notify:
  channels:
    - kind: slack
      url_env: SLACK_URL
    - name: ops
      kind: teams
      url_env: TEAMS_URL
      events: [aborted, rolled_back]
    - kind: webhook
      url_env: HOOK_URL
      secret_env: HOOK_KEY
      models: [churn]
      plans: true
`;
const CTX: RunContext = {
  repository: 'acme/models',
  runUrl: 'https://github.com/acme/models/actions/runs/42',
  pullRequestUrl: null,
  commitUrl: 'https://github.com/acme/models/commit/' + 'f'.repeat(40),
  actor: 'alice',
};

describe('notify: config', () => {
  it('builds the typed section with defaults', () => {
    const { notify } = load(CONFIG).config;
    expect(notify).toMatchObject({ timeoutSeconds: 10, attempts: 3 });
    expect(notify!.channels.map((c) => [c.name, c.kind, c.events.length, c.plans])).toEqual([
      ['slack-1', 'slack', 5, false],
      ['ops', 'teams', 2, false],
      ['webhook-3', 'webhook', 5, true],
    ]);
    expect(notify!.channels[2]).toMatchObject({ urlEnv: 'HOOK_URL', secretEnv: 'HOOK_KEY', models: ['churn'], environments: null });
    expect(load(CONFIG.replace(/notify:[\s\S]*$/, '')).config.notify).toBeNull();
  });

  it.each([
    ['a URL written into the file', '      url_env: SLACK_URL', '      url: https://hooks.slack.com/services/T0/B0/x', /unknown key "url"/],
    ['a value instead of a variable name', '      url_env: SLACK_URL', '      url_env: https://hooks.slack.com/x', /url_env must be the name of an environment variable.*not a value/],
    ['a secret interpolated into url_env', '      url_env: SLACK_URL', '      url_env: ${SLACK_URL}', /url_env must be the name of an environment variable/],
    ['a webhook without a signing key', '      secret_env: HOOK_KEY\n', '', /missing required key "secret_env"/],
    ['a signing key on slack', '      url_env: SLACK_URL', '      url_env: SLACK_URL\n      secret_env: K', /unknown key "secret_env"/],
    ['an unknown kind', 'kind: slack', 'kind: email', /kind/],
    ['an unknown event', 'events: [aborted, rolled_back]', 'events: [aborted, rollback]', /rolled_back/],
    ['an unknown model', 'models: [churn]', 'models: [chrun]', /unknown model "chrun".*did you mean "churn"/],
    ['one variable for URL and key', 'secret_env: HOOK_KEY', 'secret_env: HOOK_URL', /url_env and secret_env both name HOOK_URL/],
    ['two channels with one name', '    - name: ops', '    - name: ops\n      kind: slack\n      url_env: X\n    - name: ops', /two notification channels are named "ops"/],
  ])('refuses %s with file:line:column', (_what, from, to, message) => {
    const errors = loadErrors(CONFIG.replace(from, to), { env: { SLACK_URL: 'https://hooks.slack.com/services/T0/B0/interpolated-secret' } });
    expect(JSON.stringify(errors)).not.toContain('interpolated-secret');
    expect(JSON.stringify(errors)).not.toContain('hooks.slack.com');
    expect(errors.map((e) => e.message + (e.hint ?? '')).join('\n')).toMatch(message);
    for (const e of errors) expect(e.position).toMatchObject({ file: 'mlops.yml', line: expect.any(Number), column: expect.any(Number) });
    expect(errors.some((e) => (e.position?.line ?? 0) >= 8)).toBe(true);
  });

  it('the schema and NOTIFY_CHANNELS agree on the channel kinds, and the event enums agree', () => {
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/mlops.schema.json'), 'utf8')) as { $defs: Record<string, { properties?: { kind?: { const?: string } }; enum?: string[] }> };
    const kinds = Object.entries(schema.$defs).filter(([k]) => k.startsWith('notify_')).map(([, d]) => d.properties?.kind?.const).filter(Boolean);
    expect(new Set(kinds)).toEqual(new Set(Object.keys(NOTIFY_CHANNELS)));
    expect([...NOTIFY_CHANNEL_KINDS].sort()).toEqual(Object.keys(NOTIFY_CHANNELS).sort());
    expect(schema.$defs.notify_event?.enum).toEqual([...NOTIFY_EVENTS]);
    const payload = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/notification.schema.json'), 'utf8')) as { properties: { event: { enum: string[] } } };
    expect(payload.properties.event.enum).toEqual([...NOTIFY_EVENTS]);
  });
});

describe('notify: events of a run', () => {
  it('promote: blocked, applied, aborted; nothing for up-to-date and dry runs', () => {
    const t = target('churn', 'pass', []);
    const events = targetEvents(
      promoteResult(
        withPlan(target('churn', 'fail', []), report('blocked')),
        withPlan(t, report('applied')),
        withPlan(t, report('up-to-date')),
        withPlan(t, report('planned')),
        withPlan(t, report('failed')),
        withPlan(t, report('drift')),
        withPlan(t, report('locked')),
        withPlan(t, report('refused')),
      ),
    ).map((e) => e.event);
    expect(events).toEqual(['blocked', 'applied', 'aborted', 'aborted', 'aborted', 'aborted']);
  });

  it('plan: blocked targets only; rollback: rolled_back or aborted', () => {
    expect(targetEvents(blockedResult()).map((e) => [e.event, e.target.model])).toEqual([['blocked', 'churn']]);
    const rb = (status: PromotionReport['status']) => result([withPlan(target('churn', 'pass', []), report(status, { mode: 'rollback' }))], 'pass', { command: 'rollback' });
    expect(targetEvents(rb('applied')).map((e) => e.event)).toEqual(['rolled_back']);
    expect(targetEvents(rb('failed')).map((e) => e.event)).toEqual(['aborted']);
    expect(targetEvents(rb('up-to-date'))).toEqual([]);
  });

  it('routes events by event, model, environment and plans', () => {
    const { notify } = load(CONFIG).config;
    const env = { SLACK_URL: 'https://hooks.slack.com/services/T0/B0/abcdefghijklmnop', TEAMS_URL: 'https://prod-1.westus.logic.azure.com/workflows/x?sig=secretsig0123456789', HOOK_URL: 'http://127.0.0.1:9/hook', HOOK_KEY: 'k'.repeat(32) };
    const plan = planDeliveries(notify!, blockedResult(), env);
    expect(plan.map((p) => [p.channel.name, p.events.map((e) => `${e.event}:${e.target.model}`)])).toEqual([['webhook-3', ['blocked:churn']]]);
    const promoted = promoteResult(withPlan(target('churn', 'pass', []), report('applied')), withPlan(target('fraud', 'pass', []), report('failed')));
    expect(planDeliveries(notify!, promoted, env).map((p) => [p.channel.name, p.events.map((e) => `${e.event}:${e.target.model}`)])).toEqual([
      ['slack-1', ['applied:churn', 'aborted:fraud']],
      ['ops', ['aborted:fraud']],
      ['webhook-3', ['applied:churn']],
    ]);
  });

  it('names the variable, never the value, when a channel cannot be used', () => {
    const notify: NotifyConfig = load(CONFIG).config.notify!;
    const promoted = promoteResult(withPlan(target('churn', 'pass', []), report('applied')));
    const problems = (env: Record<string, string>) =>
      planDeliveries(notify, promoted, env).flatMap((p) => ('problem' in p ? [`${p.channel.name}: ${p.problem}`] : []));
    expect(problems({})).toEqual([
      'slack-1: environment variable SLACK_URL is not set',
      'webhook-3: environment variable HOOK_URL is not set',
    ]);
    const leaky = { SLACK_URL: 'http://hooks.slack.com/services/T0/B0/secret-token-value', HOOK_URL: 'not a url secret-token-value', HOOK_KEY: 'x' };
    const found = problems(leaky);
    expect(found).toEqual([
      'slack-1: environment variable SLACK_URL must hold an https:// URL (plain http is allowed to loopback addresses only)',
      'webhook-3: environment variable HOOK_URL does not hold a URL',
    ]);
    expect(problems({ ...leaky, HOOK_URL: 'https://hooks.example/x' })).toContain('webhook-3: the signing key in HOOK_KEY is shorter than 16 characters');
    expect(JSON.stringify(found)).not.toContain('secret-token-value');
  });

  it('masks the URL, the token-bearing path and query, and the key', () => {
    const notify = load(CONFIG).config.notify!;
    const env = { SLACK_URL: 'https://hooks.slack.com/services/T0/B0/abcdefghijklmnop', HOOK_URL: 'https://h.example/hook', HOOK_KEY: 'k'.repeat(32) };
    const plans = planDeliveries(notify, promoteResult(withPlan(target('churn', 'pass', []), report('applied'))), env);
    expect(plans.flatMap(secretsOf).sort()).toEqual(['/services/T0/B0/abcdefghijklmnop', env.HOOK_KEY, env.HOOK_URL, env.SLACK_URL].sort());
  });
});

describe('notify: payloads', () => {
  const config = load(CONFIG).config;
  const applied = targetEvents(promoteResult(withPlan(target('churn', 'pass', []), report('applied'))))[0]!;
  const blocked = targetEvents(
    result([target('churn', 'fail', [gate('prod/metric_delta:auc', 'fail', 'auc <0.88> & falling'), gate('prod/description', 'pass', 'ok')], 'blocked: auc <0.88> & falling')], 'fail', { command: 'promote' }).targets.map(
      (t) => ({ ...t, plan: report('blocked', { destination: null, hash: null }) }),
    ).reduce((r, t) => ({ ...r, targets: [t] }), result([], 'fail', { command: 'promote' })),
  )[0]!;
  const doc = (e: typeof applied): NotificationDocument => documentFor(e, config, CTX, '0b9e6e3a-1111-4a4a-9999-000000000001', '2026-01-02T03:04:05.000Z');

  it('the event document matches schema/notification.schema.json, links without credentials', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema/notification.schema.json'), 'utf8')));
    for (const e of [applied, blocked]) {
      const d = doc(e);
      expect(validate(JSON.parse(JSON.stringify(d))), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(doc(applied)).toMatchObject({
      event: 'applied',
      command: 'promote',
      candidate: { name: 'churn_model', version: '7' },
      destination: { name: 'churn-prod', version: '3' },
      previous_version: '2',
      links: { run: CTX.runUrl, model: 'https://mlflow.example/#/models/churn-prod/versions/3' },
    });
    expect(doc(blocked)).toMatchObject({ event: 'blocked', gates: [{ id: 'prod/metric_delta:auc', outcome: 'fail' }], links: { model: 'https://mlflow.example/#/models/churn/versions/7' } });
  });

  it('slack: text fallback and Block Kit, mrkdwn escaped, links as <url|label>', () => {
    const body = JSON.parse(NOTIFY_CHANNELS.slack.render(doc(blocked), null).body) as { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
    expect(body.text).toBe('⛔ churn: promotion test → prod blocked: blocked: auc &lt;0.88&gt; &amp; falling');
    expect(body.blocks.map((b) => b.type)).toEqual(['section', 'section', 'context']);
    expect(body.blocks[1]!.text!.text).toBe('• prod/metric_delta:auc (fail): auc &lt;0.88&gt; &amp; falling');
    expect(body.blocks[2]!.elements![0]!.text).toBe(`<${CTX.runUrl}|Run> · <https://mlflow.example/#/models/churn/versions/7|Model> · <${CTX.commitUrl}|Commit>`);
  });

  it('teams: an Adaptive Card in a message envelope with open-URL actions', () => {
    const body = JSON.parse(NOTIFY_CHANNELS.teams.render(doc(applied), null).body) as {
      type: string;
      attachments: { contentType: string; contentUrl: null; content: { type: string; version: string; body: { type: string; text?: string }[]; actions: { type: string; url: string }[] } }[];
    };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const { contentType, contentUrl, content } = body.attachments[0]!;
    expect({ contentType, contentUrl }).toEqual({ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null });
    expect(content).toMatchObject({ type: 'AdaptiveCard', version: '1.2' });
    expect(content.body[0]!.text).toBe('✅ churn: promoted test → prod');
    expect(content.actions.map((a) => a.type)).toEqual(['Action.OpenUrl', 'Action.OpenUrl', 'Action.OpenUrl']);
  });

  it('webhook: the document as the body, signed over id.timestamp.body', () => {
    const key = 'k'.repeat(32);
    const m = NOTIFY_CHANNELS.webhook.render(doc(applied), { key, timestamp: '1767322800' });
    expect(JSON.parse(m.body)).toEqual(JSON.parse(JSON.stringify(doc(applied))));
    const h = m.headers;
    expect(h[WEBHOOK_HEADERS.deliveryId]).toBe('0b9e6e3a-1111-4a4a-9999-000000000001');
    expect(h[WEBHOOK_HEADERS.event]).toBe('applied');
    expect(verifyWebhookSignature(h[WEBHOOK_HEADERS.signature], key, h[WEBHOOK_HEADERS.deliveryId]!, h[WEBHOOK_HEADERS.timestamp]!, m.body)).toBe(true);
    expect(verifyWebhookSignature(h[WEBHOOK_HEADERS.signature], 'j'.repeat(32), h[WEBHOOK_HEADERS.deliveryId]!, h[WEBHOOK_HEADERS.timestamp]!, m.body)).toBe(false);
    expect(() => NOTIFY_CHANNELS.webhook.render(doc(applied), null)).toThrow(/signs every message/);
  });
});
