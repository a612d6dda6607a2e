// Registry, run and artifact readers for an open-source MLflow tracking server, over the HTTP port.
// Errors are decided on the body's `error_code`, never on the HTTP status alone (OSS MLflow sends a
// missing alias as INVALID_PARAMETER_VALUE/400 and a missing model as RESOURCE_DOES_NOT_EXIST/404).

import { ApiError, hasErrorCode, nullOnErrorCode } from '../../errors.js';
import { REQUIREMENTS_MAX_BYTES, type ArtifactReader, type RegistryPorts, type RegistryReader, type RunReader } from '../../evidence/ports.js';
import type { ModelSignature, RequirementsFile, RunInfo, VersionInfo } from '../../evidence/types.js';
import type { HttpClient } from '../http/types.js';
import type { MlflowBatchReader, MlflowModelSnapshot } from './batch.js';
import type { MlflowRunBatch } from './runs-batch.js';
import { signatureFromMlmodel } from './mlmodel.js';
import {
  aliasesByVersion,
  filterLiteral,
  tagsToRecord,
  filterTagKey,
  loggedModelIdOf,
  parseRunsUri,
  RegistryAnswerError,
  toRunInfo,
  toVersionInfo,
  type WireModelVersion,
  type WireRegisteredModel,
  type WireRun,
} from './wire.js';

export interface MlflowAdapterOptions {
  readonly http: HttpClient;
  /** The tracking server as users reach it, for links in reports. Defaults to the client's base URL. */
  readonly trackingUri?: string;
  /** `max_results` per `model-versions/search` page. Default 200. */
  readonly pageSize?: number;
  /** Batched model reads (src/platform/mlflow/batch.ts); without it every object is read on its own. */
  readonly batch?: MlflowBatchReader;
  /** Batched run reads (src/platform/mlflow/runs-batch.ts); without it every run is read with runs/get. */
  readonly runBatch?: MlflowRunBatch;
}

const API = '/api/2.0/mlflow';


/** RESOURCE_DOES_NOT_EXIST → null; anything else propagates. */
const orNull = <T>(work: Promise<T>): Promise<T | null> => nullOnErrorCode(['RESOURCE_DOES_NOT_EXIST'], work);

/** OSS `sqlalchemy_store.get_model_version_by_alias`: "Registered model alias <a> not found." */
const isMissingAlias = (e: unknown): boolean =>
  hasErrorCode(e, 'INVALID_PARAMETER_VALUE') && /alias .* not found/i.test(e.message);

export const createMlflowPorts = (options: MlflowAdapterOptions): RegistryPorts => {
  const { http } = options;
  const trackingUri = (options.trackingUri ?? http.baseUrl).replace(/\/$/, '');
  const pageSize = options.pageSize ?? 200;

  const getJson = async <T>(path: string, query: Record<string, string | number | undefined>): Promise<T> =>
    (await http.request<T>({ method: 'GET', path: `${API}${path}`, query, endpoint: `GET ${API}${path}`, memo: true })).body;

  const getRegisteredModel = (name: string): Promise<WireRegisteredModel | null> =>
    orNull(
      getJson<{ registered_model?: WireRegisteredModel }>('/registered-models/get', { name }).then((b) => {
        if (!b.registered_model) throw new RegistryAnswerError(`registered-models/get for "${name}" returned no registered_model`);
        return b.registered_model;
      }),
    );

  /** One page of `model-versions/search`, newest version first. */
  const searchPage = (filter: string, maxResults: number, pageToken: string | undefined) =>
    getJson<{ model_versions?: WireModelVersion[]; next_page_token?: string }>(
      '/model-versions/search',
      { filter, order_by: 'version_number DESC', max_results: maxResults, page_token: pageToken },
    );

  /** The batch's answer for `name`: a snapshot, null (no such model) or undefined (read it per object). */
  const batched = async (name: string): Promise<MlflowModelSnapshot | null | undefined> => (options.batch ? options.batch.snapshot(name) : undefined);
  const fromSnapshot = (snap: MlflowModelSnapshot, version: string | undefined): VersionInfo | null | undefined => {
    if (version === undefined) return null;
    const wire = snap.versions.find((v) => String(v.version) === version);
    // An alias naming a version the search did not list (deleted meanwhile): ask the server.
    if (!wire) return undefined;
    return toVersionInfo(wire, trackingUri, aliasesByVersion(snap.model).get(version) ?? []);
  };

  const registry: RegistryReader = {
    async getVersion(name, version) {
      const snap = await batched(name);
      if (snap === null) return null;
      const found = snap ? fromSnapshot(snap, snap.versions.some((v) => String(v.version) === version) ? version : undefined) : undefined;
      if (found !== undefined) return found;
      const body = await orNull(getJson<{ model_version?: WireModelVersion }>('/model-versions/get', { name, version }));
      return body ? toVersionInfo(body.model_version, trackingUri) : null;
    },

    async getVersionByAlias(name, alias) {
      const snap = await batched(name);
      if (snap === null) return null;
      if (snap) {
        const pointed = (snap.model.aliases ?? []).find((a) => a.alias === alias)?.version;
        const found = fromSnapshot(snap, pointed === undefined ? undefined : String(pointed));
        if (found !== undefined) return found;
      }
      try {
        const body = await getJson<{ model_version?: WireModelVersion }>('/registered-models/alias', { name, alias });
        return toVersionInfo(body.model_version, trackingUri);
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST') || isMissingAlias(e)) return null;
        throw e;
      }
    },

    // One request: registered-models/get carries the latest version of each stage (the max of those
    // is the latest overall) and every alias, which model-versions/search does not return on OSS.
    async modelExists(name) {
      const snap = await batched(name);
      if (snap !== undefined) return snap !== null;
      return (await getRegisteredModel(name)) !== null;
    },
    async getModelTags(name) {
      const snap = await batched(name);
      const model = snap !== undefined ? snap?.model ?? null : await getRegisteredModel(name);
      if (!model) throw Object.assign(new RegistryAnswerError(`registered model "${name}" does not exist`), { evidenceKind: 'not_found' as const });
      return tagsToRecord(model.tags);
    },
    async getLatestVersion(name) {
      const snap = await batched(name);
      if (snap === null) return null;
      if (snap) {
        const newest = snap.versions[snap.versions.length - 1];
        const found = newest ? fromSnapshot(snap, String(newest.version)) : null;
        if (found !== undefined) return found;
      }
      const model = await getRegisteredModel(name);
      if (!model) return null;
      const latest = [...(model.latest_versions ?? [])].sort((a, b) => Number(b.version) - Number(a.version))[0];
      const aliases = aliasesByVersion(model);
      if (latest) return toVersionInfo(latest, trackingUri, aliases.get(String(latest.version)) ?? []);
      // latest_versions is a stage-era field; should a server stop sending it, ask search instead.
      const page = await searchPage(`name=${filterLiteral(name)}`, 1, undefined);
      const first = page.model_versions?.[0];
      return first ? toVersionInfo(first, trackingUri, aliases.get(String(first.version)) ?? []) : null;
    },

    async searchVersionsByTags(name, tags) {
      const snap = await batched(name);
      if (snap === null) return [];
      if (snap) {
        const wanted = Object.entries(tags);
        const aliases = aliasesByVersion(snap.model);
        return snap.versions
          .filter((v) => wanted.every(([k, value]) => (v.tags ?? []).some((t) => t.key === k && t.value === value)))
          .map((v) => toVersionInfo(v, trackingUri, aliases.get(String(v.version)) ?? []))
          .sort((a, b) => Number(b.version) - Number(a.version));
      }
      const clauses = [`name=${filterLiteral(name)}`, ...Object.entries(tags).map(([k, v]) => `${filterTagKey(k)}=${filterLiteral(v)}`)];
      const filter = clauses.join(' AND ');
      // Aliases come from the registered model (search omits them); fetched alongside page one.
      const modelPromise = getRegisteredModel(name);
      modelPromise.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
      const found: WireModelVersion[] = [];
      const seenTokens = new Set<string>();
      let token: string | undefined;
      for (;;) {
        const page = await searchPage(filter, pageSize, token);
        found.push(...(page.model_versions ?? []));
        token = page.next_page_token || undefined;
        if (!token) break;
        if (seenTokens.has(token)) throw new RegistryAnswerError(`model-versions/search repeated page token for "${name}"`);
        seenTokens.add(token);
      }
      const model = await modelPromise;
      const aliases = aliasesByVersion(model ?? undefined);
      return found
        .map((v) => toVersionInfo(v, trackingUri, aliases.get(String(v.version)) ?? []))
        .sort((a, b) => Number(b.version) - Number(a.version));
    },
  };

  const runs: RunReader = {
    async getRun(runId): Promise<RunInfo | null> {
      const searched = options.runBatch ? await options.runBatch.run(runId) : undefined;
      if (searched) return toRunInfo(searched, trackingUri);
      const body = await orNull(getJson<{ run?: WireRun }>('/runs/get', { run_id: runId }));
      return body ? toRunInfo(body.run, trackingUri) : null;
    },
  };

  const getText = async (path: string, query: Record<string, string>, endpoint: string, maxResponseBytes?: number): Promise<string> =>
    (await http.request<string>({ method: 'GET', path, query, responseType: 'text', endpoint, ...(maxResponseBytes ? { maxResponseBytes } : {}) })).body;

  /** Through the version itself: the server resolves its download URI, whatever the source. */
  const fileOfVersion = (v: VersionInfo, file: string, maxBytes?: number): Promise<string> =>
    getText('/model-versions/get-artifact', { name: v.name, version: v.version, path: file }, 'GET /model-versions/get-artifact', maxBytes);

  const isMissingFile = (e: unknown): boolean =>
    e instanceof ApiError && (e.errorCode === 'RESOURCE_DOES_NOT_EXIST' || (e.errorCode === null && e.details.status === 404));

  /**
   * A file of the version's model directory (MLmodel, requirements.txt). The route follows the
   * source so versions sharing a model (a copy in the next environment) read the same URL: MLflow 3
   * logged models by id, MLflow 2 run artifacts by run and path.
   */
  const readModelFile = async (version: VersionInfo, file: string, maxBytes?: number, hops = 0): Promise<string> => {
    const modelId = version.modelId ?? loggedModelIdOf(version.source);
    const runsUri = parseRunsUri(version.source);
    // A copy promoted on the same server points at its source version (`models:/<name>/<version>`):
    // read the file where that version keeps it (the version route answers 500 for runs:/ models
    // on a server with proxied artifacts, docs/mlflow.md).
    const reference = modelId || runsUri ? null : /^models:\/([^/]+)\/(\d+)$/.exec(version.source);
    if (reference && hops < 3) {
      const target = await registry.getVersion(decodeURIComponent(reference[1]!), reference[2]!);
      if (target && target.source !== version.source) return readModelFile(target, file, maxBytes, hops + 1);
    }
    try {
      if (modelId) {
        return await getText(
          `/ajax-api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}/artifacts/files`,
          { artifact_file_path: file },
          'GET /ajax-api/2.0/mlflow/logged-models/{id}/artifacts/files',
          maxBytes,
        );
      }
      if (runsUri) {
        return await getText('/get-artifact', { run_id: runsUri.runId, path: runsUri.path ? `${runsUri.path}/${file}` : file }, 'GET /get-artifact', maxBytes);
      }
      return await fileOfVersion(version, file, maxBytes);
    } catch (e) {
      // A logged model the files route cannot find may still be reachable through the version
      // (its storage location). runs:/ sources get no such fallback: the OSS server answers the
      // version route for them with a 500 when artifacts are proxied (see docs/mlflow.md).
      if (!(modelId && isMissingFile(e))) throw e;
      return fileOfVersion(version, file, maxBytes);
    }
  };

  const artifacts: ArtifactReader = {
    async getSignature(version): Promise<ModelSignature | null> {
      let text: string;
      try {
        text = await readModelFile(version, 'MLmodel');
      } catch (e) {
        throw wrapMissing(e, version);
      }
      return signatureFromMlmodel(text);
    },
    async getRequirements(version): Promise<RequirementsFile | null> {
      const path = `requirements.txt of ${version.name} version ${version.version}`;
      try {
        return { text: await readModelFile(version, 'requirements.txt', REQUIREMENTS_MAX_BYTES), path };
      } catch (e) {
        if (isMissingFile(e)) return null;
        throw tooLarge(e, path);
      }
    },
  };

  return { registry, runs, artifacts };
};

const wrapMissing = (e: unknown, version: VersionInfo): unknown =>
  e instanceof ApiError && (e.errorCode === 'RESOURCE_DOES_NOT_EXIST' || e.details.status === 404)
    ? new RegistryAnswerError(`no MLmodel file found for ${version.name} version ${version.version} (source ${version.source})`)
    : e;

/** A file over the per-request size limit: an answer we will not use (evidence kind `invalid`). */
export const tooLarge = (e: unknown, what: string): unknown =>
  e instanceof ApiError && e.details.kind === 'too-large'
    ? new RegistryAnswerError(`${what} is larger than ${REQUIREMENTS_MAX_BYTES / 1024 / 1024} MiB; a requirements file that large is not read`)
    : e;
