// MLflow REST wire shapes (protos/model_registry.proto, protos/service.proto as served by the OSS
// tracking server) and their mapping to the typed evidence. Pure: no I/O.

import type { DatasetInput, RunInfo, RunStatus, VersionInfo } from '../../evidence/types.js';
import { parseVersionStatus, type ObservedVersion, type RegistryVersion } from '../../registry/types.js';

/** The registry answered, but not with something we can use (kind `invalid` in evidence). */
export class RegistryAnswerError extends Error {
  override readonly name = 'RegistryAnswerError';
}

export interface WireTag {
  readonly key?: string;
  readonly value?: string;
}

export interface WireModelVersion {
  readonly name?: string;
  readonly version?: string | number;
  readonly creation_timestamp?: number;
  readonly description?: string;
  readonly source?: string;
  readonly run_id?: string;
  readonly status?: string;
  readonly tags?: readonly WireTag[];
  /** OSS: strings. (MLflow-UC sends {alias, version} objects; accepted too.) */
  readonly aliases?: readonly (string | { readonly alias?: string })[];
  /** Not populated by the OSS server (3.x); Databricks sends it. */
  readonly model_id?: string;
  /** Legacy stage (OSS); Unity Catalog has none. */
  readonly current_stage?: string;
}

export interface WireRegisteredModel {
  readonly name?: string;
  readonly tags?: readonly WireTag[];
  readonly latest_versions?: readonly WireModelVersion[];
  readonly aliases?: readonly { readonly alias?: string; readonly version?: string | number }[];
}

export interface WireMetric {
  readonly key?: string;
  readonly value?: number | string;
  readonly timestamp?: number;
  readonly step?: number;
}

export interface WireRun {
  readonly info?: {
    readonly run_id?: string;
    readonly run_uuid?: string;
    readonly experiment_id?: string;
    readonly status?: string;
    readonly start_time?: number;
    readonly end_time?: number;
  };
  readonly data?: {
    readonly metrics?: readonly WireMetric[];
    readonly params?: readonly WireTag[];
    readonly tags?: readonly WireTag[];
  };
  /** `RunInputs`: `dataset_inputs[{tags[], dataset{name, digest, source_type, ...}}]` (service.proto). */
  readonly inputs?: {
    readonly dataset_inputs?: readonly WireDatasetInput[];
  };
}

export interface WireDatasetInput {
  readonly tags?: readonly WireTag[];
  readonly dataset?: { readonly name?: string; readonly digest?: string; readonly source_type?: string };
}

/** The input tag MLflow sets from `log_input(..., context=...)` (mlflow/utils/mlflow_tags.py). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** At most this many dataset inputs are kept per run (a real run logs a handful). */
export const MAX_DATASET_INPUTS = 1000;

/** Dataset inputs of a run; entries without a name or digest are skipped (nothing to compare). */
export const datasetInputsFromWire = (inputs: readonly WireDatasetInput[] | undefined): DatasetInput[] =>
  (inputs ?? []).slice(0, MAX_DATASET_INPUTS).flatMap((input) => {
    const d = input.dataset;
    if (!d || typeof d.name !== 'string' || typeof d.digest !== 'string') return [];
    const context = tagsToRecord(input.tags)[DATASET_CONTEXT_TAG];
    return [{ name: d.name, digest: d.digest, context: context ?? null, sourceType: typeof d.source_type === 'string' ? d.source_type : null }];
  });

const RUN_STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

/** A registered model's versions page in the MLflow UI. */
export const versionUrl = (trackingUri: string, name: string, version: string): string =>
  `${trackingUri.replace(/\/$/, '')}/#/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;

export const runUrl = (trackingUri: string, experimentId: string | null, runId: string): string =>
  experimentId
    ? `${trackingUri.replace(/\/$/, '')}/#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`
    : `${trackingUri.replace(/\/$/, '')}/#/runs/${encodeURIComponent(runId)}`;

export const tagsToRecord = (tags: readonly WireTag[] | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (typeof t.key === 'string') out[t.key] = t.value ?? '';
  return out;
};

/** `models:/m-<hex>` is an MLflow 3 logged model; `models:/<name>/<version>` is not. */
export const loggedModelIdOf = (source: string): string | null => {
  const match = /^models:\/(m-[0-9a-f]+)\/?$/i.exec(source);
  return match ? match[1]! : null;
};

/** `runs:/<run_id>/<path>` → its parts; null for other schemes. */
export const parseRunsUri = (source: string): { runId: string; path: string } | null => {
  const match = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  return match ? { runId: match[1]!, path: match[2]!.replace(/\/+$/, '') } : null;
};

const aliasNames = (aliases: WireModelVersion['aliases']): string[] =>
  (aliases ?? [])
    .map((a) => (typeof a === 'string' ? a : a.alias))
    .filter((a): a is string => typeof a === 'string')
    .sort();

/**
 * The one mapping of a wire ModelVersion (MLflow protocol: the OSS server and Unity Catalog's
 * `/api/2.0/mlflow/unity-catalog/…` both answer it). `aliasesOverride` supplies aliases from the
 * registered model when the answer came from a search that does not include them.
 */
export const registryVersionFromWire = (wire: WireModelVersion | undefined, aliasesOverride?: readonly string[]): RegistryVersion => {
  if (!wire || typeof wire.name !== 'string' || (typeof wire.version !== 'string' && typeof wire.version !== 'number')) {
    throw new RegistryAnswerError('the registry returned a model version without a name or version number');
  }
  return {
    name: wire.name,
    version: String(wire.version),
    status: parseVersionStatus(wire.status),
    tags: tagsToRecord(wire.tags),
    aliases: aliasesOverride ? [...aliasesOverride].sort() : aliasNames(wire.aliases),
    source: wire.source ?? '',
    runId: wire.run_id && wire.run_id.trim() !== '' ? wire.run_id : null,
  };
};

/** A version as the executor observes it; `stages`: whether this registry has legacy stages. */
export const observedVersionFromWire = (wire: WireModelVersion | undefined, options: { readonly stages: boolean; readonly aliases?: readonly string[] }): ObservedVersion => ({
  ...registryVersionFromWire(wire, options.aliases),
  stage: options.stages ? wire?.current_stage ?? null : null,
});

/** A version as evidence: an unknown status is an answer we cannot use. */
export const toVersionInfo = (wire: WireModelVersion | undefined, trackingUri: string, aliasesOverride?: readonly string[]): VersionInfo => {
  const base = registryVersionFromWire(wire, aliasesOverride);
  if (base.status === 'UNKNOWN') {
    throw new RegistryAnswerError(`model version ${base.name}/${base.version} has an unknown status "${wire!.status}"`);
  }
  return {
    ...base,
    description: wire!.description && wire!.description !== '' ? wire!.description : null,
    // The OSS server does not echo model_id; an MLflow 3 source names it.
    modelId: wire!.model_id && wire!.model_id !== '' ? wire!.model_id : loggedModelIdOf(base.source),
    createdAtMs: typeof wire!.creation_timestamp === 'number' ? wire!.creation_timestamp : null,
    url: versionUrl(trackingUri, base.name, base.version),
  };
};

/** Aliases of one version, from a registered model's `aliases: [{alias, version}]`. */
export const aliasesByVersion = (model: WireRegisteredModel | undefined): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  for (const a of model?.aliases ?? []) {
    if (typeof a.alias !== 'string' || a.version === undefined) continue;
    const key = String(a.version);
    out.set(key, [...(out.get(key) ?? []), a.alias]);
  }
  return out;
};

const metricNumber = (value: number | string | undefined): number | null => {
  if (typeof value === 'number') return value;
  // proto JSON may spell non-finite doubles as strings
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
};

export const toRunInfo = (wire: WireRun | undefined, trackingUri: string): RunInfo => {
  const info = wire?.info;
  const runId = info?.run_id ?? info?.run_uuid;
  if (!info || typeof runId !== 'string') throw new RegistryAnswerError('the tracking server returned a run without an id');
  const status = info.status ?? '';
  if (!RUN_STATUSES.has(status)) throw new RegistryAnswerError(`run ${runId} has an unknown status "${status}"`);
  // The server already sends the latest value per key; if a key repeats, the highest
  // (step, timestamp) wins, which is MLflow's own definition of "latest".
  const latest = new Map<string, { value: number; step: number; timestamp: number }>();
  for (const m of wire?.data?.metrics ?? []) {
    const value = metricNumber(m.value);
    if (typeof m.key !== 'string' || value === null) continue;
    const step = m.step ?? 0;
    const timestamp = m.timestamp ?? 0;
    const seen = latest.get(m.key);
    if (!seen || step > seen.step || (step === seen.step && timestamp >= seen.timestamp)) {
      latest.set(m.key, { value, step, timestamp });
    }
  }
  const metrics: Record<string, number> = {};
  for (const [key, m] of [...latest.entries()].sort(([a], [b]) => a.localeCompare(b))) metrics[key] = m.value;
  return {
    runId,
    status: status as RunStatus,
    startTimeMs: typeof info.start_time === 'number' ? info.start_time : null,
    endTimeMs: typeof info.end_time === 'number' ? info.end_time : null,
    metrics,
    params: tagsToRecord(wire?.data?.params),
    tags: tagsToRecord(wire?.data?.tags),
    url: runUrl(trackingUri, info.experiment_id ?? null, runId),
    datasets: datasetInputsFromWire(wire?.inputs?.dataset_inputs),
  };
};

/** An MLflow search-filter string literal. MLflow accepts '...' or "..." and has no escapes. */
export const filterLiteral = (value: string): string => {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new RegistryAnswerError(`cannot search for ${JSON.stringify(value)}: it contains both quote characters`);
};

/** `tags.<key>`, backquoted when the key is not a plain identifier (dots, spaces, dashes). */
export const filterTagKey = (key: string): string => {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `tags.${key}`;
  if (key.includes('`')) throw new RegistryAnswerError(`cannot search for tag key ${JSON.stringify(key)}: it contains a backquote`);
  return `tags.\`${key}\``;
};
