// Contract: the official Python databricks-sdk drives the emulator's Model Serving API
// (create_and_wait, update_config_and_wait, ResourceConflict while updating, OperationFailed on a failing version).

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, runPython, startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

let target: Target;

beforeAll(async () => {
  target = await startServingMonitorsTarget({
    serving: {
      update_duration_ms: 500,
      failing_entities: [{ entity_name: 'main.ml.churn', entity_version: '13' }],
    },
  });
});
afterAll(async () => {
  await target?.close();
});

describe('databricks-sdk ServingEndpointsAPI contract', () => {
  it('passes every check of test/python/contract_sdk_serving.py', async () => {
    expect(existsSync(PYTHON), `${PYTHON} is missing: create the venv with databricks-sdk first`).toBe(true);
    const run = await runPython('test/python/contract_sdk_serving.py', { DATABRICKS_HOST: target.url, DATABRICKS_TOKEN: target.token });
    const failed = run.stdout.split('\n').filter((l) => l.includes('"ok": false'));
    expect(failed, `${run.stdout}\n${run.stderr}`).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const summary = /"summary": "ok", "checks": (\d+)/.exec(run.stdout);
    expect(summary, run.stdout).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThan(20);
  });
});
