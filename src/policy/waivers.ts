// Waivers: a named exception for a gate, a model and an environment, until the end of a day (UTC).

import { globMatches } from '../config/patterns.js';
import type { Target, Waiver } from '../config/types.js';

/** `*` matches any run of characters (slashes included); everything else is literal. No regex: linear-time matching. */
export const gateIdMatches = (pattern: string, gateId: string): boolean => globMatches(pattern, gateId);

/** First instant after the waiver's last day (UTC); NaN for a malformed date (never active). */
export const waiverEndMs = (expires: string): number => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expires);
  if (!match) return Number.NaN;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return Date.UTC(year, month - 1, day + 1);
};

/** Active through the end of its `expires` day, UTC. */
export const isWaiverActive = (waiver: Pick<Waiver, 'expires'>, now: Date): boolean => now.getTime() < waiverEndMs(waiver.expires);

export const waiverCovers = (waiver: Waiver, gateId: string, target: Target): boolean =>
  gateIdMatches(waiver.gate, gateId) &&
  (waiver.models === null || waiver.models.includes(target.model)) &&
  (waiver.environments === null || waiver.environments.includes(target.to));

export interface WaiverMatch {
  readonly waiver: Waiver;
  readonly active: boolean;
}

/**
 * The waiver that speaks for this gate: an active one if any (the one lasting longest), otherwise
 * the most recently expired one, so the report can say it expired.
 */
export const findWaiver = (waivers: readonly Waiver[], gateId: string, target: Target, now: Date): WaiverMatch | null => {
  const matching = waivers.filter((w) => waiverCovers(w, gateId, target));
  const byLatestEnd = (a: Waiver, b: Waiver): number => (waiverEndMs(b.expires) || 0) - (waiverEndMs(a.expires) || 0);
  const active = matching.filter((w) => isWaiverActive(w, now)).sort(byLatestEnd);
  if (active[0]) return { waiver: active[0], active: true };
  const expired = [...matching].sort(byLatestEnd);
  return expired[0] ? { waiver: expired[0], active: false } : null;
};
