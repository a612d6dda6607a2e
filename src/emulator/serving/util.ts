// Small helpers shared by the serving and monitors modules: Databricks-shaped errors, typed reads
// of JSON request fields, and per-workspace state slices.

import { randomUUID } from 'node:crypto';
import { DatabricksApiError, type Workspace } from '../types.js';

export const invalidParameter = (message: string): DatabricksApiError =>
  new DatabricksApiError(400, 'INVALID_PARAMETER_VALUE', message);

export const badRequest = (message: string): DatabricksApiError => new DatabricksApiError(400, 'BAD_REQUEST', message);

export const doesNotExist = (message: string): DatabricksApiError =>
  new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);

export const alreadyExists = (message: string): DatabricksApiError =>
  new DatabricksApiError(409, 'RESOURCE_ALREADY_EXISTS', message);

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

export const hexId = (): string => randomUUID().replaceAll('-', '');
export const uuid = (): string => randomUUID();

/** The module's slice of a workspace, created on first use so a workspace made before the module still works. */
export const sliceOf = <T>(workspace: Workspace, name: string, init: () => T): T => {
  const state = workspace.state as Record<string, unknown>;
  if (state[name] === undefined) state[name] = init();
  return state[name] as T;
};

/** Deep copy of JSON data, so responses never alias stored state. */
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Drops undefined fields so responses omit unset values, as the real APIs do. */
export const compact = (obj: Json): Json => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
