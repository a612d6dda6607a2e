// The README's first command runs `mlops-gate demo`: plan → promote (exactly the reviewed plan) →
// promote again → rollback, on the built-in emulator through the real Unity Catalog, serving and
// monitoring adapters. This pins the whole story so the demo can never silently rot.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import type { DemoReport } from '../../../src/demo/run.js';

const run = async (argv: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, cwd: process.cwd() });
  return { code, stdout, stderr };
};

describe('mlops-gate demo', () => {
  it('plans, promotes churn with a canary and a monitor (fraud blocked), re-runs with zero writes, rolls back', async () => {
    const { code, stdout, stderr } = await run(['demo', '--format', 'json']);
    expect(stderr).toContain('Starting the Databricks emulator');
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as DemoReport;

    // 1. plan: verdicts and evidence, and the exact promotion plan of the passing target only.
    const { plan } = report;
    expect(plan.verdict).toBe('fail');
    const [churn, fraud] = plan.targets;
    expect(churn).toMatchObject({
      model: 'churn',
      from: 'dev',
      to: 'test',
      verdict: 'pass',
      candidate: { name: 'ml_dev.models.churn', version: '2', metrics: { roc_auc: 0.884, latency_p95_ms: 39 } },
      champion: { name: 'ml_test.models.churn', version: '1', metrics: { roc_auc: 0.861, latency_p95_ms: 41 } },
    });
    expect(churn!.gates.map((g) => [g.id, g.outcome])).toEqual([
      ['baseline/provenance', 'pass'],
      ['baseline/signature', 'pass'],
      ['baseline/description', 'pass'],
      ['baseline/quarantine', 'pass'],
      ['release/required_tags', 'pass'],
      ['release/metric_threshold:roc_auc', 'pass'],
      ['release/metric_delta:roc_auc', 'pass'],
      ['release/metric_delta:latency_p95_ms', 'pass'],
    ]);
    expect(fraud).toMatchObject({ model: 'fraud', verdict: 'fail', candidate: { version: '2' }, champion: { version: '1' } });
    const byId = Object.fromEntries(fraud!.gates.map((g) => [g.id, g]));
    expect(byId['baseline/signature']).toMatchObject({ outcome: 'fail', measured: { removed: 'distance_from_home_km' } });
    expect(byId['release/required_tags']).toMatchObject({ outcome: 'fail', measured: { owner: 'fraud-team', validation_status: null } });
    expect(byId['release/metric_delta:roc_auc']).toMatchObject({ outcome: 'fail', measured: { candidate: 0.902, champion: 0.931 } });
    expect(byId['release/metric_delta:latency_p95_ms']).toMatchObject({ outcome: 'warn', severity: 'warn' });
    expect(byId['baseline/description']).toMatchObject({ outcome: 'warn', measured: { length: 3 } });
    expect(fraud!.plan).toBeUndefined();
    expect(churn!.plan).toMatchObject({ status: 'planned', mode: 'copy', writes: 0 });
    expect(churn!.plan!.steps.map((s) => s.kind)).toEqual([
      'ensure-model',
      'copy-version',
      'set-tags',
      'record-previous-champion',
      'serving-rollout',
      'move-alias',
      'ensure-monitor',
    ]);
    const hash = churn!.plan!.hash;
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);

    // 2. promote: exactly the reviewed plan; churn copied to test as v2, fraud blocked.
    const promoted = report.promote.targets.find((t) => t.model === 'churn')!.plan!;
    expect(promoted).toMatchObject({ status: 'applied', hash, destination: { model: 'ml_test.models.churn', version: '2' }, previousChampion: '1' });
    expect(promoted.steps.map((s) => [s.kind, s.status])).toEqual([
      ['ensure-model', 'satisfied'], // ml_test.models.churn exists
      ['copy-version', 'done'],
      ['set-tags', 'satisfied'], // journal tags went with the create call
      ['record-previous-champion', 'satisfied'],
      ['serving-rollout', 'done'],
      ['move-alias', 'done'],
      ['ensure-monitor', 'done'],
    ]);
    expect(promoted.steps[4]!.message).toMatch(/canary 10%.*canary 50%.*100% to ml_test.models.churn v2/);
    expect(promoted.steps[6]!.message).toMatch(/^created/);
    expect(report.promote.targets.find((t) => t.model === 'fraud')!.plan!.status).toBe('blocked');
    expect(report.endpoint.before).toEqual(['churn-1:100']);
    expect(report.endpoint.afterPromote).toEqual(['churn-2:100']);

    // 3. promote again: converged, zero writes, same hash.
    expect(report.promoteAgain.targets.find((t) => t.model === 'churn')!.plan).toMatchObject({ status: 'up-to-date', writes: 0, hash });

    // 4. rollback: champion alias and endpoint traffic back to v1.
    const rolledBack = report.rollback.targets[0]!.plan!;
    expect(rolledBack).toMatchObject({ status: 'applied', mode: 'rollback', previousChampion: '2', source: { version: '1' } });
    expect(rolledBack.steps.map((s) => [s.kind, s.status])).toEqual([
      ['set-model-tags', 'done'],
      ['mark-quarantined', 'done'],
      ['move-alias', 'done'],
      ['restore-endpoint', 'done'],
    ]);
    expect(report.endpoint.afterRollback).toEqual(['churn-1:100']);

    expect(report.emulator.writes).toBeGreaterThan(0);
    expect(report.emulator.requests).toBeGreaterThan(report.emulator.writes);
  });

  it('prints the story as text', async () => {
    const { code, stdout, stderr } = await run(['demo']);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/── 1\. mlops-gate plan[\s\S]*── 2\. mlops-gate promote --expect-plan[\s\S]*── 3\. mlops-gate promote[\s\S]*── 4\. mlops-gate rollback/);
    expect(stderr).toMatch(/waiting for churn-test/);
    expect(stderr).toMatch(/The emulator answered \d+ request\(s\), \d+ of them writes/);
    expect(stdout).toMatch(/APPLIED +churn dev → test {2}v2, was v1/);
    expect(stdout).toMatch(/endpoint churn-test: v1 100% → v2 100%/);
    expect(stdout).toMatch(/UP TO DATE +churn dev → test/);
    expect(stdout).toMatch(/ROLLED BACK +churn in test {2}v2 → v1/);
    // promote lists the gates of the blocked target only (the reviewed plan showed the rest).
    const promote = stdout.slice(stdout.indexOf('mlops-gate promote'), stdout.indexOf('Promotion:', stdout.indexOf('mlops-gate promote')));
    expect(promote).toMatch(/FAIL {4}release\/required_tags +missing validation_status/);
    expect(promote).not.toMatch(/PASS {4}release\/required_tags/);
    expect(stdout).not.toMatch(/test → test|health health/);
  });
});
