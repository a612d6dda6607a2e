// ±infinity on the real MLflow server: the official Python client logs float("inf") and
// float("-inf"); the server stores and returns ±1.7976931348623157e308 (sys.float_info.max). Our
// adapter reads those values as they are, and the gates read them as ±Infinity: neither passes.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gathered, type RunInfo } from '../../src/evidence/types.js';
import { createHttpClient, type ClosableHttpClient } from '../../src/platform/http/client.js';
import { createRequestLedger } from '../../src/platform/http/ledger.js';
import { createMlflowPorts } from '../../src/platform/mlflow/adapter.js';
import { REPO_ROOT } from '../support/mlflow-server.js';
import { evidence, runGate, version } from '../unit/policy/fixtures.js';

const url = inject('mlflowUrl');

const LOG_INFINITIES = `
import json, math, mlflow
mlflow.set_experiment("mlops-gate-infinity")
with mlflow.start_run() as run:
    mlflow.log_metric("roc_auc", float("inf"))
    mlflow.log_metric("rmse", float("-inf"))
    mlflow.log_metric("nan_metric", float("nan"))
    mlflow.log_metric("fine", 0.91)
client = mlflow.tracking.MlflowClient()
stored = client.get_run(run.info.run_id).data.metrics
print(json.dumps({"run_id": run.info.run_id, "python_sees": {k: (repr(v)) for k, v in stored.items()}}))
`;

let http: ClosableHttpClient;
let runId: string;
let pythonSees: Record<string, string>;

beforeAll(() => {
  const result = spawnSync(join(REPO_ROOT, '.cache/venv/bin/python'), ['-c', LOG_INFINITIES], {
    env: { ...process.env, MLFLOW_TRACKING_URI: url },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`logging ±inf with the MLflow client failed:\n${result.stderr}`);
  const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { run_id: string; python_sees: Record<string, string> };
  runId = out.run_id;
  pythonSees = out.python_sees;
  http = createHttpClient({ baseUrl: url, ledger: createRequestLedger(), maxAttempts: 2 });
});
afterAll(async () => {
  await http.close();
});

describe('±infinity as MLflow stores it', () => {
  it('the server stores ±inf as ±1.7976931348623157e308 (the Python client reads them back so too)', async () => {
    expect(pythonSees).toMatchObject({ roc_auc: '1.7976931348623157e+308', rmse: '-1.7976931348623157e+308', fine: '0.91' });
    const raw = await fetch(`${url}/api/2.0/mlflow/runs/get?run_id=${runId}`).then((r) => r.text());
    expect(raw).toMatch(/"key":\s*"roc_auc",\s*"value":\s*1\.7976931348623157e\+?308/);
    expect(raw).toMatch(/"key":\s*"rmse",\s*"value":\s*-1\.7976931348623157e\+?308/);
  });

  it('our adapter reads the stored values as they are', async () => {
    const run = await createMlflowPorts({ http, trackingUri: url }).runs.getRun(runId);
    expect(run?.metrics.roc_auc).toBe(Number.MAX_VALUE);
    expect(run?.metrics.rmse).toBe(-Number.MAX_VALUE);
    expect(run?.metrics.nan_metric).toBeNaN();
    expect(run?.metrics.fine).toBe(0.91);
  });

  it('the gates read them as ±Infinity: roc_auc = +inf does not pass a threshold, rmse = -inf does not pass "lower is better"', async () => {
    const run = (await createMlflowPorts({ http, trackingUri: url }).runs.getRun(runId)) as RunInfo;
    const candidate = evidence(version({}, { run: gathered(run) }));
    const auc = runGate('metric_threshold', { metric: 'roc_auc', threshold: 0.8, greater_is_better: true }, candidate);
    expect(auc.outcome).toBe('fail');
    expect(auc.message).toMatch(/^Candidate roc_auc is \+Infinity \(stored as 1\.7976931348623157e\+308, the largest double, which is how MLflow records infinity\), not a finite number, so it cannot pass/);
    expect(runGate('metric_threshold', { metric: 'rmse', threshold: 0.5, greater_is_better: false }, candidate).outcome).toBe('fail');
    expect(runGate('metric_threshold', { metric: 'nan_metric', threshold: 0.5, greater_is_better: true }, candidate).outcome).toBe('fail');
    expect(runGate('metric_threshold', { metric: 'fine', threshold: 0.9, greater_is_better: true }, candidate).outcome).toBe('pass');
  });
});
