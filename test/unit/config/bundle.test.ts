// Asset Bundles beside mlops.yml: the bundle fixtures (test/fixtures/bundles, written in the real
// databricks.yml syntax and checked against the CLI's JSON schema) read as the CLI reads them
// (include globs, variables per target, target overrides, grants merged by principal, development
// mode prefixes, ${…} interpolation), and validate's ownership checks, at both files' line:column.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadBundle, normalizePrefix, segmentMatches } from '../../../src/config/bundle.js';
import { loadConfig } from '../../../src/config/loader.js';
import { ConfigError, type Diagnostic } from '../../../src/errors.js';
import { readInputFile } from '../../../src/platform/files.js';
import { NOW, REPO_ROOT } from './helpers.js';

const FIXTURES = 'test/fixtures/bundles';
const files = (overrides: Record<string, string> = {}) => ({
  readFile: (p: string) => overrides[p] ?? readInputFile(join(REPO_ROOT, p), p),
  listDir: (p: string) => {
    try {
      return readdirSync(join(REPO_ROOT, p), { withFileTypes: true }).map((e) => ({ name: e.name, dir: e.isDirectory() }));
    } catch {
      return null;
    }
  },
});

const bundle = (dir: string) => {
  const { bundle: b, diagnostics } = loadBundle(`${FIXTURES}/${dir}/databricks.yml`, files());
  expect(diagnostics).toEqual([]);
  return b!;
};
const target = (dir: string, name: string) => bundle(dir).targets.find((t) => t.name === name)!;

describe('reading the bundle fixtures', () => {
  test('01: one endpoint and one registered model per target, variables and overrides resolved', () => {
    const b = bundle('01-single-endpoint');
    expect(b.name).toBe('fraud-scorer');
    expect(b.files).toEqual([`${FIXTURES}/01-single-endpoint/databricks.yml`, `${FIXTURES}/01-single-endpoint/resources/model.yml`, `${FIXTURES}/01-single-endpoint/resources/serving.yml`]);
    const prod = target('01-single-endpoint', 'prod');
    expect(prod.endpoints).toHaveLength(1);
    const endpoint = prod.endpoints[0]!;
    expect(endpoint).toMatchObject({ key: 'fraud_scorer', name: 'fraud-scorer-prod', position: { file: `${FIXTURES}/01-single-endpoint/resources/serving.yml`, line: 3, column: 5 } });
    const entity = (endpoint.body.config as { served_entities: Record<string, unknown>[] }).served_entities[0]!;
    // ${resources.registered_models.fraud_model.full_name} and the prod variables.
    expect(entity).toMatchObject({ entity_name: 'ml_prod.fraud.fraud_scorer', workload_size: 'Medium', scale_to_zero_enabled: false, environment_vars: { FRAUD_API_TOKEN: '{{secrets/fraud-scope/api-token}}' } });
    // The target's scalar/map override merged in.
    expect(endpoint.body.email_notifications).toEqual({ on_update_failure: ['ml-oncall@example.com'] });
    expect(prod.models).toEqual([
      {
        key: 'fraud_model',
        fullName: 'ml_prod.fraud.fraud_scorer',
        grants: { 'fraud-readers': ['EXECUTE'], 'ml-platform-admins': ['APPLY_TAG', 'MANAGE'] },
        position: { file: `${FIXTURES}/01-single-endpoint/resources/model.yml`, line: 3, column: 5 },
      },
    ]);
    expect(prod.unresolved).toEqual([]);
  });

  test('01: development mode prefixes names with the deploying user, unknown here', () => {
    const dev = target('01-single-endpoint', 'dev');
    expect(dev.mode).toBe('development');
    expect(dev.endpoints[0]!.name).toBe('dev_${workspace.current_user.short_name}_fraud-scorer-dev');
    expect(dev.models[0]!.fullName).toBe('ml_dev.fraud.dev_${workspace.current_user.short_name}_fraud_scorer');
    expect(dev.unresolved).toContain('${workspace.current_user.short_name}');
  });

  test('02: two served entities from variables, a complex variable for tags, a ** include that matches like *', () => {
    const prod = target('02-champion-challenger', 'prod');
    const body = prod.endpoints[0]!.body as { config: { served_entities: Record<string, unknown>[]; traffic_config: { routes: unknown[] } }; tags: unknown; ai_gateway: { rate_limits: unknown[] } };
    expect(body.config.served_entities.map((e) => [e.name, e.entity_name, e.entity_version, e.min_provisioned_concurrency, e.max_provisioned_concurrency])).toEqual([
      ['champion', 'ml_prod.recsys.ranker', '9', 4, 16],
      ['challenger', 'ml_prod.recsys.ranker', '10', 0, 4],
    ]);
    expect(body.config.traffic_config.routes).toEqual([
      { served_entity_name: 'champion', traffic_percentage: 95 },
      { served_entity_name: 'challenger', traffic_percentage: 5 },
    ]);
    expect(body.tags).toEqual([
      { key: 'cost-center', value: '4711' },
      { key: 'owner', value: 'recsys' },
    ]);
    expect(body.ai_gateway.rate_limits).toHaveLength(2);
  });

  test('03: grants merge by principal across base and target; a lookup variable stays unresolved', () => {
    const prod = target('03-gateway-monitoring', 'prod');
    expect(prod.models[0]!.grants).toEqual({ 'churn-serving-sp-app-id': ['EXECUTE'], 'prod-analysts': ['EXECUTE'] });
    expect(prod.monitors).toEqual([{ key: 'churn_payload_monitor', tableName: 'ml_prod.churn.churn_predictions_unpacked', position: { file: `${FIXTURES}/03-gateway-monitoring/resources/monitoring.yml`, line: 14, column: 5 } }]);
    expect(prod.unresolved).toContain('${var.warehouse_id}');
  });

  test('04 (MLOps Stacks): ./ includes and a glob, << merge keys for grants, a model whose comment each target overrides', () => {
    const b = bundle('04-mlops-stacks/fraud_detection');
    expect(b.files.map((f) => f.slice(`${FIXTURES}/04-mlops-stacks/fraud_detection/`.length))).toEqual([
      'databricks.yml',
      'resources/ml-artifacts-resource.yml',
      'resources/model-workflow-resource.yml',
      'resources/model-serving-resource.yml',
      'resources/batch-monitoring-resource.yml',
    ]);
    const prod = target('04-mlops-stacks/fraud_detection', 'prod');
    expect(prod.models).toEqual([
      { key: 'model', fullName: 'prod.fraud_detection.fraud_detection_model', grants: { 'account users': ['EXECUTE'] }, position: { file: `${FIXTURES}/04-mlops-stacks/fraud_detection/resources/ml-artifacts-resource.yml`, line: 47, column: 5 } },
    ]);
    expect(prod.endpoints.map((e) => [e.name, (e.body.config as { served_entities: Record<string, unknown>[] }).served_entities[0]!.workload_size])).toEqual([['fraud-detection-prod', 'Medium']]);
    expect(prod.monitors.map((m) => m.tableName)).toEqual(['prod.fraud_detection.fraud_predictions']);
    // The prod comment links a job id known only after deploy.
    expect(prod.unresolved).toEqual(['${resources.jobs.model_training_job.id}']);
  });

  test('included files are read as mlops.yml is: YAML errors and alias bombs at their own file:line:column', () => {
    const root = 'bundle:\n  name: x\ninclude:\n  - a.yml\n  - b.yml\n';
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    const texts: Record<string, string> = { 'r/databricks.yml': root, 'r/a.yml': 'resources:\n  jobs: [unclosed\n', 'r/b.yml': `${bomb}\n` };
    const { diagnostics } = loadBundle('r/databricks.yml', { readFile: (p) => texts[p] ?? null });
    expect(diagnostics.map((d) => [d.code, d.position?.file, d.position?.line])).toEqual(
      expect.arrayContaining([
        ['yaml-syntax', 'r/a.yml', expect.any(Number)],
        ['alias-budget', 'r/b.yml', expect.any(Number)],
      ]),
    );
  });

  test('Go filepath.Match: * and ** stay inside one directory', () => {
    expect(segmentMatches('*.yml', 'serving.yml')).toBe(true);
    expect(segmentMatches('**', 'sub')).toBe(true);
    expect(segmentMatches('*.yml', 'serving.yaml')).toBe(false);
    expect(segmentMatches('[ab]*.yml', 'b1.yml')).toBe(true);
  });

  test("the CLI's name prefix: [dev ann] → dev_ann_, an explicit prefix normalised as the CLI does", () => {
    expect(normalizePrefix('[dev Ann Lee] ')).toBe('dev_ann_lee_');
    expect(normalizePrefix('team-a_')).toBe('team_a');
    const text = 'bundle:\n  name: x\ntargets:\n  prod:\n    presets:\n      name_prefix: "[prod] "\n    resources:\n      model_serving_endpoints:\n        e:\n          name: scorer\n';
    const { bundle: b } = loadBundle('databricks.yml', { readFile: (p) => (p === 'databricks.yml' ? text : null) });
    expect(b!.targets[0]!.endpoints.map((e) => [e.name, e.position.line])).toEqual([['prod_scorer', 9]]);
  });

  test('a glob matching a file that is not YAML or JSON is an error at the include, as the CLI says', () => {
    const text = 'bundle:\n  name: x\ninclude:\n  - resources/*\n';
    const { diagnostics } = loadBundle('databricks.yml', {
      readFile: (p) => (p === 'databricks.yml' ? text : 'resources: {}\n'),
      listDir: (p) => (p === 'resources' ? [{ name: 'a.yml', dir: false }, { name: 'notes.md', dir: false }] : []),
    });
    expect(diagnostics.map((d) => [d.code, d.position?.line, d.message])).toEqual([
      ['bundle-include', 4, "bundle include \"resources/*\" matches resources/notes.md: files in 'include' must be YAML or JSON files (to sync other files, use sync.include)"],
    ]);
  });

  test('an include that names a missing file is an error at its line; a glob that matches nothing is not', () => {
    const text = 'bundle:\n  name: x\ninclude:\n  - resources/none-*.yml\n  - resources/missing.yml\n';
    const { diagnostics } = loadBundle('b/databricks.yml', { readFile: (p) => (p === 'b/databricks.yml' ? text : null), listDir: () => [] });
    expect(diagnostics.map((d) => [d.code, d.position?.line, d.message])).toEqual([['bundle-include', 5, 'bundle include "resources/missing.yml": b/resources/missing.yml does not exist']]);
  });
});

/** mlops.yml beside fixture 01 (targets dev and prod are its environments). */
const MLOPS = (serving: string, model = '', extraModel = '') => `version: 1
environments:
  dev: { registry: databricks-uc, host: "https://dbc-11111111-dev.cloud.databricks.com", catalog: ml_dev, schema: fraud }
  prod: { registry: databricks-uc, host: "https://dbc-22222222-prod.cloud.databricks.com", catalog: ml_prod, schema: fraud, promote_from: dev }
models:
  fraud:
    name: fraud_scorer
    candidate: { alias: challenger }
${model}    serving:
      endpoint: "fraud-scorer-\${env}"
${serving}${extraModel}`;

const load = (text: string, dir = '01-single-endpoint') => loadConfig({ file: `${FIXTURES}/${dir}/mlops.yml`, text }, { env: {}, now: NOW, ...files() });
const errors = (text: string, dir?: string): Diagnostic[] => {
  try {
    load(text, dir);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).diagnostics.filter((d) => d.severity === 'error');
  }
  throw new Error('expected errors');
};

describe('ownership between the bundle and mlops.yml', () => {
  test('an endpoint both declare, with no owner chosen: flagged at the mlops.yml key and at the bundle declaration', () => {
    const found = errors(MLOPS('', '    owner: bundle\n'));
    expect(found.map((d) => [d.code, `${d.position?.file}:${d.position?.line}:${d.position?.column}`])).toEqual([
      ['bundle-ownership', `${FIXTURES}/01-single-endpoint/mlops.yml:11:17`],
      ['bundle-ownership', `${FIXTURES}/01-single-endpoint/resources/serving.yml:3:5`],
    ]);
    expect(found[0]!.message).toBe(
      `the bundle declares this too — serving endpoint "fraud-scorer-prod" (in "prod") at ${FIXTURES}/01-single-endpoint/resources/serving.yml:3:5 (target prod): two owners — the bundle's next deploy would put back what a rollout changes (traffic, settings)`,
    );
    expect(found[0]!.hint).toMatch(/set serving.owner: bundle/);
    expect(found[1]!.message).toMatch(/which mlops.yml models.fraud.serving also manages \(test\/fixtures\/bundles\/01-single-endpoint\/mlops.yml:11:17\)/);
  });

  test('development mode deploys a copy per user: another endpoint, a warning and no ownership finding', () => {
    // dev promoted into (from a sandbox), so mlops-gate would write there.
    const text = MLOPS('      owner: mlops-gate\n', '    owner: bundle\n')
      .replace('fraud-scorer-${env}', 'fraud-scorer-dev')
      .replace('  dev: { registry: databricks-uc, host: "https://dbc-11111111-dev.cloud.databricks.com", catalog: ml_dev, schema: fraud }', '  sandbox: { registry: databricks-uc, host: "https://dbc-11111111-dev.cloud.databricks.com", catalog: ml_sandbox, schema: fraud }\n  dev: { registry: databricks-uc, host: "https://dbc-11111111-dev.cloud.databricks.com", catalog: ml_dev, schema: fraud, promote_from: sandbox }');
    const { diagnostics } = load(text);
    expect(diagnostics.filter((d) => d.code === 'bundle-ownership').map((d) => [d.severity, d.message])).toEqual([
      [
        'warning',
        `the bundle's target dev is in development mode: it deploys registered model "ml_dev.fraud.dev_\${workspace.current_user.short_name}_fraud_scorer" per user (${FIXTURES}/01-single-endpoint/resources/model.yml:3:5), not mlops.yml's "ml_dev.fraud.fraud_scorer"; ownership is not checked there`,
      ],
      [
        'warning',
        `the bundle's target dev is in development mode: it deploys serving endpoint "dev_\${workspace.current_user.short_name}_fraud-scorer-dev" per user (${FIXTURES}/01-single-endpoint/resources/serving.yml:3:5), not mlops.yml's "fraud-scorer-dev"; ownership is not checked there`,
      ],
    ]);
  });

  test('owner: mlops-gate chosen explicitly: the double ownership is flagged at that key', () => {
    const found = errors(MLOPS('      owner: mlops-gate\n', '    owner: bundle\n'));
    expect(found[0]).toMatchObject({ code: 'bundle-ownership', position: { line: 12, column: 14 } });
    expect(found[0]!.message).toMatch(/and mlops.yml says owner: mlops-gate/);
  });

  test('owner: bundle on the endpoint and the model: valid, and validate lists what the bundle declares', () => {
    const { config, diagnostics } = load(MLOPS('      owner: bundle\n', '    owner: bundle\n'));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Object.keys(config.bundle!.targetOf).sort()).toEqual(['dev', 'prod']);
  });

  test('the registered model both declare needs its owner chosen too', () => {
    const found = errors(MLOPS('      owner: bundle\n'));
    expect(found.map((d) => d.message)).toEqual([
      `the bundle declares this too — registered model "ml_prod.fraud.fraud_scorer" (in "prod") at ${FIXTURES}/01-single-endpoint/resources/model.yml:3:5 (target prod): choose its owner in mlops.yml — the bundle would put back its comment and grants, mlops-gate would create and grant it too`,
      `the bundle declares registered model "ml_prod.fraud.fraud_scorer" (target prod), which mlops.yml models.fraud also manages (${FIXTURES}/01-single-endpoint/mlops.yml:7:11)`,
    ]);
  });

  test('grants in mlops.yml on a model the bundle owns (with its grants): two sets of grants', () => {
    const found = errors(MLOPS('      owner: bundle\n', '    owner: bundle\n    grants:\n      prod: { fraud-readers: [EXECUTE] }\n'));
    expect(found[0]).toMatchObject({ code: 'bundle-ownership', position: { line: 11, column: 7 } });
    expect(found[0]!.message).toMatch(/the bundle owns this model and its grants/);
  });

  test('owner: bundle for an endpoint the bundle does not declare', () => {
    const found = errors(MLOPS('      owner: bundle\n', '    owner: bundle\n').replace('fraud-scorer-${env}', 'fraud-${env}'));
    expect(found[0]!.message).toMatch(/serving.owner: bundle, but the bundle \(.*databricks.yml\) declares no serving endpoint named like "fraud-\$\{env\}"/);
  });

  test('a monitor both declare (fixture 03)', () => {
    const text = `version: 1
environments:
  dev: { registry: databricks-uc, host: "https://dbc-33333333-dev.cloud.databricks.com", catalog: ml_dev, schema: churn }
  prod: { registry: databricks-uc, host: "https://dbc-44444444-prod.cloud.databricks.com", catalog: ml_prod, schema: churn, promote_from: dev }
models:
  churn:
    name: churn_classifier
    owner: bundle
    candidate: { alias: challenger }
    monitor:
      table: "ml_\${env}.churn.churn_predictions_unpacked"
      output_schema: "ml_\${env}.churn_monitoring"
      inference_log: { problem_type: classification, prediction_col: prediction, timestamp_col: request_time, model_id_col: model_version }
`;
    const found = errors(text, '03-gateway-monitoring');
    // Only prod is promoted into (dev starts the chain, mlops-gate never writes there): one finding
    // at the mlops.yml key, one at the bundle's declaration.
    expect(found.map((d) => `${d.position?.file}:${d.position?.line}:${d.position?.column}`)).toEqual([
      `${FIXTURES}/03-gateway-monitoring/mlops.yml:11:14`,
      `${FIXTURES}/03-gateway-monitoring/resources/monitoring.yml:14:5`,
    ]);
    expect(found[0]!.message).toMatch(/the bundle declares this too — the quality monitor on "ml_prod.churn.churn_predictions_unpacked" \(in "prod"\) at .*monitoring.yml:14:5 \(target prod\): two owners/);
    expect(found[1]!.message).toMatch(/the bundle declares the quality monitor on "ml_prod.churn.churn_predictions_unpacked" \(target prod\), which mlops.yml models.churn.monitor also manages/);
    const fixed = load(text.replace('      table:', '      owner: bundle\n      table:'), '03-gateway-monitoring');
    expect(fixed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  test('bundle.targets maps targets onto environments of other names', () => {
    const text = MLOPS('      owner: bundle\n', '    owner: bundle\n').replace('  dev: {', '  staging: {').replace('promote_from: dev', 'promote_from: staging') + 'bundle:\n  targets: { prod: prod, dev: staging }\n';
    const { config } = load(text);
    expect(Object.keys(config.bundle!.targetOf).sort()).toEqual(['prod', 'staging']);
    const bad = errors(`${text}`.replace('dev: staging', 'qa: staging'));
    expect(bad.some((d) => d.code === 'bundle-target' && /no target "qa"/.test(d.message))).toBe(true);
  });
});
