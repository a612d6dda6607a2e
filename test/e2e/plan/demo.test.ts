// The README's first command runs `mlops-gate demo`: plan on the built-in emulator through the real
// Unity Catalog adapters. This pins its full result so the demo can never silently rot.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import type { ResultDocument } from '../../../src/result/types.js';

const run = async (argv: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {}, cwd: process.cwd() });
  return { code, stdout, stderr };
};

describe('mlops-gate demo', () => {
  it('plans churn (pass) and fraud (blocked) on the emulator with exact evidence', async () => {
    const { code, stdout, stderr } = await run(['demo', '--format', 'json']);
    expect(stderr).toContain('Starting the Databricks emulator');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ResultDocument;
    expect(result.verdict).toBe('fail');
    const [churn, fraud] = result.targets;
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
    expect(byId['baseline/provenance']!.outcome).toBe('pass');
    // Minimal requests: per target two alias look-ups, two runs and two MLmodel files.
    expect(result.requests?.total).toBe(12);
  });
});
