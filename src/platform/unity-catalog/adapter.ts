// Evidence readers for a Unity Catalog registry (Databricks workspace), over the HTTP port.
// Versions, aliases and tags come from the MLflow-protocol UC endpoints (the REST 2.1 objects carry
// no tags); runs from the workspace tracking server; the MLmodel file through the Files API, where
// Databricks keeps UC model artifacts (`/Models/<catalog>/<schema>/<model>/<version>/`).

import { ApiError, hasErrorCode } from '../../errors.js';
import type { ArtifactReader, RegistryPorts, RegistryReader, RunReader } from '../../evidence/ports.js';
import type { ModelSignature, RunInfo, VersionInfo } from '../../evidence/types.js';
import type { HttpClient } from '../http/types.js';
import { signatureFromMlmodel } from '../mlflow/mlmodel.js';
import { RegistryAnswerError, toRunInfo, toVersionInfo, type WireModelVersion, type WireRun } from '../mlflow/wire.js';

export interface UnityCatalogAdapterOptions {
  readonly http: HttpClient;
  /** Workspace URL as users reach it, for links in reports. Defaults to the client's base URL. */
  readonly host?: string;
  /** `max_results` per `model-versions/search` page (UC allows up to 10000). */
  readonly pageSize?: number;
}

const UC = '/api/2.0/mlflow/unity-catalog';


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
    (await http.request<T>({ method: 'GET', path, query, endpoint })).body;

  const toInfo = (wire: WireModelVersion | undefined): VersionInfo => {
    const info = toVersionInfo(wire, host);
    const [catalog, schema, model] = splitFullName(info.name);
    return { ...info, url: `${host}/explore/data/models/${catalog}/${schema}/${model}/version/${info.version}` };
  };

  /** Every version of a model (UC search takes one `name='…'` condition and no order_by). */
  const allVersions = async (name: string): Promise<VersionInfo[]> => {
    const found: VersionInfo[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    try {
      for (;;) {
        const page = await getJson<{ model_versions?: WireModelVersion[]; next_page_token?: string }>(`${UC}/model-versions/search`, {
          filter: `name='${name.replace(/'/g, "\\'")}'`,
          max_results: pageSize,
          page_token: token,
        });
        found.push(...(page.model_versions ?? []).map(toInfo));
        token = page.next_page_token || undefined;
        if (!token) break;
        if (seen.has(token)) throw new RegistryAnswerError(`model-versions/search repeated a page token for "${name}"`);
        seen.add(token);
      }
    } catch (e) {
      if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return [];
      throw e;
    }
    return found.sort((a, b) => Number(b.version) - Number(a.version));
  };

  const registry: RegistryReader = {
    async getVersion(name, version) {
      try {
        const body = await getJson<{ model_version?: WireModelVersion }>(`${UC}/model-versions/get`, { name, version });
        return toInfo(body.model_version);
      } catch (e) {
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
        throw e;
      }
    },
    async getVersionByAlias(name, alias) {
      try {
        const body = await getJson<{ model_version?: WireModelVersion }>(`${UC}/registered-models/alias`, { name, alias });
        return toInfo(body.model_version);
      } catch (e) {
        // Databricks' code for a missing alias is not documented; OSS uses INVALID_PARAMETER_VALUE.
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return null;
        if (hasErrorCode(e, 'INVALID_PARAMETER_VALUE') && /alias .*(not found|does not exist)/i.test((e as Error).message)) return null;
        throw e;
      }
    },
    async getLatestVersion(name) {
      return (await allVersions(name))[0] ?? null;
    },
    async searchVersionsByTags(name, tags) {
      const wanted = Object.entries(tags);
      return (await allVersions(name)).filter((v) => wanted.every(([k, value]) => v.tags[k] === value));
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

  const artifacts: ArtifactReader = {
    async getSignature(version): Promise<ModelSignature | null> {
      const [catalog, schema, model] = splitFullName(version.name);
      const path = ['Models', catalog, schema, model, version.version, 'MLmodel'].map(encodeURIComponent).join('/');
      let text: string;
      try {
        text = (
          await http.request<string>({
            method: 'GET',
            path: `/api/2.0/fs/files/${path}`,
            responseType: 'text',
            endpoint: 'GET /api/2.0/fs/files/Models/{model}/{version}/MLmodel',
          })
        ).body;
      } catch (e) {
        if (hasErrorCode(e, 'NOT_FOUND', 'RESOURCE_DOES_NOT_EXIST') || (e instanceof ApiError && e.details.status === 404)) {
          throw new RegistryAnswerError(`no MLmodel file found for ${version.name} version ${version.version} (Files API /${path})`);
        }
        throw e;
      }
      return signatureFromMlmodel(text);
    },
  };

  return { registry, runs, artifacts };
};
