// The executor's ports (src/apply/ports.ts) for a Unity Catalog registry, over the MLflow-UC
// protocol (`/api/2.0/mlflow/unity-catalog/...`, the only API that creates versions and carries
// tags) and the Files API (where a version's files live).
//
// A UC version is made in three calls: create (PENDING_REGISTRATION, with every tag, the copy's
// identity tag included) → upload the files to `/Models/<c>/<s>/<m>/<v>/` → finalize (READY).
// Only READY versions count as copies (`findVersionsByTag`), so a version left PENDING by a crash
// or a lost answer keeps the copy step pending; the next `createVersion` finds it by its identity
// tag and finishes it (upload again, overwriting; finalize) instead of creating a second one.
//
// UC `model-versions/search` answers no tags (docs/fidelity.md), so tags are never read from it:
// search narrows by what it does answer (every copy made here has the source
// `models:/<catalog.schema.model>/<version>`), then each remaining version is read with
// `model-versions/get`. A copy's identity tag is set in its create call and never changed, so what
// one read showed is remembered for the rest of the run (`identityCache`).
//
// The files come from the source version, in this workspace or (staged by the artifact transfer,
// `createUnityCatalogArtifactTransfer`) in another: they are streamed from the source's Files API
// directory into the new version's (./transfer.ts: ranged reads, multipart uploads from 50 MiB,
// never a whole file in memory), and their content digest is computed on the way and tagged before
// finalize. The MLmodel must carry a signature with inputs and outputs, checked before any write.
//
// Locks: as in the MLflow writer, a registered model created with its tags in one call (UC answers
// RESOURCE_ALREADY_EXISTS to the loser). UC names allow no dots inside a part (and need backquotes in
// SQL for dashes), so the lock named `<prefix><N>` (src/apply/lock.ts) is the model
// `<lock schema>.mlops_gate_lock_<hash(prefix)>_g<N>`, in the destination schema by default; its
// original name is kept in a tag.

import { ApplyError, hasErrorCode, nullOnErrorCode } from '../../errors.js';
import type { ArtifactTransfer, LockRecord, ObservedModel, PromotionRegistry } from '../../registry/ports.js';

import { sha256Hex } from '../../util/hash.js';
import { ARTIFACT_DIGEST_KEY, COPY_IDENTITY_KEY, artifactDigestOf, copyIdentityOf } from '../../registry/journal.js';

import type { UcReadShare } from './read-share.js';
import type { HttpClient } from '../http/types.js';
import { mlflowProtocolCaller } from '../http/protocol.js';
import { tagsToRecord } from '../mlflow/wire.js';
import { splitFullName } from './adapter.js';
import { requireSignature, versionDirectory } from './files.js';
import { copyVersionFiles, listEntries, readSmallFile, type RemoteFile } from './transfer.js';
import type { ObservedVersion, SourceVersion } from '../../registry/types.js';
import { aliasMapOf, mapLimited, parseModelsUri, ucFilterLiteral, ucVersionFromWire, type UcVersion, type WireUcModel, type WireUcVersion } from './wire.js';

const UC = '/api/2.0/mlflow/unity-catalog';
const MODELS_21 = '/api/2.1/unity-catalog/models';

const isMissing = (e: unknown): boolean => hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND');

/** Version reads in flight at once when tags must be read version by version. */
const GET_CONCURRENCY = 4;

const observedOf = (v: UcVersion): ObservedVersion => ({
  name: v.name,
  version: v.version,
  status: v.status,
  tags: v.tags,
  aliases: v.aliases,
  source: v.source,
  runId: v.runId,
  // Unity Catalog has no stages.
  stage: null,
});

const toObserved = (w: WireUcVersion | undefined): ObservedVersion => observedOf(ucVersionFromWire(w));

const wireTags = (tags: Readonly<Record<string, string>>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

/**
 * Could this search row be a copy made by this writer? Every one has a `models:/<c.s.m>/<n>`
 * source. A row without a source (search did not answer it) may be anything: it is read.
 */
const mayBeCopy = (row: UcVersion): boolean => row.source === '' || parseModelsUri(row.source) !== null;

// ---------------------------------------------------------------------------------------------
// Staging: the artifact transfer looks at the files in the source workspace (list, MLmodel,
// signature); `createVersion` on the destination streams them across. Both run in one process.

export interface StagedArtifacts {
  readonly source: SourceVersion;
  /** The workspace holding the source version's files. */
  readonly http: HttpClient;
  /** `/Models/<c>/<s>/<m>/<v>` there. */
  readonly dir: string;
  readonly files: readonly RemoteFile[];
  /** The MLmodel's bytes (read for the signature check). */
  readonly mlmodel: Uint8Array;
}

export interface UcArtifactStaging {
  put(staged: StagedArtifacts): void;
  /** What was staged for this source URI (`models:/<name>/<version>`), if anything. */
  get(uri: string): StagedArtifacts | null;
}

export const createUcArtifactStaging = (): UcArtifactStaging => {
  const byUri = new Map<string, StagedArtifacts>();
  return {
    put: (staged) => void byUri.set(`models:/${staged.source.name}/${staged.source.version}`.toLowerCase(), staged),
    get: (uri) => byUri.get(uri.toLowerCase()) ?? null,
  };
};

/** A version's files as staged: listed with sizes, MLmodel read (small), signature checked by the caller. */
export async function stageVersion(http: HttpClient, source: SourceVersion): Promise<StagedArtifacts> {
  const dir = versionDirectory(source.name, source.version);
  const files = await listEntries(http, dir);
  if (files.length === 0) {
    throw new ApplyError(`${source.name} version ${source.version} has no files in the Files API under ${dir}; nothing can be copied`);
  }
  const hasMlmodel = files.some((f) => f.rel === 'MLmodel');
  const mlmodel = hasMlmodel ? await readSmallFile(http, `${dir}/MLmodel`) : new Uint8Array();
  return { source, http, dir, files, mlmodel };
}

const mlmodelMap = (staged: StagedArtifacts): ReadonlyMap<string, Uint8Array> =>
  new Map(staged.files.some((f) => f.rel === 'MLmodel') ? [['MLmodel', staged.mlmodel]] : []);

// ---------------------------------------------------------------------------------------------
// PromotionRegistry

export interface UnityCatalogWriterOptions {
  readonly http: HttpClient;
  /** The registry id the plan uses for this environment (`<host>#<catalog>.<schema>`, src/plan/inputs.ts). */
  readonly registryId: string;
  /** `catalog.schema` holding the lock models. Default: the schema in `registryId` (the destination schema). */
  readonly lockSchema?: string;
  /** Where the artifact transfer leaves files read from another workspace. */
  readonly staging?: UcArtifactStaging;
  /** Read-only runs only (the `plan` preview): versions gathering already read are not read again. */
  readonly readOnlyShare?: UcReadShare;
}

export const LOCK_MODEL_PREFIX = 'mlops_gate_lock_';
/** Tag on a lock model: the lock's name as src/apply/lock.ts knows it. */
export const LOCK_NAME_TAG = 'mlops_gate_lock_name';

/** Lock name `<prefix><N>` (prefix ends in `.g`) → UC model name part `mlops_gate_lock_<hash>_g<N>`. */
const lockModelPart = (lockName: string): { base: string; part: string } => {
  const m = /^(.*\.g)(\d+)$/.exec(lockName);
  const prefix = m ? m[1]! : lockName;
  const base = `${LOCK_MODEL_PREFIX}${sha256Hex(prefix).slice(0, 24)}_g`;
  return { base, part: m ? `${base}${m[2]}` : `${base}0` };
};

export function createUnityCatalogPromotionRegistry(options: UnityCatalogWriterOptions): PromotionRegistry {
  const { http } = options;
  const lockSchema = (options.lockSchema ?? options.registryId.split('#')[1] ?? '').toLowerCase();

  const call = mlflowProtocolCaller(http, UC);
  const orNull = <T>(work: Promise<T>): Promise<T | null> => nullOnErrorCode(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND'], work);

  /**
   * Every version of a model as search lists it, any status, ascending. Search takes one
   * `name='…'` condition and answers NO tags or aliases: use the rows' number, source, run id and
   * status only.
   */
  const searchRows = async (name: string): Promise<UcVersion[]> => {
    const out = new Map<string, UcVersion>();
    const seen = new Set<string>();
    let pageToken: string | undefined;
    try {
      do {
        const body = await call<{ model_versions?: WireUcVersion[]; next_page_token?: string }>(
          'GET',
          '/model-versions/search',
          { filter: `name=${ucFilterLiteral(name)}`, max_results: 10000, page_token: pageToken },
          true,
        );
        for (const row of body.model_versions ?? []) {
          const v = ucVersionFromWire(row);
          out.set(v.version, v);
        }
        pageToken = body.next_page_token || undefined;
        if (pageToken && seen.has(pageToken)) throw new ApplyError(`model-versions/search repeated a page token for "${name}"`);
        if (pageToken) seen.add(pageToken);
      } while (pageToken);
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    return [...out.values()].sort((a, b) => Number(a.version) - Number(b.version));
  };

  /** name → version → its copy identity tag (null: none). Set at create, never changed: safe to remember. */
  const identityCache = new Map<string, Map<string, string | null>>();
  const rememberIdentity = (v: ObservedVersion): void => {
    const byVersion = identityCache.get(v.name.toLowerCase()) ?? new Map<string, string | null>();
    byVersion.set(v.version, copyIdentityOf(v.tags) ?? null);
    identityCache.set(v.name.toLowerCase(), byVersion);
  };
  const knownIdentity = (name: string, version: string): string | null | undefined => identityCache.get(name.toLowerCase())?.get(version);

  const getObserved = async (name: string, version: string): Promise<ObservedVersion | null> => {
    const known = options.readOnlyShare?.recall(name, version);
    if (known) {
      const v = toObserved(known);
      rememberIdentity(v);
      return v;
    }
    const body = await orNull(call<{ model_version?: WireUcVersion }>('GET', '/model-versions/get', { name, version }, true));
    if (!body?.model_version) return null;
    const v = toObserved(body.model_version);
    rememberIdentity(v);
    return v;
  };

  /** The full versions (tags, aliases) of these search rows, read one by one; deleted ones dropped. */
  const readAll = async (name: string, rows: readonly UcVersion[]): Promise<ObservedVersion[]> =>
    (await mapLimited(rows, GET_CONCURRENCY, (row) => getObserved(name, row.version))).filter((v): v is ObservedVersion => v !== null);

  /**
   * Versions whose tag `key` is `value`, ascending; for the copy identity only versions that may be
   * copies are read, and a copy made by an earlier version (its identity under the old key) counts.
   */
  const versionsTagged = async (name: string, key: string, value: string, narrow: (row: UcVersion) => boolean = () => true): Promise<ObservedVersion[]> => {
    let rows = (await searchRows(name)).filter(narrow);
    const identity = key === COPY_IDENTITY_KEY;
    if (identity) {
      rows = rows.filter((row) => {
        if (!mayBeCopy(row)) return false;
        const known = knownIdentity(name, row.version);
        return known === undefined || known === value;
      });
    }
    return (await readAll(name, rows)).filter((v) => (identity ? copyIdentityOf(v.tags) : v.tags[key]) === value);
  };

  const requireLockSchema = (): string => {
    if (!/^[^.\s]+\.[^.\s]+$/.test(lockSchema)) {
      throw new ApplyError(
        `Unity Catalog locks need a schema (catalog.schema) to hold them; "${lockSchema}" is not one (registry id ${options.registryId}); pass lockSchema`
      );
    }
    return lockSchema;
  };
  const lockModelName = (lockName: string): string => `${requireLockSchema()}.${lockModelPart(lockName).part}`;

  /** The files the new version gets: staged by the transfer, or found in this workspace. */
  const materialise = async (request: { source: string }): Promise<StagedArtifacts & { sourceRunId: string | null }> => {
    const staged = options.staging?.get(request.source) ?? null;
    if (staged) return { ...staged, sourceRunId: null };
    const from = parseModelsUri(request.source);
    if (!from) {
      throw new ApplyError(`cannot copy "${request.source}" into Unity Catalog: the source must be models:/<catalog.schema.model>/<version>`);
    }
    const body = await orNull(call<{ model_version?: WireUcVersion }>('GET', '/model-versions/get', from, true));
    if (!body?.model_version) {
      throw new ApplyError(`source ${from.name} v${from.version} does not exist in this workspace; a copy across workspaces needs the Unity Catalog artifact transfer`);
    }
    const src = ucVersionFromWire(body.model_version);
    if (src.status !== 'READY') throw new ApplyError(`source ${from.name} v${from.version} is ${src.status}, not READY; only READY versions can be copied`);
    const staged2 = await stageVersion(http, { registry: options.registryId, name: from.name, version: from.version, source: src.source, runId: src.runId });
    return { ...staged2, sourceRunId: src.runId };
  };

  /**
   * Model files go through the Files API only where the workspace says so (what mlflow checks
   * before choosing its SDK models repository); otherwise they would need cloud-storage credentials,
   * which this writer does not implement. Asked once, before the first version is created. Like
   * mlflow (`_unity_catalog_utils.py` `is_databricks_sdk_models_artifact_repository_enabled`), only
   * an explicit `true` counts: a missing field is the proto default, false.
   */
  let filesApiChecked = false;
  const requireFilesApiForModels = async (): Promise<void> => {
    if (filesApiChecked) return;
    const body = await call<{ is_databricks_sdk_models_artifact_repository_enabled?: boolean }>(
      'GET',
      '/registered-models:is-databricks-sdk-models-artifact-repository-enabled',
      {},
      true,
    );
    if (body.is_databricks_sdk_models_artifact_repository_enabled !== true) {
      throw new ApplyError(
        `this workspace (${http.baseUrl}) does not serve Unity Catalog model files through the Files API (is-databricks-sdk-models-artifact-repository-enabled is ${String(body.is_databricks_sdk_models_artifact_repository_enabled ?? 'absent')}); mlops-gate cannot upload the copy's files there`
      );
    }
    filesApiChecked = true;
  };

  const finalize = async (name: string, version: string): Promise<ObservedVersion> => {
    // Whether finalizing a READY version answers READY again or an error is not documented
    // (docs/fidelity.md). A retry after a lost answer may meet either: on an error, read the
    // version; READY means the lost finalize went through.
    let v: UcVersion;
    try {
      v = ucVersionFromWire((await call<{ model_version?: WireUcVersion }>('POST', '/model-versions/finalize', { name, version }, true)).model_version);
    } catch (e) {
      const now = await getObserved(name, version).catch(() => null);
      if (now?.status === 'READY') return now;
      throw e;
    }
    if (v.status !== 'READY') {
      throw new ApplyError(`${name} v${version} is ${v.status} after finalize${v.statusMessage ? `: ${v.statusMessage}` : ''}`);
    }
    const done = observedOf(v);
    rememberIdentity(done);
    return done;
  };

  return {
    id: options.registryId,

    async getModel(name): Promise<ObservedModel | null> {
      const body = await orNull(call<{ registered_model?: WireUcModel }>('GET', '/registered-models/get', { name }, true));
      const m = body?.registered_model;
      if (!m) return null;
      return { name: m.name ?? name, aliases: aliasMapOf(m), tags: tagsToRecord(m.tags) };
    },

    getVersion: getObserved,

    // Every status: the executor tells copies from unfinished work and strays (splitCopies).
    findVersionsByTag: (name, key, value) => versionsTagged(name, key, value),

    // Search, then each version read for its tags and aliases (search answers neither).
    listVersions: async (name) => readAll(name, await searchRows(name)),

    async createModel(name) {
      try {
        await call('POST', '/registered-models/create', { name }, true);
        return 'created';
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS', 'ALREADY_EXISTS')) return 'exists';
        throw e;
      }
    },

    async createVersion(request) {
      await requireFilesApiForModels();
      const artifacts = await materialise(request);
      requireSignature(mlmodelMap(artifacts), `source ${artifacts.source.name} v${artifacts.source.version}`);
      // The content digest is known once the bytes have passed: it is tagged before finalize.
      const { [ARTIFACT_DIGEST_KEY]: _given, ...tags } = request.tags;

      // A version with this copy's identity may exist: READY (a lost answer; nothing to do) or
      // PENDING_REGISTRATION (a crash between create and finalize; finish it).
      const identity = request.tags[COPY_IDENTITY_KEY];
      let pending: ObservedVersion | null = null;
      if (identity) {
        // Only versions made from this same source can carry its identity: narrow the search rows
        // by source (and by status: READY or PENDING), then read the survivors' tags.
        const sameSource = (row: UcVersion): boolean =>
          (row.source === '' || row.source.toLowerCase() === request.source.toLowerCase()) && row.status !== 'FAILED_REGISTRATION';
        const same = await versionsTagged(request.name, COPY_IDENTITY_KEY, identity, sameSource);
        const ready = same.find((v) => v.status === 'READY');
        if (ready) return ready;
        pending = same.find((v) => v.status === 'PENDING_REGISTRATION') ?? null;
      }

      const created =
        pending ??
        toObserved(
          (
            await call<{ model_version?: WireUcVersion }>(
              'POST',
              '/model-versions/create',
              {
                name: request.name,
                source: request.source,
                ...((request.runId ?? artifacts.sourceRunId) ? { run_id: request.runId ?? artifacts.sourceRunId } : {}),
                tags: wireTags(tags),
                ...(request.description ? { description: request.description } : {}),
              },
              // Not retried by the client: a lost answer is recovered through the identity tag.
              false,
            )
          ).model_version,
        );
      // Streamed from the source directory; files an earlier attempt completed are kept (resume).
      const copied = await copyVersionFiles({
        source: artifacts.http,
        sourceDir: artifacts.dir,
        files: artifacts.files,
        destination: http,
        destinationDir: versionDirectory(created.name, created.version),
      });
      const had = pending ? artifactDigestOf(pending.tags) : undefined;
      if (had && had !== copied.digest) {
        throw new ApplyError(
          `${request.name} v${created.version} is an unfinished copy with content digest ${had}, but its files now digest to ${copied.digest}; delete v${created.version} and re-run`
        );
      }
      if (had !== copied.digest) await call('POST', '/model-versions/set-tag', { name: created.name, version: created.version, key: ARTIFACT_DIGEST_KEY, value: copied.digest }, true);
      return finalize(created.name, created.version);
    },

    async setVersionTag(name, version, key, value) {
      await call('POST', '/model-versions/set-tag', { name, version, key, value }, true);
    },

    async setModelTag(name, key, value) {
      await call('POST', '/registered-models/set-tag', { name, key, value }, true);
    },

    async setAlias(name, alias, version) {
      await call('POST', '/registered-models/alias', { name, alias, version }, true);
    },

    async deleteVersion(name, version) {
      await orNull(call('DELETE', '/model-versions/delete', { name, version }, true));
    },

    async transitionStage(name) {
      throw new ApplyError(
        `Unity Catalog has no model stages, so "${name}" cannot be moved to a stage; use aliases (promotion: alias or copy) for databricks-uc environments`
      );
    },

    async listLocks(prefix): Promise<readonly LockRecord[]> {
      const schema = requireLockSchema();
      const [catalog, schemaName] = schema.split('.') as [string, string];
      const { base } = lockModelPart(`${prefix}1`);
      const names: string[] = [];
      let pageToken: string | undefined;
      // REST 2.1 lists one schema's models (MLflow-UC search cannot filter); it carries no tags.
      do {
        const body = (
          await http.request<{ registered_models?: { name?: string }[]; next_page_token?: string }>({
            method: 'GET',
            path: MODELS_21,
            query: { catalog_name: catalog, schema_name: schemaName, max_results: 1000, page_token: pageToken },
            endpoint: `GET ${MODELS_21}`,
          })
        ).body;
        for (const m of body.registered_models ?? []) if (m.name?.startsWith(base)) names.push(m.name);
        pageToken = body.next_page_token || undefined;
      } while (pageToken);
      const out: LockRecord[] = [];
      for (const part of names) {
        const generation = part.slice(base.length);
        if (!/^\d+$/.test(generation)) continue;
        const body = await orNull(call<{ registered_model?: WireUcModel }>('GET', '/registered-models/get', { name: `${schema}.${part}` }, true));
        if (body?.registered_model) out.push({ name: `${prefix}${generation}`, tags: tagsToRecord(body.registered_model.tags) });
      }
      return out;
    },

    async createLock(name, tags) {
      const full = lockModelName(name);
      try {
        await call(
          'POST',
          '/registered-models/create',
          { name: full, tags: wireTags({ ...tags, [LOCK_NAME_TAG]: name }), description: `mlops-gate promotion lock ${name} (safe to delete once expired)` },
          false,
        );
        return 'created';
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS', 'ALREADY_EXISTS')) return 'exists';
        throw e;
      }
    },

    async deleteLock(name) {
      await orNull(call('DELETE', '/registered-models/delete', { name: lockModelName(name) }, true));
    },

    async readLock(name) {
      const body = await orNull(call<{ registered_model?: WireUcModel }>('GET', '/registered-models/get', { name: lockModelName(name) }, true));
      return body?.registered_model ? { name, tags: tagsToRecord(body.registered_model.tags) } : null;
    },

    async setLockTag(name, key, value) {
      await call('POST', '/registered-models/set-tag', { name: lockModelName(name), key, value }, true);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// ArtifactTransfer

export interface UnityCatalogTransferOptions {
  /** The workspace holding the source version. */
  readonly source: HttpClient;
  /** The destination workspace (to tell whether the source run is visible there). */
  readonly destination: HttpClient;
  /** Shared with the destination's `createUnityCatalogPromotionRegistry`. */
  readonly staging: UcArtifactStaging;
}

/**
 * Looks at a source version in its workspace (READY; its files listed with their sizes; the MLmodel
 * read and its signature checked) and stages it for the destination registry's `createVersion`,
 * which streams the files across. Nothing is written and no model file is read here. The new
 * version's `source` is `models:/<name>/<version>` (what mlflow's copy_model_version records); its
 * run id is kept only when source and destination are the same workspace. The content digest is
 * computed while the files are copied (null here).
 */
export function createUnityCatalogArtifactTransfer(options: UnityCatalogTransferOptions): ArtifactTransfer {
  const sameWorkspace = options.source.baseUrl.replace(/\/+$/, '') === options.destination.baseUrl.replace(/\/+$/, '');
  return {
    async copy(from: SourceVersion) {
      splitFullName(from.name);
      const { status } = ucVersionFromWire(
        (
          await options.source.request<{ model_version?: WireUcVersion }>({
            method: 'GET',
            path: `${UC}/model-versions/get`,
            query: { name: from.name, version: from.version },
            endpoint: `GET ${UC}/model-versions/get`,
          })
        ).body.model_version,
      );
      if (status !== 'READY') throw new ApplyError(`source ${from.name} v${from.version} is ${status}, not READY; only READY versions can be copied`);
      const staged = await stageVersion(options.source, from);
      requireSignature(mlmodelMap(staged), `source ${from.name} v${from.version}`);
      options.staging.put(staged);
      return { uri: `models:/${from.name}/${from.version}`, digest: null, runId: sameWorkspace ? from.runId : null };
    },
  };
}

/** The destination registry and the transfer from a source workspace, wired to one staging area. */
export function createUnityCatalogPromotion(options: {
  readonly destination: HttpClient;
  readonly registryId: string;
  readonly source: HttpClient;
  readonly lockSchema?: string;
}): { readonly registry: PromotionRegistry; readonly transfer: ArtifactTransfer } {
  const staging = createUcArtifactStaging();
  return {
    registry: createUnityCatalogPromotionRegistry({
      http: options.destination,
      registryId: options.registryId,
      staging,
      ...(options.lockSchema ? { lockSchema: options.lockSchema } : {}),
    }),
    transfer: createUnityCatalogArtifactTransfer({ source: options.source, destination: options.destination, staging }),
  };
}
