// JSON Schema validation (schema/mlops.schema.json, the single source of truth) with ajv errors
// turned into diagnostics a person can act on: positioned at the offending YAML node, saying what
// was expected, with the oneOf/anyOf noise collapsed into one message.

import type { ErrorObject } from 'ajv';
import schema from '../../schema/mlops.schema.json' with { type: 'json' };
import type { Diagnostic } from '../errors.js';
import { LIMITS } from './limits.js';
import { didYouMean } from './suggest.js';
import { pointerJoin, positionOf } from './source.js';
import type { SourceDocument } from './source.js';
// Compiled at build time (scripts/gen-validators.mjs, Ajv standalone code with allErrors, verbose,
// discriminator, strict, the `date` format): nothing is compiled when a program starts.
import { validateConfig, validatePolicyDocument } from './schema-validators.generated.js';

export const SCHEMA_ID: string = schema.$id;
export const mlopsSchema = schema;

/** What an Ajv validate function looks like from outside (the generated module is untyped). */
interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators: Readonly<Record<SchemaEntry, SchemaValidator>> = {
  config: validateConfig as unknown as SchemaValidator,
  policy_document: validatePolicyDocument as unknown as SchemaValidator,
};

export type SchemaEntry = 'config' | 'policy_document';

/** Validate a parsed document; an empty list means schema-valid. */
export const validateAgainstSchema = (doc: SourceDocument, entry: SchemaEntry): Diagnostic[] => {
  const validate = validators[entry];
  if (validate(doc.value)) return [];
  // "did you mean" costs an edit distance per candidate: only the first errors (Ajv reports in
  // document order), which are the ones printed.
  let suggestions = LIMITS.diagnostics * 2;
  const suggest = (word: string, candidates: readonly string[]): { hint?: string } =>
    suggestions-- > 0 && word.length <= 100 ? didYouMean(word, candidates) : {};
  const diagnostics = collapse(validate.errors ?? [])
    .filter((error) => !doc.unresolved.has(error.instancePath))
    .map((error) => toDiagnostic(doc, error, suggest));
  // A misspelt required key shows up twice (unknown "canidate", missing "candidate"): keep the
  // unknown-key error, whose hint already names the missing key.
  const suggested = new Set(
    diagnostics.filter((d) => d.code === 'unknown-key' && d.hint).map((d) => `${d.path.slice(0, d.path.lastIndexOf('/'))}|${d.hint}`),
  );
  return diagnostics.filter((d) => {
    if (d.code !== 'missing-required') return true;
    const missing = /missing required key "([^"]+)"/.exec(d.message)?.[1];
    return missing === undefined || !suggested.has(`${d.path}|did you mean "${missing}"?`);
  });
};

const article = (word: string): string => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

const describeValue = (value: unknown): string => {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // YAML's .nan and .inf, or a number too large for a double (1e400).
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? '.nan (not a number)' : `${value > 0 ? '' : '-'}.inf (infinite, or too large for a number)`;
  }
  const shown = JSON.stringify(value) ?? String(value);
  const clipped = shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
  return `${typeof value === 'number' ? 'number' : typeof value} ${clipped}`;
};

const typeName = (t: string): string =>
  t === 'object' ? 'mapping' : t === 'array' ? 'list' : t;

const listOf = (values: readonly unknown[]): string => values.map((v) => String(v)).join(', ');

/** Drop ajv's bookkeeping errors and the per-branch noise of anyOf/discriminated oneOf. */
const collapse = (errors: readonly ErrorObject[]): ErrorObject[] => {
  // anyOf roots by instance path: one lookup per error, not a scan (a file may hold 40,000 errors).
  const anyOfRoots = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === 'anyOf') anyOfRoots.set(e.instancePath, [...(anyOfRoots.get(e.instancePath) ?? []), e.schemaPath]);
  }
  return errors.filter((e) => {
    if (e.keyword === 'if') return false;
    // The discriminator complains about a missing tag that `required` already reported.
    if (e.keyword === 'discriminator' && (e.params as { tagValue?: unknown }).tagValue === undefined) return false;
    // propertyNames reports the inner failure too; keep the outer one, which names the key.
    if (e.propertyName !== undefined && e.keyword !== 'propertyNames') return false;
    return !(anyOfRoots.get(e.instancePath) ?? []).some((root) => e.schemaPath.startsWith(`${root}/`));
  });
};

const toDiagnostic = (doc: SourceDocument, error: ErrorObject, suggest: (word: string, candidates: readonly string[]) => { hint?: string }): Diagnostic => {
  const path = error.instancePath;
  const base = { severity: 'error' as const, path };
  const valuePosition = positionOf(doc, path, 'value');
  const params = error.params as Record<string, unknown>;
  const parentSchema = (error.parentSchema ?? {}) as { properties?: Record<string, unknown>; description?: string };
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(parentSchema.properties ?? {});
      return {
        ...base,
        code: 'unknown-key',
        path: pointerJoin(path, key),
        message: `unknown key "${key.length > 60 ? `${key.slice(0, 57)}...` : key}"${allowed.length > 0 ? `; expected one of ${allowed.join(', ')}` : ''}`,
        position: positionOf(doc, pointerJoin(path, key), 'key'),
        ...(key === '<<' ? { hint: 'YAML merge keys (<<) are not supported; repeat the values, or use an alias (*name) for a whole value' } : suggest(key, allowed)),
      };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const data = error.data as Record<string, unknown> | null;
      const strategy = data && typeof data === 'object' && typeof data.strategy === 'string' ? data.strategy : null;
      const context = error.schemaPath.includes('/then/') && strategy ? ` (needed for strategy ${strategy})` : '';
      return {
        ...base,
        code: 'missing-required',
        message: `missing required key "${missing}"${context}`,
        position: valuePosition,
      };
    }
    case 'anyOf': {
      const branches = (error.schema ?? []) as { required?: string[] }[];
      const names = branches.flatMap((b) => b.required ?? []);
      return {
        ...base,
        code: 'missing-required',
        message: `expected at least one of ${names.join(', ')}`,
        position: valuePosition,
      };
    }
    case 'type': {
      const expected = String(params.type).split(',').map(typeName);
      const wanted = expected.length === 1 ? article(expected[0] ?? '') : `${article(expected[0] ?? '')} or ${expected.slice(1).join(' or ')}`;
      // YAML 1.2 reads yes/no/on/off as strings, unlike YAML 1.1 tools.
      const yaml11Boolean = expected.includes('boolean') && typeof error.data === 'string' && /^(yes|no|on|off|y|n)$/i.test(error.data);
      return {
        ...base,
        code: 'type',
        message: `expected ${wanted}, got ${describeValue(error.data)}`,
        position: valuePosition,
        ...(yaml11Boolean ? { hint: 'write true or false' } : {}),
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues ?? []) as unknown[];
      return {
        ...base,
        code: 'enum',
        message: `expected one of ${listOf(allowed)}, got ${describeValue(error.data)}`,
        position: valuePosition,
        ...(typeof error.data === 'string' ? suggest(error.data, allowed.map(String)) : {}),
      };
    }
    case 'const':
      return {
        ...base,
        code: 'enum',
        message: `expected ${JSON.stringify(params.allowedValue)}, got ${describeValue(error.data)}`,
        position: valuePosition,
      };
    case 'discriminator': {
      const tag = String(params.tag);
      const allowed = discriminatorValues(parentSchema as { oneOf?: { $ref?: string }[] }, tag);
      const tagPath = pointerJoin(path, tag);
      if (typeof params.tagValue !== 'string') {
        return { ...base, path: tagPath, code: 'type', message: `expected "${tag}" to be one of ${listOf(allowed)}`, position: positionOf(doc, tagPath) };
      }
      return {
        ...base,
        path: tagPath,
        code: 'enum',
        message: `unknown ${tag} "${params.tagValue}": expected one of ${listOf(allowed)}`,
        position: positionOf(doc, tagPath),
        ...suggest(params.tagValue, allowed),
      };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const keyPath = pointerJoin(path, name);
      return {
        ...base,
        path: keyPath,
        code: 'bad-name',
        message: `invalid name "${name}": use letters, digits, "_" and "-", starting with a letter or digit`,
        position: positionOf(doc, keyPath, 'key'),
      };
    }
    case 'pattern':
      return {
        ...base,
        code: 'pattern',
        message: `${describeValue(error.data)} does not match the expected form: ${parentSchema.description ?? `pattern ${String(params.pattern)}`}`,
        position: valuePosition,
      };
    case 'format':
      return params.format === 'date'
        ? { ...base, code: 'bad-date', message: `expected a date YYYY-MM-DD, got ${describeValue(error.data)}`, position: valuePosition }
        : { ...base, code: 'format', message: `expected ${String(params.format)}, got ${describeValue(error.data)}`, position: valuePosition };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const comparison = String(params.comparison);
      return { ...base, code: 'range', message: `expected a number ${comparison} ${String(params.limit)}, got ${describeValue(error.data)}`, position: valuePosition };
    }
    case 'minProperties':
    case 'maxProperties': {
      const keys = Object.keys(parentSchema.properties ?? {});
      const exactlyOne = (parentSchema as { minProperties?: number; maxProperties?: number }).maxProperties === 1 && keys.length > 0;
      const message = exactlyOne
        ? `expected exactly one of ${keys.join(', ')}`
        : `expected ${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}`;
      return { ...base, code: exactlyOne ? 'one-of' : 'size', message, position: valuePosition };
    }
    case 'minItems':
    case 'maxItems':
      return {
        ...base,
        code: 'size',
        message: `expected ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`,
        position: valuePosition,
      };
    case 'minLength':
      return { ...base, code: 'size', message: 'expected a non-empty string', position: valuePosition };
    case 'uniqueItems': {
      const itemPath = pointerJoin(path, Number(params.i));
      return { ...base, path: itemPath, code: 'duplicate-item', message: `duplicate list item (same as item ${String(params.j)})`, position: positionOf(doc, itemPath) };
    }
    default:
      return { ...base, code: 'schema', message: error.message ?? `invalid (${error.keyword})`, position: valuePosition };
  }
};

const discriminatorCache = new WeakMap<object, string[]>();

const discriminatorValues = (parentSchema: { oneOf?: { $ref?: string }[] }, tag: string): string[] => {
  const cached = discriminatorCache.get(parentSchema);
  if (cached) return cached;
  const values = discriminatorValuesOf(parentSchema, tag);
  discriminatorCache.set(parentSchema, values);
  return values;
};

const discriminatorValuesOf = (parentSchema: { oneOf?: { $ref?: string }[] }, tag: string): string[] => {
  const defs = schema.$defs as Record<string, { properties?: Record<string, { const?: unknown }> }>;
  return (parentSchema.oneOf ?? []).flatMap((branch) => {
    const name = branch.$ref?.replace('#/$defs/', '') ?? '';
    const value = defs[name]?.properties?.[tag]?.const;
    return typeof value === 'string' ? [value] : [];
  });
};
