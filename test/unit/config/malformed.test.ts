// Malformed configs: each must fail with a ConfigError whose diagnostics point at the exact
// line:column, with a stable code and a message a user can act on.

import { describe, expect, test } from 'vitest';
import { base, lines, loadErrors } from './helpers.js';
import type { LoadOptions } from './helpers.js';

interface Case {
  readonly name: string;
  readonly text: string;
  readonly options?: LoadOptions;
  /** The first error (diagnostics are sorted by file, line, column). */
  readonly line: number;
  readonly column: number;
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  /** JSON pointer of the first error, when worth asserting. */
  readonly path?: string;
  /** Defaults to 'mlops.yml'. */
  readonly file?: string;
  /** How many errors in total (default 1: one mistake, one message). */
  readonly errors?: number;
}

const QUALITY_FILE = lines(
  /* 1 */ 'description: shared',
  /* 2 */ 'gates:',
  /* 3 */ '  - type: signature',
  /* 4 */ '    require_input: true',
);

const cases: Case[] = [
  // --- YAML itself -----------------------------------------------------------------------------
  { name: 'unclosed flow mapping', text: base({ 13: '    candidate: { alias: challenger' }), line: 14, column: 5, code: 'yaml-syntax', message: 'invalid YAML' },
  { name: 'tab indentation', text: base({ 5: '\ttracking_uri: http://localhost:5000' }), line: 5, column: 1, code: 'yaml-syntax', message: 'tabs are not allowed' },
  { name: 'duplicate key', text: base({ 8: '    registry: mlflow' }), line: 8, column: 5, code: 'duplicate-key', message: 'duplicate key' },
  { name: 'unquoted ${env} inside a flow mapping', text: base({ 13: '    candidate: { alias: ch_${env} }' }), line: 13, column: 29, code: 'yaml-syntax', message: 'invalid YAML', hint: 'quote values' },
  { name: 'unknown alias', text: base({ 13: '    candidate: *nothing' }), line: 13, column: 16, code: 'yaml-syntax', message: 'alias *nothing names no anchor &nothing defined before it' },
  // --- schema: types, enums, required, unknown keys --------------------------------------------
  { name: 'empty document', text: '', line: 1, column: 1, code: 'type', message: 'expected a mapping, got nothing' },
  { name: 'version is not 1', text: base({ 1: 'version: 2' }), line: 1, column: 10, code: 'enum', message: 'expected 1, got number 2' },
  { name: 'threshold is a string', text: base({ 20: '        threshold: abc' }), line: 20, column: 20, code: 'type', message: 'expected a number, got string "abc"' },
  { name: 'greater_is_better is a string', text: base({ 21: '        greater_is_better: "yes"' }), line: 21, column: 28, code: 'type', message: 'expected a boolean, got string "yes"' },
  { name: 'unknown key near a real one', text: base({ 9: '    promote_form: dev' }), line: 9, column: 5, code: 'unknown-key', message: 'unknown key "promote_form"', hint: 'did you mean "promote_from"?', path: '/environments/prod/promote_form' },
  { name: 'unknown top-level key', text: base({}, 'waiver: []'), line: 22, column: 1, code: 'unknown-key', message: 'unknown key "waiver"', hint: 'did you mean "waivers"?' },
  { name: 'key of the other registry kind', text: base({ 5: '    catalog: ml' }), line: 4, column: 5, code: 'missing-required', message: 'missing required key "tracking_uri"', errors: 2 },
  { name: 'unknown gate option', text: base({ 21: '        greater_is_beter: true' }), line: 21, column: 9, code: 'unknown-key', message: 'unknown key "greater_is_beter"', hint: 'did you mean "greater_is_better"?' },
  { name: 'bad promotion enum', text: base({ 14: '    promotion: clone' }), line: 14, column: 16, code: 'enum', message: 'expected one of copy, alias, stage, got string "clone"' },
  { name: 'bad strategy enum', text: base({ 14: '    serving: { endpoint: e, strategy: rolling }' }), line: 14, column: 39, code: 'enum', message: 'expected one of replace, canary, blue_green, ab, got string "rolling"' },
  { name: 'missing required tracking_uri', text: base({ 5: '' }), line: 4, column: 5, code: 'missing-required', message: 'missing required key "tracking_uri"' },
  { name: 'missing registry', text: base({ 4: '' }), line: 5, column: 5, code: 'missing-required', message: 'missing required key "registry"' },
  { name: 'unknown registry kind', text: base({ 4: '    registry: sagemaker' }), line: 4, column: 15, code: 'enum', message: 'unknown registry "sagemaker": expected one of mlflow, databricks-uc' },
  { name: 'unity catalog without catalog', text: base({ 4: '    registry: databricks-uc', 5: '    host: https://adb.example\n    schema: models' }), line: 4, column: 5, code: 'missing-required', message: 'missing required key "catalog"' },
  { name: 'two candidate selectors', text: base({ 13: '    candidate: { alias: challenger, latest: true }' }), line: 13, column: 16, code: 'one-of', message: 'expected exactly one of alias, version, latest, tag' },
  { name: 'candidate version not digits', text: base({ 13: '    candidate: { version: "7a" }' }), line: 13, column: 27, code: 'pattern', message: 'string "7a" does not match' },
  { name: 'unknown gate type', text: base({ 18: '      - type: metric_treshold' }), line: 18, column: 15, code: 'enum', message: 'unknown type "metric_treshold": expected one of required_tags, metric_threshold', hint: 'did you mean "metric_threshold"?' },
  { name: 'metric_delta with no threshold field', text: base({ 18: '      - type: metric_delta', 20: '' }), line: 18, column: 9, code: 'missing-required', message: 'expected at least one of min_absolute_change, min_relative_change, max_regression' },
  { name: 'max_regression with both forms', text: base({ 18: '      - type: metric_delta', 20: '        max_regression: { absolute: 0.1, relative: 0.01 }' }), line: 20, column: 25, code: 'one-of', message: 'expected exactly one of absolute, relative' },
  { name: 'approvals cannot include the author', text: base({ 18: '      - type: approvals', 19: '        exclude_author: false', 20: '', 21: '' }), line: 19, column: 25, code: 'enum', message: 'expected true, got boolean false' },
  { name: 'invalid environment name', text: base({ 6: '  prod env:' }), line: 6, column: 3, code: 'bad-name', message: 'invalid name "prod env"' },
  { name: 'bad date', text: base({}, 'waivers:', '  - gate: checks/metric_threshold:auc', '    owner: "@jane"', '    reason: flaky metric', '    expires: 2026-02-30'), line: 26, column: 14, code: 'bad-date', message: 'expected a date YYYY-MM-DD, got string "2026-02-30"' },
  { name: 'pause in words', text: base({ 14: '    serving: { endpoint: e, strategy: canary, steps: [50, 100], pause: 10 minutes }' }), line: 14, column: 72, code: 'pattern', message: 'string "10 minutes" does not match' },
  { name: 'ab percent out of range', text: base({ 14: '    serving: { endpoint: e, strategy: ab, candidate_percent: 100 }' }), line: 14, column: 62, code: 'range', message: 'expected a number <= 99, got number 100', errors: 1 },
  { name: 'canary without steps', text: base({ 14: '    policies: [checks]\n    serving: { endpoint: e, strategy: canary }' }), line: 15, column: 14, code: 'missing-required', message: 'missing required key "steps" (needed for strategy canary)' },
  // --- interpolation ---------------------------------------------------------------------------
  { name: 'unset ${VAR}', text: base({ 5: '    tracking_uri: ${MLFLOW_URI}' }), line: 5, column: 19, code: 'unset-variable', message: 'environment variable MLFLOW_URI is not set' },
  { name: 'malformed placeholder', text: base({ 12: '    name: churn-${my env}' }), line: 12, column: 11, code: 'bad-interpolation', message: 'malformed placeholder "${my env}"' },
  // --- cross-field ----------------------------------------------------------------------------
  { name: 'dangling promote_from', text: base({ 9: '    promote_from: dve' }), line: 9, column: 19, code: 'dangling-reference', message: 'promotes from unknown environment "dve"', hint: 'did you mean "dev"?' },
  { name: 'promotion cycle', text: base({ 5: '    tracking_uri: http://localhost:5000\n    promote_from: prod' }), line: 6, column: 19, code: 'cycle', message: 'environments form a promotion cycle: dev → prod → dev' },
  { name: 'self promotion', text: base({ 9: '    promote_from: prod' }), line: 9, column: 19, code: 'cycle', message: 'promotion cycle: prod → prod' },
  { name: 'names lists unknown environment', text: base({ 12: '    name: churn\n    names: { stage: churn-stage }' }), line: 13, column: 14, code: 'dangling-reference', message: 'names lists unknown environment "stage"' },
  { name: 'unknown policy ref', text: base({ 14: '    policies: [chekcs]' }), line: 14, column: 16, code: 'unknown-policy', message: 'unknown policy "chekcs"', hint: 'did you mean "checks"?' },
  { name: 'builtin pack named without prefix', text: base({ 14: '    policies: [checks, production]' }), line: 14, column: 24, code: 'unknown-policy', message: 'unknown policy "production"', hint: 'did you mean "builtin:production"?' },
  { name: 'unknown pack in defaults, even when unused', text: base({}, 'defaults:', '  policies: [builtin:baseline, builtin:strict]'), line: 23, column: 32, code: 'unknown-builtin', message: 'unknown built-in policy pack "strict"' },
  { name: 'unknown builtin pack', text: base({ 14: '    policies: [checks, builtin:prod]' }), line: 14, column: 24, code: 'unknown-builtin', message: 'unknown built-in policy pack "prod"; available: baseline, production, regulated', hint: 'did you mean "builtin:production"?' },
  { name: 'YAML 1.1 boolean', text: base({ 21: '        greater_is_better: yes' }), line: 21, column: 28, code: 'type', message: 'expected a boolean, got string "yes"', hint: 'write true or false' },
  { name: 'missing local policy file', text: base({ 14: '    policies: [checks, team/gates.yml]' }), options: { file: 'config/mlops.yml' }, file: 'config/mlops.yml', line: 14, column: 24, code: 'missing-file', message: 'policy file "team/gates.yml" not found (looked for config/team/gates.yml)' },
  { name: 'error inside a local policy file', text: base({ 14: '    policies: [checks, policies/quality.yml]' }), options: { files: { 'policies/quality.yml': QUALITY_FILE } }, file: 'policies/quality.yml', line: 4, column: 5, code: 'unknown-key', message: 'unknown key "require_input"', hint: 'did you mean "require_inputs"?' },
  { name: 'extends cycle', text: base({}, '    extends: [more]', '  more:', '    extends: [checks]', '    gates: []'), line: 24, column: 15, code: 'cycle', message: 'policy extends cycle: checks → more → checks' },
  { name: 'duplicate gate ids', text: base({}, '      - type: metric_threshold', '        metric: auc', '        threshold: 0.9', '        greater_is_better: true'), line: 22, column: 9, code: 'duplicate-id', message: 'duplicate gate id "checks/metric_threshold:auc" (first defined at mlops.yml:18:9', path: '/policies/checks/gates/1' },
  { name: 'duplicate explicit id across policies', text: base({ 14: '    policies: [checks, other]' }, '  other:', '    gates:', '      - type: signature', '        id: checks/metric_threshold:auc'), line: 24, column: 9, code: 'duplicate-id', message: 'first defined at mlops.yml:18:9, policy "checks"' },
  { name: 'bad regex in required_tags', text: base({ 18: '      - type: required_tags', 19: '        tags: { owner: "(unclosed" }', 20: '', 21: '' }), line: 19, column: 25, code: 'bad-regex', message: 'invalid regular expression for tag "owner": a "(" is never closed' },
  { name: 'applies_to unknown environment', text: base({ 17: '    applies_to: { environments: [production] }\n    gates:' }), line: 17, column: 34, code: 'dangling-reference', message: 'unknown environment "production"' },
  { name: 'waiver for unknown gate', text: base({}, 'waivers:', '  - gate: checks/metric_threshold:acu', '    owner: "@jane"', '    reason: flaky metric', '    expires: 2026-12-31'), line: 23, column: 11, code: 'unknown-gate', message: 'matches no gate id', hint: 'did you mean "checks/metric_threshold:auc"?' },
  { name: 'waiver glob matching nothing', text: base({}, 'waivers:', '  - gate: production/*', '    owner: "@jane"', '    reason: r', '    expires: 2026-12-31'), line: 23, column: 11, code: 'unknown-gate', message: 'waiver names gate "production/*", which matches no gate id' },
  { name: 'waiver for unknown model', text: base({}, 'waivers:', '  - gate: checks/*', '    models: [chrun]', '    owner: "@jane"', '    reason: r', '    expires: 2026-12-31'), line: 24, column: 14, code: 'dangling-reference', message: 'unknown model "chrun"', hint: 'did you mean "churn"?' },
  { name: 'waiver for unknown environment', text: base({}, 'waivers:', '  - gate: checks/*', '    environments: [qa]', '    owner: "@jane"', '    reason: r', '    expires: 2026-12-31'), line: 24, column: 20, code: 'dangling-reference', message: 'unknown environment "qa"' },
  { name: 'canary steps not increasing', text: base({ 14: '    serving: { endpoint: e, strategy: canary, steps: [10, 5, 100] }' }), line: 14, column: 59, code: 'canary-steps', message: 'canary steps must increase strictly: 5 comes after 10' },
  { name: 'canary steps not ending at 100', text: base({ 14: '    serving: { endpoint: e, strategy: canary, steps: [10, 50] }' }), line: 14, column: 59, code: 'canary-steps', message: 'the last canary step must be 100' },
  { name: 'scale_to_zero for unknown environment', text: base({ 14: '    serving: { endpoint: e, scale_to_zero: { dev: true, qa: false } }' }), line: 14, column: 57, code: 'dangling-reference', message: 'scale_to_zero lists unknown environment "qa"' },
];

describe('malformed configs', () => {
  test('the table is big enough to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  test.each(cases)('$name', (c) => {
    const diagnostics = loadErrors(c.text, c.options);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    expect(first, 'at least one error').toBeDefined();
    expect({
      file: first?.position?.file,
      line: first?.position?.line,
      column: first?.position?.column,
      code: first?.code,
    }).toEqual({ file: c.file ?? 'mlops.yml', line: c.line, column: c.column, code: c.code });
    expect(first?.message).toContain(c.message);
    if (c.hint !== undefined) expect(first?.hint).toContain(c.hint);
    if (c.path !== undefined) expect(first?.path).toBe(c.path);
    expect(errors.map((e) => `${e.position?.line}:${e.position?.column} ${e.code} ${e.message}`)).toHaveLength(c.errors ?? 1);
    for (const d of diagnostics) expect(d.position, `${d.code}: ${d.message}`).not.toBeNull();
  });
});
