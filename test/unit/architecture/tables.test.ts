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
import { USAGE, COMMANDS as CLI_COMMANDS } from '../../../src/invocation.js';
import { COMMANDS } from '../../../src/commands/index.js';
import { DOCTOR_FORMATS, DOCTOR_FORMAT_NAMES } from '../../../src/doctor/render.js';
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

  it('the --format choices in the usage text are the renderer table (and doctor\'s, its own table)', () => {
    expect(OUTPUT_FORMATS).toEqual(Object.keys(RENDERERS));
    expect(USAGE).toContain(`--format ${OUTPUT_FORMATS.join('|')}`);
    expect(DOCTOR_FORMAT_NAMES).toEqual(Object.keys(DOCTOR_FORMATS));
    expect(USAGE).toContain(`mlops-gate doctor   [--config mlops.yml] [--env ENV] [--probe-writes CATALOG.SCHEMA] [--format ${DOCTOR_FORMAT_NAMES.join('|')}]`);
  });

  it('every command the parser names has a COMMANDS row, and back', () => {
    expect(new Set(CLI_COMMANDS)).toEqual(new Set(Object.keys(COMMANDS)));
  });
});
