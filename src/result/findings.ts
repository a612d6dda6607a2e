// Run-level findings that change a result: a pull request that edits the rules it is judged by, or
// the workflows and action that run the check (every target blocked), and a run that could
// evaluate nothing (a fork PR without secrets).

import type { Target } from '../config/types.js';
import type { Diagnostic } from '../errors.js';
import { worst } from '../policy/outcome.js';
import type { GateReport } from '../policy/types.js';
import { resultDocument } from './build.js';
import type { ResultDocument, TargetReport } from './types.js';

export const POLICY_INTEGRITY_GATE = 'policy-integrity';
export const WORKFLOW_INTEGRITY_GATE = 'workflow-integrity';

interface Finding {
  readonly gate: string;
  /** Why every target is blocked, one sentence. */
  readonly message: string;
  /** A few words for the target's summary line. */
  readonly reason: string;
  readonly files: readonly string[];
  readonly threshold: Readonly<Record<string, string>>;
  readonly diagnostic: (file: string) => string;
}

/** Block every target (and the run, even with no targets) with a run-level finding. */
function blockWith(result: ResultDocument, f: Finding): ResultDocument {
  if (f.files.length === 0) return result;
  const gate: GateReport = {
    id: f.gate,
    type: f.gate,
    policy: 'mlops-gate',
    severity: 'fail',
    outcome: 'fail',
    rawOutcome: 'fail',
    message: f.message,
    measured: { changed_files: f.files.join(', ') },
    threshold: f.threshold,
    waiver: null,
  };
  const targets: TargetReport[] = result.targets.map((t) => ({
    ...t,
    gates: [gate, ...t.gates],
    verdict: worst([t.verdict, 'fail']),
    summary: `blocked: ${f.reason} (the model's own gates: ${t.summary})`,
  }));
  const diagnostics: Diagnostic[] = [
    ...f.files.map((file): Diagnostic => ({ severity: 'error', code: f.gate, message: f.diagnostic(file), path: '', position: file.startsWith('(') ? null : { file, line: 1, column: 1 } })),
    ...result.diagnostics,
  ];
  return resultDocument({ ...result, now: new Date(result.generatedAt), targets, diagnostics, alsoCounts: ['fail'] });
}

/** The PR edits the rules it would be judged by: blocked until a maintainer merges the change. */
export const withPolicyIntegrityFinding = (result: ResultDocument, changed: readonly string[]): ResultDocument =>
  blockWith(result, {
    gate: POLICY_INTEGRITY_GATE,
    message: `This PR changes policies (${changed.join(', ')}): a maintainer must merge that first; until then the base versions apply.`,
    reason: 'this PR changes the policies it is judged by',
    files: changed,
    threshold: { policies_from: 'base commit' },
    diagnostic: (file) => `${file} is changed by this PR; policies are read from the base commit, so this change takes effect only after it is merged`,
  });

/** The PR edits the workflows or the action that run this check: its verdict cannot be trusted. */
export const withWorkflowIntegrityFinding = (result: ResultDocument, changed: readonly string[]): ResultDocument =>
  blockWith(result, {
    gate: WORKFLOW_INTEGRITY_GATE,
    message: `This PR changes how the check runs (${changed.join(', ')}): a maintainer must review and merge that first; a PR cannot change the check that judges it.`,
    reason: 'this PR changes the workflows or the action that run this check',
    files: changed,
    threshold: { workflows_from: 'base branch' },
    diagnostic: (file) => `${file} is changed by this PR; workflow and action changes must be merged before they judge a release`,
  });

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
