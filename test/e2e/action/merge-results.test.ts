// `command: merge-results` in the action bundle: the result files of a release's matrix legs
// (downloaded into one directory, one sub-directory per artifact) become one job summary, the
// outputs of the whole release and its exit code. The legs' results are built here as the
// product builds them (resultDocument), one leg with a failed target.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultDocument } from '../../../src/result/build.js';
import type { TargetReport } from '../../../src/result/types.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { buildActionBundle, runAction } from './harness.js';

let bundle: string;
let api: GitHubStandIn;
beforeAll(async () => {
  bundle = await buildActionBundle();
  api = await startGitHubStandIn({ token: 'ghs_testtoken' });
}, 600_000);
afterAll(async () => {
  await api?.close();
});

const target = (model: string, from: string, to: string, status: 'applied' | 'failed'): TargetReport =>
  ({
    model,
    from,
    to,
    verdict: 'pass',
    summary: 'every gate passes',
    gates: [],
    candidate: { name: `${model}-${from}`, version: '2' },
    champion: null,
    plan: { mode: 'copy', hash: 'sha256:' + '0'.repeat(64), status, message: status === 'failed' ? 'rollout aborted, the previous config is restored' : 'applied 5 step(s)', source: null, destination: null, previousChampion: null, steps: [], writes: 5 },
  }) as unknown as TargetReport;
const leg = (targets: TargetReport[]) =>
  JSON.stringify(
    resultDocument({
      command: 'promote',
      config: { file: 'mlops.yml', digest: 'sha256:abc' },
      targets,
      diagnostics: [],
      now: new Date('2026-12-07T00:00:00Z'),
      requests: { total: 12, byEndpoint: {}, bytesReceived: 0, bytesSent: 0, retries: 0, wallMs: 1000 },
    }),
  );

describe('command: merge-results', () => {
  it('one summary, the outputs and the exit code of the whole release, from the legs\' result files', async () => {
    const run = await runAction({
      bundle,
      apiUrl: api.url,
      workspace: {
        'results/promote-1/mlops-gate-result.json': leg([target('churn', 'test', 'prod', 'applied')]),
        'results/promote-2/mlops-gate-result.json': leg([target('fraud', 'test', 'prod', 'failed')]),
      },
      event: { ref: 'refs/heads/main' },
      eventName: 'push',
      inputs: { command: 'merge-results', results: 'results' },
    });
    expect(run.code, run.stderr + run.stdout).toBe(3);
    expect(run.outputs).toMatchObject({ promoted: 'churn', failed: 'fraud' });
    expect(run.summary).toContain('| churn test → prod | ✅&nbsp;applied |');
    expect(run.summary).toContain('| fraud test → prod | 🛑&nbsp;aborted: rollout aborted, the previous config is restored |');
    expect(run.stdout).toContain('merged 2 target(s) of promote from results');
  });

  it('legs that overlap are refused (exit 2) with the target named', async () => {
    const run = await runAction({
      bundle,
      apiUrl: api.url,
      workspace: {
        'results/a.json': leg([target('churn', 'test', 'prod', 'applied')]),
        'results/b.json': leg([target('churn', 'test', 'prod', 'applied')]),
      },
      event: { ref: 'refs/heads/main' },
      eventName: 'push',
      inputs: { command: 'merge-results', results: 'results' },
    });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toMatch(/churn test → prod is in both results\/a\.json and results\/b\.json/);
  });
});
