// Readers for raw (snake_case, schema-valid) gate options. The schema has already checked the
// shapes; these readers apply defaults and keep a clear failure if a caller skipped the schema.

export type RawOptions = Readonly<Record<string, unknown>>;

/** Gate options that cannot be used (a bad regular expression, a wrong type). The engine turns it into a ConfigError. */
export class GateOptionError extends Error {
  override readonly name = 'GateOptionError';
  constructor(
    message: string,
    /** Option key, e.g. `tags.owner`; becomes part of the diagnostic path. */
    readonly key: string,
    /** Character of the option's string value at fault (an expression's error position), when known. */
    readonly index?: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const wrongType = (key: string, expected: string, value: unknown): GateOptionError =>
  new GateOptionError(`option "${key}" must be ${expected}, got ${describe(value)}`, key);

export const readBoolean = (raw: RawOptions, key: string, fallback: boolean): boolean => {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw wrongType(key, 'a boolean', value);
  return value;
};

export const requireBoolean = (raw: RawOptions, key: string): boolean => {
  const value = raw[key];
  if (typeof value !== 'boolean') throw wrongType(key, 'a boolean', value);
  return value;
};

export const readNumber = (raw: RawOptions, key: string): number | undefined => {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(key, 'a finite number', value);
  return value;
};

export const requireNumber = (raw: RawOptions, key: string): number => {
  const value = readNumber(raw, key);
  if (value === undefined) throw new GateOptionError(`option "${key}" is required`, key);
  return value;
};

export const readString = (raw: RawOptions, key: string): string | undefined => {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw wrongType(key, 'a string', value);
  return value;
};

export const requireString = (raw: RawOptions, key: string): string => {
  const value = readString(raw, key);
  if (value === undefined || value === '') throw new GateOptionError(`option "${key}" is required`, key);
  return value;
};

export const readEnum = <T extends string>(raw: RawOptions, key: string, allowed: readonly T[], fallback: T): T => {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw wrongType(key, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  }
  return value as T;
};

export const readStringArray = (raw: RawOptions, key: string): readonly string[] | undefined => {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw wrongType(key, 'a list of strings', value);
  return value as string[];
};

export const readObject = (raw: RawOptions, key: string): RawOptions | undefined => {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrongType(key, 'an object', value);
  return value as RawOptions;
};
