// The demo's world: one Databricks workspace (on the emulator) with dev/test/prod catalogs, two
// models, a serving endpoint and an inference table, and the mlops.yml a team would write for
// them. `churn` has a better challenger that passes every gate (promoted to test with a canary
// rollout of `churn-test` and a monitor); `fraud` has a challenger that is worse than the
// champion, lost its validation tag, and dropped an input column — it is blocked.

const churnInputs = [
  { type: 'double', name: 'tenure_months', required: true },
  { type: 'double', name: 'monthly_charges', required: true },
  { type: 'long', name: 'support_calls', required: true },
];
const fraudInputs = [
  { type: 'double', name: 'amount', required: true },
  { type: 'long', name: 'merchant_category', required: true },
  { type: 'double', name: 'distance_from_home_km', required: true },
];
const probability = [{ type: 'double', name: 'probability', required: true }];

const files = (columns: string[], row: unknown[]) => ({
  'requirements.txt': 'mlflow==3.17.2\nscikit-learn==1.9.1\n',
  'input_example.json': JSON.stringify({ columns, data: [row] }),
});

const run = (name: string, auc: number, latency: number, commit: string) => ({
  name,
  status: 'FINISHED',
  params: { model: 'GradientBoostingClassifier', n_estimators: 200 },
  metrics: { roc_auc: auc, latency_p95_ms: latency },
  tags: { 'mlflow.source.git.commit': commit, 'mlflow.user': 'data-scientist@example.com' },
});

export const DEMO_SEED = {
  workspaces: {
    demo: {
      catalog: {
        catalogs: [
          { name: 'ml_dev', schemas: ['models'] },
          { name: 'ml_test', schemas: ['models', 'monitoring'] },
          { name: 'ml_prod', schemas: ['models', 'monitoring'] },
        ],
        // The test endpoint's inference table, which the monitor watches.
        tables: [
          {
            name: 'ml_test.monitoring.churn_payload',
            columns: [
              { name: 'timestamp_ms', type_name: 'LONG' },
              { name: 'model_version', type_name: 'STRING' },
              { name: 'prediction', type_name: 'DOUBLE' },
              { name: 'label', type_name: 'LONG' },
            ],
          },
        ],
      },
      // churn-test serves test's champion (v1); promotion rolls it forward, rollback puts it back.
      serving: {
        update_duration_ms: 30_000,
        ready_delay_ms: 0,
        endpoints: [
          {
            name: 'churn-test',
            config: {
              served_entities: [{ name: 'churn-1', entity_name: 'ml_test.models.churn', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: true }],
            },
          },
        ],
      },
      monitors: { activation_ms: 0, refresh_duration_ms: 60_000 },
      tracking: {
        experiments: [
          {
            name: '/Shared/churn',
            runs: [run('churn-gbm-2026-10', 0.861, 41, '4f1c2ab9d0e1'), run('churn-gbm-2026-11', 0.884, 39, '9b7e0d1c33fa')],
          },
          {
            name: '/Shared/fraud',
            runs: [run('fraud-xgb-2026-09', 0.931, 18, '1a2b3c4d5e6f'), run('fraud-xgb-2026-11', 0.902, 23, '6f5e4d3c2b1a')],
          },
        ],
      },
      registry: {
        models: [
          {
            name: 'ml_dev.models.churn',
            description: 'Customer churn classifier',
            aliases: { challenger: 2 },
            versions: [
              {
                run: { experiment: '/Shared/churn', name: 'churn-gbm-2026-10' },
                description: 'Gradient boosting baseline trained on 2026-10 snapshot.',
                tags: { owner: 'churn-team', validation_status: 'passed' },
                signature: { inputs: churnInputs, outputs: probability },
                files: files(['tenure_months', 'monthly_charges', 'support_calls'], [12, 70.5, 2]),
              },
              {
                run: { experiment: '/Shared/churn', name: 'churn-gbm-2026-11' },
                description: 'Retrained on the 2026-11 snapshot with support-call features; +2.3 AUC points.',
                tags: { owner: 'churn-team', validation_status: 'passed' },
                signature: { inputs: churnInputs, outputs: probability },
                files: files(['tenure_months', 'monthly_charges', 'support_calls'], [12, 70.5, 2]),
              },
            ],
          },
          {
            name: 'ml_test.models.churn',
            aliases: { champion: 1 },
            versions: [
              {
                source: 'models:/ml_dev.models.churn/1',
                run: { experiment: '/Shared/churn', name: 'churn-gbm-2026-10' },
                description: 'Gradient boosting baseline trained on 2026-10 snapshot.',
                tags: { owner: 'churn-team', validation_status: 'passed' },
                signature: { inputs: churnInputs, outputs: probability },
                files: files(['tenure_months', 'monthly_charges', 'support_calls'], [12, 70.5, 2]),
              },
            ],
          },
          {
            name: 'ml_dev.models.fraud',
            description: 'Card fraud detector',
            aliases: { challenger: 2 },
            versions: [
              {
                run: { experiment: '/Shared/fraud', name: 'fraud-xgb-2026-09' },
                description: 'XGBoost on 2026-09 transactions.',
                tags: { owner: 'fraud-team', validation_status: 'passed' },
                signature: { inputs: fraudInputs, outputs: probability },
                files: files(['amount', 'merchant_category', 'distance_from_home_km'], [42.1, 5411, 3.2]),
              },
              {
                run: { experiment: '/Shared/fraud', name: 'fraud-xgb-2026-11' },
                description: 'wip',
                tags: { owner: 'fraud-team' },
                signature: { inputs: fraudInputs.slice(0, 2), outputs: probability },
                files: files(['amount', 'merchant_category'], [42.1, 5411]),
              },
            ],
          },
          {
            name: 'ml_test.models.fraud',
            aliases: { champion: 1 },
            versions: [
              {
                source: 'models:/ml_dev.models.fraud/1',
                run: { experiment: '/Shared/fraud', name: 'fraud-xgb-2026-09' },
                description: 'XGBoost on 2026-09 transactions.',
                tags: { owner: 'fraud-team', validation_status: 'passed' },
                signature: { inputs: fraudInputs, outputs: probability },
                files: files(['amount', 'merchant_category', 'distance_from_home_km'], [42.1, 5411, 3.2]),
              },
            ],
          },
        ],
      },
    },
  },
};

export const DEMO_CONFIG_FILE = 'demo/mlops.yml';

/** What a team would commit as mlops.yml; the host comes from the environment like in CI. */
export const DEMO_CONFIG = `# The demo's mlops.yml (mlops-gate demo). Same format as any project's.
version: 1

environments:
  dev:
    registry: databricks-uc
    host: \${DATABRICKS_HOST}
    catalog: ml_dev
    schema: models
  test:
    registry: databricks-uc
    host: \${DATABRICKS_HOST}
    catalog: ml_test
    schema: models
    promote_from: dev

models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [builtin:baseline, release]
    # After the registry copy: roll the test endpoint forward as a canary, then make sure the
    # inference table has a monitor.
    serving:
      endpoint: "churn-\${env}"
      strategy: canary
      steps: [10, 50, 100]
      pause: 5m
      health: { max_error_rate: 0.02, max_p95_latency_ms: 250 }
      workload_size: Small
      scale_to_zero: { test: true }
      wait_timeout: 20m
    monitor:
      table: "ml_\${env}.monitoring.churn_payload"
      output_schema: "ml_\${env}.monitoring"
      inference_log:
        problem_type: classification
        prediction_col: prediction
        label_col: label
        timestamp_col: timestamp_ms
        model_id_col: model_version
        granularities: ["1 day"]
      schedule: { cron: "0 0 6 * * ?", timezone: UTC }
  fraud:
    name: fraud
    candidate: { alias: challenger }
    policies: [builtin:baseline, release]

policies:
  release:
    description: What every release to test must show.
    gates:
      - type: required_tags
        tags: { owner: ".+", validation_status: "passed|approved" }
      - type: metric_threshold
        metric: roc_auc
        threshold: 0.80
        greater_is_better: true
      - type: metric_delta
        metric: roc_auc
        greater_is_better: true
        max_regression: { relative: 0.01 }
        on_missing_baseline: pass
      - type: metric_delta
        metric: latency_p95_ms
        greater_is_better: false
        max_regression: { relative: 0.10 }
        severity: warn
`;
