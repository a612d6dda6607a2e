import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/loader.js';
import type { Config, Environment, ModelConfig } from '../../../src/config/types.js';
import type { VersionInfo } from '../../../src/evidence/types.js';
import { isRefusal, planInputFor, stageFor } from '../../../src/plan/inputs.js';
import { registryIdOf } from '../../../src/config/names.js';

const config = (models: string, devUri = 'http://mlflow:5000/?workspace=a#x', prodUri = 'http://mlflow:5000') => {
  const text = `version: 1
environments:
  dev:
    registry: mlflow
    tracking_uri: ${devUri}
  prod:
    registry: mlflow
    tracking_uri: ${prodUri}
    promote_from: dev
models:
${models}
`;
  const { config: c, diagnostics } = loadConfig({ file: 'mlops.yml', text }, { env: {}, now: new Date('2026-11-23T00:00:00Z'), readFile: () => null });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return c;
};

const candidate = (name: string): VersionInfo => ({
  name,
  version: '3',
  status: 'READY',
  description: null,
  tags: {},
  aliases: [],
  source: 'runs:/abc/model',
  runId: 'abc',
  modelId: null,
  createdAtMs: null,
  url: null,
});

const target = { model: 'churn', from: 'dev', to: 'prod' };

// `validate` refuses these configs at load (src/config/checks.ts); planInputFor keeps its own
// refusals as a safety net for a Config that did not come through the loader: built here by
// changing a loaded one.
const withModel = (c: Config, patch: Partial<ModelConfig>): Config => ({
  ...c,
  models: new Map([...c.models].map(([id, m]) => [id, { ...m, ...patch }])),
});
const withEnvironment = (c: Config, environment: Environment): Config => ({
  ...c,
  environments: new Map([...c.environments].map(([name, e]) => [name, name === environment.name ? environment : e])),
});

describe('planInputFor', () => {
  it('copy mode: per-environment names, registry ids without query or fragment, champion alias', () => {
    const c = config(`  churn:
    name: churn-\${env}
    promotion: copy
    candidate: { latest: true }`);
    const input = planInputFor(c, target, candidate('churn-dev'));
    expect(isRefusal(input)).toBe(false);
    if (isRefusal(input)) return;
    expect(input.destination).toEqual({ registry: 'http://mlflow:5000', model: 'churn-prod' });
    expect(input.source.registry).toBe('http://mlflow:5000');
    expect(input.aliases).toEqual(['champion']);
    expect(input.stage).toBeNull();
  });

  it('alias mode also moves the environment alias; stage mode maps prod to Production', () => {
    const a = planInputFor(config(`  churn:\n    name: churn\n    promotion: alias\n    candidate: { latest: true }`), target, candidate('churn'));
    expect(!isRefusal(a) && a.aliases).toEqual(['champion', 'prod']);
    const s = planInputFor(config(`  churn:\n    name: churn\n    promotion: stage\n    candidate: { latest: true }`), target, candidate('churn'));
    expect(!isRefusal(s) && s.stage).toBe('Production');
    expect(stageFor('staging')).toBe('Staging');
  });

  it('refuses copy onto the same model and alias mode across models, naming the fix', () => {
    const same = planInputFor(withModel(config(`  churn:\n    name: churn\n    promotion: alias\n    candidate: { latest: true }`), { promotion: 'copy' }), target, candidate('churn'));
    expect(isRefusal(same) && same.reason).toMatch(/use promotion: alias/);
    const across = planInputFor(withModel(config(`  churn:\n    name: churn-\${env}\n    promotion: copy\n    candidate: { latest: true }`), { promotion: 'alias' }), target, candidate('churn-dev'));
    expect(isRefusal(across) && across.reason).toMatch(/use promotion: copy/);
  });

  it('two servers are two registries (the copy transfers artifacts)', () => {
    const c = config(`  churn:\n    name: churn\n    promotion: copy\n    candidate: { latest: true }`, 'http://dev:5000', 'http://prod:5000');
    const input = planInputFor(c, target, candidate('churn'));
    expect(!isRefusal(input) && [input.source.registry, input.destination.registry]).toEqual(['http://dev:5000', 'http://prod:5000']);
    expect(registryIdOf(c.environments.get('dev')!)).toBe('http://dev:5000');
  });
});

describe('planInputFor on Unity Catalog', () => {
  const ucConfig = (models: string, prodRegistry = 'registry: databricks-uc\n    host: https://prod.example\n    catalog: prod\n    schema: ml') => {
    const text = `version: 1
environments:
  dev:
    registry: databricks-uc
    host: https://dev.example
    catalog: dev
    schema: ml
  prod:
    ${prodRegistry}
    promote_from: dev
models:
${models}
`;
    const { config: c, diagnostics } = loadConfig({ file: 'mlops.yml', text }, { env: {}, now: new Date('2026-11-23T00:00:00Z'), readFile: () => null });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return c;
  };

  it('copies across workspaces, with serving and monitor for the target environment', () => {
    const c = ucConfig(`  churn:
    name: churn
    candidate: { alias: challenger }
    serving: { endpoint: "churn-\${env}", strategy: replace, scale_to_zero: { prod: false, dev: true } }
    monitor: { table: "\${env}.monitoring.payload", output_schema: "\${env}.monitoring", inference_log: { problem_type: regression, prediction_col: p, timestamp_col: ts, model_id_col: m, granularities: ["1 Day"] } }`);
    const input = planInputFor(c, target, candidate('dev.ml.churn'));
    expect(isRefusal(input)).toBe(false);
    if (isRefusal(input)) return;
    expect(input.destination).toEqual({ registry: 'https://prod.example#prod.ml', model: 'prod.ml.churn' });
    expect(input.serving).toMatchObject({ endpoint: 'churn-prod', strategy: { kind: 'replace' }, entity: { workloadSize: 'Small', scaleToZero: false }, settings: {} });
    expect(input.monitor).toMatchObject({ api: 'data-quality', monitor: { table: 'prod.monitoring.payload', outputSchema: 'prod.monitoring', inferenceLog: { granularities: ['1 day'] } } });
  });

  it('refuses stage mode (Unity Catalog has no stages)', () => {
    const input = planInputFor(withModel(ucConfig('  churn:\n    name: churn\n    candidate: { alias: challenger }'), { promotion: 'stage' }), target, candidate('dev.ml.churn'));
    expect(isRefusal(input) && input.reason).toMatch(/promotion: stage needs legacy registry stages, which Unity Catalog \("dev", databricks-uc\) does not have/);
  });

  it('refuses promotion between MLflow and Unity Catalog', () => {
    const uc = ucConfig('  churn:\n    name: churn\n    candidate: { alias: challenger }');
    const prod = uc.environments.get('prod')!;
    const mixed = withEnvironment(uc, { name: 'prod', promoteFrom: 'dev', githubEnvironment: null, position: prod.position, registry: 'mlflow', trackingUri: 'http://mlflow:5000' });
    const input = planInputFor(mixed, target, candidate('dev.ml.churn'));
    expect(isRefusal(input) && input.reason).toMatch(/"dev" is databricks-uc and "prod" is mlflow/);
  });
});

describe('server URLs with credentials', () => {
  it('are refused at load, naming the field, never echoing the value', () => {
    const text = `version: 1
environments:
  dev: { registry: mlflow, tracking_uri: "http://user:s3cr3tpass@mlflow:5000" }
  prod: { registry: databricks-uc, host: "https://tok:dapiXYZ123@adb.example", catalog: c, schema: s, promote_from: dev }
models:
  churn: { name: churn, candidate: { latest: true } }
`;
    let error: unknown;
    try {
      loadConfig({ file: 'mlops.yml', text }, { env: {}, now: new Date('2026-11-23T00:00:00Z'), readFile: () => null });
    } catch (e) {
      error = e;
    }
    const diagnostics = (error as { diagnostics: { code: string; path: string; message: string; hint?: string }[] }).diagnostics;
    const found = diagnostics.filter((d) => d.code === 'credentials-in-url');
    expect(found.map((d) => d.path)).toEqual(['/environments/dev/tracking_uri', '/environments/prod/host']);
    expect(JSON.stringify(diagnostics)).not.toMatch(/s3cr3tpass|dapiXYZ123/);
  });
});
