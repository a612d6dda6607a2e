// A serving rollout as plain data: what the plan expects the endpoint to hold, what the new
// version is, and how to move traffic to it. Results are data too: outcome, the steps taken,
// and the config that was replaced (recorded before any write, so a rollback can restore it).

import type { HealthCheck, RolloutStrategy } from '../config/types.js';
import type { EndpointConfigSpec, EntityHealth, InferenceTableSpec, ServedEntitySpec, WaitProgress } from '../endpoint/serving.js';

/** The served entity identity a plan compares (workload settings are not drift). */
export interface ExpectedEntity {
  readonly name: string;
  readonly entityName: string;
  readonly entityVersion: string;
}

/** What the endpoint held when the plan was made. */
export type ExpectedEndpoint =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'config';
      readonly servedEntities: readonly ExpectedEntity[];
      readonly routes: readonly { readonly servedEntityName: string; readonly percent: number }[];
      /** For messages only: drift is decided on content, since every update bumps the version. */
      readonly configVersion?: number | null;
    };

/** One rollout, hashed into the plan (everything here is data; no functions). */
export interface ServingRolloutSpec {
  readonly endpoint: string;
  readonly strategy: RolloutStrategy;
  readonly health: HealthCheck;
  readonly candidate: ServedEntitySpec;
  readonly inferenceTable: InferenceTableSpec | null;
  readonly expected: ExpectedEndpoint;
  /** Deadline for each config update to settle. */
  readonly waitTimeoutSeconds: number;
}

/** Run-time inputs that are not part of the plan's content. */
export interface RolloutRuntime {
  /** The model's logged input example as a scoring request body (blue_green smoke request). */
  readonly inputExample?: unknown;
  readonly onProgress?: (progress: WaitProgress) => void | Promise<void>;
  /** Called with one line per step taken, for logs. */
  readonly onStep?: (step: RolloutStepRecord) => void | Promise<void>;
}

/** One target config of a strategy, in order. */
export interface RolloutPhase {
  /** e.g. `canary 10%`, `add v4 at 0%`, `100% to v4`. */
  readonly label: string;
  readonly config: EndpointConfigSpec;
  /** Health-check the candidate after this phase settles (canary steps before the last; blue-green's switch with `health:`). */
  readonly healthCheck: boolean;
  /** Send the smoke request after this phase settles (blue_green). */
  readonly smoke: boolean;
  /** Pause before the health check (the metrics export is sampled once a minute through it). */
  readonly pauseSeconds: number;
}

export type RolloutStepRecord =
  | { readonly kind: 'create'; readonly label: string; readonly writes: number }
  | { readonly kind: 'update'; readonly label: string; readonly configVersion: number | null; readonly conflicts: number; readonly polls: number }
  | { readonly kind: 'inference-table'; readonly label: string }
  /** `error`: the export could not tell (too little traffic, families or labels missing): never a pass. */
  | { readonly kind: 'health'; readonly label: string; readonly health: EntityHealth; readonly outcome: 'pass' | 'fail' | 'error'; readonly passed: boolean; readonly reason: string }
  | { readonly kind: 'smoke'; readonly label: string; readonly passed: boolean; readonly reason: string }
  | { readonly kind: 'restore'; readonly label: string; readonly writes: number }
  | { readonly kind: 'resume'; readonly label: string };

export type RolloutOutcome =
  /** The endpoint already held the final config: zero writes. */
  | 'up-to-date'
  | 'created'
  | 'rolled-out'
  /** A health check failed or could not judge, a smoke request failed, or an update failed; the previous config was restored. */
  | 'aborted'
  /** The endpoint does not hold what the plan expected: nothing was written. */
  | 'drift'
  /** A wait ran out of time; the endpoint may be mid-update. */
  | 'deadline'
  /** An update failed and the previous config could not be restored (or there was none). */
  | 'failed';

/** The config an endpoint served before this rollout, in input form (restorable verbatim). */
export interface SavedConfig {
  readonly configVersion: number | null;
  readonly config: EndpointConfigSpec;
}

export interface RolloutResult {
  readonly outcome: RolloutOutcome;
  readonly message: string;
  readonly steps: readonly RolloutStepRecord[];
  readonly previous: SavedConfig | null;
  /** Write requests made (create, config updates, ai-gateway, restore). */
  readonly writes: number;
  /** GET polls made while waiting. */
  readonly polls: number;
}
