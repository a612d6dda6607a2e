// A model registry as the core sees it, whichever server it is (MLflow OSS, Unity Catalog):
// versions, their registration status, and how a plan names a registry and a source version.
// One definition for the evidence reader, the planner and the writers.

/** A registry as the plan names it: the tracking URI with credentials, query and fragment stripped. */
export type RegistryId = string;

/** A version's registration status (MLflow's and Unity Catalog's `ModelVersionStatus`). */
export type VersionStatus = 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'UNKNOWN';

/** Servers that omit the status only have READY versions (it appeared with asynchronous registration). */
export const parseVersionStatus = (status: string | undefined): VersionStatus =>
  status === undefined || status === ''
    ? 'READY'
    : status === 'READY' || status === 'PENDING_REGISTRATION' || status === 'FAILED_REGISTRATION'
      ? status
      : 'UNKNOWN';

/** The fields every registry answers for a model version. */
export interface RegistryVersion {
  /** Registered model name as the registry knows it (UC: catalog.schema.model). */
  readonly name: string;
  readonly version: string;
  readonly status: VersionStatus;
  readonly tags: Readonly<Record<string, string>>;
  readonly aliases: readonly string[];
  /** e.g. runs:/<id>/model, models:/m-<id>, dbfs:/..., mlflow-artifacts:/... */
  readonly source: string;
  readonly runId: string | null;
}

/** A destination version as the executor observed it. */
export interface ObservedVersion extends RegistryVersion {
  /** Legacy stage (`None`, `Staging`, `Production`, `Archived`); null when the registry has none. */
  readonly stage: string | null;
}

/** The version being promoted, as found in the source environment. */
export interface SourceVersion {
  readonly registry: RegistryId;
  readonly name: string;
  readonly version: string;
  /** The version's artifact location (`source` field), e.g. `mlflow-artifacts:/…`, `runs:/…`, `models:/m-…`. */
  readonly source: string;
  readonly runId: string | null;
}
