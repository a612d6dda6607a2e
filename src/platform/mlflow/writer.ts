// Write side of the OSS MLflow registry for the promotion executor (src/apply/ports.ts), over the
// HTTP port. Errors are decided on the body's `error_code` (OSS sends RESOURCE_ALREADY_EXISTS as
// HTTP 400). Requests that are safe to repeat (set-tag, alias, transition, create-model, whose
// repeat answers RESOURCE_ALREADY_EXISTS) are marked idempotent so the client retries them after
// a 5xx or a reset; model-versions/create is not, and is recovered by the executor through the
// copy's identity tag instead.

import { createHash } from 'node:crypto';
import { hasErrorCode, nullOnErrorCode } from '../../errors.js';
import type { ArtifactTransfer, LockRecord, ObservedModel, PromotionRegistry } from '../../registry/ports.js';

import { sha256Hex } from '../../util/hash.js';
import { COPY_IDENTITY_KEY, LEGACY_COPY_IDENTITY_KEY } from '../../registry/journal.js';

import type { HttpClient } from '../http/types.js';
import { mlflowProtocolCaller } from '../http/protocol.js';
import type { MlflowBatchReader, MlflowModelSnapshot } from './batch.js';
import { aliasesByVersion, filterLiteral, filterTagKey, observedVersionFromWire, tagsToRecord, type WireModelVersion, type WireRegisteredModel } from './wire.js';
import type { ObservedVersion } from '../../registry/types.js';
import type { SourceVersion } from '../../registry/types.js';

const API = '/api/2.0/mlflow';
const PAGE = 1000;

const toObserved = (w: WireModelVersion | undefined, aliases?: readonly string[]): ObservedVersion => observedVersionFromWire(w, { stages: true, ...(aliases ? { aliases } : {}) });

const wireTags = (tags: Readonly<Record<string, string>>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

export interface MlflowWriterOptions {
  readonly http: HttpClient;
  /** The registry id the plan uses for this server (tracking URI without credentials). */
  readonly registryId: string;
  /**
   * Read-only runs only (the `plan` preview): reads answered from the batch gathering already made
   * (src/platform/mlflow/batch.ts). Never passed to a run that writes: a snapshot is not re-read.
   */
  readonly readOnlyBatch?: MlflowBatchReader;
}

export function createMlflowPromotionRegistry(options: MlflowWriterOptions): PromotionRegistry {
  const { http } = options;
  const call = mlflowProtocolCaller(http, API);
  const orNull = <T>(work: Promise<T>): Promise<T | null> => nullOnErrorCode(['RESOURCE_DOES_NOT_EXIST'], work);

  /** name + identity whose copy under the old identity key was looked for and is not there. */
  const noLegacyCopy = new Set<string>();

  const searchVersions = async (filter: string): Promise<ObservedVersion[]> => {
    const out: ObservedVersion[] = [];
    let pageToken: string | undefined;
    do {
      const body = await call<{ model_versions?: WireModelVersion[]; next_page_token?: string }>(
        'GET',
        '/model-versions/search',
        { filter, max_results: PAGE, page_token: pageToken },
        true,
      );
      for (const v of body.model_versions ?? []) out.push(toObserved(v));
      pageToken = body.next_page_token || undefined;
    } while (pageToken);
    return out.sort((a, b) => Number(a.version) - Number(b.version));
  };

  const batch = options.readOnlyBatch;
  const snapshotOf = async (name: string): Promise<MlflowModelSnapshot | null | undefined> => (batch ? batch.snapshot(name) : undefined);
  const observedFrom = (snap: MlflowModelSnapshot, wanted: (v: WireModelVersion) => boolean): ObservedVersion[] => {
    const aliases = aliasesByVersion(snap.model);
    return snap.versions.filter(wanted).map((v) => toObserved(v, aliases.get(String(v.version)) ?? []));
  };
  const hasTag = (v: WireModelVersion, key: string, value: string): boolean => (v.tags ?? []).some((t) => t.key === key && t.value === value);

  return {
    id: options.registryId,

    async getModel(name): Promise<ObservedModel | null> {
      const snap = await snapshotOf(name);
      if (snap === null) return null;
      if (snap) {
        const aliases: Record<string, string> = {};
        for (const a of snap.model.aliases ?? []) if (typeof a.alias === 'string' && a.version !== undefined) aliases[a.alias] = String(a.version);
        return { name, aliases, tags: tagsToRecord(snap.model.tags) };
      }
      const body = await orNull(call<{ registered_model?: WireRegisteredModel & { tags?: { key?: string; value?: string }[] } }>('GET', '/registered-models/get', { name }, true));
      const m = body?.registered_model;
      if (!m) return null;
      const aliases: Record<string, string> = {};
      for (const a of m.aliases ?? []) if (typeof a.alias === 'string' && a.version !== undefined) aliases[a.alias] = String(a.version);
      return { name, aliases, tags: tagsToRecord(m.tags) };
    },

    async getVersion(name, version) {
      const snap = await snapshotOf(name);
      if (snap === null) return null;
      if (snap) return observedFrom(snap, (v) => String(v.version) === version)[0] ?? null;
      const body = await orNull(call<{ model_version?: WireModelVersion }>('GET', '/model-versions/get', { name, version }, true));
      return body?.model_version ? toObserved(body.model_version) : null;
    },

    async findVersionsByTag(name, key, value) {
      const snap = await snapshotOf(name);
      if (snap === null) return [];
      if (snap) {
        const found = observedFrom(snap, (v) => hasTag(v, key, value));
        return found.length > 0 || key !== COPY_IDENTITY_KEY ? found : observedFrom(snap, (v) => hasTag(v, LEGACY_COPY_IDENTITY_KEY, value));
      }
      const found = await searchVersions(`name=${filterLiteral(name)} AND ${filterTagKey(key)}=${filterLiteral(value)}`);
      // A copy made by an earlier version of mlops-gate carries its identity under the old key. None
      // is made with it any more, so "none" is remembered for the run (one search, not one per read).
      const legacyKey = `${name}\u0000${value}`;
      if (found.length > 0 || key !== COPY_IDENTITY_KEY || noLegacyCopy.has(legacyKey)) return found;
      const legacy = await searchVersions(`name=${filterLiteral(name)} AND ${filterTagKey(LEGACY_COPY_IDENTITY_KEY)}=${filterLiteral(value)}`);
      if (legacy.length === 0) noLegacyCopy.add(legacyKey);
      return legacy;
    },

    async listVersions(name) {
      const snap = await snapshotOf(name);
      if (snap === null) return [];
      return snap ? observedFrom(snap, () => true) : searchVersions(`name=${filterLiteral(name)}`);
    },

    async createModel(name) {
      try {
        await call('POST', '/registered-models/create', { name }, true);
        return 'created';
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS')) return 'exists';
        throw e;
      }
    },

    async createVersion(request) {
      const body = await call<{ model_version?: WireModelVersion }>(
        'POST',
        '/model-versions/create',
        {
          name: request.name,
          source: request.source,
          ...(request.runId ? { run_id: request.runId } : {}),
          tags: wireTags(request.tags),
          ...(request.description ? { description: request.description } : {}),
        },
        false,
      );
      return toObserved(body.model_version);
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

    async transitionStage(name, version, stage, archiveExisting) {
      await call('POST', '/model-versions/transition-stage', { name, version, stage, archive_existing_versions: archiveExisting }, true);
    },

    async deleteVersion(name, version) {
      await orNull(call('DELETE', '/model-versions/delete', { name, version }, true));
    },

    async listLocks(prefix): Promise<readonly LockRecord[]> {
      const out: LockRecord[] = [];
      let pageToken: string | undefined;
      // LIKE treats `_` as a wildcard: the prefix check below keeps only exact matches.
      const filter = `name LIKE ${filterLiteral(`${prefix.replace(/%/g, '')}%`)}`;
      do {
        const body = await call<{ registered_models?: (WireRegisteredModel & { tags?: { key?: string; value?: string }[] })[]; next_page_token?: string }>(
          'GET',
          '/registered-models/search',
          { filter, max_results: 1000, page_token: pageToken },
          true,
        );
        for (const m of body.registered_models ?? []) {
          if (typeof m.name === 'string' && m.name.startsWith(prefix)) out.push({ name: m.name, tags: tagsToRecord(m.tags) });
        }
        pageToken = body.next_page_token || undefined;
      } while (pageToken);
      return out;
    },

    async createLock(name, tags) {
      try {
        await call('POST', '/registered-models/create', { name, tags: wireTags(tags), description: 'mlops-gate promotion lock (safe to delete once expired)' }, false);
        return 'created';
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS')) return 'exists';
        throw e;
      }
    },

    async deleteLock(name) {
      await orNull(call('DELETE', '/registered-models/delete', { name }, true));
    },

    async readLock(name) {
      const body = await orNull(call<{ registered_model?: { tags?: { key?: string; value?: string }[] } }>('GET', '/registered-models/get', { name }, true));
      return body?.registered_model ? { name, tags: tagsToRecord(body.registered_model.tags) } : null;
    },

    async setLockTag(name, key, value) {
      await call('POST', '/registered-models/set-tag', { name, key, value }, true);
    },
  };
}

interface WireFileInfo {
  readonly path?: string;
  readonly is_dir?: boolean;
}

const TRANSFER_EXPERIMENT = 'mlops-gate-transfers';
const DIGEST_TAG = 'mlops_gate.artifact_digest';
const COMPLETE_TAG = 'mlops_gate.transfer_complete';
const ART = '/api/2.0/mlflow-artifacts/artifacts';

/** `mlflow-artifacts:/a/b` (or with an authority) → `a/b`; null for other schemes. */
const proxyPathOf = (uri: string): string | null => {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
  return m ? m[1]!.replace(/\/+$/, '') : null;
};

const encodePath = (p: string): string => p.split('/').map(encodeURIComponent).join('/');

/**
 * Copies a version's artifacts to another tracking server through the MLflow artifact proxy
 * (`--serve-artifacts`, the default). MLflow ≥ 3 only registers a version whose files live inside
 * a run (or logged model) named in the request, so the files are uploaded into a run of the
 * destination's `mlops-gate-transfers` experiment, tagged with the content digest; the version is
 * then created from `runs:/<run>/model`. A repeated transfer (after a crash or a lost answer)
 * finds the completed run by its digest and uploads nothing.
 */
export function createMlflowArtifactTransfer(source: HttpClient, destination: HttpClient): ArtifactTransfer {
  const get = async <T>(http: HttpClient, path: string, query: Record<string, string>): Promise<T> =>
    (await http.request<T>({ method: 'GET', path, query, endpoint: `GET ${path}` })).body;
  const post = async <T>(http: HttpClient, path: string, body: Record<string, unknown>, idempotent: boolean): Promise<T> =>
    (await http.request<T>({ method: 'POST', path, body, idempotent, endpoint: `POST ${path}` })).body;

  /** The artifact-proxy directory holding the source version's files. */
  const sourceRoot = async (name: string, version: string, depth = 0): Promise<string> => {
    const { artifact_uri: uri } = await get<{ artifact_uri?: string }>(source, `${API}/model-versions/get-download-uri`, { name, version });
    if (!uri) throw new Error(`${name} v${version}: the source server returned no download URI`);
    const direct = proxyPathOf(uri);
    if (direct) return direct;
    const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
    if (runs) {
      const run = await get<{ run?: { info?: { artifact_uri?: string } } }>(source, `${API}/runs/get`, { run_id: runs[1]! });
      const root = proxyPathOf(run.run?.info?.artifact_uri ?? '');
      if (root) return runs[2] ? `${root}/${runs[2].replace(/\/+$/, '')}` : root;
    }
    const logged = /^models:\/(m-[0-9a-f]+)\/?$/i.exec(uri);
    if (logged) {
      const m = await get<{ model?: { info?: { artifact_uri?: string } } }>(source, `${API}/logged-models/${logged[1]}`, {});
      const root = proxyPathOf(m.model?.info?.artifact_uri ?? '');
      if (root) return root;
    }
    const registered = /^models:\/([^/]+)\/(\d+)$/.exec(uri);
    if (registered && depth < 3) return sourceRoot(registered[1]!, registered[2]!, depth + 1);
    throw new Error(`cannot transfer artifacts from "${uri}": the source server does not proxy them (mlflow server --serve-artifacts)`);
  };

  const list = async (root: string): Promise<string[]> => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const body = await get<{ files?: WireFileInfo[] }>(source, ART, { path: dir });
      for (const f of body.files ?? []) {
        if (!f.path) continue;
        const child = `${dir}/${f.path.split('/').pop()}`;
        if (f.is_dir) await walk(child);
        else files.push(child);
      }
    };
    await walk(root);
    return files.sort();
  };

  const experimentId = async (): Promise<string> => {
    const byName = () =>
      destination
        .request<{ experiment?: { experiment_id?: string } }>({
          method: 'GET',
          path: `${API}/experiments/get-by-name`,
          query: { experiment_name: TRANSFER_EXPERIMENT },
          endpoint: `GET ${API}/experiments/get-by-name`,
        })
        .then((r) => r.body.experiment?.experiment_id ?? null)
        .catch((e: unknown) => {
          if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST')) return null;
          throw e;
        });
    const found = await byName();
    if (found) return found;
    try {
      const created = await post<{ experiment_id?: string }>(destination, `${API}/experiments/create`, { name: TRANSFER_EXPERIMENT }, true);
      if (created.experiment_id) return created.experiment_id;
    } catch (e) {
      if (!hasErrorCode(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
    }
    const again = await byName();
    if (!again) throw new Error(`could not create or find the "${TRANSFER_EXPERIMENT}" experiment on the destination`);
    return again;
  };

  return {
    async copy(from: SourceVersion) {
      const root = await sourceRoot(from.name, from.version);
      const paths = await list(root);
      if (paths.length === 0) throw new Error(`no artifacts found for ${from.name} v${from.version} under ${root}`);
      const contents = new Map<string, Uint8Array>();
      const digestInput: string[] = [];
      for (const p of paths) {
        const bytes = (await source.request<Uint8Array>({ method: 'GET', path: `${ART}/${encodePath(p)}`, responseType: 'bytes', endpoint: `GET ${ART}/{path}` })).body;
        const rel = p.slice(root.length + 1);
        contents.set(rel, bytes);
        digestInput.push(`${rel}\n${createHash('sha256').update(bytes).digest('hex')}`);
      }
      const digest = `sha256:${sha256Hex(digestInput.join('\n'))}`;

      const exp = await experimentId();
      const search = await post<{ runs?: { info?: { run_id?: string; artifact_uri?: string } }[] }>(
        destination,
        `${API}/runs/search`,
        { experiment_ids: [exp], filter: `tags.\`${DIGEST_TAG}\` = '${digest}' AND tags.\`${COMPLETE_TAG}\` = 'true'`, max_results: 1 },
        true,
      );
      const done = search.runs?.[0]?.info?.run_id;
      if (done) return { uri: `runs:/${done}/model`, digest, runId: done };

      // A run whose upload was interrupted is left incomplete (never matched above); a new one is made.
      const created = await post<{ run?: { info?: { run_id?: string; artifact_uri?: string } } }>(
        destination,
        `${API}/runs/create`,
        {
          experiment_id: exp,
          run_name: `copy-${from.name}-v${from.version}`,
          tags: [
            { key: DIGEST_TAG, value: digest },
            { key: 'mlops_gate.source', value: `${from.name}/${from.version}` },
            { key: 'mlops_gate.source_registry', value: from.registry },
          ],
        },
        false,
      );
      const runId = created.run?.info?.run_id;
      const base = proxyPathOf(created.run?.info?.artifact_uri ?? '');
      if (!runId || !base) throw new Error('the destination did not return a run with a proxied artifact location (mlflow server --serve-artifacts)');
      for (const [rel, bytes] of contents) {
        await destination.request({
          method: 'PUT',
          path: `${ART}/${encodePath(`${base}/model/${rel}`)}`,
          body: bytes,
          headers: { 'content-type': 'application/octet-stream' },
          idempotent: true,
          endpoint: `PUT ${ART}/{path}`,
        });
      }
      await post(destination, `${API}/runs/set-tag`, { run_id: runId, key: COMPLETE_TAG, value: 'true' }, true);
      await post(destination, `${API}/runs/update`, { run_id: runId, status: 'FINISHED', end_time: Date.now() }, true);
      return { uri: `runs:/${runId}/model`, digest, runId };
    },
  };
}
