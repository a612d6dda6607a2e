// The JSON Schema is the contract users' editors see: check its own rules, and that it matches
// the gate option contract in docs/design/gate-options.md.

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import schema from '../../../schema/mlops.schema.json' with { type: 'json' };
import { BUILTIN_PACKS } from '../../../src/config/builtin-packs.generated.js';
import { parseSource } from '../../../src/config/source.js';
import { validateAgainstSchema } from '../../../src/config/validate.js';
import { readRepoFile, REPO_ROOT } from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every subschema with its JSON pointer. */
const subschemas = (node: Json, pointer = '#'): [string, Record<string, Json>][] => {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((child, i) => subschemas(child, `${pointer}/${i}`));
  const own: [string, Record<string, Json>][] = [[pointer, node]];
  return own.concat(Object.entries(node).flatMap(([key, child]) => subschemas(child, `${pointer}/${key}`)));
};

const all = subschemas(schema as unknown as Json);
const defs = schema.$defs as unknown as Record<string, { properties?: Record<string, unknown>; description?: string }>;

describe('schema conventions', () => {
  test('draft 2020-12 with an $id', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(/^https:\/\//);
  });

  test('every property has a description', () => {
    // `if` subschemas only test a value; they are not properties a user writes.
    const missing = all.filter(([pointer]) => !pointer.includes('/if')).flatMap(([pointer, node]) =>
      Object.entries((node.properties ?? {}) as Record<string, Record<string, Json>>)
        .filter(([, property]) => typeof property.description !== 'string' || property.description.length < 3)
        .map(([name]) => `${pointer}/properties/${name}`),
    );
    expect(missing).toEqual([]);
  });

  test('every object with properties forbids unknown keys', () => {
    const open = all
      .filter(([pointer, node]) => node.properties !== undefined && !pointer.includes('/if'))
      .filter(([, node]) => node.additionalProperties !== false)
      .map(([pointer]) => pointer);
    expect(open).toEqual([]);
  });

  test('the policy document entry point exists', () => {
    expect(defs.policy_document).toBeDefined();
  });
});

describe('gate option contract (docs/design/gate-options.md)', () => {
  const doc = readRepoFile('docs/design/gate-options.md');
  const sections = doc.split(/^## /m).slice(1).map((section) => {
    const [title = '', ...body] = section.split('\n');
    const bullets = body.filter((line) => /^\s*- /.test(line)).join('\n');
    // A field is a backticked name followed by its description: "`min` (integer ...)" or "`from`: ...".
    const fields = [...bullets.matchAll(/`([a-z][a-z0-9_]*)`(?= \(|:)/g)].map((m) => m[1]);
    return { type: title.trim().split(/\s/)[0] ?? '', fields };
  });

  test('every documented gate type has #/$defs/gate_<type> and is in the discriminated oneOf', () => {
    const refs = (schema.$defs.gate.oneOf as { $ref: string }[]).map((r) => r.$ref);
    expect(sections.map((s) => s.type)).toHaveLength(14);
    for (const { type } of sections) {
      expect(defs[`gate_${type}`], type).toBeDefined();
      expect(refs).toContain(`#/$defs/gate_${type}`);
    }
  });

  test('every documented option is in the schema, and the schema has no undocumented option', () => {
    const common = ['type', 'id', 'severity', 'description'];
    for (const { type, fields } of sections) {
      const properties = Object.keys(defs[`gate_${type}`]?.properties ?? {});
      const documented = fields.filter((f): f is string => f !== undefined);
      expect(properties.filter((p) => !common.includes(p)).sort(), type).toEqual([...new Set(documented)].sort());
    }
  });
});

describe('built-in packs', () => {
  test('the generated module matches policies/*.yml', () => {
    const files = readdirSync(join(REPO_ROOT, 'policies')).filter((f) => f.endsWith('.yml')).sort();
    expect(Object.keys(BUILTIN_PACKS).sort()).toEqual(files.map((f) => f.replace(/\.yml$/, '')));
    for (const file of files) expect(BUILTIN_PACKS[file.replace(/\.yml$/, '')], file).toBe(readRepoFile(`policies/${file}`));
  });

  test('gen-builtin-packs --check agrees', () => {
    expect(() => execFileSync(process.execPath, ['scripts/gen-builtin-packs.mjs', '--check'], { cwd: REPO_ROOT, stdio: 'pipe' })).not.toThrow();
  });

  test('each pack is a valid policy document and is documented in policies/README.md', () => {
    const readme = readRepoFile('policies/README.md');
    for (const [name, text] of Object.entries(BUILTIN_PACKS)) {
      const parsed = parseSource(`builtin:${name}`, text, {});
      expect(parsed.diagnostics, name).toEqual([]);
      expect(validateAgainstSchema(parsed.doc, 'policy_document'), name).toEqual([]);
      expect(readme).toContain(`builtin:${name}`);
      const ids = [...text.matchAll(/^\s+id: (\S+)$/gm)].map((m) => m[1] ?? '');
      for (const id of ids) expect(readme, `${name}: ${id}`).toContain(`\`${id}\``);
    }
  });
});
