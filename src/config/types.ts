// The typed, fully-resolved form of mlops.yml. Everything here has passed the JSON Schema and the
// cross-field checks: downstream code never re-validates, it pattern-matches.

import type { SourcePosition } from '../errors.js';
import type { EnvironmentFields, RegistryKind } from './registries.js';
import type { NotifyConfig } from './notify-types.js';
export type { SourcePosition };

export type { RegistryKind };

interface EnvironmentBase {
  readonly name: string;
  /** The environment whose champion/candidate feeds this one; null for the first in the chain. */
  readonly promoteFrom: string | null;
  /** GitHub environment that holds deployment approvals and records, if any. */
  readonly githubEnvironment: string | null;
  readonly position: SourcePosition;
}

/** An environment of one registry kind: the common fields and the kind's own (src/config/registries.ts). */
export type EnvironmentOf<K extends RegistryKind> = EnvironmentBase & { readonly registry: K } & EnvironmentFields<K>;

export type Environment = { [K in RegistryKind]: EnvironmentOf<K> }[RegistryKind];
export type MlflowEnvironment = EnvironmentOf<'mlflow'>;
export type UnityCatalogEnvironment = EnvironmentOf<'databricks-uc'>;

/** How the candidate version is chosen in the source environment. */
export type CandidateSelector =
  | { readonly kind: 'alias'; readonly alias: string }
  | { readonly kind: 'version'; readonly version: string }
  | { readonly kind: 'latest' }
  | { readonly kind: 'tags'; readonly tags: Readonly<Record<string, string>> };

export type PromotionMode = 'copy' | 'alias' | 'stage';

export type RolloutStrategy =
  | { readonly kind: 'replace' }
  | {
      readonly kind: 'canary';
      /** Traffic percentages to the new version, strictly increasing, last is 100. */
      readonly steps: readonly number[];
      readonly pauseSeconds: number;
    }
  | {
      readonly kind: 'blue_green';
      readonly smokeRequest: boolean;
      /** Check the new version's health after the switch (when `health:` is set). */
      readonly healthCheck: boolean;
      readonly pauseSeconds: number;
    }
  | { readonly kind: 'ab'; readonly candidatePercent: number };

export interface HealthCheck {
  readonly maxErrorRate: number | null;
  readonly maxP95LatencyMs: number | null;
  /** Requests the new version must have answered in a step's window before it is judged (≥ 1). */
  readonly minRequests: number;
  /** Too few requests: sample further (up to maxTrafficWaitSeconds), or fail at once. */
  readonly onInsufficientTraffic: 'wait' | 'fail';
  readonly maxTrafficWaitSeconds: number;
  /** The metrics label that names the served entity, when the user knows it (looked for first). */
  readonly entityLabel: string | null;
}

/** After the rollout: keep checking health for `durationSeconds`, in windows of `intervalSeconds`. */
export interface BakeConfig {
  readonly durationSeconds: number;
  readonly intervalSeconds: number;
}

export interface ServingConfig {
  /** Template; `${env}` and `${model}` are replaced per environment. */
  readonly endpoint: string;
  readonly strategy: RolloutStrategy;
  readonly health: HealthCheck;
  /** null: no bake (the promotion ends when the rollout does). */
  readonly bake?: BakeConfig | null;
  readonly workloadSize: string;
  /** Per-environment scale-to-zero; environments not listed use `scaleToZeroDefault`. */
  readonly scaleToZero: Readonly<Record<string, boolean>>;
  readonly scaleToZeroDefault: boolean;
  readonly inferenceTable: { readonly catalog: string; readonly schema: string; readonly prefix: string } | null;
  /** Deadline for one endpoint config update to settle. */
  readonly waitTimeoutSeconds: number;
  /** Only for these environments (null = every environment with a registry that supports serving). */
  readonly environments: readonly string[] | null;
}

export interface MonitorConfig {
  /** Templates; `${env}` replaced per environment. */
  readonly table: string;
  readonly outputSchema: string;
  readonly api: 'data-quality' | 'legacy';
  readonly inferenceLog: {
    readonly problemType: 'classification' | 'regression';
    readonly predictionCol: string;
    readonly labelCol: string | null;
    readonly timestampCol: string;
    readonly modelIdCol: string;
    readonly granularities: readonly string[];
  };
  readonly schedule: { readonly cron: string; readonly timezone: string } | null;
  readonly slicingExprs: readonly string[];
  readonly refreshAfterUpdate: boolean;
  readonly environments: readonly string[] | null;
}

export interface ModelConfig {
  /** The key under `models:`; stable id used in reports, waivers and CLI filters. */
  readonly id: string;
  /**
   * Registered-model name template. `${env}` is replaced by the environment name. For
   * databricks-uc environments the full name is `<catalog>.<schema>.<name>`.
   */
  readonly name: string;
  /** Explicit per-environment names, taking precedence over `name`. */
  readonly nameByEnvironment: Readonly<Record<string, string>>;
  readonly candidate: CandidateSelector;
  /** Alias template marking the champion in the target environment (default `champion`). */
  readonly championAlias: string;
  readonly promotion: PromotionMode;
  /** Resolved policy names, in declaration order (built-in packs are named `builtin:<pack>`). */
  readonly policies: readonly string[];
  readonly serving: ServingConfig | null;
  readonly monitor: MonitorConfig | null;
  readonly position: SourcePosition;
}

export type GateSeverity = 'fail' | 'warn';

/** One configured gate. `options` is the gate type's own typed option object (see policy/gates). */
export interface GateSpec {
  /** Unique within the config: `<policy>/<type>` or `<policy>/<type>:<metric>` unless set explicitly. */
  readonly id: string;
  readonly type: string;
  readonly policy: string;
  readonly severity: GateSeverity;
  /** The gate's `description`, shown in reports (additive; absent = none). */
  readonly description?: string | null;
  readonly options: unknown;
  readonly position: SourcePosition;
}

export interface PolicyScope {
  /** null = every environment. */
  readonly environments: readonly string[] | null;
  /** null = every model. */
  readonly models: readonly string[] | null;
}

export interface Policy {
  readonly name: string;
  readonly origin: { readonly kind: 'builtin'; readonly pack: string } | { readonly kind: 'file'; readonly path: string } | { readonly kind: 'inline' };
  readonly description: string | null;
  readonly appliesTo: PolicyScope;
  /**
   * Names of the policies this one extends, in order (additive; absent = none). Their gates are
   * included wherever this policy applies (see config/names.ts `gatesFor`).
   */
  readonly extends?: readonly string[];
  readonly gates: readonly GateSpec[];
  readonly position: SourcePosition;
}

export interface Waiver {
  /** A gate id; `*` matches any run of characters (e.g. `production/metric_delta:*`). */
  readonly gate: string;
  readonly models: readonly string[] | null;
  readonly environments: readonly string[] | null;
  readonly owner: string;
  readonly reason: string;
  /** ISO date (YYYY-MM-DD); the waiver applies through the end of that day, UTC. */
  readonly expires: string;
  readonly position: SourcePosition;
}

export interface Config {
  readonly version: 1;
  readonly file: string;
  /** sha256 of the file's bytes, for reports and plan hashes. */
  readonly digest: string;
  readonly environments: ReadonlyMap<string, Environment>;
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly policies: ReadonlyMap<string, Policy>;
  readonly waivers: readonly Waiver[];
  /** `notify:` (src/config/notify.ts, docs/notifications.md); absent or null = no notifications. */
  readonly notify?: NotifyConfig | null;
}

/** A model moving along one edge of the environment chain. */
export interface Target {
  readonly model: string;
  readonly from: string;
  readonly to: string;
}

export const targetKey = (t: Target): string => `${t.model}:${t.from}->${t.to}`;
