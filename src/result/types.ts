// The versioned result document. One result feeds every renderer (text, markdown, JSON, summary);
// the exit code is computed once from it. Bump RESULT_SCHEMA_VERSION on incompatible changes.

import type { Diagnostic } from '../errors.js';
import type { Outcome, TargetVerdict } from '../policy/types.js';
import type { PromotionReport } from '../plan/types.js';

export const RESULT_SCHEMA_VERSION = 1;

/** A target's gate verdict (src/policy) and, for `promote` / `rollback`, its promotion. */
export interface TargetReport extends TargetVerdict {
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
