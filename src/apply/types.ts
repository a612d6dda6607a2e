// The executor's contract: its options, what it returns, and the shape of a step handler
// (src/apply/steps/<kind>.ts, one per StepSpec kind, listed in STEP_HANDLERS).

import type { ObservedVersion } from '../registry/types.js';
import type { ArtifactTransfer, PromotionRegistry } from '../registry/ports.js';
import type { EndpointView } from '../endpoint/serving.js';
import type { DestinationSnapshot } from '../plan/build.js';
import type { PromotionReport, PromotionStatus, StepKind, StepSpec, TargetPlan } from '../plan/types.js';
import type { Check } from '../util/check.js';
import type { MonitorPort } from '../endpoint/monitor-step.js';
import type { ServingClient, ServingClock } from '../endpoint/ports.js';
import type { ServingRolloutPort } from '../rollout/step.js';
import type { LockKeeper } from './lock.js';

/** Serving and monitoring in the destination environment's workspace. */
export interface EndpointPorts {
  readonly serving: ServingClient;
  readonly rollout: ServingRolloutPort;
  readonly monitor: MonitorPort | null;
  /** The model's logged input example, for blue_green's smoke request (skipped when absent). */
  readonly inputExample?: unknown;
  /** The clock health windows are watched on (the bake); default real time. */
  readonly clock?: ServingClock;
}

export interface ExpectedPlan {
  /** `sha256:<hex>` or a hex prefix of ≥ 12 characters. */
  readonly hash: string;
  /** The reviewed plan itself, when known (from a result file): drift is then reported step by step. */
  readonly plan?: TargetPlan | null;
  /** Set when the reviewed plan file has no plan for this target: it must not be applied. */
  readonly missingFrom?: string;
}

export interface ApplyOptions {
  /** The destination registry (locks live there too). */
  readonly registry: PromotionRegistry;
  /** Needed only when source and destination are different servers. */
  readonly transfer?: ArtifactTransfer;
  readonly actor: string;
  readonly runUrl: string | null;
  readonly now: () => Date;
  /** Unique per run; identifies this run's lock. */
  readonly lockToken: string;
  readonly lockTtlMs?: number;
  /** Same job across attempts (see LockRequest.reclaimKey); lets a re-run reclaim its own dead lock. */
  readonly lockReclaimKey?: string | null;
  readonly expectPlan?: ExpectedPlan | null;
  /** Plan and check only: no lock, no writes. */
  readonly dryRun?: boolean;
  /** Attempts per step when a write fails with a retryable error and the re-read shows it did not land. */
  readonly maxAttemptsPerStep?: number;
  /** Test seam: awaited after the first plan, before the lock is taken. */
  readonly beforeLock?: () => Promise<void>;
  /** Serving endpoint and monitor of the destination environment (plans with those steps need it). */
  readonly endpoints?: EndpointPorts;
  /** One line per event while waiting on endpoints (progress for humans). */
  readonly progress?: (line: string) => void;
  /**
   * Test seam for crash tests: awaited after each step that ended done or satisfied, and after each
   * journaled bake window (`<step id>#window-<n>`, with the bake step's index). If it throws
   * `KilledError`, the executor stops at once like a killed process: no further step, and the lock
   * is NOT released (a re-run of the same job reclaims it).
   */
  readonly afterStep?: (stepId: string, index: number) => Promise<void>;
}

/** Thrown by an `afterStep` hook to simulate the process being killed at a step boundary. */
export class KilledError extends Error {
  override readonly name = 'KilledError';
}

export interface ApplyOutcome {
  /** null when the job refused to plan (e.g. a rollback with no recorded previous champion). */
  readonly plan: TargetPlan | null;
  readonly report: PromotionReport;
}

/** The executor's view of the destination: the snapshot, updated by every refresh. */
export interface World {
  modelExists: boolean;
  modelTags: Record<string, string>;
  copies: ObservedVersion[];
  strays: ObservedVersion[];
  aliases: Record<string, string>;
  versions: Record<string, ObservedVersion>;
  inStage: string[];
  endpoint?: EndpointView | null;
  monitor?: Check;
}

/** What a step's act and refresh may use. */
export interface StepContext {
  /** The destination registry, counting writes. */
  readonly registry: PromotionRegistry;
  readonly options: ApplyOptions;
  readonly plan: TargetPlan;
  /** Writes made outside the registry port (serving, monitor clients count their own). */
  readonly addWrites: (n: number) => void;
  /** The step being converged (`6:move-alias`), for messages. */
  readonly stepId: string;
  /** One line for the step's report (e.g. how a rollout went). */
  readonly note: (message: string) => void;
  /** Keeps the lock alive during long steps. */
  readonly keeper: LockKeeper;
}

export type StepSpecOf<K extends StepKind> = Extract<StepSpec, { readonly kind: K }>;

/**
 * A step whose act ends the whole promotion with an outcome of its own (data, not an exception):
 * the bake that found a breach and reverted (`reverted`). The step counts as done, every later
 * step as not run.
 */
export interface StepEnd {
  readonly status: Extract<PromotionStatus, 'reverted'>;
  readonly message: string;
}

/** check → act → refresh for one step kind. `check` is pure; `refresh` re-reads exactly what `check` needs. */
export interface StepHandler<K extends StepKind> {
  check(spec: StepSpecOf<K>, world: DestinationSnapshot, planHash: string): Check;
  act(spec: StepSpecOf<K>, world: World, ctx: StepContext): Promise<void | StepEnd>;
  refresh(spec: StepSpecOf<K>, world: World, ctx: StepContext): Promise<void>;
  /**
   * Pure. Why this step must run before the steps ahead of it, or null (the usual case): a revert
   * a killed run left half done is finished before any earlier step could roll forward again. The
   * executor then starts at this step; the earlier ones are reported not run.
   */
  runsFirst?(spec: StepSpecOf<K>, world: DestinationSnapshot, planHash: string): string | null;
}
