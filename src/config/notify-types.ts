// The typed `notify:` section (docs/notifications.md), apart from its builder (./notify.ts) so
// ./types.ts can name it without an import cycle.

import type { SourcePosition } from '../errors.js';

/** The events a channel can subscribe to. `reverted`: a promotion's bake found a breach after the rollout. */
export const NOTIFY_EVENTS = ['blocked', 'applied', 'aborted', 'rolled_back', 'reverted'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** Channel kinds; each has one row in NOTIFY_CHANNELS (src/notify/channels/index.ts). */
export const NOTIFY_CHANNEL_KINDS = ['slack', 'teams', 'webhook'] as const;
export type NotifyChannelKind = (typeof NOTIFY_CHANNEL_KINDS)[number];

export interface NotifyChannel {
  readonly name: string;
  readonly kind: NotifyChannelKind;
  /** Name of the variable holding the URL. */
  readonly urlEnv: string;
  /** Name of the variable holding the signing key (`webhook` only). */
  readonly secretEnv: string | null;
  readonly events: readonly NotifyEvent[];
  /** null = every environment. */
  readonly environments: readonly string[] | null;
  /** null = every model. */
  readonly models: readonly string[] | null;
  /** Also `blocked` from `plan` runs. */
  readonly plans: boolean;
  readonly position: SourcePosition;
}

export interface NotifyConfig {
  readonly channels: readonly NotifyChannel[];
  readonly timeoutSeconds: number;
  readonly attempts: number;
}
