// Ports the evidence gatherer reads through. Adapters in src/platform implement them over HTTP
// (MLflow OSS, Unity Catalog); an in-memory implementation replays an evidence file.

import type { ApprovalsEvidence, ModelSignature, RequirementsFile, RunInfo, VersionInfo } from './types.js';

export interface RegistryReader {
  /** null when the version does not exist. */
  getVersion(name: string, version: string): Promise<VersionInfo | null>;
  /** null when the alias (or the model) does not exist. OSS MLflow answers INVALID_PARAMETER_VALUE for a missing alias. */
  getVersionByAlias(name: string, alias: string): Promise<VersionInfo | null>;
  /** Highest version number of the model, or null when it has none / does not exist. */
  getLatestVersion(name: string): Promise<VersionInfo | null>;
  /** Versions whose tags match all given key=value pairs, newest first. */
  searchVersionsByTags(name: string, tags: Readonly<Record<string, string>>): Promise<readonly VersionInfo[]>;
  /** Whether the registered model exists (asked only when no candidate was found, to tell "none yet" from "points at nothing"). */
  modelExists(name: string): Promise<boolean>;
  /** Tags of the registered model; throws when the model does not exist or cannot be read. */
  getModelTags(name: string): Promise<Readonly<Record<string, string>>>;
}

export interface RunReader {
  /** null when the run does not exist. */
  getRun(runId: string): Promise<RunInfo | null>;
}

export interface ArtifactReader {
  /** The version's MLmodel signature; null value when the MLmodel has none; throws when unreadable. */
  getSignature(version: VersionInfo): Promise<ModelSignature | null>;
  /**
   * The version's `requirements.txt` (the file MLflow writes beside MLmodel); null when the model has
   * none; throws when unreadable or larger than REQUIREMENTS_MAX_BYTES.
   */
  getRequirements(version: VersionInfo): Promise<RequirementsFile | null>;
}

/** A requirements file larger than this is not read (a real one is a few hundred bytes). */
export const REQUIREMENTS_MAX_BYTES = 1024 * 1024;

/** Everything the gatherer needs from one environment's registry. */
export interface RegistryPorts {
  readonly registry: RegistryReader;
  readonly runs: RunReader;
  readonly artifacts: ArtifactReader;
}

export interface GitHubEvidenceReader {
  approvals(): Promise<ApprovalsEvidence>;
  /** Whether each commit sha exists in the repository. */
  commitsExist(shas: readonly string[]): Promise<Readonly<Record<string, boolean>>>;
  /** Paths the pull request changes (renames: the new path); throws without a pull request. */
  changedFiles(): Promise<readonly string[]>;
}
