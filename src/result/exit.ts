// The exit code, computed once from the result document and keyed by its command.

import { EXIT, type ExitCode } from '../errors.js';
import type { PromotionStatus } from '../plan/types.js';
import type { ResultDocument } from './types.js';

/** `--fail-on`: the least outcome that makes the command fail. */
export type FailOn = 'fail' | 'warn';

/** Promotion statuses that mean "the release did not do what was reviewed" (exit 3); a bake that reverted is one. */
export const APPLY_FAILURES: ReadonlySet<PromotionStatus> = new Set<PromotionStatus>(['failed', 'drift', 'locked', 'refused', 'reverted']);

/** The gate part: 3 when any target could not be evaluated, 1 when any blocks, else 0. */
function gateExit(result: ResultDocument, failOn: FailOn): ExitCode {
  const verdicts = result.targets.map((t) => t.verdict);
  if (verdicts.includes('error')) return EXIT.evidence;
  if (verdicts.includes('fail')) return EXIT.blocked;
  if (failOn === 'warn' && verdicts.includes('warn')) return EXIT.blocked;
  return EXIT.ok;
}

/**
 * plan: the gates. promote: 3 when any promotion step failed, drifted, was locked out or refused, or a bake reverted,
 * else the gates. rollback: 3 when it could not roll back, else 0.
 */
export function exitCodeFor(result: ResultDocument, failOn: FailOn): ExitCode {
  switch (result.command) {
    case 'plan':
      return gateExit(result, failOn);
    case 'promote':
      return result.targets.some((t) => t.plan && APPLY_FAILURES.has(t.plan.status)) ? EXIT.evidence : gateExit(result, failOn);
    case 'rollback':
      return result.verdict === 'error' ? EXIT.evidence : EXIT.ok;
  }
}
