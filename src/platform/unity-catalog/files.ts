// The files of a Unity Catalog model version, moved through the Databricks Files API, where
// Databricks keeps them (`/Models/<catalog>/<schema>/<model>/<version>/`; what mlflow's SDK models
// repository reads and writes). Reading a version's files, their content digest, the signature
// check Unity Catalog requires, and the upload into a new version.

import { createHash } from 'node:crypto';
import { ApiError, ApplyError } from '../../errors.js';
import { sha256Hex } from '../../util/hash.js';
import type { HttpClient } from '../http/types.js';
import { signatureFromMlmodel } from '../mlflow/mlmodel.js';
import { splitFullName } from './adapter.js';

const FILES = '/api/2.0/fs/files';
const DIRECTORIES = '/api/2.0/fs/directories';

/** A version's files by path relative to its directory (`MLmodel`, `model.pkl`, `data/x.bin`). */
export type VersionFiles = ReadonlyMap<string, Uint8Array>;

const encodePath = (path: string): string =>
  path
    .split('/')
    .filter((p) => p !== '')
    .map(encodeURIComponent)
    .join('/');

/** `/Models/<catalog>/<schema>/<model>/<version>` for a three-level name. */
export const versionDirectory = (fullName: string, version: string): string => {
  const [catalog, schema, model] = splitFullName(fullName);
  return `/Models/${catalog}/${schema}/${model}/${version}`;
};

const isNotFound = (e: unknown): boolean =>
  e instanceof ApiError && (e.details.status === 404 || e.errorCode === 'NOT_FOUND' || e.errorCode === 'RESOURCE_DOES_NOT_EXIST');

/** Every file under `dir`, recursively, as paths relative to it, sorted. [] when the directory is absent. */
export async function listFiles(http: HttpClient, dir: string): Promise<string[]> {
  const root = dir.replace(/\/+$/, '');
  const out: string[] = [];
  const walk = async (path: string): Promise<void> => {
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const page = (
        await http.request<{ contents?: { path?: string; name?: string; is_directory?: boolean }[]; next_page_token?: string }>({
          method: 'GET',
          path: `${DIRECTORIES}/${encodePath(path)}`,
          query: { page_token: token },
          endpoint: 'GET /api/2.0/fs/directories/Models/{model}/{version}/…',
        })
      ).body;
      for (const entry of page.contents ?? []) {
        const name = entry.name ?? entry.path?.split('/').filter(Boolean).pop();
        if (!name) continue;
        const child = `${path}/${name}`;
        if (entry.is_directory) await walk(child);
        else out.push(child.slice(root.length + 1));
      }
      token = page.next_page_token || undefined;
      if (token && seen.has(token)) throw new Error(`Files API: ${path} repeated a page token`);
      if (token) seen.add(token);
    } while (token);
  };
  try {
    await walk(root);
  } catch (e) {
    if (isNotFound(e) && out.length === 0) return [];
    throw e;
  }
  return out.sort();
}

/** Downloads every file of a version. Throws when the version has no files. */
export async function readVersionFiles(http: HttpClient, fullName: string, version: string): Promise<VersionFiles> {
  const dir = versionDirectory(fullName, version);
  const paths = await listFiles(http, dir);
  if (paths.length === 0) {
    throw new ApplyError(`${fullName} version ${version} has no files in the Files API under ${dir}; nothing can be copied`);
  }
  const files = new Map<string, Uint8Array>();
  for (const rel of paths) {
    const bytes = (
      await http.request<Uint8Array>({
        method: 'GET',
        path: `${FILES}/${encodePath(`${dir}/${rel}`)}`,
        responseType: 'bytes',
        endpoint: 'GET /api/2.0/fs/files/Models/{model}/{version}/…',
      })
    ).body;
    files.set(rel, bytes);
  }
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

/** Uploads (overwriting) every file into a version's directory: repeatable after a crash or a lost answer. */
export async function uploadVersionFiles(http: HttpClient, fullName: string, version: string, files: VersionFiles): Promise<void> {
  const dir = versionDirectory(fullName, version);
  for (const rel of [...files.keys()].sort()) {
    await http.request({
      method: 'PUT',
      path: `${FILES}/${encodePath(`${dir}/${rel}`)}`,
      query: { overwrite: 'true' },
      body: files.get(rel)!,
      headers: { 'content-type': 'application/octet-stream' },
      idempotent: true,
      endpoint: 'PUT /api/2.0/fs/files/Models/{model}/{version}/…',
    });
  }
}
