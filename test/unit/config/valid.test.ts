// Valid configs: the typed Config, with the schema's defaults applied.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import schema from '../../../schema/mlops.schema.json' with { type: 'json' };
import { loadConfig } from '../../../src/config/loader.js';
import { championAlias, expandTemplate, gatesFor, registeredModelName } from '../../../src/config/names.js';
import { listTargets } from '../../../src/config/targets.js';
import { ConfigError } from '../../../src/errors.js';
import { base, lines, load, loadErrors, readRepoFile, REPO_ROOT } from './helpers.js';

const repoReadFile = (path: string): string | null => {
  const full = join(REPO_ROOT, path);
  return existsSync(full) ? readFileSync(full, 'utf8') : null;
};

const DATABRICKS_ENV = {
  DATABRICKS_HOST_DEV: 'https://adb-1.azuredatabricks.net',
  DATABRICKS_HOST_TEST: 'https://adb-2.azuredatabricks.net',
  DATABRICKS_HOST_PROD: 'https://adb-3.azuredatabricks.net',
};

const loadDatabricksExample = () =>
  load(readRepoFile('examples/databricks/mlops.yml'), { file: 'examples/databricks/mlops.yml', env: DATABRICKS_ENV });

const loadWithRepoFiles = (file: string, env: Record<string, string>) =>
  loadConfig({ file, text: readRepoFile(file) }, { env, readFile: repoReadFile, now: new Date('2026-06-15T00:00:00Z') });

const loadMlflowExample = () => loadWithRepoFiles('examples/mlflow/mlops.yml', { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' });

type SchemaNode = { properties?: Record<string, { default?: unknown }> };
const defs = schema.$defs as unknown as Record<string, SchemaNode>;
const schemaDefault = (def: string, property: string): unknown => defs[def]?.properties?.[property]?.default;

describe('examples', () => {
  test('databricks example loads into the typed config', () => {
    const { config, diagnostics } = loadDatabricksExample();
    expect(diagnostics).toEqual([]);
    expect([...config.environments.keys()]).toEqual(['dev', 'test', 'prod']);
    expect(config.environments.get('prod')).toMatchObject({
      registry: 'databricks-uc',
      host: 'https://adb-3.azuredatabricks.net',
      catalog: 'ml_prod',
      schema: 'models',
      promoteFrom: 'test',
      githubEnvironment: 'production',
    });
    const churn = config.models.get('churn');
    expect(churn).toMatchObject({
      name: 'customer_churn_predictor',
      candidate: { kind: 'alias', alias: 'challenger' },
      championAlias: 'champion',
      promotion: 'copy',
      policies: ['builtin:production', 'churn-extra'],
    });
    expect(churn?.serving).toEqual({
      endpoint: 'churn-${env}',
      strategy: { kind: 'canary', steps: [10, 50, 100], pauseSeconds: 600 },
      health: { maxErrorRate: 0.01, maxP95LatencyMs: 250, minRequests: 10, onInsufficientTraffic: 'wait', maxTrafficWaitSeconds: 900, entityLabel: null },
      bake: { durationSeconds: 3600, intervalSeconds: 600 },
      workloadSize: 'Small',
      scaleToZero: { dev: true, test: true, prod: false },
      scaleToZeroDefault: false,
      inferenceTable: { catalog: 'ml_${env}', schema: 'monitoring', prefix: 'churn' },
      waitTimeoutSeconds: 1200,
      environments: null,
    });
    expect(churn?.monitor?.inferenceLog).toEqual({
      problemType: 'classification',
      predictionCol: 'churn_probability',
      labelCol: 'actual_churned',
      timestampCol: 'prediction_timestamp',
      modelIdCol: 'model_version',
      granularities: ['1 day', '1 week'],
    });
    expect(churn?.monitor?.schedule).toEqual({ cron: '0 0 2 * * ?', timezone: 'UTC' });
    expect([...config.policies.keys()]).toEqual(['churn-extra', 'builtin:production', 'builtin:baseline']);
    expect(config.policies.get('builtin:production')?.extends).toEqual(['builtin:baseline']);
    expect(config.policies.get('builtin:baseline')?.gates[0]?.position.file).toBe('builtin:baseline');
    expect(config.policies.get('churn-extra')?.gates.map((g) => g.id)).toEqual([
      'churn-extra/required_tags',
      'churn-extra/metric_threshold:roc_auc',
      'churn-extra/metric_delta:roc_auc',
      'churn-extra/metric_delta:latency_p95_ms',
      'churn-extra/signature',
      'churn-extra/approvals',
      'churn-extra/provenance',
    ]);
    expect(config.waivers).toEqual([
      {
        gate: 'churn-extra/metric_delta:latency_p95_ms',
        models: ['churn'],
        environments: null,
        owner: '@jane',
        reason: 'new feature store lookup; tracked in #123',
        expires: '2026-12-31',
        position: { file: 'examples/databricks/mlops.yml', line: 91, column: 5 },
      },
    ]);
    expect(config.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  test('databricks example names the unset host variables', () => {
    const errors = loadErrors(readRepoFile('examples/databricks/mlops.yml'), { file: 'examples/databricks/mlops.yml' });
    expect(errors.map((e) => [e.code, e.position?.line, e.message.split(' is ')[0]])).toEqual([
      ['unset-variable', 10, 'environment variable DATABRICKS_HOST_DEV'],
      ['unset-variable', 15, 'environment variable DATABRICKS_HOST_TEST'],
      ['unset-variable', 21, 'environment variable DATABRICKS_HOST_PROD'],
    ]);
  });

  test('mlflow example loads, with a local policy file resolved relative to it', () => {
    const { config, diagnostics } = loadMlflowExample();
    expect(diagnostics).toEqual([]);
    expect(config.environments.get('staging')).toMatchObject({ registry: 'mlflow', trackingUri: 'http://127.0.0.1:5000', promoteFrom: 'dev' });
    expect(config.models.get('churn')?.policies).toEqual(['builtin:baseline', 'policies/quality.yml', 'prod-only']);
    const file = config.policies.get('policies/quality.yml');
    expect(file?.origin).toEqual({ kind: 'file', path: 'examples/mlflow/policies/quality.yml' });
    expect(file?.gates[0]).toMatchObject({
      id: 'quality/metric_threshold:roc_auc',
      type: 'metric_threshold',
      policy: 'policies/quality.yml',
      severity: 'fail',
      options: { metric: 'roc_auc', threshold: 0.75, greater_is_better: true },
      position: { file: 'examples/mlflow/policies/quality.yml', line: 5, column: 5 },
    });
    expect(registeredModelName(config, 'churn', 'staging')).toBe('churn-staging');
    expect(registeredModelName(config, 'fraud', 'staging')).toBe('fraud-staging');
    expect(registeredModelName(config, 'fraud', 'prod')).toBe('fraud-detector');
    expect(championAlias(config, 'fraud', 'prod')).toBe('prod-champion');
    expect(championAlias(config, 'churn', 'prod')).toBe('champion');
    expect(config.models.get('churn')?.candidate).toEqual({ kind: 'tags', tags: { validation_status: 'passed' } });
  });
});

describe('defaults', () => {
  const minimal = lines(
    'version: 1',
    'environments:',
    '  dev: { registry: databricks-uc, host: "https://dbc.example.test", catalog: ml_dev, schema: s }',
    '  prod: { registry: databricks-uc, host: "https://dbc.example.test", catalog: ml_prod, schema: s, promote_from: dev }',
    'models:',
    '  m:',
    '    name: m',
    '    candidate: { version: 7 }',
    '    serving: { endpoint: "m-${env}" }',
    '    monitor:',
    '      table: c.s.t',
    '      output_schema: c.s',
    '      inference_log: { problem_type: regression, prediction_col: p, timestamp_col: ts, model_id_col: v }',
    '      schedule: { cron: "0 0 * * * ?" }',
  );

  test('schema defaults are applied to the typed config', () => {
    const { config, diagnostics } = load(minimal);
    expect(diagnostics).toEqual([]);
    const model = config.models.get('m');
    expect(model?.candidate).toEqual({ kind: 'version', version: '7' });
    expect(model?.championAlias).toBe(schemaDefault('model', 'champion_alias'));
    expect(model?.promotion).toBe(defs.promotion_mode && (defs.promotion_mode as { default?: unknown }).default);
    expect(model?.policies).toEqual([]);
    expect(model?.nameByEnvironment).toEqual({});
    expect(model?.serving).toEqual({
      endpoint: 'm-${env}',
      strategy: { kind: schemaDefault('serving', 'strategy') },
      health: { maxErrorRate: null, maxP95LatencyMs: null, minRequests: 10, onInsufficientTraffic: 'wait', maxTrafficWaitSeconds: 900, entityLabel: null },
      bake: null,
      workloadSize: schemaDefault('serving', 'workload_size'),
      scaleToZero: {},
      scaleToZeroDefault: schemaDefault('serving', 'scale_to_zero'),
      inferenceTable: null,
      waitTimeoutSeconds: 20 * 60, // schema default "20m"
      environments: null,
    });
    expect(schemaDefault('serving', 'wait_timeout')).toBe('20m');
    expect(model?.monitor).toEqual({
      table: 'c.s.t',
      outputSchema: 'c.s',
      api: schemaDefault('monitor', 'api'),
      inferenceLog: {
        problemType: 'regression',
        predictionCol: 'p',
        labelCol: null,
        timestampCol: 'ts',
        modelIdCol: 'v',
        granularities: ['1 day'],
      },
      schedule: { cron: '0 0 * * * ?', timezone: 'UTC' },
      slicingExprs: schemaDefault('monitor', 'slicing_exprs'),
      refreshAfterUpdate: schemaDefault('monitor', 'refresh'),
      environments: null,
    });
    expect(config.waivers).toEqual([]);
    expect(config.policies.size).toBe(0);
  });

  test('the defaults section fills what models leave out', () => {
    // promotion: alias moves aliases within one model: both environments share the catalog.
    const text = minimal.replace('catalog: ml_prod', 'catalog: ml_dev') + lines('defaults:', '  champion_alias: ${env}-live', '  promotion: alias', '  policies: [builtin:baseline]', '  # comment');
    const { config } = load(text);
    expect(config.models.get('m')).toMatchObject({ championAlias: '${env}-live', promotion: 'alias', policies: ['builtin:baseline'] });
    expect(championAlias(config, 'm', 'prod')).toBe('prod-live');
  });

  // Serving exists on Databricks only: the same lines as BASE, with Unity Catalog environments.
  const UC = {
    3: '  dev: { registry: databricks-uc, host: "https://dbc.example.test", catalog: ml_dev, schema: s }',
    4: '',
    5: '',
    6: '  prod: { registry: databricks-uc, host: "https://dbc.example.test", catalog: ml_prod, schema: s, promote_from: dev }',
    7: '',
    8: '',
    9: '',
  };

  test('strategies and durations', () => {
    const serving = (s: string) =>
      load(base({ ...UC, 14: `    policies: [checks]\n    serving: ${s}` })).config.models.get('churn')?.serving?.strategy;
    expect(serving('{ endpoint: e, strategy: canary, steps: [5, 100], pause: 1h30m }')).toEqual({ kind: 'canary', steps: [5, 100], pauseSeconds: 5400 });
    expect(serving('{ endpoint: e, strategy: canary, steps: [100], pause: 45 }')).toEqual({ kind: 'canary', steps: [100], pauseSeconds: 45 });
    expect(serving('{ endpoint: e, strategy: canary, steps: [100] }')).toEqual({ kind: 'canary', steps: [100], pauseSeconds: 300 });
    expect(serving('{ endpoint: e, strategy: blue_green }')).toEqual({ kind: 'blue_green', smokeRequest: true, healthCheck: false, pauseSeconds: 300 });
    expect(serving('{ endpoint: e, strategy: blue_green, smoke_request: false }')).toEqual({ kind: 'blue_green', smokeRequest: false, healthCheck: false, pauseSeconds: 300 });
    // With `health:`, blue-green checks the new version after the switch, for `pause`.
    expect(serving('{ endpoint: e, strategy: blue_green, pause: 2m, health: { max_error_rate: 0.01 } }')).toEqual({ kind: 'blue_green', smokeRequest: true, healthCheck: true, pauseSeconds: 120 });
    expect(serving('{ endpoint: e, strategy: ab, candidate_percent: 20 }')).toEqual({ kind: 'ab', candidatePercent: 20 });
  });

  test('a field of another strategy is a warning, not an error', () => {
    const { diagnostics } = load(base({ ...UC, 14: '    policies: [checks]\n    serving: { endpoint: e, steps: [100] }' }));
    expect(diagnostics.map((d) => [d.severity, d.code, d.position?.line, d.position?.column])).toEqual([['warning', 'ignored-field', 15, 29]]);
  });
});

describe('gates and waivers', () => {
  test('gate specs carry raw options without the common fields, and computed ids', () => {
    const { config } = load(
      base({}, '      - type: signature', '        severity: warn', '        description: keep callers working', '        compatible_with: none', '      - type: approvals', '        id: team-approval', '        min: 2'),
    );
    expect(config.policies.get('checks')?.gates.map(({ position: _p, ...g }) => g)).toEqual([
      { id: 'checks/metric_threshold:auc', type: 'metric_threshold', policy: 'checks', severity: 'fail', description: null, options: { metric: 'auc', threshold: 0.8, greater_is_better: true } },
      { id: 'checks/signature', type: 'signature', policy: 'checks', severity: 'warn', description: 'keep callers working', options: { compatible_with: 'none' } },
      { id: 'team-approval', type: 'approvals', policy: 'checks', severity: 'fail', description: null, options: { min: 2 } },
    ]);
  });

  test('an expired waiver is a positioned warning and stays in the config', () => {
    const waiver = ['waivers:', '  - gate: checks/*', '    owner: "@jane"', '    reason: r', '    expires: 2026-06-14'];
    const { config, diagnostics } = load(base({}, ...waiver));
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'expired-waiver', position: { file: 'mlops.yml', line: 26, column: 14 } }),
    ]);
    expect(diagnostics[0]?.message).toContain('expired on 2026-06-14');
    expect(config.waivers.map((w) => w.expires)).toEqual(['2026-06-14']);
    // The expiry day itself still counts (UTC).
    const today = load(base({}, ...waiver.slice(0, 4), '    expires: 2026-06-15'), { now: new Date('2026-06-15T23:59:59Z') });
    expect(today.diagnostics).toEqual([]);
  });

  test('warnings and errors travel together in the ConfigError', () => {
    const text = base({ 9: '    promote_from: nowhere' }, 'waivers:', '  - gate: checks/*', '    owner: "@jane"', '    reason: r', '    expires: 2020-01-01');
    const diagnostics = loadErrors(text);
    expect(diagnostics.map((d) => `${d.severity}:${d.code}`)).toEqual(['error:dangling-reference', 'warning:expired-waiver']);
  });
});

describe('interpolation and templates', () => {
  test('${VAR} from the environment, reserved placeholders kept, $${ escapes', () => {
    const { config } = load(base({ 5: '    tracking_uri: ${URI}', 12: '    name: ${PREFIX}-${model}-${env}-$${HOME}-$${env}' }), {
      env: { URI: 'https://mlflow.example.com', PREFIX: 'team' },
    });
    expect(config.environments.get('dev')).toMatchObject({ trackingUri: 'https://mlflow.example.com' });
    const name = config.models.get('churn')?.name;
    expect(name).toBe('team-${model}-${env}-${HOME}-$${env}');
    expect(registeredModelName(config, 'churn', 'prod')).toBe('team-churn-prod-${HOME}-${env}');
  });

  test('expandTemplate', () => {
    expect(expandTemplate('ml_${env}.${model}', { env: 'prod', model: 'churn' })).toBe('ml_prod.churn');
    expect(expandTemplate('$${env} ${other}', { env: 'prod', model: 'churn' })).toBe('${env} ${other}');
  });

  test('an empty variable is set', () => {
    const { config } = load(base({ 12: '    name: churn-${env}${SUFFIX}' }), { env: { SUFFIX: '' } });
    expect(config.models.get('churn')?.name).toBe('churn-${env}');
  });
});

describe('targets, names and gatesFor', () => {
  test('one target per model and environment with promote_from', () => {
    const { config } = loadDatabricksExample();
    expect(listTargets(config, {})).toEqual([
      { model: 'churn', from: 'dev', to: 'test' },
      { model: 'churn', from: 'test', to: 'prod' },
    ]);
    expect(listTargets(config, { to: 'prod', models: ['churn'] })).toEqual([{ model: 'churn', from: 'test', to: 'prod' }]);
    const mlflow = loadMlflowExample().config;
    expect(listTargets(mlflow, { models: ['fraud'] }).map((t) => `${t.model}:${t.from}->${t.to}`)).toEqual(['fraud:dev->staging', 'fraud:staging->prod']);
  });

  test('environments may fan out from one source', () => {
    const text = base({ 9: '    promote_from: dev\n  qa: { registry: mlflow, tracking_uri: "http://qa:5000", promote_from: dev }' });
    const { config } = load(text);
    expect(listTargets(config)).toEqual([
      { model: 'churn', from: 'dev', to: 'prod' },
      { model: 'churn', from: 'dev', to: 'qa' },
    ]);
  });

  test('unknown filter names are ConfigErrors with a suggestion', () => {
    const { config } = loadDatabricksExample();
    const attempt = (filter: Parameters<typeof listTargets>[1]) => {
      try {
        listTargets(config, filter);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).diagnostics.map((d) => [d.code, d.message, d.hint]);
      }
      throw new Error('expected a ConfigError');
    };
    expect(attempt({ models: ['chrun'] })).toEqual([
      ['unknown-filter', 'unknown model "chrun"; models in examples/databricks/mlops.yml: churn', 'did you mean "churn"?'],
    ]);
    expect(attempt({ to: 'production' })[0]?.[0]).toBe('unknown-filter');
    expect(attempt({ to: 'dev' })[0]?.[1]).toContain('environment "dev" has no promote_from');
  });

  test('Unity Catalog names are three-level; names override wins; fully qualified names are kept', () => {
    const text = readRepoFile('examples/databricks/mlops.yml').replace(
      '    name: customer_churn_predictor     # full name per env: <catalog>.<schema>.<name>',
      '    name: customer_churn_predictor\n    names: { prod: "shared.registry.churn_${env}" }',
    );
    const { config } = load(text, { env: DATABRICKS_ENV });
    expect(registeredModelName(config, 'churn', 'test')).toBe('ml_test.models.customer_churn_predictor');
    expect(registeredModelName(config, 'churn', 'prod')).toBe('shared.registry.churn_prod');
  });

  test('gatesFor: extends first, applies_to filters, de-duplicated by id', () => {
    const { config } = loadDatabricksExample();
    const ids = (to: string, from: string) => gatesFor(config, { model: 'churn', from, to }).map((g) => g.id);
    const packs = ['baseline/provenance', 'baseline/signature', 'baseline/description', 'baseline/quarantine', 'production/approvals', 'production/owner'];
    expect(ids('test', 'dev')).toEqual([...packs, ...(config.policies.get('churn-extra')?.gates.map((g) => g.id) ?? [])]);
    const mlflow = loadMlflowExample().config;
    const mlflowIds = (to: string, from: string) => gatesFor(mlflow, { model: 'churn', from, to }).map((g) => g.id);
    expect(mlflowIds('staging', 'dev')).toEqual(['baseline/provenance', 'baseline/signature', 'baseline/description', 'baseline/quarantine', 'quality/metric_threshold:roc_auc', 'quality/tags']);
    expect(mlflowIds('prod', 'staging')).toContain('prod-only/metric_delta:f1');
  });

  test('a policy out of scope also hides what it extends', () => {
    const text = base({ 14: '    policies: [scoped, checks]' }, '  scoped:', '    applies_to: { environments: [prod], models: [churn] }', '    extends: [builtin:regulated]', '    gates: []');
    const { config } = load(text, { env: {} });
    const regulated = gatesFor(config, { model: 'churn', from: 'dev', to: 'prod' }).map((g) => g.id);
    expect(regulated).toEqual([
      'baseline/provenance',
      'baseline/signature',
      'baseline/description',
      'baseline/quarantine',
      'production/approvals',
      'production/owner',
      'regulated/approvals',
      'regulated/validation',
      'regulated/commit',
      'regulated/model_card',
      'checks/metric_threshold:auc',
    ]);
    const { config: devOnly } = load(text.replace('environments: [prod]', 'environments: [dev]'));
    expect(gatesFor(devOnly, { model: 'churn', from: 'dev', to: 'prod' }).map((g) => g.id)).toEqual(['checks/metric_threshold:auc']);
  });
});
