// Contract: the official Python databricks-sdk drives the emulator's SQL Statement Execution API
// (hybrid and asynchronous modes, PENDING while a warehouse starts, cancel, FAILED with SQLSTATE as
// HTTP 200, the JSON_ARRAY format and manifest) with the statements the drift gate sends.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, runPython, startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

let target: Target;

beforeAll(async () => {
  target = await startServingMonitorsTarget({
    catalog: { catalogs: [{ name: 'main', schemas: ['ml', 'mon'] }] },
    sql: {
      statement_duration_ms: 2_000,
      warehouse_start_ms: 30_000,
      warehouses: [
        { id: 'running-wh', state: 'RUNNING' },
        { id: 'stopped-wh', state: 'STOPPED' },
      ],
      tables: {
        'main.mon.churn-payload_drift_metrics': {
          rows: [
            { window: { start: -86_400_000, end: 0 }, granularity: '1 day', slice_key: null, column_name: 'tenure', data_type: 'double', drift_type: 'BASELINE', js_distance: 0.5 },
            { window: { start: 0, end: 86_400_000 }, granularity: '1 day', slice_key: null, column_name: 'tenure', data_type: 'double', drift_type: 'BASELINE', js_distance: 0.04, population_stability_index: 0.07, ks_test: { statistic: 0.1, pvalue: 0.41 } },
            { window: { start: 0, end: 86_400_000 }, granularity: '1 day', slice_key: 'plan', slice_value: 'pro', column_name: 'tenure', data_type: 'double', drift_type: 'BASELINE', js_distance: 0.9 },
          ],
        },
      },
    },
  });
});
afterAll(async () => {
  await target?.close();
});

describe('databricks-sdk StatementExecutionAPI contract', () => {
  it('passes every check of test/python/contract_sdk_sql.py', async () => {
    expect(existsSync(PYTHON), `${PYTHON} is missing: create the venv with databricks-sdk first`).toBe(true);
    const run = await runPython('test/python/contract_sdk_sql.py', { DATABRICKS_HOST: target.url, DATABRICKS_TOKEN: target.token });
    const failed = run.stdout.split('\n').filter((l) => l.includes('"ok": false'));
    expect(failed, `${run.stdout}\n${run.stderr}`).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const summary = /"summary": "ok", "checks": (\d+)/.exec(run.stdout);
    expect(summary, run.stdout).not.toBeNull();
    expect(Number(summary?.[1])).toBe(16);
  });
});
