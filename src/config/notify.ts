// `notify:` in mlops.yml, typed (docs/notifications.md). The schema checks the shapes; this module
// adds the cross-field checks (names that must exist, one variable for two roles) and builds the
// typed section. Only environment variable NAMES live here: their values are read when a run
// sends, never at load.

import type { Diagnostic } from '../errors.js';
import { asArray, asRecord, asString, asStringList } from './raw.js';
import { pointerJoin, positionOf, type SourceDocument } from './source.js';
import { didYouMean } from './suggest.js';
import { NOTIFY_EVENTS, type NotifyChannel, type NotifyChannelKind, type NotifyConfig, type NotifyEvent } from './notify-types.js';

export * from './notify-types.js';

export const NOTIFY_DEFAULTS = { timeoutSeconds: 10, attempts: 3 } as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const defaultName = (kind: string, index: number): string => `${kind}-${index + 1}`;

/** Cross-field checks of a schema-checked `notify` block (run even when the schema found problems). */
export function checkNotify(raw: unknown, doc: SourceDocument, environmentNames: readonly string[], modelIds: readonly string[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (severity: Diagnostic['severity'], code: string, message: string, path: string, hint?: { hint?: string }) =>
    diagnostics.push({ severity, code, message, path, position: positionOf(doc, path), ...(hint?.hint ? { hint: hint.hint } : {}) });
  const names = new Map<string, string>();
  asArray(asRecord(raw)?.channels).forEach((rawChannel, index) => {
    const channel = asRecord(rawChannel);
    if (!channel) return;
    const base = pointerJoin('/notify/channels', index);
    const name = asString(channel.name) ?? defaultName(asString(channel.kind) ?? 'channel', index);
    const first = names.get(name);
    if (first !== undefined) report('error', 'duplicate-id', `two notification channels are named "${name}" (the first at ${first})`, pointerJoin(base, 'name'));
    else names.set(name, base);
    for (const [field, known, what] of [
      ['environments', environmentNames, 'environment'],
      ['models', modelIds, 'model'],
    ] as const) {
      asStringList(channel[field])?.forEach((n, i) => {
        if (!known.includes(n)) report('error', 'dangling-reference', `unknown ${what} "${n}"; defined: ${known.join(', ') || 'none'}`, pointerJoin(pointerJoin(base, field), i), didYouMean(n, known));
      });
    }
    for (const field of ['url_env', 'secret_env'] as const) {
      const value = asString(channel[field]);
      // Never echo the value: a secret pasted (or ${…}-interpolated) here must not reach a log.
      if (value !== null && !ENV_NAME.test(value)) {
        report('error', 'not-a-variable-name', `${field} must be the name of an environment variable (letters, digits and _), not a value`, pointerJoin(base, field), {
          hint: 'write the name, e.g. SLACK_WEBHOOK_URL, without ${…}: mlops-gate reads the variable when it sends',
        });
      }
    }
    const urlEnv = asString(channel.url_env);
    if (urlEnv !== null && urlEnv === asString(channel.secret_env)) {
      report('error', 'same-variable', `url_env and secret_env both name ${urlEnv}: the URL and the signing key must be two secrets`, pointerJoin(base, 'secret_env'));
    }
    const events = asStringList(channel.events);
    if (channel.plans === true && events !== null && !events.includes('blocked')) {
      report('warning', 'ignored-field', '"plans" only adds `blocked` events from plan runs, and this channel does not select `blocked`', pointerJoin(base, 'plans'));
    }
  });
  return diagnostics;
}

/** The typed section, or null when the file has no `notify`. Only called on a valid document. */
export function buildNotify(raw: unknown, doc: SourceDocument): NotifyConfig | null {
  const block = asRecord(raw);
  if (!block) return null;
  const channels = asArray(block.channels).map((rawChannel, index): NotifyChannel => {
    const c = asRecord(rawChannel) ?? {};
    const kind = asString(c.kind) as NotifyChannelKind;
    return {
      name: asString(c.name) ?? defaultName(kind, index),
      kind,
      urlEnv: asString(c.url_env) ?? '',
      secretEnv: asString(c.secret_env),
      events: (asStringList(c.events) as NotifyEvent[] | null) ?? [...NOTIFY_EVENTS],
      environments: asStringList(c.environments),
      models: asStringList(c.models),
      plans: c.plans === true,
      position: positionOf(doc, pointerJoin('/notify/channels', index)),
    };
  });
  return {
    channels,
    timeoutSeconds: typeof block.timeout_seconds === 'number' ? block.timeout_seconds : NOTIFY_DEFAULTS.timeoutSeconds,
    attempts: typeof block.attempts === 'number' ? block.attempts : NOTIFY_DEFAULTS.attempts,
  };
}
