// The executor's own ports: what a registry must offer to be promoted into. The MLflow adapter
// is src/platform/mlflow/writer.ts; unit tests use an in-memory registry. Unity Catalog and the
// serving/monitor steps add their own ports next to these.

import type { ObservedVersion } from './types.js';
import type { RegistryId, SourceVersion } from './types.js';

export interface ObservedModel {
  readonly name: string;
  /** alias → version */
  readonly aliases: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** A lock object as stored in the registry: its name and the tags set when it was created. */
export interface LockRecord {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface PromotionRegistry {
  readonly id: RegistryId;
  getModel(name: string): Promise<ObservedModel | null>;
  getVersion(name: string, version: string): Promise<ObservedVersion | null>;
  /** Versions of `name` whose tag `key` equals `value`, whatever their status, ascending by version. */
  findVersionsByTag(name: string, key: string, value: string): Promise<readonly ObservedVersion[]>;
  /** Every version of `name`, ascending (stage mode needs the stage of each). */
  listVersions(name: string): Promise<readonly ObservedVersion[]>;

  /** `exists` when the model was already there (RESOURCE_ALREADY_EXISTS is not an error here). */
  createModel(name: string): Promise<'created' | 'exists'>;
  /** One call; `tags` are set atomically with the version. */
  createVersion(request: {
    readonly name: string;
    readonly source: string;
    readonly runId: string | null;
    readonly tags: Readonly<Record<string, string>>;
    readonly description?: string;
  }): Promise<ObservedVersion>;
  setVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  setModelTag(name: string, key: string, value: string): Promise<void>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): Promise<void>;
  /** Only for strays a lost write left (see splitCopies); a missing version is not an error. */
  deleteVersion(name: string, version: string): Promise<void>;

  /** Lock objects whose name starts with `prefix`. */
  listLocks(prefix: string): Promise<readonly LockRecord[]>;
  /** Atomic: exactly one concurrent caller gets `created` for a given name. */
  createLock(name: string, tags: Readonly<Record<string, string>>): Promise<'created' | 'exists'>;
  deleteLock(name: string): Promise<void>;
  /** The lock object's tags now; null when it does not exist. */
  readLock(name: string): Promise<LockRecord | null>;
  /** Renews a held lock (its expiry tag). */
  setLockTag(name: string, key: string, value: string): Promise<void>;
}

/** Copies a source version's artifacts into the destination server; returns the new source URI. */
export interface ArtifactTransfer {
  /**
   * `runId`: the destination run now holding the files, when the destination needs one named.
   * `digest`: the content digest, or null when the destination computes it while the files stream
   * across (Unity Catalog: nothing is read whole before the version exists).
   */
  copy(source: SourceVersion): Promise<{ readonly uri: string; readonly digest: string | null; readonly runId?: string | null }>;
}

/** A Unity Catalog securable as the permission APIs name it (a registered model is a `function`). */
export type SecurableType = 'catalog' | 'schema' | 'function';

/** The direct grants on a securable: principal → privileges (upper case, `_` for spaces). */
export type Grants = Readonly<Record<string, readonly string[]>>;

/** Who the credentials act as, and what they may do (read only). */
export interface PermissionReader {
  /** The principal the credentials act as (a user name or a service principal's application id) and its groups. */
  whoAmI(): Promise<{ readonly principal: string; readonly groups: readonly string[] }>;
  /** Privileges any of `principals` holds on the securable, inherited ones (from its schema and catalog) included. */
  effective(type: SecurableType, fullName: string, principals: readonly string[]): Promise<ReadonlySet<string>>;
  /** The owner of a securable; null when it does not exist. */
  owner(type: SecurableType, fullName: string): Promise<string | null>;
}

/** Grants on registered models: read and change (one PATCH with every change). */
export interface GrantsPort {
  grants(model: string): Promise<Grants>;
  /** For each principal: add and remove privileges. */
  updateGrants(model: string, changes: readonly { readonly principal: string; readonly add: readonly string[]; readonly remove: readonly string[] }[]): Promise<void>;
}
