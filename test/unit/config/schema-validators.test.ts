// The schema validators are compiled at build time (scripts/gen-validators.mjs →
// src/config/schema-validators.generated.ts). These tests catch a committed module that no longer
// matches schema/mlops.schema.json, and a generated validator that reports differently from Ajv
// compiling the schema at run time with the options validate.ts relies on.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import schema from '../../../schema/mlops.schema.json' with { type: 'json' };
import { validateConfig, validatePolicyDocument } from '../../../src/config/schema-validators.generated.js';
import { base, readRepoFile, REPO_ROOT } from './helpers.js';

const GENERATED = 'src/config/schema-validators.generated.ts';

interface Validator {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}
const generated = { config: validateConfig as unknown as Validator, policy: validatePolicyDocument as unknown as Validator };

/** Ajv compiling the schema now, as validate.ts did before the validators were generated. */
const compiledAtRunTime = (): { config: ValidateFunction; policy: ValidateFunction } => {
  type FormatsPlugin = (ajv: Ajv2020, formats: string[]) => unknown;
  const formats = addFormatsModule as unknown as FormatsPlugin | { default: FormatsPlugin };
  const addFormats = typeof formats === 'function' ? formats : formats.default;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv, ['date']);
  const config = ajv.compile(schema);
  const policy = ajv.getSchema(`${schema.$id}#/$defs/policy_document`);
  if (!policy) throw new Error('schema has no #/$defs/policy_document');
  return { config, policy };
};

/** Packages reached through static (value) imports from a source file, following relative imports. */
const staticPackagesOf = (entry: string): Set<string> => {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^\s*(import|export)\s+(type\s)?[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm)) {
      const [, , typeOnly, specifier = ''] = match;
      if (typeOnly) continue;
      if (!specifier.startsWith('.')) {
        if (!specifier.startsWith('node:')) packages.add(specifier);
        continue;
      }
      const source = join(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (existsSync(source)) visit(source);
    }
  };
  visit(entry);
  expect(seen.size, relative(REPO_ROOT, entry)).toBeGreaterThan(10);
  return packages;
};

describe('generated schema validators', () => {
  test('the committed module is what the generator makes from the current schema', () => {
    const wanted = execFileSync(process.execPath, ['scripts/gen-validators.mjs', '--print'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    // One assertion on equality, not a 200 kB diff in the failure message.
    const fresh = readRepoFile(GENERATED) === wanted;
    expect(fresh, `${GENERATED} is stale: run node scripts/gen-validators.mjs (npm run build does)`).toBe(true);
  });

  test('gen-validators --check agrees', () => {
    expect(() => execFileSync(process.execPath, ['scripts/gen-validators.mjs', '--check'], { cwd: REPO_ROOT, stdio: 'pipe' })).not.toThrow();
  });

  test('no program entry loads the Ajv compiler: only its runtime helpers', () => {
    for (const entry of ['src/cli-main.ts', 'src/main.ts']) {
      const packages = staticPackagesOf(join(REPO_ROOT, entry));
      const ajv = [...packages].filter((p) => p.startsWith('ajv'));
      expect(ajv.length, entry).toBeGreaterThan(0);
      for (const p of ajv) expect(p, entry).toMatch(/^ajv\/dist\/runtime\/|^ajv-formats\/dist\/formats\.js$/);
    }
  });

  test('it does not compile anything when loaded', () => {
    const text = readRepoFile(GENERATED);
    expect(text).not.toMatch(/from "ajv(\/dist\/(2020|core|ajv))?(\.js)?"/);
    expect(text).not.toMatch(/\bnew Function\b|\beval\(/);
  });

  const configs: [string, unknown][] = [
    ['mlflow example', parse(readRepoFile('examples/mlflow/mlops.yml'))],
    ['databricks example', parse(readRepoFile('examples/databricks/mlops.yml'))],
    ['base config', parse(base())],
    ['bad enum, unknown key and wrong type', parse(base({ 12: '    name: 12', 14: '    promotion: copi\n    polices: [checks]' }))],
    ['not a mapping', ['a', 'list']],
    ['empty mapping', {}],
    [
      'waiver with an impossible date, an unknown environment kind, a bad name',
      {
        version: 1,
        environments: { dev: { registry: 'mlflw', tracking_uri: 'http://x' }, 'bad name': { registry: 'mlflow', tracking_uri: 'http://y' } },
        models: { m: { name: 'm', candidate: { alias: 'c', version: 2 }, serving: { endpoint: 'e', strategy: 'canary' } } },
        waivers: [{ gate: 'x', owner: 'o', reason: 'r', expires: '2026-02-30' }, { gate: 'y', owner: 'o', reason: 'r', expires: 'tomorrow' }],
      },
    ],
  ];
  const policies: [string, unknown][] = [
    ['valid', { gates: [{ type: 'signature' }, { type: 'metric_threshold', metric: 'auc', threshold: 0.8, greater_is_better: true }] }],
    ['unknown gate type', { gates: [{ type: 'metric_thresold', metric: 'auc' }] }],
    ['gate without a type, delta without a margin', { gates: [{ metric: 'auc' }, { type: 'metric_delta', metric: 'auc', greater_is_better: true }] }],
    ['duplicate sources', { gates: [{ type: 'approvals', sources: ['environment', 'environment'], min: 0 }] }],
  ];

  test('errors are exactly the ones Ajv reports when compiling at run time', () => {
    const reference = compiledAtRunTime();
    for (const [name, data] of configs) {
      expect(generated.config(data), name).toBe(reference.config(data));
      expect(generated.config.errors ?? null, name).toEqual(reference.config.errors ?? null);
    }
    for (const [name, data] of policies) {
      expect(generated.policy(data), name).toBe(reference.policy(data));
      expect(generated.policy.errors ?? null, name).toEqual(reference.policy.errors ?? null);
    }
    // The cases above must exercise failures, or the comparison says little.
    expect(configs.filter(([, data]) => !generated.config(data)).length).toBeGreaterThanOrEqual(4);
  });

  test('the date format is checked (calendar dates only)', () => {
    const withExpiry = (expires: string) => ({ ...(parse(base()) as object), waivers: [{ gate: 'g', owner: 'o', reason: 'r', expires }] });
    expect(generated.config(withExpiry('2028-02-29'))).toBe(true);
    for (const bad of ['2026-02-30', '2026-13-01', '26-01-01', 'soon']) {
      expect(generated.config(withExpiry(bad)), bad).toBe(false);
      expect(generated.config.errors, bad).toEqual([expect.objectContaining({ keyword: 'format', params: { format: 'date' }, instancePath: '/waivers/0/expires' })]);
    }
  });
});
