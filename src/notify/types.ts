// The notification event document: what every channel renders and what the `webhook` channel sends
// as is (schema/notification.schema.json). One document per event per target per channel.

import type { NotifyEvent } from '../config/notify-types.js';
import type { PromotionStatus } from '../plan/types.js';
import type { Outcome } from '../policy/types.js';

export type { NotifyEvent };

export const NOTIFICATION_TYPE = 'mlops-gate.notification';

export interface NotificationDocument {
  readonly type: typeof NOTIFICATION_TYPE;
  readonly version: 1;
  /** Unique per delivery; the same on retries (X-Mlops-Gate-Delivery-Id). */
  readonly id: string;
  readonly event: NotifyEvent;
  /** What produced it (`reverted` comes from `promote`: its bake found a breach). */
  readonly command: 'plan' | 'promote' | 'rollback';
  /** When the run produced the result (ISO 8601, UTC). */
  readonly occurred_at: string;
  /** Model id in mlops.yml. */
  readonly model: string;
  readonly from: string;
  readonly to: string;
  /** The gate verdict (rollbacks: pass when the rollback applied). */
  readonly verdict: Outcome;
  /** The promotion's (or rollback's) status; null for `plan` runs. */
  readonly status: PromotionStatus | null;
  /** One line a person understands: why it was blocked, what was applied, why it aborted. */
  readonly summary: string;
  /** The version this event is about: the candidate, or the version a rollback restored. */
  readonly candidate: { readonly name: string; readonly version: string } | null;
  /** Where it landed (applied, rolled_back, reverted) or would land. */
  readonly destination: { readonly registry: string; readonly name: string; readonly version: string | null } | null;
  /** What served before: the replaced champion, or the version rolled back from. */
  readonly previous_version: string | null;
  readonly plan_hash: string | null;
  /** Gates that did not pass (at most 20), worst first as the report lists them. */
  readonly gates: readonly { readonly id: string; readonly outcome: Outcome; readonly message: string }[];
  readonly links: {
    readonly run: string | null;
    readonly pull_request: string | null;
    readonly commit: string | null;
    readonly model: string | null;
  };
  /** owner/name */
  readonly repository: string | null;
  readonly actor: string | null;
  readonly tool: { readonly name: 'mlops-gate'; readonly version: string };
}

/** Where the run happened: read once by the wiring from the GitHub context. */
export interface RunContext {
  readonly repository: string | null;
  readonly runUrl: string | null;
  readonly pullRequestUrl: string | null;
  readonly commitUrl: string | null;
  readonly actor: string | null;
}

/** One HTTP request to send: body bytes exactly as signed, headers, nothing secret in either but the signature. */
export interface OutgoingMessage {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** How a channel kind renders a document (one file per kind under ./channels, one row in NOTIFY_CHANNELS). */
export interface ChannelRenderer {
  /** For logs: "Slack", "Microsoft Teams", "webhook". */
  readonly label: string;
  /** Whether the kind needs a signing key (secret_env). */
  readonly signed: boolean;
  render(doc: NotificationDocument, signing: { readonly key: string; readonly timestamp: string } | null): OutgoingMessage;
}
