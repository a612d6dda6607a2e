// The versioned result document. One result feeds every renderer (text, markdown, JSON, summary);
// the exit code is computed once from it. Bump RESULT_SCHEMA_VERSION on incompatible changes.

import type { Diagnostic } from '../errors.js';
import type { Outcome, Measured } from '../policy/types.js';
import type { ModelVersionRef } from '../evidence/types.js';
import type { PromotionReport } from '../plan/types.js';

export const RESULT_SCHEMA_VERSION = 1;

export interface WaiverApplication {
  readonly owner: string;
  readonly reason: string;
  readonly expires: string;
  /** An expired waiver is reported but does not change the outcome. */
  readonly expired: boolean;
}

export interface GateReport {
  readonly id: string;
  readonly type: string;
  readonly policy: string;
  readonly severity: 'fail' | 'warn';
  readonly outcome: Outcome;
  /** The gate's own outcome before severity and waivers were applied. */
  readonly rawOutcome: Outcome;
  readonly message: string;
  readonly measured: Measured;
  readonly threshold: Measured;
  readonly waiver: WaiverApplication | null;
}

export interface VersionSummary extends ModelVersionRef {
  readonly url: string | null;
  readonly runId: string | null;
  readonly metrics: Readonly<Record<string, number>> | null;
}

export interface TargetReport {
  readonly model: string;
  readonly from: string;
  readonly to: string;
  /** null when no version matches the candidate selector or it could not be resolved. */
  readonly candidate: VersionSummary | null;
  readonly champion: VersionSummary | null;
  readonly verdict: Outcome;
  /** Why the verdict is what it is, in one line (e.g. "2 gates fail", "no candidate"). */
  readonly summary: string;
  readonly gates: readonly GateReport[];
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
