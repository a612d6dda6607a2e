// The one constructor of result documents: every command (plan, promote, rollback, a skipped run)
// builds its result here, so the verdict is always the worst outcome of what it carries.

import type { Diagnostic } from '../errors.js';
import { worst } from '../policy/outcome.js';
import type { Outcome } from '../policy/types.js';
import { TOOL_VERSION } from '../version.js';
import { RESULT_SCHEMA_VERSION, type RequestAccounting, type ResultDocument, type TargetReport } from './types.js';

export interface ResultInput {
  readonly command: ResultDocument['command'];
  readonly config: ResultDocument['config'];
  readonly targets: readonly TargetReport[];
  readonly diagnostics: readonly Diagnostic[];
  readonly now: Date;
  readonly requests?: RequestAccounting | null;
  /** Outcomes that count toward the verdict besides the targets' (e.g. a run-level finding). */
  readonly alsoCounts?: readonly Outcome[];
}

export const resultDocument = (input: ResultInput): ResultDocument => ({
  schemaVersion: RESULT_SCHEMA_VERSION,
  tool: { name: 'mlops-gate', version: TOOL_VERSION },
  command: input.command,
  generatedAt: input.now.toISOString(),
  config: input.config,
  verdict: worst([...input.targets.map((t) => t.verdict), ...(input.alsoCounts ?? [])]),
  targets: input.targets,
  diagnostics: input.diagnostics,
  requests: input.requests ?? null,
});

/** The same document with new targets (and the verdict that follows from them). */
export const withTargets = (result: ResultDocument, targets: readonly TargetReport[], extra: Partial<Pick<ResultDocument, 'command' | 'requests' | 'diagnostics'>> = {}): ResultDocument =>
  resultDocument({
    command: extra.command ?? result.command,
    config: result.config,
    targets,
    diagnostics: extra.diagnostics ?? result.diagnostics,
    now: new Date(result.generatedAt),
    requests: extra.requests !== undefined ? extra.requests : result.requests,
  });
