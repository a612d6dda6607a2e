// Typed facts about one target (model × transition), gathered from the registry and GitHub.
// Evidence is plain JSON-serialisable data: `plan --evidence FILE` replays it offline.

import type { RegistryVersion } from '../registry/types.js';
import { mergeLiveNeeds, type LiveFacts, type LiveNeed } from './live.js';

/** A fact that was gathered, or the reason it could not be. `undefined` means "not requested". */
export type Gathered<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: EvidenceError };

export interface EvidenceError {
  /** unavailable: network/5xx/timeout; denied: 401/403; invalid: the registry answered nonsense. */
  readonly kind: 'unavailable' | 'denied' | 'invalid' | 'not_found';
  readonly message: string;
  /** The server that failed (`host:port`), when a request failed: one unreachable host is reported once. */
  readonly host?: string;
}

export const gathered = <T>(value: T): Gathered<T> => ({ ok: true, value });
export const notGathered = <T>(kind: EvidenceError['kind'], message: string, host?: string): Gathered<T> => ({
  ok: false,
  error: { kind, message, ...(host ? { host } : {}) },
});

export interface ModelVersionRef {
  /** Registered model name as the registry knows it (UC: catalog.schema.model). */
  readonly name: string;
  readonly version: string;
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface VersionInfo extends RegistryVersion {
  readonly description: string | null;
  /** MLflow 3 logged model id (m-...), when known. */
  readonly modelId: string | null;
  readonly createdAtMs: number | null;
  /** A link for humans (registry UI), when the adapter can build one. */
  readonly url: string | null;
}

export interface RunInfo {
  readonly runId: string;
  readonly status: RunStatus;
  readonly startTimeMs: number | null;
  readonly endTimeMs: number | null;
  /** Latest value per metric key. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly url: string | null;
  /**
   * Datasets the run logged as inputs (`mlflow.log_input`; `run.inputs.dataset_inputs` of runs/get),
   * in the order the server sent them. Absent in evidence files written before it was gathered.
   */
  readonly datasets?: readonly DatasetInput[];
}

/** One dataset input of a run: MLflow's Dataset `name` and `digest`, and the `mlflow.data.context` input tag. */
export interface DatasetInput {
  readonly name: string;
  /** MLflow's content digest (8 hex characters for pandas datasets). */
  readonly digest: string;
  /** The input tag `mlflow.data.context` (`train`, `eval`, ...); null when the input has none. */
  readonly context: string | null;
  /** `source_type` of the dataset (`code`, `s3`, `delta_table`, ...), when sent. */
  readonly sourceType: string | null;
}

/** The model's logged `requirements.txt` (beside MLmodel), as text. */
export interface RequirementsFile {
  readonly text: string;
  /** Where it was read, for messages (`requirements.txt of churn v7`). */
  readonly path: string;
}

/** One column (or tensor) of an MLflow model signature. */
export interface ColumnSpec {
  /** null for unnamed tensor specs. */
  readonly name: string | null;
  /** MLflow type name: double, long, string, boolean, ... or `tensor:<dtype>`. */
  readonly type: string;
  readonly required: boolean;
}

export interface ModelSignature {
  readonly inputs: readonly ColumnSpec[] | null;
  readonly outputs: readonly ColumnSpec[] | null;
  /** Relative path of the logged input example inside the model artifacts, if any. */
  readonly inputExamplePath: string | null;
}

/** Facts about one model version, each gathered only when a gate needs it. */
export interface VersionEvidence {
  readonly version: VersionInfo;
  /** null value: the version has no source run. */
  readonly run?: Gathered<RunInfo | null>;
  /** null value: the MLmodel file has no signature. */
  readonly signature?: Gathered<ModelSignature | null>;
  /** Tags of the registered model this version belongs to. */
  readonly modelTags?: Gathered<Readonly<Record<string, string>>>;
  /** null value: the model has no requirements.txt beside its MLmodel. */
  readonly requirements?: Gathered<RequirementsFile | null>;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface Approval {
  readonly user: string;
  readonly state: ReviewState;
  readonly submittedAt: string | null;
  /** Commit the review was made on (PR reviews); null for other sources. */
  readonly commitId: string | null;
  /** registry_tag is weaker: anyone with write access to the model can set it. */
  readonly source: 'pull_request_review' | 'environment' | 'registry_tag';
  /**
   * Pull request reviews: whether the reviewer may count at all. An approval counts only from an
   * account with write access to the repository, and never from a bot unless the policy names it.
   * Absent (old evidence files): unverified, not counted.
   */
  readonly reviewer?: ReviewerAccess;
}

export interface ReviewerAccess {
  /** null: could not be verified. */
  readonly writeAccess: boolean | null;
  readonly bot: boolean;
  /** How write access was established: the collaborator permission API or the review's author_association. */
  readonly via: 'permission' | 'author_association' | 'unknown';
}

export interface ApprovalsEvidence {
  /** Author of the change under review (PR author or workflow actor). */
  readonly author: string | null;
  /** Current head commit; approvals on older commits are stale. */
  readonly headSha: string | null;
  readonly approvals: readonly Approval[];
  /** Team slug → member logins, or a reason the membership could not be read. */
  readonly teams: Readonly<Record<string, readonly string[] | { readonly unreadable: string }>>;
}

export interface TargetEvidence {
  /** null value: no version matches the candidate selector (nothing to promote). */
  readonly candidate: Gathered<VersionEvidence | null>;
  /** null value: the target environment has no champion yet (first promotion). */
  readonly champion: Gathered<VersionEvidence | null>;
  readonly approvals?: Gathered<ApprovalsEvidence>;
  /** Commit sha → whether it is reachable in this repository. */
  readonly commits?: Gathered<Readonly<Record<string, boolean>>>;
  /** Files changed by the pull request under review (paths), when a gate asked for them. */
  readonly changedFiles?: Gathered<readonly string[]>;
  /** Live evidence from the source environment (soak, drift), keyed by `liveNeedKey` of the need. */
  readonly live?: Readonly<Record<string, Gathered<LiveFacts>>>;
}

/** What the configured gates of a target need gathered. Computed from gate options (pure). */
export interface EvidenceNeeds {
  readonly candidateRun: boolean;
  readonly candidateSignature: boolean;
  readonly championRun: boolean;
  readonly championSignature: boolean;
  readonly approvals: boolean;
  /** Check the candidate run's git commit is in this repository. */
  readonly commits: boolean;
  /** Tags of the candidate's registered model. */
  readonly candidateModelTags: boolean;
  /** Tags of the champion's registered model (the target environment's model). */
  readonly championModelTags: boolean;
  /** The candidate's logged requirements.txt. */
  readonly candidateRequirements: boolean;
  /** The pull request's changed files. */
  readonly changedFiles: boolean;
  /** Live evidence from the environment the candidate comes from (src/evidence/live.ts); absent = none. */
  readonly live?: readonly LiveNeed[];
}

const NEED_KEYS = [
  'candidateRun',
  'candidateSignature',
  'championRun',
  'championSignature',
  'approvals',
  'commits',
  'candidateModelTags',
  'championModelTags',
  'candidateRequirements',
  'changedFiles',
] as const satisfies readonly (keyof EvidenceNeeds)[];

export const NO_NEEDS: EvidenceNeeds = Object.fromEntries(NEED_KEYS.map((k) => [k, false])) as unknown as EvidenceNeeds;

export const mergeNeeds = (a: EvidenceNeeds, b: Partial<EvidenceNeeds>): EvidenceNeeds => ({
  ...(Object.fromEntries(NEED_KEYS.map((k) => [k, a[k] || !!b[k]])) as unknown as EvidenceNeeds),
  ...(a.live?.length || b.live?.length ? { live: mergeLiveNeeds(a.live ?? [], b.live) } : {}),
});

/** The `--evidence FILE` document: evidence per target key (`model:from->to`). */
export interface EvidenceBundle {
  readonly schemaVersion: 1;
  readonly targets: Readonly<Record<string, TargetEvidence>>;
}
