// Notifications after a run (docs/notifications.md): the `notify:` channels of mlops.yml get the
// run's blocked / applied / aborted / rolled_back events. Called with one line by the CLI
// (src/commands/run.ts) and the action (src/action/promote.ts).
//
// Never fails the run: every problem (a variable not set, an endpoint down or hanging) becomes a
// warning. Bounded: per attempt `timeout_seconds`, per message `attempts` with exponential backoff
// and a retry deadline; channels are sent to in parallel, and a channel whose message could not be
// delivered gets no further messages in this run. Secrets (URLs, keys) are registered with `mask`
// before anything is sent and scrubbed from every message.

import { randomUUID } from 'node:crypto';
import type { NotifyConfig } from '../config/notify-types.js';
import { ApiError } from '../errors.js';
import { NOTIFY_CHANNELS } from '../notify/channels/index.js';
import { planDeliveries, secretsOf, type ChannelPlan } from '../notify/deliveries.js';
import { documentFor } from '../notify/events.js';
import type { RunContext } from '../notify/types.js';
import { readGitHubContext } from '../platform/github/context.js';
import { createHttpClient } from '../platform/http/client.js';
import { redact } from '../platform/http/redact.js';
import type { ResultDocument } from '../result/types.js';
import { readConfig } from '../run/plan.js';
import { TOOL_VERSION } from '../version.js';
import { fileAccess, type CliIO } from './io.js';

export interface NotifyHooks {
  /** A notification could not be sent (default: `warning: …` on stderr). */
  readonly warn?: (message: string) => void;
  /** A notification was sent (default: stderr). */
  readonly info?: (message: string) => void;
  /** Registers a secret with the log masker (the action: core.setSecret). */
  readonly mask?: (secret: string) => void;
  /** Where the config is read from (a pull request: the base commit); default the working directory. */
  readonly readFile?: (path: string) => string | null;
  /** Test seams. */
  readonly newId?: () => string;
  readonly backoffBaseMs?: number;
}

/** The run's links, from the GitHub context (empty outside Actions). */
function runContext(io: CliIO): RunContext {
  const context = readGitHubContext(io.env, fileAccess(io.cwd).readFile);
  const repo = context.repo ? `${context.repo.owner}/${context.repo.repo}` : null;
  return {
    repository: repo,
    runUrl: context.runUrl,
    pullRequestUrl: repo && context.pullRequest ? `${context.serverUrl}/${repo}/pull/${context.pullRequest.number}` : null,
    commitUrl: repo && context.sha ? `${context.serverUrl}/${repo}/commit/${context.pullRequest?.headSha || context.sha}` : null,
    actor: context.actor,
  };
}

/** What went wrong, without the request line (whose path may be the secret). */
const reasonOf = (e: unknown): string => {
  if (e instanceof ApiError) {
    const colon = e.message.indexOf(': ');
    return colon >= 0 ? e.message.slice(colon + 2) : e.message;
  }
  return e instanceof Error ? e.message : String(e);
};

export async function notifyRun(result: ResultDocument, configPath: string, io: CliIO, hooks: NotifyHooks = {}): Promise<void> {
  const warn = hooks.warn ?? ((m: string) => io.stderr(`warning: ${m}\n`));
  const info = hooks.info ?? ((m: string) => io.stderr(`${m}\n`));
  try {
    const readFile = hooks.readFile ?? fileAccess(io.cwd).readFile;
    const { config } = readConfig(configPath, { readFile, env: io.env, now: io.now ?? new Date() });
    const notify = config.notify;
    if (!notify || notify.channels.length === 0) return;
    const plans = planDeliveries(notify, result, io.env);
    if (plans.length === 0) return;
    const secrets = plans.flatMap(secretsOf);
    // Before anything is sent or printed: whatever prints a secret from now on, the runner masks it.
    for (const s of secrets) hooks.mask?.(s);
    const scrub = (text: string): string => redact(text, secrets);
    const ctx = runContext(io);
    await Promise.all(
      plans.map((plan) =>
        sendChannel(plan, notify, hooks, (e, id) => documentFor(e, config, ctx, id, result.generatedAt), io.env).then(
          (outcome) => {
            for (const line of outcome.sent) info(scrub(line));
            for (const line of outcome.problems) warn(scrub(line));
          },
          (e: unknown) => warn(scrub(`notification channel "${plan.channel.name}": ${reasonOf(e)}`)),
        ),
      ),
    );
  } catch (e) {
    // The run's outcome is already decided and reported: a notification problem stays a warning.
    warn(`notifications were not sent: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function sendChannel(
  plan: ChannelPlan,
  notify: NotifyConfig,
  hooks: NotifyHooks,
  documentOf: (e: ChannelPlan['events'][number], id: string) => ReturnType<typeof documentFor>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ sent: string[]; problems: string[] }> {
  const { channel } = plan;
  const renderer = NOTIFY_CHANNELS[channel.kind];
  const where = `${renderer.label} channel "${channel.name}"`;
  const what = (e: ChannelPlan['events'][number]) => `${e.event} ${e.target.model} ${e.command === 'rollback' ? 'in' : '→'} ${e.target.to}`;
  if ('problem' in plan) {
    return { sent: [], problems: [`${where} skipped (${plan.events.length} notification(s)): ${plan.problem}`] };
  }
  const http = createHttpClient({
    baseUrl: plan.url.origin,
    env,
    userAgent: `mlops-gate/${TOOL_VERSION}`,
    timeoutMs: Math.round(notify.timeoutSeconds * 1000),
    maxAttempts: notify.attempts,
    backoffBaseMs: hooks.backoffBaseMs ?? 500,
    backoffMaxMs: 5_000,
    maxRetryAfterMs: 10_000,
    retryDeadlineMs: 30_000,
    secrets: secretsOf(plan),
  });
  const sent: string[] = [];
  const problems: string[] = [];
  try {
    for (const [index, e] of plan.events.entries()) {
      const id = (hooks.newId ?? randomUUID)();
      const doc = documentOf(e, id);
      const message = renderer.render(doc, plan.key ? { key: plan.key, timestamp: String(Math.floor(Date.now() / 1000)) } : null);
      try {
        await http.request({
          method: 'POST',
          path: plan.url.href,
          body: message.body,
          headers: message.headers,
          // Retried on 5xx and timeouts: a duplicate carries the same delivery id; a lost one is a missed alert.
          idempotent: true,
          responseType: 'text',
          endpoint: `notify ${channel.kind}`,
        });
        sent.push(`notified ${where} (${plan.url.host}): ${what(e)}`);
      } catch (error) {
        problems.push(`${where} (${plan.url.host}) did not take ${what(e)}: ${reasonOf(error)}`);
        const left = plan.events.length - index - 1;
        // An endpoint that failed every attempt is not tried again in this run.
        if (left > 0) problems.push(`${where}: ${left} further notification(s) not sent`);
        break;
      }
    }
  } finally {
    await http.close();
  }
  return { sent, problems };
}
