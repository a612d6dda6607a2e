// Notification channel kinds: one file each, one row here (a missing row is a compile error; the
// schema's `notify_<kind>` definitions are checked against this table by test/unit/notify).

import type { NotifyChannelKind } from '../../config/notify-types.js';
import type { ChannelRenderer } from '../types.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { webhook } from './webhook.js';

export const NOTIFY_CHANNELS: { readonly [K in NotifyChannelKind]: ChannelRenderer } = {
  slack,
  teams,
  webhook,
};
