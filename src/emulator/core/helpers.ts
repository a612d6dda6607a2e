// The emulator's one helper module: reading request fields (from the request, or from a parsed
// JSON body), Databricks-shaped errors, pagination tokens, ids and state slices. Handlers throw DatabricksApiError; the server turns it into JSON.

import { randomBytes, randomUUID } from 'node:crypto';
import { DatabricksApiError, type EmulatorRequest, type Workspace } from '../types.js';

/** A request field from the JSON body (POST/PATCH/DELETE) or the query string (GET), as the clients send it. */
export const field = (req: EmulatorRequest, key: string): unknown => {
  const fromBody = req.body?.[key];
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  const fromQuery = req.query.get(key);
  return fromQuery ?? undefined;
};

export const optString = (req: EmulatorRequest, key: string): string | undefined => {
  const v = field(req, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalidParameter(`Field '${key}' must be a string.`);
};

export const reqString = (req: EmulatorRequest, key: string): string => {
  const v = optString(req, key);
  if (v === undefined || v === '') throw invalidParameter(`Missing required field: ${key}`);
  return v;
};

export const optInt = (req: EmulatorRequest, key: string): number | undefined => {
  const v = field(req, key);
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw invalidParameter(`Field '${key}' must be an integer, got '${String(v)}'.`);
  return n;
};

export const optBool = (req: EmulatorRequest, key: string): boolean | undefined => {
  const v = field(req, key);
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  return v === 'true' || v === '1';
};

export const invalidParameter = (message: string): DatabricksApiError =>
  new DatabricksApiError(400, 'INVALID_PARAMETER_VALUE', message);

export const notFound = (message: string, code = 'RESOURCE_DOES_NOT_EXIST'): DatabricksApiError =>
  new DatabricksApiError(404, code, message);

export const alreadyExists = (message: string, code = 'RESOURCE_ALREADY_EXISTS'): DatabricksApiError =>
  new DatabricksApiError(409, code, message);

export const invalidState = (message: string): DatabricksApiError => new DatabricksApiError(400, 'INVALID_STATE', message);

/** The module's state slice in a workspace. */
export const slice = <T>(workspace: Workspace, module: string): T => workspace.state[module] as T;

export const hexId = (bytes = 16): string => randomBytes(bytes).toString('hex');

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken: string | undefined;
}

/** Offset pagination with opaque tokens (base64 of the offset), as Databricks' tokens are opaque. */
export const paginate = <T>(all: readonly T[], maxResults: number, pageToken: string | undefined): Page<T> => {
  let offset = 0;
  if (pageToken) {
    const decoded = Number(Buffer.from(pageToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw invalidParameter(`Invalid page_token '${pageToken}'.`);
    offset = decoded;
  }
  const items = all.slice(offset, offset + maxResults);
  const next = offset + maxResults < all.length ? Buffer.from(String(offset + maxResults)).toString('base64url') : undefined;
  return { items, nextPageToken: next };
};

/** Drop undefined values and empty arrays, like MLflow's proto → JSON encoding does. */
export const compact = <T extends Record<string, unknown>>(obj: T): T => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as T;
};

export const tagsToList = (tags: Readonly<Record<string, string>>): Array<{ key: string; value: string }> =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

/** Accepts tags as `[{key, value}]` (wire) or `{key: value}` (fixtures). */
export const tagsFromInput = (input: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (Array.isArray(input)) {
    for (const t of input) {
      if (t && typeof t === 'object' && typeof (t as { key?: unknown }).key === 'string') {
        const { key, value } = t as { key: string; value?: unknown };
        out[key] = value === undefined || value === null ? '' : String(value);
      }
    }
  } else if (input && typeof input === 'object') {
    for (const [k, v] of Object.entries(input)) out[k] = String(v);
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Fields of a parsed JSON body, errors and state slices of the serving and monitors modules

export const badRequest = (message: string): DatabricksApiError => new DatabricksApiError(400, 'BAD_REQUEST', message);

export const conflict = (message: string): DatabricksApiError => new DatabricksApiError(409, 'RESOURCE_CONFLICT', message);

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads an optional string field; a present value of another type is a 400 naming the field. */
export const optionalString = (body: Json, field: string, where = field): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${where} must be a string.`);
  return value;
};

export const requiredString = (body: Json, field: string, where = field): string => {
  const value = optionalString(body, field, where);
  if (value === undefined || value === '') throw invalidParameter(`${where} is required.`);
  return value;
};

export const optionalObject = (body: Json, field: string, where = field): Json | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidParameter(`${where} must be an object.`);
  return value;
};

export const optionalArray = (body: Json, field: string, where = field): unknown[] | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParameter(`${where} must be an array.`);
  return value;
};

export const optionalBoolean = (body: Json, field: string, where = field): boolean | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter(`${where} must be a boolean.`);
  return value;
};

export const optionalNumber = (body: Json, field: string, where = field): number | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidParameter(`${where} must be a number.`);
  return value;
};

export const stringArray = (value: unknown[], where: string): string[] =>
  value.map((item, i) => {
    if (typeof item !== 'string') throw invalidParameter(`${where}[${i}] must be a string.`);
    return item;
  });

export const uuid = (): string => randomUUID();

/** The module's slice of a workspace, created on first use so a workspace made before the module still works. */
export const sliceOf = <T>(workspace: Workspace, name: string, init: () => T): T => {
  const state = workspace.state as Record<string, unknown>;
  if (state[name] === undefined) state[name] = init();
  return state[name] as T;
};

/** Deep copy of JSON data, so responses never alias stored state. */
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Drops undefined fields only (serving and monitors answer nulls and empty lists as Databricks
 * does); `compact` also drops nulls and empty lists, as MLflow's proto encoding does.
 */
export const withoutUndefined = (obj: Json): Json => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
