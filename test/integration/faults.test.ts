// Faults between mlops-gate and a real MLflow server, injected by the fault proxy: the plan either
// succeeds after retrying, or reports `error` (never `fail`) with a reason a user can act on.

import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ResultDocument } from '../../src/result/types.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { runPlan } from './helpers.js';
import type { GateReport } from '../../src/policy/types.js';

const url = inject('mlflowUrl');

const ALL_PASS_MODELS = ['--model', 's1-better', '--model', 's8-mlflow3'];
/** Gates that read only the version (looked up before the fault) vs. those needing run or MLmodel. */
const VERSION_ONLY_GATES = ['gate/tags', 'gate/description'];

const outcomes = (result: ResultDocument): Record<string, string> =>
  Object.fromEntries(result.targets.flatMap((t) => t.gates.map((g) => [`${t.model} ${g.id}`, g.outcome])));

let proxies: FaultProxy[] = [];
const proxyFor = async (): Promise<FaultProxy> => {
  const proxy = await startFaultProxy({ upstream: url });
  proxies.push(proxy);
  return proxy;
};
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  proxies = [];
});

let baseline: ResultDocument;
beforeAll(async () => {
  baseline = (await runPlan(url, ALL_PASS_MODELS)).result;
  expect(baseline.verdict).toBe('pass');
});

const runGates = (result: ResultDocument): GateReport[] =>
  result.targets.flatMap((t) => t.gates.filter((g) => !VERSION_ONLY_GATES.includes(g.id)));

describe('plan through a faulty network', () => {
  it('server gone mid-plan (after the lookups, before runs and MLmodels): error, not fail, and says why', async () => {
    const proxy = await proxyFor();
    // Depth-2 requests (runs, MLmodels) hang in the proxy; the server goes away while they wait.
    proxy.setRules([
      { name: 'hanging-runs', path: /^\/api\/2\.0\/mlflow\/runs\/(get|search)/, latencyMs: 30_000 },
      { name: 'hanging-artifacts', path: /^\/(get-artifact|ajax-api)/, latencyMs: 30_000 },
    ]);
    const planning = runPlan(proxy.url, ALL_PASS_MODELS);
    // The proxy records a request when it answers: wait for the lookups (batched: one
    // registered-models/search and one model-versions/search for the 2 candidates and 2
    // champions), then give the client a moment to receive them and send the depth-2 requests.
    for (let i = 0; i < 1_000 && proxy.count({ path: '/api/2.0/mlflow/registered-models/search' }) + proxy.count({ path: '/api/2.0/mlflow/model-versions/search' }) < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    await proxy.refuseConnections();
    const { code, result } = await planning;

    expect(code).toBe(3); // evidence could not be gathered
    expect(result.verdict).toBe('error');
    for (const t of result.targets) {
      for (const g of t.gates) {
        expect(`${t.model} ${g.id} ${g.outcome}`).toBe(`${t.model} ${g.id} ${VERSION_ONLY_GATES.includes(g.id) ? 'pass' : 'error'}`);
      }
    }
    const provenance = result.targets[0]!.gates.find((g) => g.id === 'gate/provenance')!;
    expect(provenance.message).toMatch(/^Could not read .*\(unavailable\): could not read run [0-9a-f]{32} of s1-better-dev version 2 \(dev\): GET \/api\/2\.0\/mlflow\/runs\/get: .*(could not reach|no complete answer)/);
  });

  it('slow responses: the same result as without latency', async () => {
    const proxy = await proxyFor();
    proxy.setRules([{ latencyMs: { min: 50, max: 250 } }]);
    const { code, result } = await runPlan(proxy.url, ALL_PASS_MODELS);
    expect(code).toBe(0);
    expect(outcomes(result)).toEqual(outcomes(baseline));
    expect(result.requests!.total).toBe(baseline.requests!.total);
  });

  it('429 with Retry-After on the run reads twice: retried, succeeds, and the retries are counted', async () => {
    const proxy = await proxyFor();
    // Runs are read in a batch (runs/search; runs/get is the fallback): the limit hits the batch.
    proxy.setRules([{ name: 'limited', path: /^\/api\/2\.0\/mlflow\/runs\/(get|search)/, times: 2, fault: { kind: 'rate-limit', retryAfter: 1 } }]);
    const { code, result } = await runPlan(proxy.url, ALL_PASS_MODELS);
    expect(code).toBe(0);
    expect(outcomes(result)).toEqual(outcomes(baseline));
    expect(result.requests!.retries).toBe(2);
    expect(result.requests!.total).toBe(baseline.requests!.total + 2);
    expect(proxy.requests().filter((r) => r.rule === 'limited')).toHaveLength(2);
  });

  it('429 that never ends on the MLmodel reads: those gates say error (rate limited), the rest still evaluate', async () => {
    const proxy = await proxyFor();
    proxy.setRules([{ name: 'limited', path: /^\/(get-artifact|ajax-api)/, fault: { kind: 'rate-limit', retryAfter: 0 } }]);
    const { code, result } = await runPlan(proxy.url, ALL_PASS_MODELS);
    expect(code).toBe(3);
    expect(result.verdict).toBe('error');
    const signatureGates = result.targets.map((t) => t.gates.find((g) => g.id === 'gate/signature')!);
    for (const g of signatureGates) {
      expect(g.outcome).toBe('error');
      expect(g.message).toMatch(/\(unavailable\): could not read the MLmodel of .*: GET \/.*: HTTP 429/);
    }
    const others = runGates(result).filter((g) => g.id !== 'gate/signature');
    expect(others.map((g) => g.outcome)).toEqual(others.map(() => 'pass'));
  });

  it('a 500 on one run: that target errors, the other target is unaffected', async () => {
    const proxy = await proxyFor();
    const s8 = baseline.targets.find((t) => t.model === 's8-mlflow3')!;
    proxy.setRules([
      // The batch (runs/search) fails too, so each run is read with runs/get: one of them fails.
      { name: 'batch-down', path: '/api/2.0/mlflow/runs/search', fault: { kind: 'status', status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'database is locked' } } },
      { name: 'broken', path: new RegExp(`^/api/2\\.0/mlflow/runs/get\\?run_id=${s8.candidate!.runId}`), fault: { kind: 'status', status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'database is locked' } } },
    ]);
    const { result } = await runPlan(proxy.url, ALL_PASS_MODELS);
    expect(result.targets.find((t) => t.model === 's1-better')!.verdict).toBe('pass');
    const s8Report = result.targets.find((t) => t.model === 's8-mlflow3')!;
    expect(s8Report.verdict).toBe('error');
    const floor = s8Report.gates.find((g) => g.id === 'gate/roc_auc_floor')!;
    expect(floor.outcome).toBe('error');
    expect(floor.message).toMatch(/HTTP 500 INTERNAL_ERROR: database is locked/);
  });

  it('401 on the run reads: error of kind denied with a hint about credentials, not fail', async () => {
    const proxy = await proxyFor();
    proxy.setRules([{ path: /^\/api\/2\.0\/mlflow\/runs\/(get|search)/, fault: { kind: 'status', status: 401, body: 'You are not authenticated.' } }]);
    const { code, result } = await runPlan(proxy.url, ['--model', 's1-better']);
    expect(code).toBe(3);
    const provenance = result.targets[0]!.gates.find((g) => g.id === 'gate/provenance')!;
    expect(provenance.outcome).toBe('error');
    expect(provenance.message).toMatch(/\(denied\): could not read run .*HTTP 401 .*check the token or username\/password/);
    expect(result.targets[0]!.gates.find((g) => g.id === 'gate/tags')!.outcome).toBe('pass');
  });
});
