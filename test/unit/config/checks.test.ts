// checks.ts: what promote and rollback would refuse without the network, refused at load, at the
// offending key. Each case is one mistake, one error, at its line and column.

import { describe, expect, test } from 'vitest';
import { ucNameProblem } from '../../../src/config/name-rules.js';
import { lines, load, loadErrors } from './helpers.js';

/** Two Unity Catalog environments (dev → prod) and one model; lines numbered for positions. */
const UC: readonly string[] = [
  /*  1 */ 'version: 1',
  /*  2 */ 'environments:',
  /*  3 */ '  dev:',
  /*  4 */ '    registry: databricks-uc',
  /*  5 */ '    host: https://dbc.example.test',
  /*  6 */ '    catalog: ml_dev',
  /*  7 */ '    schema: models',
  /*  8 */ '  prod:',
  /*  9 */ '    registry: databricks-uc',
  /* 10 */ '    host: https://dbc.example.test',
  /* 11 */ '    catalog: ml_prod',
  /* 12 */ '    schema: models',
  /* 13 */ '    promote_from: dev',
  /* 14 */ 'models:',
  /* 15 */ '  churn:',
  /* 16 */ '    name: churn',
  /* 17 */ '    candidate: { alias: challenger }',
];
const uc = (replacements: Readonly<Record<number, string>> = {}, ...appended: string[]): string =>
  lines(...UC.map((row, i) => replacements[i + 1] ?? row), ...appended);

const MLFLOW_ENVS = {
  4: '    registry: mlflow',
  5: '    tracking_uri: http://mlflow.example.test',
  6: '',
  7: '',
  9: '    registry: mlflow',
  10: '    tracking_uri: http://mlflow.example.test',
  11: '',
  12: '',
};

const MONITOR = [
  '    monitor:',
  '      table: ml_${env}.logs.churn_payload',
  '      output_schema: ml_${env}.monitoring',
  '      inference_log: { problem_type: classification, prediction_col: p, timestamp_col: ts, model_id_col: v }',
];

const WAREHOUSE = '    schema: models\n    sql_warehouse_id: 0123456789abcdef';
const LIVE_POLICY = ['    policies: [live]', 'policies:', '  live:', '    gates:'];

interface Case {
  readonly name: string;
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly code: string;
  readonly message: string;
  readonly path?: string;
}

export const CHECK_CASES: Case[] = [
  { name: 'promote_from across registry kinds', text: uc({ 9: '    registry: mlflow', 10: '    tracking_uri: http://mlflow.example.test', 11: '', 12: '' }), line: 13, column: 19, code: 'registry-mismatch', message: 'environment "prod" (mlflow) promotes from "dev" (databricks-uc): promotion between an MLflow server and Unity Catalog is not supported', path: '/environments/prod/promote_from' },
  { name: 'promotion: stage on Unity Catalog', text: uc({}, '    promotion: stage'), line: 18, column: 16, code: 'unsupported-promotion', message: 'model "churn": promotion: stage needs legacy registry stages, which Unity Catalog ("dev", databricks-uc) does not have', path: '/models/churn/promotion' },
  { name: 'promotion: stage from defaults', text: uc({}, 'defaults:', '  promotion: stage'), line: 19, column: 14, code: 'unsupported-promotion', message: 'promotion: stage needs legacy registry stages', path: '/defaults/promotion' },
  { name: 'promotion: alias across two Unity Catalog models', text: uc({}, '    promotion: alias'), line: 18, column: 16, code: 'unsupported-promotion', message: 'promotion: alias moves aliases within one model, but "dev" uses "ml_dev.models.churn"' },
  { name: 'promotion: copy into the same model (one MLflow server, no ${env})', text: uc(MLFLOW_ENVS), line: 16, column: 11, code: 'same-model', message: 'promotion: copy needs a different model for "prod", but "dev" and "prod" both use "churn" on http://mlflow.example.test', path: '/models/churn/name' },
  { name: 'promotion: copy into the same Unity Catalog model (names override)', text: uc({ 16: '    name: churn\n    names: { prod: ml_dev.models.churn }' }), line: 17, column: 20, code: 'same-model', message: 'both use "ml_dev.models.churn"', path: '/models/churn/names/prod' },
  { name: 'a name with two dots on Unity Catalog', text: uc({ 16: '    name: team.churn' }), line: 16, column: 11, code: 'bad-name', message: 'is "ml_dev.models.team.churn", not a three-level Unity Catalog name <catalog>.<schema>.<model>: it has 4 dot-separated parts, not 3' },
  { name: 'a name part of 256 characters', text: uc({ 16: `    name: ${'c'.repeat(256)}` }), line: 16, column: 11, code: 'bad-name', message: 'part 3 ("ccc' },
  { name: 'a space in a Unity Catalog name', text: uc({ 16: '    name: "churn model"' }), line: 16, column: 11, code: 'bad-name', message: 'part 3 ("churn model") contains a space' },
  { name: 'a control character in a Unity Catalog name (escaped)', text: uc({ 16: '    name: "churn\\u0001"' }), line: 16, column: 11, code: 'bad-name', message: 'contains a control character (U+0001)' },
  { name: 'an empty part in a qualified name', text: uc({ 16: '    name: ml_${env}..churn' }), line: 16, column: 11, code: 'bad-name', message: 'part 2 is empty' },
  { name: 'a catalog with a dot', text: uc({ 6: '    catalog: ml.dev' }), line: 6, column: 14, code: 'bad-name', message: 'catalog "ml.dev" is not a Unity Catalog name: it contains "."', path: '/environments/dev/catalog' },
  { name: 'a schema with a space: once, not again for the model', text: uc({ 7: '    schema: "my models"' }), line: 7, column: 13, code: 'bad-name', message: 'schema "my models" is not a Unity Catalog name: it contains a space', path: '/environments/dev/schema' },
  { name: 'an MLflow name with a slash', text: uc({ ...MLFLOW_ENVS, 16: '    name: team/churn-${env}' }), line: 16, column: 11, code: 'bad-name', message: 'which MLflow refuses: MLflow names cannot contain "/" or ":"' },
  { name: 'two models on one registered model', text: uc({}, '  churn2:', '    name: churn', '    candidate: { latest: true }'), line: 19, column: 11, code: 'duplicate-model', message: 'models "churn" (in "dev") and "churn2" (in "dev") both resolve to the registered model "ml_dev.models.churn"', path: '/models/churn2/name' },
  { name: 'two models on one Unity Catalog model, differing in case', text: uc({}, '  churn2:', '    name: Churn', '    candidate: { latest: true }'), line: 19, column: 11, code: 'duplicate-model', message: 'both resolve to the registered model "ml_dev.models.Churn"' },
  { name: 'serving on an MLflow-only config', text: uc(MLFLOW_ENVS, '    serving: { endpoint: churn }').replace('name: churn', 'name: churn-${env}'), line: 18, column: 5, code: 'registry-capability', message: 'serving: every environment is an MLflow server; Model Serving endpoints exist on Databricks (databricks-uc) only', path: '/models/churn/serving' },
  { name: 'serving listing an MLflow environment', text: lines(...UC.slice(0, 2), '  local: { registry: mlflow, tracking_uri: "http://localhost:5000" }', ...UC.slice(2), '    serving: { endpoint: churn, environments: [prod, local] }'), line: 19, column: 54, code: 'registry-capability', message: 'serving: "local" is an MLflow server (mlflow); Model Serving endpoints exist on Databricks (databricks-uc) only', path: '/models/churn/serving/environments/1' },
  { name: 'monitor on an MLflow-only config', text: uc(MLFLOW_ENVS, ...MONITOR).replace('name: churn', 'name: churn-${env}'), line: 18, column: 5, code: 'registry-capability', message: 'monitor: every environment is an MLflow server; monitors exist on Databricks' },
  { name: 'monitor table with two levels', text: uc({}, ...MONITOR).replace('table: ml_${env}.logs.churn_payload', 'table: logs.churn_payload'), line: 19, column: 14, code: 'bad-name', message: 'monitor table "logs.churn_payload" (in "prod") is not a three-level name catalog.schema.table: it has 2 dot-separated parts, not 3' },
  { name: 'monitor output_schema with three levels', text: uc({}, ...MONITOR).replace('output_schema: ml_${env}.monitoring', 'output_schema: ml_${env}.mon.x'), line: 20, column: 22, code: 'bad-name', message: 'monitor output_schema "ml_prod.mon.x" (in "prod") is not catalog.schema' },
  { name: 'monitor granularity that does not exist', text: uc({}, ...MONITOR.slice(0, 3), '      inference_log: { problem_type: classification, prediction_col: p, timestamp_col: ts, model_id_col: v, granularities: ["1 day", "3 days"] }'), line: 21, column: 134, code: 'enum', message: 'monitor granularity "3 days" is not supported' },
  { name: 'cron with 5 fields (Unix style)', text: uc({}, ...MONITOR, '      schedule: { cron: "0 2 * * *" }'), line: 22, column: 26, code: 'bad-cron', message: 'invalid cron expression "0 2 * * *": a Quartz cron expression has 6 or 7 fields, got 5' },
  { name: 'cron with hour 25, at the field', text: uc({}, ...MONITOR, '      schedule: { cron: "0 0 25 * * ?" }'), line: 22, column: 30, code: 'bad-cron', message: 'hours field: 25 is outside 0-23' },
  { name: 'cron with both day fields set', text: uc({}, ...MONITOR, '      schedule:', '        cron: 0 0 2 * * MON'), line: 23, column: 25, code: 'bad-cron', message: 'one of day-of-month and day-of-week must be "?"' },
  { name: 'a soak gate without a SQL warehouse where the candidate comes from', text: uc({}, '    serving: { endpoint: "churn-${env}" }', ...LIVE_POLICY, '      - type: soak', '        min_duration: 1d', '        min_requests: 10'), line: 23, column: 9, code: 'live-evidence', message: 'gate live/soak (model "churn", dev → prod): a soak gate runs SQL statements in "dev" (where the candidate comes from), which has no sql_warehouse_id' },
  { name: 'a soak gate for a model not served where it comes from', text: uc({ 7: WAREHOUSE }, '    serving: { endpoint: "churn-${env}", environments: [prod] }', ...LIVE_POLICY, '      - type: soak', '        min_duration: 1d', '        min_requests: 10'), line: 24, column: 9, code: 'live-evidence', message: 'a soak gate measures model "churn" on its serving endpoint in "dev", but the model has no serving: for "dev"' },
  { name: 'a drift gate for a model without a monitor', text: uc({ 7: WAREHOUSE }, ...LIVE_POLICY, '      - type: drift', '        columns: { x: { js_distance: 0.1 } }'), line: 23, column: 9, code: 'live-evidence', message: 'a drift gate reads the metric tables of model "churn"\'s monitor in "dev", but the model has no monitor: for "dev"' },
  { name: 'a soak gate on an MLflow chain', text: uc(MLFLOW_ENVS, ...LIVE_POLICY, '      - type: soak', '        min_duration: 1d', '        min_requests: 10').replace('name: churn', 'name: churn-${env}'), line: 22, column: 9, code: 'live-evidence', message: 'reads what the candidate did in "dev", which is an MLflow server (mlflow)' },
  { name: 'champion alias a registry refuses', text: uc({}, '    champion_alias: "live champion"'), line: 18, column: 21, code: 'bad-alias', message: 'champion alias "live champion" (in "dev") cannot be set: an alias is letters, digits, "_" and "-"' },
  { name: 'champion alias "latest" is reserved', text: uc({}, 'defaults:', '  champion_alias: latest'), line: 19, column: 19, code: 'bad-alias', message: '"latest" is reserved' },
];

describe('config checks (refusals promote/rollback would make)', () => {
  test('the table is big enough to mean something', () => {
    expect(CHECK_CASES.length).toBeGreaterThanOrEqual(25);
  });

  test.each(CHECK_CASES)('$name', (c) => {
    const errors = loadErrors(c.text).filter((d) => d.severity === 'error');
    expect(errors.map((e) => `${e.position?.line}:${e.position?.column} ${e.code} ${e.message}`)).toHaveLength(1);
    const [first] = errors;
    expect({ line: first?.position?.line, column: first?.position?.column, code: first?.code }).toEqual({ line: c.line, column: c.column, code: c.code });
    expect(first?.message).toContain(c.message);
    if (c.path) expect(first?.path).toBe(c.path);
  });

  test('the valid shapes of the same configs load', () => {
    expect(() => load(uc())).not.toThrow();
    expect(() => load(uc({ 11: '    catalog: ml_dev' }, '    promotion: alias'))).not.toThrow();
    expect(() => load(uc({ ...MLFLOW_ENVS, 16: '    name: churn' }, '    promotion: alias'))).not.toThrow();
    expect(() => load(uc({ ...MLFLOW_ENVS, 16: '    name: churn' }, '    promotion: stage'))).not.toThrow();
    expect(() => load(uc({}, ...MONITOR, '      schedule: { cron: "0 0 2 * * ?", timezone: Europe/Paris }'))).not.toThrow();
    expect(() => load(uc({}, '    serving: { endpoint: "churn-${env}", environments: [prod] }'))).not.toThrow();
    expect(() => load(uc({ 16: '    name: ml_other.models.churn-${env}' }))).not.toThrow();
    expect(() => load(uc({ 7: WAREHOUSE }, '    serving: { endpoint: "churn-${env}" }', ...MONITOR, ...LIVE_POLICY, '      - type: soak', '        min_duration: 1d', '        min_requests: 10', '      - type: drift', '        columns: { x: { js_distance: 0.1 } }'))).not.toThrow();
    // A warehouse id is an id, not its HTTP path.
    const bad = loadErrors(uc({ 7: '    schema: models\n    sql_warehouse_id: /sql/1.0/warehouses/abc' }));
    expect(bad.map((d) => `${d.position?.line}:${d.position?.column} ${d.path}`)).toEqual(['8:23 /environments/dev/sql_warehouse_id']);
  });
});

describe('ucNameProblem', () => {
  test.each<[string, number, string | null]>([
    ['a.b.c', 3, null],
    ['a-b.c_d.e-f', 3, null],
    ['a.b', 2, null],
    ['a.b', 3, 'it has 2 dot-separated parts, not 3'],
    ['a.b.c.d', 3, 'it has 4 dot-separated parts, not 3'],
    ['a..c', 3, 'part 2 is empty'],
    ['a.b/c.d', 3, 'part 2 ("b/c") contains "/"'],
    [`a.b.${'x'.repeat(255)}`, 3, null],
    [`a.b.${'x'.repeat(256)}`, 3, `part 3 ("${'x'.repeat(77)}...") has 256 characters (at most 255)`],
    ['a.b.c\u007f', 3, 'part 3 ("c\u007f") contains a control character (U+007F)'],
  ])('%s (%d levels) → %s', (name, levels, expected) => {
    expect(ucNameProblem(name, levels)).toBe(expected);
  });
});
