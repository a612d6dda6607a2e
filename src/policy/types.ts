// The gate contract. A gate type is one file in ./gates implementing GateType, registered once in
// ./registry.ts. Gates are pure: evidence and the clock come in, a GateResult goes out.

import type { Target } from '../config/types.js';
import type { EvidenceNeeds, ModelVersionRef, TargetEvidence } from '../evidence/types.js';

/** Outcomes, best to worst. The order is fixed: a verdict is the worst outcome ("worst wins"). */
export const OUTCOME_ORDER = ['skipped', 'pass', 'waived', 'warn', 'fail', 'error'] as const;
export type Outcome = (typeof OUTCOME_ORDER)[number];

/** What a gate itself can decide; `waived` is applied by the engine, never by a gate. */
export type GateOutcome = Exclude<Outcome, 'waived'>;

export type Measured = Readonly<Record<string, number | string | boolean | null>>;

export interface GateResult {
  readonly outcome: GateOutcome;
  /** One sentence a reviewer understands without reading the config. */
  readonly message: string;
  /** The values the gate looked at (candidate/champion metric, delta, counts...). */
  readonly measured: Measured;
  /** What they were held to. */
  readonly threshold: Measured;
}

export interface GateContext {
  readonly target: Target;
  readonly evidence: TargetEvidence;
  /** Injected clock: the core never reads the system time. */
  readonly now: Date;
  /** The gate's id (messages that tell how to waive it name it). */
  readonly gateId?: string;
}

export interface GateType<Options> {
  readonly type: string;
  /** JSON pointer of this gate's option schema inside schema/mlops.schema.json, e.g. `#/$defs/gate_metric_delta`. */
  readonly schemaRef: string;
  /** Turn schema-valid raw options (snake_case YAML) into the typed options. */
  parse(raw: Readonly<Record<string, unknown>>): Options;
  needs(options: Options): Partial<EvidenceNeeds>;
  /**
   * Evaluate with severity `fail` semantics: return `fail` when the gate is not met. The engine turns
   * `fail` into `warn` for severity-warn gates and applies waivers.
   */
  evaluate(options: Options, ctx: GateContext): GateResult;
}

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

/** The verdict on one target: every gate's report and the worst outcome. */
export interface TargetVerdict {
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
}
