// Unity Catalog's MLflow-protocol wire shapes (`/api/2.0/mlflow/unity-catalog/...`,
// mlflow protos/databricks_uc_registry_messages.proto) and the one mapping of a model version that
// the evidence adapter (adapter.ts) and the promotion writer (writer.ts) both use. Pure: no I/O.
//
// What each route fills (docs/fidelity.md): `model-versions/get` and `registered-models/alias`
// answer a version with its tags and aliases; `model-versions/search` answers name, version,
// source, run_id, status and description but NO tags and NO aliases (mlflow
// utils/_unity_catalog_utils.py `model_version_search_from_uc_proto`). A version mapped from a
// search row therefore says so (`fromSearch`), and nobody reads its tags.

import { parseVersionStatus, type RegistryVersion } from '../../registry/types.js';
import { loggedModelIdOf, RegistryAnswerError, tagsToRecord, type WireTag } from '../mlflow/wire.js';

export interface WireUcVersion {
  readonly name?: string;
  readonly version?: string | number;
  readonly creation_timestamp?: number;
  readonly description?: string;
  readonly source?: string;
  readonly run_id?: string;
  readonly status?: string;
  readonly status_message?: string;
  readonly tags?: readonly WireTag[];
  /** MLflow-UC: `[{alias, version}]` objects (OSS MLflow sends strings; both accepted). */
  readonly aliases?: readonly (string | { readonly alias?: string })[];
  readonly model_id?: string;
}

export interface WireUcModel {
  readonly name?: string;
  readonly aliases?: readonly { readonly alias?: string; readonly version?: string | number }[];
  readonly tags?: readonly WireTag[];
}

/** A Unity Catalog model version as both UC adapters see it. */
export interface UcVersion extends RegistryVersion {
  readonly description: string | null;
  readonly statusMessage: string | null;
  /** MLflow 3 logged model id (m-...), when known. */
  readonly modelId: string | null;
  readonly createdAtMs: number | null;
}

const aliasNames = (aliases: WireUcVersion['aliases']): string[] =>
  (aliases ?? [])
    .map((a) => (typeof a === 'string' ? a : a.alias))
    .filter((a): a is string => typeof a === 'string' && a !== '')
    .sort();

/**
 * The one mapping of a UC model version. Status goes through `parseVersionStatus` (an unknown
 * status, e.g. REST 2.1's MODEL_VERSION_STATUS_UNKNOWN, is `UNKNOWN`, never READY).
 */
export const ucVersionFromWire = (w: WireUcVersion | undefined): UcVersion => {
  if (!w || typeof w.name !== 'string' || (typeof w.version !== 'string' && typeof w.version !== 'number') || String(w.version) === '') {
    throw new RegistryAnswerError('Unity Catalog returned a model version without a name or version number');
  }
  const source = w.source ?? '';
  return {
    name: w.name,
    version: String(w.version),
    status: parseVersionStatus(w.status),
    statusMessage: w.status_message ? w.status_message : null,
    tags: tagsToRecord(w.tags),
    aliases: aliasNames(w.aliases),
    source,
    runId: w.run_id && w.run_id.trim() !== '' ? w.run_id : null,
    description: w.description ? w.description : null,
    modelId: w.model_id ? w.model_id : loggedModelIdOf(source),
    createdAtMs: typeof w.creation_timestamp === 'number' ? w.creation_timestamp : null,
  };
};

/** alias → version of a registered model (`registered-models/get`). */
export const aliasMapOf = (m: WireUcModel | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const a of m?.aliases ?? []) if (typeof a.alias === 'string' && a.version !== undefined) out[a.alias] = String(a.version);
  return out;
};

/** `models:/<catalog.schema.model>/<version>` → its parts; null for other URIs. */
export const parseModelsUri = (uri: string): { name: string; version: string } | null => {
  const m = /^models:\/([^/]+\.[^/]+\.[^/]+)\/(\d+)\/?$/.exec(uri);
  return m ? { name: m[1]!, version: m[2]! } : null;
};

/** A single-quoted literal for UC search's one condition (`name='…'`). */
export const ucFilterLiteral = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
