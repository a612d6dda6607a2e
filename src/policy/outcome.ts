// The outcome algebra: a fixed order, "worst wins", and which outcomes block a promotion.

import { OUTCOME_ORDER, type Outcome } from './types.js';
import type { GateSeverity } from '../config/types.js';

export { OUTCOME_ORDER, type Outcome };

/** Position in the fixed order skipped < pass < waived < warn < fail < error. */
export const outcomeRank = (outcome: Outcome): number => OUTCOME_ORDER.indexOf(outcome);

export const isWorse = (a: Outcome, b: Outcome): boolean => outcomeRank(a) > outcomeRank(b);

/** The worst of the given outcomes; `skipped` (the bottom of the order) when there are none. */
export const worst = (outcomes: Iterable<Outcome>): Outcome => {
  let result: Outcome = 'skipped';
  for (const outcome of outcomes) if (isWorse(outcome, result)) result = outcome;
  return result;
};

/** `fail` and `error` stop a promotion; everything else lets it through. */
export const blocks = (outcome: Outcome): boolean => outcome === 'fail' || outcome === 'error';

/** A severity-warn gate reports a failure as `warn`; every other outcome is unchanged. */
export const applySeverity = (outcome: Outcome, severity: GateSeverity): Outcome =>
  severity === 'warn' && outcome === 'fail' ? 'warn' : outcome;

/** Only a failure or a warning can be waived: `error` means "not evaluated" and is never waived. */
export const isWaivable = (outcome: Outcome): boolean => outcome === 'fail' || outcome === 'warn';
