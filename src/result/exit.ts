// The exit code is computed once, from the result document.

import { EXIT, type ExitCode } from '../errors.js';
import type { Outcome } from '../policy/types.js';
import { OUTCOME_ORDER } from '../policy/types.js';
import type { ResultDocument } from './types.js';

/** `--fail-on`: the least outcome that makes the command fail. */
export type FailOn = 'fail' | 'warn';

export const worstOf = (outcomes: Iterable<Outcome>): Outcome => {
  let worst: Outcome = 'skipped';
  for (const o of outcomes) if (OUTCOME_ORDER.indexOf(o) > OUTCOME_ORDER.indexOf(worst)) worst = o;
  return worst;
};

/** 3 when any target could not be evaluated, 1 when any blocks, else 0. */
export function exitCodeFor(result: ResultDocument, failOn: FailOn): ExitCode {
  const verdicts = result.targets.map((t) => t.verdict);
  if (verdicts.includes('error')) return EXIT.evidence;
  if (verdicts.includes('fail')) return EXIT.blocked;
  if (failOn === 'warn' && verdicts.includes('warn')) return EXIT.blocked;
  return EXIT.ok;
}
