// Each gate's option schema (schema/mlops.schema.json #/$defs/gate_<type>) against the option
// contract (docs/design/gate-options.md) and against the gate's own parse(): what the schema
// accepts, parse accepts; schema defaults are parse defaults.

import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import schema from '../../../schema/mlops.schema.json' with { type: 'json' };
import { GATE_TYPE_NAMES, getGateType } from '../../../src/policy/registry.js';

const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: false });
ajv.addSchema(schema);

interface JsonSchemaObject {
  properties?: Record<string, { default?: unknown }>;
}
const defs = (schema as unknown as { $defs: Record<string, JsonSchemaObject> }).$defs;

const validatorFor = (type: string) => {
  const gate = getGateType(type);
  if (!gate) throw new Error(`no gate type ${type}`);
  const validate = ajv.getSchema(`${schema.$id}${gate.schemaRef}`);
  if (!validate) throw new Error(`schema has no ${gate.schemaRef}`);
  return { gate, validate };
};

const COMMON = ['type', 'id', 'severity', 'description'];

/** Option keys per gate type, exactly as docs/design/gate-options.md lists them. */
const CONTRACT: Record<string, string[]> = {
  required_tags: ['tags', 'on'],
  metric_threshold: ['metric', 'threshold', 'greater_is_better'],
  metric_delta: ['metric', 'greater_is_better', 'min_absolute_change', 'min_relative_change', 'max_regression', 'relative_base', 'on_missing_baseline'],
  signature: ['require_inputs', 'require_outputs', 'compatible_with'],
  approvals: ['min', 'from', 'exclude_author', 'dismiss_stale', 'sources', 'block_on_changes_requested'],
  provenance: ['require_run', 'require_finished_run', 'require_git_commit', 'commit_in_repo'],
  description: ['min_length', 'model_card_tag'],
  dataset: ['context', 'name', 'on_missing_baseline'],
  semver: ['tag', 'no_downgrade', 'major_for_breaking'],
  requirements: ['require_pinned', 'allow', 'deny'],
  quarantine: [],
  expression: ['expression', 'message', 'on_false'],
  soak: ['min_duration', 'min_requests', 'max_error_rate', 'max_p95_latency_ms', 'ingestion_lag'],
  drift: ['columns', 'quality', 'drift_type', 'granularity', 'model_id', 'max_age'],
};

/** Smallest valid options (common fields excluded, as the loader passes them). */
const MINIMAL: Record<string, Record<string, unknown>> = {
  required_tags: { tags: { owner: '.+' } },
  metric_threshold: { metric: 'roc_auc', threshold: 0.8, greater_is_better: true },
  metric_delta: { metric: 'roc_auc', greater_is_better: true, min_relative_change: 0.01 },
  signature: {},
  approvals: {},
  provenance: {},
  description: {},
  dataset: {},
  semver: {},
  requirements: {},
  quarantine: {},
  expression: { expression: 'candidate.run.metrics["auc"] >= 0.8' },
  soak: { min_duration: '24h', min_requests: 100 },
  drift: { columns: { tenure_months: { js_distance: 0.1 } } },
};

/** Every option set. */
const FULL: Record<string, Record<string, unknown>> = {
  required_tags: { tags: { owner: '.+', tier: 'low|high' }, on: 'version_or_run' },
  metric_threshold: { metric: 'log_loss', threshold: 0.3, greater_is_better: false },
  metric_delta: {
    metric: 'roc_auc',
    greater_is_better: true,
    min_absolute_change: 0,
    min_relative_change: 0.01,
    max_regression: { absolute: 0.02 },
    relative_base: 'abs_champion',
    on_missing_baseline: 'warn',
  },
  signature: { require_inputs: true, require_outputs: false, compatible_with: 'none' },
  approvals: {
    min: 2,
    from: { teams: ['ml-leads'], users: ['alice'] },
    exclude_author: true,
    dismiss_stale: false,
    sources: ['pull_request_review', 'registry_tag'],
    block_on_changes_requested: false,
  },
  provenance: { require_run: true, require_finished_run: false, require_git_commit: true, commit_in_repo: true },
  description: { min_length: 40, model_card_tag: 'model_card' },
  dataset: { context: 'eval', name: 'holdout', on_missing_baseline: 'warn' },
  semver: { tag: 'semver', no_downgrade: false, major_for_breaking: false },
  requirements: { require_pinned: false, allow: ['numpy', 'scikit-learn'], deny: ['tensorflow'] },
  quarantine: {},
  expression: { expression: 'pr.approvals >= 2 || !pr.changed_files.exists(f, f.startsWith("models/"))', message: 'needs {{ 2 - pr.approvals }} more approvals', on_false: 'warn' },
  soak: { min_duration: '3d', min_requests: 1000, max_error_rate: 0.01, max_p95_latency_ms: 250, ingestion_lag: '90m' },
  drift: {
    columns: { tenure_months: { js_distance: 0.1, 'ks_test.pvalue': 0.05, population_stability_index: { max: 0.2 }, avg_delta: 1.5 }, plan: { 'chi_squared_test.pvalue': { min: 0.01 } } },
    quality: { ':table': { count: 1000 }, tenure_months: { percent_null: 0.05, avg: { min: 1, max: 80 } } },
    drift_type: 'consecutive',
    granularity: '1 hour',
    model_id: '{name}/{version}',
    max_age: '48h',
  },
};

/** Options the contract forbids; the schema must reject each. */
const INVALID: [string, Record<string, unknown>][] = [
  ['required_tags', { tags: {} }],
  ['required_tags', { tags: { owner: '.+' }, on: 'anywhere' }],
  ['metric_threshold', { metric: 'm', threshold: 1 }],
  ['metric_delta', { metric: 'm', greater_is_better: true }],
  ['metric_delta', { metric: 'm', greater_is_better: true, min_absolute_change: -0.1 }],
  ['metric_delta', { metric: 'm', greater_is_better: true, min_relative_change: -0.1 }],
  ['metric_delta', { metric: 'm', greater_is_better: true, max_regression: { absolute: 1, relative: 1 } }],
  ['metric_delta', { metric: 'm', greater_is_better: true, max_regression: {} }],
  ['metric_delta', { metric: 'm', greater_is_better: true, max_regression: { relative: -1 } }],
  ['metric_delta', { metric: 'm', greater_is_better: true, min_relative_change: 0.1, relative_base: 'median' }],
  ['metric_delta', { metric: 'm', greater_is_better: true, min_relative_change: 0.1, on_missing_baseline: 'error' }],
  ['signature', { compatible_with: 'previous' }],
  ['approvals', { min: 0 }],
  ['approvals', { min: 1.5 }],
  ['approvals', { exclude_author: false }],
  ['approvals', { sources: ['email'] }],
  ['approvals', { from: { groups: ['x'] } }],
  ['provenance', { require_run: 'yes' }],
  ['description', { min_length: 0 }],
  ['description', { surprise: true }],
  ['dataset', { on_missing_baseline: 'error' }],
  ['dataset', { context: '' }],
  ['semver', { no_downgrade: 'yes' }],
  ['requirements', { allow: 'numpy' }],
  ['requirements', { deny: ['numpy', 'numpy'] }],
  ['quarantine', { environments: ['prod'] }],
  ['expression', {}],
  ['expression', { expression: 'true', on_false: 'error' }],
  ['soak', { min_duration: '24h' }],
  ['soak', { min_requests: 10 }],
  ['soak', { min_duration: 'a day', min_requests: 10 }],
  ['soak', { min_duration: '24h', min_requests: 0 }],
  ['soak', { min_duration: '24h', min_requests: 10, max_error_rate: 2 }],
  ['drift', {}],
  ['drift', { columns: { x: { psi: 0.2 } } }],
  ['drift', { columns: { x: {} } }],
  ['drift', { columns: { x: { js_distance: 'low' } } }],
  ['drift', { quality: { x: { percent_null: { below: 0.1 } } } }],
  ['drift', { columns: { x: { js_distance: 0.1 } }, drift_type: 'previous' }],
  ['drift', { columns: { x: { js_distance: 0.1 } }, model_id: true }],
];

describe('gate option schemas', () => {
  it('every registered gate type has its $def and a schemaRef of the form #/$defs/gate_<type>', () => {
    for (const type of GATE_TYPE_NAMES) {
      expect(getGateType(type)?.schemaRef).toBe(`#/$defs/gate_${type}`);
      expect(defs[`gate_${type}`], type).toBeDefined();
    }
  });

  it.each(GATE_TYPE_NAMES)('%s: schema properties are exactly the contract options plus the common fields', (type) => {
    const properties = Object.keys(defs[`gate_${type}`]?.properties ?? {}).sort();
    expect(properties).toEqual([...COMMON, ...(CONTRACT[type] ?? [])].sort());
  });

  it.each(GATE_TYPE_NAMES)('%s: minimal and full options are schema-valid and parse', (type) => {
    const { gate, validate } = validatorFor(type);
    for (const options of [MINIMAL[type]!, FULL[type]!]) {
      const valid = validate({ type, ...options });
      expect(valid, JSON.stringify(validate.errors)).toBe(true);
      expect(() => gate.parse(options)).not.toThrow();
    }
    // With the common fields present too.
    expect(validate({ type, id: `p/${type}`, severity: 'warn', description: 'why', ...MINIMAL[type] })).toBe(true);
  });

  it.each(GATE_TYPE_NAMES)('%s: schema defaults are the defaults parse() applies', (type) => {
    const { gate } = validatorFor(type);
    const withDefaults: Record<string, unknown> = { ...MINIMAL[type] };
    for (const [key, property] of Object.entries(defs[`gate_${type}`]?.properties ?? {})) {
      if (!COMMON.includes(key) && property.default !== undefined) withDefaults[key] = property.default;
    }
    expect(gate.parse(withDefaults)).toEqual(gate.parse(MINIMAL[type]!));
  });

  it.each(INVALID)('%s rejects %j', (type, options) => {
    const { validate } = validatorFor(type);
    expect(validate({ type, ...options })).toBe(false);
  });
});
