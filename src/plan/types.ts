// The promotion plan: ordered, hashed steps that move a model version into an environment.
// Steps are plain data. The executor (src/apply) gives each kind a check → act → verify handler;
// later kinds (serving rollout, monitors, Unity Catalog copy) extend `StepSpec` the same way.

import type { BakeConfig, HealthCheck, PromotionMode, RolloutStrategy } from '../config/types.js';

import type { EndpointConfigSpec, InferenceTableSpec } from '../endpoint/serving.js';
import type { ExpectedEndpoint } from '../rollout/types.js';
import type { RegistryId, SourceVersion } from '../registry/types.js';
import type { PreviousRecord } from '../registry/journal.js';
import type { EnsureMonitorRequest } from '../endpoint/ports.js';

/**
 * Which destination version a step acts on. `copy-of` is resolved at apply time (the version
 * carrying the copy's identity tag), so a plan made before the copy exists and one made after
 * hash the same.
 */
export type VersionRef =
  | { readonly kind: 'existing'; readonly name: string; readonly version: string }
  | { readonly kind: 'copy-of'; readonly name: string; readonly identityKey: string; readonly identityValue: string };

export type StepSpec =
  | { readonly kind: 'ensure-model'; readonly registry: RegistryId; readonly model: string }
  | {
      /** The rollback journal on the registered model (`mlops_gate_rollback_<env>`); who and when are written with it. */
      readonly kind: 'set-model-tags';
      readonly registry: RegistryId;
      readonly model: string;
      readonly environment: string;
      /** The rollback this plan makes: a re-run finds it and does nothing more. */
      readonly rollback: { readonly from: string | null; readonly to: string };
    }
  | {
      readonly kind: 'copy-version';
      readonly registry: RegistryId;
      readonly model: string;
      readonly from: SourceVersion;
      /** Set in the create call itself, with the source record (`mlops_gate_source`, from `from`). */
      readonly identityKey: string;
      readonly identityValue: string;
      /**
       * `reuse-source`: same server, the new version points at the source's artifacts.
       * `transfer`: another server; artifacts are copied through the MLflow artifact proxy first.
       */
      readonly artifacts: 'reuse-source' | 'transfer';
      /** The source's quarantine marks, set on the copy in the same create call (absent: none). */
      readonly carriedTags?: Readonly<Record<string, string>>;
    }
  | {
      /**
       * The promotion record (`mlops_gate_promoted_<env>`: from, plan hash, who, when, run) on the
       * destination version; written before any alias moves.
       */
      readonly kind: 'set-tags';
      readonly registry: RegistryId;
      readonly target: VersionRef;
      readonly environment: string;
      /** The environment promoted from. */
      readonly promotedFrom: string;
    }
  | {
      readonly kind: 'record-previous-champion';
      readonly registry: RegistryId;
      readonly target: VersionRef;
      readonly environment: string;
      /** alias → version it pointed at before this promotion (null: unset). */
      readonly previous: Readonly<Record<string, string | null>>;
      /** The rollback target as journaled (`mlops_gate_previous_<env>`), endpoint config included. */
      readonly record: PreviousRecord;
    }
  | {
      readonly kind: 'move-alias';
      readonly registry: RegistryId;
      readonly model: string;
      readonly alias: string;
      readonly target: VersionRef;
      /** What the alias must point at now: this, or already the target. */
      readonly expectedCurrent: string | null;
    }
  | {
      /**
       * Roll the environment's serving endpoint forward to the promoted version (Databricks Model
       * Serving). The version is resolved at apply time like the other steps' `target`, so the
       * plan hashes the same before and after the copy exists.
       */
      readonly kind: 'serving-rollout';
      readonly environment: string;
      readonly target: VersionRef;
      readonly endpoint: string;
      readonly strategy: RolloutStrategy;
      readonly health: HealthCheck;
      /** The served entity, without its version (resolved from `target`). */
      readonly entity: { readonly entityName: string; readonly workloadSize: string; readonly scaleToZero: boolean };
      readonly inferenceTable: InferenceTableSpec | null;
      /** What the endpoint served when the plan was made (drift is refused). */
      readonly expected: ExpectedEndpoint;
      readonly waitTimeoutSeconds: number;
    }
  | {
      /** Create or update the Lakehouse monitor of the environment's inference table. */
      readonly kind: 'ensure-monitor';
      readonly environment: string;
      readonly request: EnsureMonitorRequest;
    }
  | {
      /** Rollback: put back the endpoint config journaled before the promotion of `fromVersion`. */
      readonly kind: 'restore-endpoint';
      readonly environment: string;
      readonly endpoint: string;
      readonly entityName: string;
      readonly fromVersion: string;
      readonly config: EndpointConfigSpec;
      readonly waitTimeoutSeconds: number;
    }
  | BakeStepSpec
  | {
      readonly kind: 'transition-stage';
      readonly registry: RegistryId;
      readonly model: string;
      readonly target: VersionRef;
      readonly stage: string;
      readonly archiveExisting: boolean;
      /** Versions in `stage` before the promotion (they get archived). */
      readonly expectedInStage: readonly string[];
    }
  | {
      /**
       * Rollback: mark the version rolled back from as quarantined (quarantineKey), and its
       * source when that version is a copy of one on the same registry.
       */
      readonly kind: 'mark-quarantined';
      readonly registry: RegistryId;
      readonly model: string;
      readonly version: string;
      readonly environment: string;
      /** The version the champion went back to. */
      readonly to: string;
      readonly source: { readonly name: string; readonly version: string } | null;
    };

export type BakeStepSpec = {
  /**
   * After the rollout: keep checking the promoted version's health on the endpoint (the canary's
   * rules) for `bake.durationSeconds`; on a breach, revert: the endpoint back to `restore`, the aliases
   * back to `previousAliases`, the version (and `source`) quarantined, the journal saying why.
   * Progress is journaled on the version (`mlops_gate_bake_<env>`), so a re-run resumes it.
   */
  readonly kind: 'bake';
  readonly registry: RegistryId;
  readonly model: string;
  readonly environment: string;
  readonly target: VersionRef;
  readonly endpoint: string;
  readonly entity: { readonly entityName: string; readonly workloadSize: string; readonly scaleToZero: boolean };
  readonly health: HealthCheck;
  readonly bake: BakeConfig;
  /** The endpoint config the promotion replaced; null when it created the endpoint (nothing to revert to). */
  readonly restore: EndpointConfigSpec | null;
  /** alias → version before the promotion. */
  readonly previousAliases: Readonly<Record<string, string | null>>;
  /** What the champion alias (or stage) held before: the version a revert serves again. */
  readonly previousChampion: string | null;
  /** The candidate's source version, quarantined with the copy when this registry reaches it. */
  readonly source: { readonly name: string; readonly version: string } | null;
  readonly waitTimeoutSeconds: number;
};

export type StepKind = StepSpec['kind'];

export interface PlannedStep {
  /** `1:ensure-model`, stable within a plan. */
  readonly id: string;
  readonly spec: StepSpec;
  /** What the world must look like before acting; otherwise it drifted from the plan. */
  readonly precondition: string;
  /** How the executor verifies the step is done (also: why a re-run skips it). */
  readonly postcondition: string;
  /** One line for humans. */
  readonly description: string;
}

export interface TargetPlan {
  readonly operation: 'promote' | 'rollback';
  readonly model: string;
  readonly from: string;
  readonly to: string;
  readonly mode: PromotionMode;
  readonly source: SourceVersion;
  readonly destination: { readonly registry: RegistryId; readonly model: string };
  /** Aliases this promotion moves, champion alias first. */
  readonly aliases: readonly string[];
  /** Promote: the rollback target, what the champion alias (or stage) held before. Rollback: the version rolled back from. */
  readonly previousChampion: string | null;
  readonly steps: readonly PlannedStep[];
  /** sha256 of the canonical JSON of the steps' content (`sha256:<hex>`). */
  readonly hash: string;
}

/** A target that cannot be planned (e.g. alias mode across two models). */
export interface PlanRefusal {
  readonly model: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export type StepStatus = 'satisfied' | 'done' | 'pending' | 'failed' | 'not-run';

export interface StepReport {
  readonly id: string;
  readonly kind: StepKind;
  /** The step's full inputs, as hashed (so a saved result can be diffed against a new plan). */
  readonly spec: StepSpec;
  readonly description: string;
  readonly precondition: string;
  readonly postcondition: string;
  readonly status: StepStatus;
  /** Resolved destination version, when the step acts on one. */
  readonly version?: string;
  readonly writes: number;
  readonly message?: string;
}

export type PromotionStatus =
  /** Planned only (dry run). */
  | 'planned'
  /** The target's gates block it: nothing was planned or applied. */
  | 'blocked'
  /** Every step was already satisfied: zero writes. */
  | 'up-to-date'
  | 'applied'
  /** The rollout completed, then the bake found a breach and restored the previous version (quarantining this one). */
  | 'reverted'
  | 'locked'
  | 'drift'
  | 'failed'
  | 'refused';

/** The `plan` field of a TargetReport for `promote` and `rollback`. */
export interface PromotionReport {
  readonly mode: PromotionMode | 'rollback';
  readonly hash: string | null;
  readonly status: PromotionStatus;
  readonly message: string;
  readonly source: SourceVersion | null;
  readonly destination: { readonly registry: RegistryId; readonly model: string; readonly version: string | null } | null;
  readonly previousChampion: string | null;
  readonly steps: readonly StepReport[];
  /** Write requests this target's apply made (lock included). */
  readonly writes: number;
}
