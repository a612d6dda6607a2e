// The files of a Unity Catalog model version, where Databricks keeps them in the Files API
// (`/Models/<catalog>/<schema>/<model>/<version>/`; what mlflow's SDK models repository reads and
// writes): the directory of a version, the content digest, and the signature check Unity Catalog
// requires. Moving the files is ./transfer.ts (streamed).

import { createHash } from 'node:crypto';
import { ApplyError } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import type { HttpClient } from '../http/types.js';
import { signatureFromMlmodel } from '../mlflow/mlmodel.js';
import { splitFullName } from './adapter.js';
import { listEntries, readSmallFile } from './transfer.js';

/** A version's files by path relative to its directory (`MLmodel`, `model.pkl`, `data/x.bin`). */
export type VersionFiles = ReadonlyMap<string, Uint8Array>;

/** `/Models/<catalog>/<schema>/<model>/<version>` for a three-level name. */
export const versionDirectory = (fullName: string, version: string): string => {
  const [catalog, schema, model] = splitFullName(fullName);
  return `/Models/${catalog}/${schema}/${model}/${version}`;
};

/**
 * Every file of a version, whole, in memory: for tests and diagnostics of small versions only. The
 * copy never does this; it streams (./transfer.ts).
 */
export async function readVersionFiles(http: HttpClient, fullName: string, version: string): Promise<VersionFiles> {
  const dir = versionDirectory(fullName, version);
  const files = new Map<string, Uint8Array>();
  for (const f of await listEntries(http, dir)) files.set(f.rel, await readSmallFile(http, `${dir}/${f.rel}`, 256 * 1024 * 1024));
  return files;
}

/**
 * `sha256:<hex>` over the sorted (relative path, sha256 of the bytes) pairs — the same digest the
 * MLflow artifact transfer records, so a copy's content can be compared across registries.
 */
export const digestOf = (files: VersionFiles): string => {
  const lines = [...files.keys()].sort().map((rel) => `${rel}\n${createHash('sha256').update(files.get(rel)!).digest('hex')}`);
  return `sha256:${sha256Hex(lines.join('\n'))}`;
};

/**
 * Unity Catalog only registers a model whose MLmodel has a signature with inputs and outputs
 * (mlflow checks it client-side before `model-versions/create`); checked before anything is written.
 */
export const requireSignature = (files: VersionFiles, what: string): void => {
  const mlmodel = files.get('MLmodel');
  const fix = 'log the model with a signature, e.g. mlflow.<flavor>.log_model(..., signature=infer_signature(X, model.predict(X)))';
  if (!mlmodel) throw new ApplyError(`${what} has no MLmodel file; Unity Catalog cannot register it (${fix})`);
  let signature;
  try {
    signature = signatureFromMlmodel(Buffer.from(mlmodel).toString('utf8'));
  } catch (e) {
    throw new ApplyError(`${what}: its MLmodel file cannot be read (${(e as Error).message})`);
  }
  const missing = !signature ? 'no signature' : !signature.inputs?.length ? 'a signature without inputs' : !signature.outputs?.length ? 'a signature without outputs' : null;
  if (missing) {
    throw new ApplyError(
      `${what} has ${missing}; Unity Catalog requires model signatures with both inputs and outputs, so it cannot be promoted into Unity Catalog. Fix: ${fix}, then register a new version`
    );
  }
};
