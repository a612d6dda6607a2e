// `serving:` settings of a served entity and its endpoint: per-environment resolution (overrides
// merge maps, replace the rest, switch the sizing mode), and what `validate` refuses or flags, at
// the offending key's line and column, before any network call. Secret values are never printed.

import { describe, expect, test } from 'vitest';
import { resolveServing, secretLikeReason } from '../../../src/config/serving.js';
import { lines, load, loadErrors } from './helpers.js';

const UC: readonly string[] = [
  /*  1 */ 'version: 1',
  /*  2 */ 'environments:',
  /*  3 */ '  dev: { registry: databricks-uc, host: "https://dbc.example.test", catalog: ml_dev, schema: models }',
  /*  4 */ '  prod: { registry: databricks-uc, host: "https://dbc.example.test", catalog: ml_prod, schema: models, promote_from: dev }',
  /*  5 */ 'models:',
  /*  6 */ '  churn:',
  /*  7 */ '    name: churn',
  /*  8 */ '    candidate: { alias: challenger }',
  /*  9 */ '    serving:',
  /* 10 */ '      endpoint: "churn-${env}"',
];
const withServing = (...rows: string[]): string => lines(...UC, ...rows.map((r) => `      ${r}`));

describe('per-environment resolution', () => {
  const { config } = load(
    withServing(
      'workload_size: Small',
      'scale_to_zero: { dev: true }',
      'environment_vars: { A: "1", TOKEN: "{{secrets/s/token}}" }',
      'tags: { team: risk }',
      'ai_gateway: { usage_tracking: true, rate_limits: [{ calls: 10 }] }',
      'inference_table: { catalog: "ml_${env}", schema: logs }',
      'overrides:',
      '  prod:',
      '    workload_type: GPU_SMALL',
      '    provisioned_concurrency: { min: 8, max: 16 }',
      '    environment_vars: { A: "2", B: "3" }',
      '    tags: { tier: critical }',
      '    ai_gateway: { rate_limits: [] }',
    ),
  );
  const serving = config.models.get('churn')!.serving!;

  test('dev takes the model settings', () => {
    expect(resolveServing(serving, 'dev', 'churn')).toEqual({
      workloadType: null,
      workloadSize: 'Small',
      provisionedConcurrency: null,
      provisionedThroughput: null,
      scaleToZero: true,
      environmentVars: { A: '1', TOKEN: '{{secrets/s/token}}' },
      instanceProfileArn: null,
      tags: { team: 'risk' },
      rateLimits: [{ calls: 10, tokens: null, key: 'endpoint', principal: null }],
      usageTracking: true,
      inferenceTable: { catalog: 'ml_dev', schema: 'logs', prefix: 'churn' },
    });
  });

  test('prod: maps merge key by key, lists are replaced, concurrency replaces the workload size', () => {
    expect(resolveServing(serving, 'prod', 'churn')).toMatchObject({
      workloadType: 'GPU_SMALL',
      workloadSize: null,
      provisionedConcurrency: { min: 8, max: 16 },
      scaleToZero: false,
      environmentVars: { A: '2', B: '3', TOKEN: '{{secrets/s/token}}' },
      tags: { team: 'risk', tier: 'critical' },
      rateLimits: [],
      usageTracking: true,
      inferenceTable: { catalog: 'ml_prod', schema: 'logs', prefix: 'churn' },
    });
  });
});

describe('validate: documented limits are errors, at the key', () => {
  const cases: { name: string; rows: string[]; line: number; column: number; code: string; message: RegExp }[] = [
    {
      name: 'workload_size and provisioned_concurrency together',
      rows: ['workload_size: Small', 'provisioned_concurrency: { min: 4, max: 8 }'],
      line: 12,
      column: 7,
      code: 'exclusive-fields',
      message: /workload_size and provisioned_concurrency cannot both be set/,
    },
    {
      name: 'both in an override',
      rows: ['overrides:', '  prod: { workload_size: Large, provisioned_concurrency: { min: 4, max: 8 } }'],
      line: 12,
      column: 39,
      code: 'exclusive-fields',
      message: /cannot both be set/,
    },
    { name: 'concurrency above 1024', rows: ['provisioned_concurrency: { min: 0, max: 2048 }'], line: 11, column: 47, code: 'range', message: /max 2048 is above the documented limit of 1024 per model/ },
    { name: 'concurrency min above max', rows: ['provisioned_concurrency: { min: 16, max: 8 }'], line: 11, column: 39, code: 'range', message: /min 16 is above max 8/ },
    {
      name: 'more than 30 environment variables',
      rows: [`environment_vars: { ${Array.from({ length: 31 }, (_, i) => `V${i}: "x"`).join(', ')} }`],
      line: 11,
      column: 7,
      code: 'size',
      message: /31 environment variables; the documented limit is 30 per served model/,
    },
    { name: 'a malformed secret reference', rows: ['environment_vars: { API_KEY: "{{secrets/only-scope}}" }'], line: 11, column: 36, code: 'bad-secret-reference', message: /API_KEY: not a secret reference; write \{\{secrets\/<scope>\/<key>\}\} exactly/ },
    { name: 'an override for an unknown environment', rows: ['overrides:', '  staging: { workload_size: Large }'], line: 12, column: 9, code: 'unknown-environment', message: /there is no environment "staging"/ },
    { name: 'an endpoint name over 63 characters', rows: [], line: 10, column: 17, code: 'bad-name', message: /must be 1 to 63 letters/ },
    { name: 'the reserved databricks- prefix', rows: [], line: 10, column: 17, code: 'bad-name', message: /the databricks- prefix is reserved/ },
    { name: 'a rate limit without calls or tokens', rows: ['ai_gateway: { rate_limits: [{ key: user }] }'], line: 11, column: 35, code: 'missing-required', message: /expected at least one of calls, tokens/ },
    { name: 'a workload type that does not exist', rows: ['workload_type: GPU_HUGE'], line: 11, column: 22, code: 'enum', message: /expected one of CPU, CPU_MEDIUM/ },
    { name: 'an instance profile that is not an ARN', rows: ['instance_profile_arn: churn-role'], line: 11, column: 29, code: 'pattern', message: /does not match the expected form/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      let text = withServing(...c.rows);
      if (c.name.includes('63 characters')) text = text.replace('endpoint: "churn-${env}"', `endpoint: "${'e'.repeat(60)}-\${env}"`);
      if (c.name.includes('databricks-')) text = text.replace('endpoint: "churn-${env}"', 'endpoint: "databricks-churn-${env}"');
      const errors = loadErrors(text).filter((d) => d.severity === 'error');
      const found = errors.find((d) => d.code === c.code);
      expect(found, JSON.stringify(errors, null, 2)).toBeDefined();
      expect(found!.message).toMatch(c.message);
      expect(found!.position).toMatchObject({ file: 'mlops.yml', line: c.line, column: c.column });
    });
  }
});

describe('validate: warnings for what may be refused, and for secrets written in the clear', () => {
  const warnings = (...rows: string[]) => load(withServing(...rows)).diagnostics.filter((d) => d.severity === 'warning');

  test('a literal that looks like a secret is flagged at its value, and never printed', () => {
    const token = `dapi${'0123456789abcdef'.repeat(2)}`;
    const found = warnings(`environment_vars: { DATABRICKS_TOKEN: "${token}", LOG_LEVEL: INFO }`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'literal-secret', position: { line: 11, column: 45 } });
    expect(found[0]!.message).toMatch(/DATABRICKS_TOKEN holds a literal value that looks like a secret/);
    expect(JSON.stringify(found)).not.toContain(token);
    expect(found[0]!.hint).toMatch(/\{\{secrets\/<scope>\/<key>\}\}/);
  });

  test('secret references are not flagged', () => {
    expect(warnings('environment_vars: { DATABRICKS_TOKEN: "{{secrets/churn/token}}" }')).toEqual([]);
  });

  test('concurrency that is not a multiple of 4, env var names and long tags (limits no source settles)', () => {
    const codes = warnings('provisioned_concurrency: { min: 2, max: 8 }', 'environment_vars: { feature-flags: on }', `tags: { ${'k'.repeat(130)}: v }`).map((d) => d.code);
    expect(codes.sort()).toEqual(['concurrency-step', 'env-var-name', 'tag-length']);
  });

  test('owner: bundle with settings the bundle owns: ignored, said so at the key', () => {
    const found = warnings('owner: bundle', 'workload_size: Large', 'tags: { team: risk }');
    expect(found.map((d) => [d.code, d.position?.line])).toEqual([
      ['ignored-field', 12],
      ['ignored-field', 13],
    ]);
  });
});

describe('secret-looking literals', () => {
  test.each([
    ['API_TOKEN', 'a-long-enough-value'],
    ['X', 'ghp_0123456789abcdefghijklmnopqrstuvwxyz'],
    ['X', 'AKIAABCDEFGHIJKLMNOP'],
    ['SEED', 'kq3J8dL2pX9mZ7vN4bT6wR1yH5sF0aGc'],
  ])('%s=… looks like a secret', (name, value) => {
    expect(secretLikeReason(name, value)).not.toBeNull();
    expect(secretLikeReason(name, value)).not.toContain(value);
  });
  test.each([
    ['LOG_LEVEL', 'INFO'],
    ['FEATURE_STORE_URL', 'https://features.internal.example'],
    ['API_TOKEN', '{{secrets/scope/key}}'],
    ['PASSWORD_POLICY', 'short'],
  ])('%s=%s does not', (name, value) => {
    expect(secretLikeReason(name, value)).toBeNull();
  });
});
