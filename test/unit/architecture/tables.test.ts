// The schema and the extension tables agree: every kind the schema lets a user write has its row
// (the compiler checks the tables against the types; this checks the schema against the tables).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STRATEGY_BUILDERS } from '../../../src/config/build.js';
import { REGISTRY_KINDS } from '../../../src/config/registries.js';
import { STRATEGIES } from '../../../src/rollout/strategies/index.js';
import { STEP_HANDLERS } from '../../../src/apply/steps/index.js';
import { RENDERERS, OUTPUT_FORMATS } from '../../../src/report/renderers.js';
import { USAGE } from '../../../src/invocation.js';
import { ROOT } from './imports.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schema/mlops.schema.json'), 'utf8')) as { $defs: Record<string, { properties?: Record<string, { const?: string; enum?: string[] }> }> };

describe('extension tables match the schema', () => {
  it('every registry kind in the schema has a REGISTRY_KINDS row, and back', () => {
    const kinds = Object.values(schema.$defs)
      .map((d) => d.properties?.registry?.const)
      .filter((k): k is string => typeof k === 'string')
      .sort();
    expect(kinds).toEqual(Object.keys(REGISTRY_KINDS).sort());
  });

  it('every rollout strategy in the schema has a builder and a STRATEGIES row, and back', () => {
    const strategies = Object.values(schema.$defs).flatMap((d) => d.properties?.strategy?.enum ?? []);
    expect(new Set(strategies)).toEqual(new Set(Object.keys(STRATEGIES)));
    expect(new Set(Object.keys(STRATEGY_BUILDERS))).toEqual(new Set(Object.keys(STRATEGIES)));
  });

  it('every step handler has the three operations', () => {
    for (const [kind, handler] of Object.entries(STEP_HANDLERS)) {
      expect(typeof handler.check, kind).toBe('function');
      expect(typeof handler.act, kind).toBe('function');
      expect(typeof handler.refresh, kind).toBe('function');
    }
  });

  it('the --format choices in the usage text are the renderer table', () => {
    expect(OUTPUT_FORMATS).toEqual(Object.keys(RENDERERS));
    expect(USAGE).toContain(`--format ${OUTPUT_FORMATS.join('|')}`);
  });
});
