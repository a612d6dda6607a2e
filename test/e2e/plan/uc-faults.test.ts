// Plan on Unity Catalog environments while the workspace misbehaves: transient faults are retried
// and the plan succeeds; a fault that persists makes the affected gates `error` (never `fail`), with
// the reason, and the exit code says "evidence could not be gathered".
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveDeps } from '../../../src/wiring/live.js';
import { DEMO_CONFIG, DEMO_CONFIG_FILE, DEMO_SEED } from '../../../src/demo/scenario.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { planInvocation } from '../../../src/invocation.js';
import { exitCodeFor } from '../../../src/result/exit.js';
import { runPlan } from '../../../src/run/plan.js';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: DEMO_SEED, modules: defaultModules(), tickMs: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.admin.reset());

const plan = async () => {
  const env = { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN };
  const live = liveDeps({ stdout: () => undefined, stderr: () => undefined, env, cwd: process.cwd() });
  const inv = planInvocation(DEMO_CONFIG_FILE, { format: 'json' });
  const { result } = await runPlan(inv, { ...live, readFile: (p) => (p === DEMO_CONFIG_FILE ? DEMO_CONFIG : live.readFile(p)) });
  return result;
};

describe('plan against a faulty Unity Catalog workspace', () => {
  it('retries 429 (Retry-After) and resets on reads, then reaches the same verdicts', async () => {
    emulator.admin.addFault({ kind: 'rate_limit', path: '/api/2.0/mlflow/unity-catalog/registered-models/alias', retryAfterSeconds: 1, times: 2 });
    emulator.admin.addFault({ kind: 'reset', path: '/api/2.0/mlflow/runs/get', times: 1 });
    const result = await plan();
    expect(result.targets.map((t) => [t.model, t.verdict])).toEqual([
      ['churn', 'pass'],
      ['fraud', 'fail'],
    ]);
    expect(result.requests?.retries).toBe(3);
    expect(result.requests?.total).toBe(15);
    const faults = emulator.admin.faults().rules.map((r) => r.fired);
    expect(faults).toEqual([2, 1]);
  });

  it('reports error, not fail, when the MLmodel files stay unavailable', async () => {
    emulator.admin.addFault({ kind: 'error', status: 503, path: '/api/2.0/fs/files/*' });
    const result = await plan();
    const churn = result.targets.find((t) => t.model === 'churn')!;
    expect(churn.verdict).toBe('error');
    const signature = churn.gates.find((g) => g.id === 'baseline/signature')!;
    expect(signature.outcome).toBe('error');
    expect(signature.message).toMatch(/could not read the MLmodel of ml_dev\.models\.churn version 2.*unavailable|unavailable.*MLmodel/s);
    expect(signature.message).toMatch(/503/);
    // Gates that need no MLmodel are still evaluated on their evidence.
    expect(churn.gates.find((g) => g.id === 'release/metric_delta:roc_auc')!.outcome).toBe('pass');
    expect(exitCodeFor(result, 'fail')).toBe(3);
  }, 60_000);

  it('reports denied credentials as error with the reason', async () => {
    const env = { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: 'dapi-wrong' };
    const live = liveDeps({ stdout: () => undefined, stderr: () => undefined, env, cwd: process.cwd() });
    const { result } = await runPlan(
      planInvocation(DEMO_CONFIG_FILE, { format: 'json', models: ['churn'] }),
      { ...live, readFile: (p) => (p === DEMO_CONFIG_FILE ? DEMO_CONFIG : live.readFile(p)) },
    );
    expect(result.targets).toHaveLength(1);
    expect(result.targets[0]!.verdict).toBe('error');
    expect(result.targets[0]!.summary).toMatch(/denied/);
    expect(JSON.stringify(result)).not.toContain('dapi-wrong');
  });
});
