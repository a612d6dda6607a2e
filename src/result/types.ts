// The versioned result document. One result feeds every renderer (text, markdown, JSON, summary);
// the exit code is computed once from it. Bump RESULT_SCHEMA_VERSION on incompatible changes.

import type { Diagnostic, SourcePosition } from '../errors.js';
import type { GateReport, Outcome, TargetVerdict } from '../policy/types.js';
import type { PromotionReport } from '../plan/types.js';

export const RESULT_SCHEMA_VERSION = 1;

/** A gate's report and where the gate is configured, so annotations and SARIF point at its line. */
export interface GateEntry extends GateReport {
  /**
   * The gate's entry in mlops.yml or its policy file; for a built-in pack's gate, the model that
   * uses the pack (the pack is not a file of the repository). null/absent: no line (a finding).
   */
  readonly position?: SourcePosition | null;
}

/** A target's gate verdict (src/policy) and, for `promote` / `rollback`, its promotion. */
export interface TargetReport extends TargetVerdict {
  readonly gates: readonly GateEntry[];
  /** `promote` / `rollback` only: the plan, its hash and what applying it did. */
  readonly plan?: PromotionReport;
}

export interface RequestAccounting {
  readonly total: number;
  readonly byEndpoint: Readonly<Record<string, number>>;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly retries: number;
  readonly wallMs: number;
}

export interface ResultDocument {
  readonly schemaVersion: typeof RESULT_SCHEMA_VERSION;
  readonly tool: { readonly name: 'mlops-gate'; readonly version: string };
  readonly command: 'plan' | 'promote' | 'rollback';
  readonly generatedAt: string;
  readonly config: { readonly file: string; readonly digest: string };
  readonly verdict: Outcome;
  readonly targets: readonly TargetReport[];
  /** Non-fatal findings: expired waivers, deprecated fields... */
  readonly diagnostics: readonly Diagnostic[];
  readonly requests: RequestAccounting | null;
}
