// Evidence readers for a Unity Catalog registry (Databricks workspace), over the HTTP port.
// Versions, aliases and tags come from the MLflow-protocol UC endpoints (the REST 2.1 objects carry
// no tags); runs from the workspace tracking server; the MLmodel file through the Files API, where
// Databricks keeps UC model artifacts (`/Models/<catalog>/<schema>/<model>/<version>/`).
//
// UC `model-versions/search` answers no tags and no aliases (docs/fidelity.md): it only lists the
// versions. Whatever needs a version's tags or aliases (the latest version, tag-selected
// candidates) reads that version with `model-versions/get`.

import { ApiError, hasErrorCode } from '../../errors.js';
import { REQUIREMENTS_MAX_BYTES, type ArtifactReader, type RegistryPorts, type RegistryReader, type RunReader } from '../../evidence/ports.js';
import type { ModelSignature, RequirementsFile, RunInfo, VersionInfo } from '../../evidence/types.js';
import type { HttpClient } from '../http/types.js';
import { signatureFromMlmodel } from '../mlflow/mlmodel.js';
import { tooLarge } from '../mlflow/adapter.js';
import { RegistryAnswerError, tagsToRecord, toRunInfo, type WireRegisteredModel, type WireRun } from '../mlflow/wire.js';
import type { UcReadShare } from './read-share.js';
import { mapLimited, ucFilterLiteral, ucVersionFromWire, type WireUcVersion } from './wire.js';

export interface UnityCatalogAdapterOptions {
  readonly http: HttpClient;
  /** Workspace URL as users reach it, for links in reports. Defaults to the client's base URL. */
  readonly host?: string;
  /** `max_results` per `model-versions/search` page (UC allows up to 10000). */
  readonly pageSize?: number;
  /** Versions read are remembered here for the promotion preview of a read-only run. */
  readonly share?: UcReadShare;
}

const UC = '/api/2.0/mlflow/unity-catalog';
/** Version reads in flight at once when tags must be read version by version. */
const GET_CONCURRENCY = 4;

/** `catalog.schema.model` → its three parts (names with dots inside a part are not valid in UC). */
export const splitFullName = (fullName: string): [string, string, string] => {
  const parts = fullName.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new RegistryAnswerError(`"${fullName}" is not a three-level Unity Catalog name (catalog.schema.model)`);
  }
  return parts as [string, string, string];
};

export const createUnityCatalogPorts = (options: UnityCatalogAdapterOptions): RegistryPorts => {
  const { http } = options;
  const host = (options.host ?? http.baseUrl).replace(/\/+$/, '');
  const pageSize = options.pageSize ?? 1000;

  const getJson = async <T>(path: string, query: Record<string, string | number | undefined>, endpoint = `GET ${path}`): Promise<T> =>
    (await http.request<T>({ method: 'GET', path, query, endpoint, memo: true })).body;

  const toInfo = (wire: WireUcVersion | undefined): VersionInfo => {
    const { statusMessage: _statusMessage, ...info } = ucVersionFromWire(wire);
    const [catalog, schema, model] = splitFullName(info.name);
    return { ...info, url: `${host}/explore/data/models/${catalog}/${schema}/${model}/version/${info.version}` };
  };

  /**
   * The version numbers of a model, newest first (UC search takes one `name='…'` condition and no
   * order_by, and its rows carry no tags or aliases: only the numbers are used).
   */
  const versionNumbers = async (name: string): Promise<string[]> => {
    const found: string[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    try {
      for (;;) {
        const page = await getJson<{ model_versions?: WireUcVersion[]; next_page_token?: string }>(`${UC}/model-versions/search`, {
          filter: `name=${ucFilterLiteral(name)}`,
          max_results: pageSize,
          page_token: token,
        });
        for (const row of page.model_versions ?? []) if (row.version !== undefined && String(row.version) !== '') found.push(String(row.version));
        token = page.next_page_token || undefined;
        if (!token) break;
        if (seen.has(token)) throw new RegistryAnswerError(`model-versions/search repeated a page token for "${name}"`);
        seen.add(token);
      }
    } catch (e) {
      if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return [];
      throw e;
    }
    return [...new Set(found)].sort((a, b) => Number(b) - Number(a));
  };

  const getVersion = async (name: string, version: string): Promise<VersionInfo | null> => {
    try {
      const body = await getJson<{ model_version?: WireUcVersion }>(`${UC}/model-versions/get`, { name, version });
      options.share?.remember(body.model_version);
      return toInfo(body.model_version);
    } catch (e) {
      if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
      throw e;
    }
  };

  const registry: RegistryReader = {
    getVersion,
    async getVersionByAlias(name, alias) {
      try {
        const body = await getJson<{ model_version?: WireUcVersion }>(`${UC}/registered-models/alias`, { name, alias });
        const info = toInfo(body.model_version);
        options.share?.remember(body.model_version);
        return info;
      } catch (e) {
        // Databricks' code for a missing alias is not documented; OSS uses INVALID_PARAMETER_VALUE.
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
        if (hasErrorCode(e, 'INVALID_PARAMETER_VALUE') && /alias .*(not found|does not exist)/i.test((e as Error).message)) return null;
        throw e;
      }
    },
    async getLatestVersion(name) {
      // Search for the numbers, then read the newest (its tags and aliases); a version deleted in
      // between is skipped.
      for (const version of await versionNumbers(name)) {
        const v = await getVersion(name, version);
        if (v) return v;
      }
      return null;
    },
    async searchVersionsByTags(name, tags) {
      // UC search cannot filter on tags and answers none: every version is read with `get`.
      const wanted = Object.entries(tags);
      const read = await mapLimited(await versionNumbers(name), GET_CONCURRENCY, (version) => getVersion(name, version));
      return read.filter((v): v is VersionInfo => v !== null && wanted.every(([k, value]) => v.tags[k] === value));
    },
    async getModelTags(name) {
      // registered-models/get answers tags (search does not: docs/fidelity.md #48, #41).
      try {
        const body = await getJson<{ registered_model?: WireRegisteredModel }>(`${UC}/registered-models/get`, { name });
        if (!body.registered_model) throw new RegistryAnswerError(`registered-models/get for "${name}" returned no registered_model`);
        return tagsToRecord(body.registered_model.tags);
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) {
          throw Object.assign(new RegistryAnswerError(`registered model "${name}" does not exist`), { evidenceKind: 'not_found' as const });
        }
        throw e;
      }
    },
    async modelExists(name) {
      try {
        await getJson<unknown>(`${UC}/registered-models/get`, { name });
        return true;
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return false;
        throw e;
      }
    },
  };

  const runs: RunReader = {
    async getRun(runId): Promise<RunInfo | null> {
      try {
        const body = await getJson<{ run?: WireRun }>('/api/2.0/mlflow/runs/get', { run_id: runId });
        const run = toRunInfo(body.run, host);
        const experimentId = body.run?.info?.experiment_id;
        return { ...run, url: experimentId ? `${host}/ml/experiments/${experimentId}/runs/${runId}` : run.url };
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
        throw e;
      }
    },
  };

  /** A file of the version's model directory through the Files API (`/Models/<c>/<s>/<m>/<v>/<file>`, #65). */
  const readVersionFile = async (version: VersionInfo, file: 'MLmodel' | 'requirements.txt', endpoint: string, maxResponseBytes?: number): Promise<string | null> => {
    const [catalog, schema, model] = splitFullName(version.name);
    const path = ['Models', catalog, schema, model, version.version, file].map(encodeURIComponent).join('/');
    try {
      return (
        await http.request<string>({
          method: 'GET',
          path: `/api/2.0/fs/files/${path}`,
          responseType: 'text',
          endpoint,
          ...(maxResponseBytes ? { maxResponseBytes } : {}),
        })
      ).body;
    } catch (e) {
      if (hasErrorCode(e, 'NOT_FOUND', 'RESOURCE_DOES_NOT_EXIST') || (e instanceof ApiError && e.details.status === 404)) return null;
      throw e;
    }
  };

  const artifacts: ArtifactReader = {
    async getSignature(version): Promise<ModelSignature | null> {
      const text = await readVersionFile(version, 'MLmodel', 'GET /api/2.0/fs/files/Models/{model}/{version}/MLmodel');
      if (text === null) {
        const [catalog, schema, model] = splitFullName(version.name);
        throw new RegistryAnswerError(`no MLmodel file found for ${version.name} version ${version.version} (Files API /Models/${catalog}/${schema}/${model}/${version.version}/MLmodel)`);
      }
      return signatureFromMlmodel(text);
    },
    async getRequirements(version): Promise<RequirementsFile | null> {
      const path = `requirements.txt of ${version.name} version ${version.version}`;
      try {
        const text = await readVersionFile(version, 'requirements.txt', 'GET /api/2.0/fs/files/Models/{model}/{version}/requirements.txt', REQUIREMENTS_MAX_BYTES);
        return text === null ? null : { text, path };
      } catch (e) {
        throw tooLarge(e, path);
      }
    },
  };

  return { registry, runs, artifacts };
};
