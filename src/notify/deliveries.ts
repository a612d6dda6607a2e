// Which channel gets which events, and whether the channel can be used: its URL and signing key
// come from the environment variables mlops.yml names. Problems are reported by variable NAME;
// a value (a secret) never appears in a message.

import type { NotifyChannel, NotifyConfig } from '../config/notify-types.js';
import type { ResultDocument } from '../result/types.js';
import { NOTIFY_CHANNELS } from './channels/index.js';
import { selects, targetEvents, type TargetEvent } from './events.js';

/** Signing keys shorter than this are refused (HMAC keys must not be guessable). */
export const MIN_KEY_LENGTH = 16;

export type ChannelPlan =
  | { readonly channel: NotifyChannel; readonly events: readonly TargetEvent[]; readonly url: URL; readonly key: string | null }
  | { readonly channel: NotifyChannel; readonly events: readonly TargetEvent[]; readonly problem: string };

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function urlFrom(channel: NotifyChannel, env: Readonly<Record<string, string | undefined>>): URL | string {
  const raw = env[channel.urlEnv]?.trim() ?? '';
  if (raw === '') return `environment variable ${channel.urlEnv} is not set`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `environment variable ${channel.urlEnv} does not hold a URL`;
  }
  if (url.protocol === 'https:') return url;
  // The URL is a bearer secret: it crosses a network only inside TLS.
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url;
  return `environment variable ${channel.urlEnv} must hold an https:// URL (plain http is allowed to loopback addresses only)`;
}

/** Per channel, the events it selects from this run (channels with none are left out). */
export function planDeliveries(notify: NotifyConfig, result: ResultDocument, env: Readonly<Record<string, string | undefined>>): ChannelPlan[] {
  const events = targetEvents(result);
  const plans: ChannelPlan[] = [];
  for (const channel of notify.channels) {
    const mine = events.filter((e) => selects(channel, e));
    if (mine.length === 0) continue;
    const url = urlFrom(channel, env);
    if (typeof url === 'string') {
      plans.push({ channel, events: mine, problem: url });
      continue;
    }
    let key: string | null = null;
    if (NOTIFY_CHANNELS[channel.kind].signed) {
      key = channel.secretEnv ? (env[channel.secretEnv] ?? '') : '';
      if (key.length === 0) {
        plans.push({ channel, events: mine, problem: `environment variable ${channel.secretEnv ?? '(secret_env)'} (the signing key) is not set` });
        continue;
      }
      if (key.length < MIN_KEY_LENGTH) {
        plans.push({ channel, events: mine, problem: `the signing key in ${channel.secretEnv} is shorter than ${MIN_KEY_LENGTH} characters` });
        continue;
      }
    }
    plans.push({ channel, events: mine, url, key });
  }
  return plans;
}

/**
 * The secret strings of a channel, for masking and redaction: the URL, the key, and the URL's path
 * and query where a token hides (Slack's /services/T…/B…/…, a Workflows `sig=`), when long enough
 * to be one (masking a short path such as /hook would blank it out of every log line).
 */
export const secretsOf = (plan: ChannelPlan): string[] => {
  if (!('url' in plan)) return [];
  const derived = [`${plan.url.pathname}${plan.url.search}`, plan.url.pathname, plan.url.search.slice(1)].filter((s) => s.length >= 16);
  return [...new Set([plan.url.href, ...derived, ...(plan.key ? [plan.key] : [])])];
};
