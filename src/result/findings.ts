// Run-level findings that change a result: a pull request that edits the rules it is judged by
// (every target blocked), and a run that could evaluate nothing (a fork PR without secrets).

import type { Target } from '../config/types.js';
import type { Diagnostic } from '../errors.js';
import { worst } from '../policy/outcome.js';
import type { GateReport } from '../policy/types.js';
import { resultDocument } from './build.js';
import type { ResultDocument, TargetReport } from './types.js';

export const POLICY_INTEGRITY_GATE = 'policy-integrity';

/** Block every target (and the run) because the PR edits the rules it would be judged by. */
export function withPolicyIntegrityFinding(result: ResultDocument, changed: readonly string[]): ResultDocument {
  if (changed.length === 0) return result;
  const message = `This PR changes policies (${changed.join(', ')}): a maintainer must merge that first; until then the base versions apply.`;
  const gate: GateReport = {
    id: POLICY_INTEGRITY_GATE,
    type: POLICY_INTEGRITY_GATE,
    policy: 'mlops-gate',
    severity: 'fail',
    outcome: 'fail',
    rawOutcome: 'fail',
    message,
    measured: { changed_files: changed.join(', ') },
    threshold: { policies_from: 'base commit' },
    waiver: null,
  };
  const targets: TargetReport[] = result.targets.map((t) => ({
    ...t,
    gates: [gate, ...t.gates],
    verdict: worst([t.verdict, 'fail']),
    summary: `policy files changed in this PR; ${t.summary}`,
  }));
  const diagnostics: Diagnostic[] = [
    ...changed.map(
      (file): Diagnostic => ({
        severity: 'error',
        code: POLICY_INTEGRITY_GATE,
        message: `${file} is changed by this PR; policies are read from the base commit, so this change takes effect only after it is merged`,
        path: '',
        position: { file, line: 1, column: 1 },
      }),
    ),
    ...result.diagnostics,
  ];
  // With no targets, the run itself still must not look green.
  return resultDocument({ ...result, now: new Date(result.generatedAt), targets, diagnostics, alsoCounts: ['fail'] });
}

/** A result that evaluated nothing, saying why. Never a pass. */
export function skippedResult(input: {
  readonly reason: string;
  readonly configFile: string;
  readonly digest: string;
  readonly targets: readonly Target[];
  readonly now: Date;
}): ResultDocument {
  return resultDocument({
    command: 'plan',
    now: input.now,
    config: { file: input.configFile, digest: input.digest },
    targets: input.targets.map((t) => ({
      model: t.model,
      from: t.from,
      to: t.to,
      candidate: null,
      champion: null,
      verdict: 'skipped',
      summary: 'not evaluated: pull request from a fork',
      gates: [],
    })),
    diagnostics: [{ severity: 'warning', code: 'fork-pull-request', message: input.reason, path: '', position: null }],
  });
}
