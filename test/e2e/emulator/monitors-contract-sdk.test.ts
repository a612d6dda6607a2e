// Contract: the official Python databricks-sdk drives the emulator's quality monitors (legacy
// QualityMonitorsAPI) and Data Quality v1 (DataQualityAPI), including their shared view of one monitor.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, runPython, startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

let target: Target;

beforeAll(async () => {
  const columns = [
    { name: 'ts', type_name: 'TIMESTAMP' },
    { name: 'prediction', type_name: 'DOUBLE' },
    { name: 'label', type_name: 'DOUBLE' },
    { name: 'model_version', type_name: 'STRING' },
  ];
  target = await startServingMonitorsTarget({
    catalog: {
      catalogs: [{ name: 'main', schemas: ['ml', 'monitoring'] }],
      tables: [
        { name: 'main.ml.churn_inference', columns },
        { name: 'main.ml.fraud_inference', columns },
      ],
    },
    monitors: { activation_ms: 300, refresh_duration_ms: 500 },
  });
});
afterAll(async () => {
  await target?.close();
});

describe('databricks-sdk QualityMonitorsAPI and DataQualityAPI contract', () => {
  it('passes every check of test/python/contract_sdk_monitors.py', async () => {
    expect(existsSync(PYTHON), `${PYTHON} is missing: create the venv with databricks-sdk first`).toBe(true);
    const run = await runPython('test/python/contract_sdk_monitors.py', { DATABRICKS_HOST: target.url, DATABRICKS_TOKEN: target.token });
    const failed = run.stdout.split('\n').filter((l) => l.includes('"ok": false'));
    expect(failed, `${run.stdout}\n${run.stderr}`).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const summary = /"summary": "ok", "checks": (\d+)/.exec(run.stdout);
    expect(summary, run.stdout).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThan(20);
  });
});
