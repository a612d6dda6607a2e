// Write side of the OSS MLflow registry for the promotion executor (src/apply/ports.ts), over the
// HTTP port. Errors are decided on the body's `error_code` (OSS sends RESOURCE_ALREADY_EXISTS as
// HTTP 400). Requests that are safe to repeat (set-tag, alias, transition, create-model, whose
// repeat answers RESOURCE_ALREADY_EXISTS) are marked idempotent so the client retries them after
// a 5xx or a reset; model-versions/create is not, and is recovered by the executor through the
// copy's identity tag instead.

import { createHash } from 'node:crypto';
import { ApiError } from '../../errors.js';
import type { ArtifactTransfer, LockRecord, ObservedModel, PromotionRegistry } from '../../apply/ports.js';
import type { ObservedVersion } from '../../plan/build.js';
import { sha256Hex } from '../../plan/hash.js';
import type { SourceVersion } from '../../plan/types.js';
import type { HttpClient, HttpMethod } from '../http/types.js';
import { filterLiteral, filterTagKey, tagsToRecord, type WireModelVersion, type WireRegisteredModel } from './wire.js';

const API = '/api/2.0/mlflow';
const PAGE = 1000;

const isCode = (e: unknown, code: string): boolean => e instanceof ApiError && e.errorCode === code;

interface WireVersionWithStage extends WireModelVersion {
  readonly current_stage?: string;
}

const toObserved = (w: WireVersionWithStage | undefined, aliases?: readonly string[]): ObservedVersion => {
  if (!w || typeof w.name !== 'string' || w.version === undefined) throw new Error('the registry returned a model version without a name or version');
  return {
    name: w.name,
    version: String(w.version),
    tags: tagsToRecord(w.tags),
    aliases: aliases ?? (w.aliases ?? []).map((a) => (typeof a === 'string' ? a : a.alias ?? '')).filter(Boolean),
    stage: w.current_stage ?? null,
    source: w.source ?? '',
    runId: w.run_id ? w.run_id : null,
  };
};

const wireTags = (tags: Readonly<Record<string, string>>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

export interface MlflowWriterOptions {
  readonly http: HttpClient;
  /** The registry id the plan uses for this server (tracking URI without credentials). */
  readonly registryId: string;
}

export function createMlflowPromotionRegistry(options: MlflowWriterOptions): PromotionRegistry {
  const { http } = options;
  const call = async <T>(method: HttpMethod, path: string, payload: Record<string, unknown>, idempotent: boolean): Promise<T> => {
    const req =
      method === 'GET'
        ? { method, path: `${API}${path}`, query: payload as Record<string, string | number | undefined>, endpoint: `GET ${API}${path}` }
        : { method, path: `${API}${path}`, body: payload, idempotent, endpoint: `${method} ${API}${path}` };
    return (await http.request<T>(req)).body;
  };
  const orNull = async <T>(work: Promise<T>): Promise<T | null> => {
    try {
      return await work;
    } catch (e) {
      if (isCode(e, 'RESOURCE_DOES_NOT_EXIST')) return null;
      throw e;
    }
  };

  const searchVersions = async (filter: string): Promise<ObservedVersion[]> => {
    const out: ObservedVersion[] = [];
    let pageToken: string | undefined;
    do {
      const body = await call<{ model_versions?: WireVersionWithStage[]; next_page_token?: string }>(
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

  return {
    id: options.registryId,

    async getModel(name): Promise<ObservedModel | null> {
      const body = await orNull(call<{ registered_model?: WireRegisteredModel & { tags?: { key?: string; value?: string }[] } }>('GET', '/registered-models/get', { name }, true));
      const m = body?.registered_model;
      if (!m) return null;
      const aliases: Record<string, string> = {};
      for (const a of m.aliases ?? []) if (typeof a.alias === 'string' && a.version !== undefined) aliases[a.alias] = String(a.version);
      return { name, aliases, tags: tagsToRecord(m.tags) };
    },

    async getVersion(name, version) {
      const body = await orNull(call<{ model_version?: WireVersionWithStage }>('GET', '/model-versions/get', { name, version }, true));
      return body?.model_version ? toObserved(body.model_version) : null;
    },

    findVersionsByTag: (name, key, value) =>
      searchVersions(`name=${filterLiteral(name)} AND ${filterTagKey(key)}=${filterLiteral(value)}`),

    listVersions: (name) => searchVersions(`name=${filterLiteral(name)}`),

    async createModel(name) {
      try {
        await call('POST', '/registered-models/create', { name }, true);
        return 'created';
      } catch (e) {
        if (isCode(e, 'RESOURCE_ALREADY_EXISTS')) return 'exists';
        throw e;
      }
    },

    async createVersion(request) {
      const body = await call<{ model_version?: WireVersionWithStage }>(
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
        if (isCode(e, 'RESOURCE_ALREADY_EXISTS')) return 'exists';
        throw e;
      }
    },

    async deleteLock(name) {
      try {
        await call('DELETE', '/registered-models/delete', { name }, true);
      } catch (e) {
        if (!isCode(e, 'RESOURCE_DOES_NOT_EXIST')) throw e;
      }
    },
  };
}

interface WireFileInfo {
  readonly path?: string;
  readonly is_dir?: boolean;
  readonly file_size?: number | string;
}

/**
 * Copies a version's artifacts between two tracking servers through the MLflow artifact proxy
 * (`mlflow server --serve-artifacts`, the default): downloads every file from the source
 * version's download URI and uploads it under `mlops-gate/<digest>/` on the destination, whose
 * content-addressed path makes a repeated transfer land on the same files. The source must be
 * an `mlflow-artifacts:/` URI (runs:/ and models:/ sources are resolved by get-download-uri).
 */
export function createMlflowArtifactTransfer(source: HttpClient, destination: HttpClient): ArtifactTransfer {
  const ART = '/api/2.0/mlflow-artifacts/artifacts';
  const proxyPath = (uri: string): string => {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
    if (!m) throw new Error(`cannot transfer artifacts from "${uri}": only mlflow-artifacts:/ locations can be copied between servers`);
    return m[1]!.replace(/\/+$/, '');
  };
  const list = async (root: string): Promise<string[]> => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const body = (await source.request<{ files?: WireFileInfo[] }>({ method: 'GET', path: ART, query: { path: dir }, endpoint: `GET ${ART}` })).body;
      for (const f of body.files ?? []) {
        if (!f.path) continue;
        const rel = dir ? `${dir}/${f.path.split('/').pop()}` : f.path;
        if (f.is_dir) await walk(rel);
        else files.push(rel);
      }
    };
    await walk(root);
    return files.sort();
  };
  return {
    async copy(from: SourceVersion) {
      const uriBody = (
        await source.request<{ artifact_uri?: string }>({
          method: 'GET',
          path: `${API}/model-versions/get-download-uri`,
          query: { name: from.name, version: from.version },
          endpoint: `GET ${API}/model-versions/get-download-uri`,
        })
      ).body;
      const root = proxyPath(uriBody.artifact_uri ?? from.source);
      const paths = await list(root);
      if (paths.length === 0) throw new Error(`no artifacts found for ${from.name} v${from.version} under ${root}`);
      const contents = new Map<string, Uint8Array>();
      const digestInput: string[] = [];
      for (const p of paths) {
        const bytes = (await source.request<Uint8Array>({ method: 'GET', path: `${ART}/${p}`, responseType: 'bytes', endpoint: `GET ${ART}/{path}` })).body;
        const rel = p.slice(root.length).replace(/^\/+/, '');
        contents.set(rel, bytes);
        digestInput.push(`${rel}\n${createHash('sha256').update(bytes).digest('hex')}`);
      }
      const digest = sha256Hex(digestInput.join('\n'));
      const base = `mlops-gate/${digest.slice(0, 32)}`;
      for (const [rel, bytes] of contents) {
        await destination.request({
          method: 'PUT',
          path: `${ART}/${base}/${rel}`,
          body: bytes,
          headers: { 'content-type': 'application/octet-stream' },
          idempotent: true,
          endpoint: `PUT ${ART}/{path}`,
        });
      }
      return { uri: `mlflow-artifacts:/${base}`, digest: `sha256:${digest}` };
    },
  };
}
