// Contract: the official Databricks SDK for JavaScript (@databricks/sdk-experimental 0.17.0,
// installed in test/contract-js by scripts/setup-contract-js.sh, never bundled) drives the emulator:
// UC registered models and versions with paging and aliases, serving create / update / get /
// conflict / tags / logs / openapi / metrics, the Files API, quality monitors and Data Quality
// monitors with refreshes. test/contract-js/contract.mjs holds the checks (and proves the SDK's own
// bugs are still there); this runs it as a child process, as the Python contract tests run theirs.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

const SDK = 'test/contract-js/node_modules/@databricks/sdk-experimental/package.json';
const columns = [
  { name: 'ts', type_name: 'TIMESTAMP' },
  { name: 'prediction', type_name: 'DOUBLE' },
  { name: 'model_version', type_name: 'STRING' },
];

let target: Target;

beforeAll(async () => {
  target = await startServingMonitorsTarget(
    {
      catalog: {
        catalogs: [{ name: 'main', schemas: ['ml', 'monitoring'] }],
        tables: [{ name: 'main.ml.payload', columns }, { name: 'main.ml.payload_dq', columns }],
      },
      registry: {
        // Six more models for paging; main.ml.churn (versions 1-20) comes from withServedModels.
        models: [0, 1, 2, 3, 4, 5].map((i) => ({ name: `main.ml.page_${i}` })),
      },
      serving: { update_duration_ms: 300 },
      monitors: { activation_ms: 0, refresh_duration_ms: 600_000 },
    },
    { strict: 'none' },
  );
  // The champion alias the contract reads.
  const alias = await target.call('PUT', '/api/2.1/unity-catalog/models/main.ml.churn/aliases/champion', { version_num: 3 });
  expect(alias.status).toBe(200);
});
afterAll(async () => {
  await target?.close();
});

const runContract = (env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['test/contract-js/contract.mjs'], {
      // Only what the SDK needs: no DATABRICKS_* of the machine, no ~/.databrickscfg.
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: null, stdout, stderr: `${stderr}${String(err)}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

describe('@databricks/sdk-experimental contract', () => {
  it('passes every check of test/contract-js/contract.mjs', async () => {
    expect(existsSync(SDK), `${SDK} is missing: run bash scripts/setup-contract-js.sh (npm test does)`).toBe(true);
    const run = await runContract({ DATABRICKS_HOST: target.url, DATABRICKS_TOKEN: target.token });
    const lines = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { check?: string; ok?: boolean; summary?: string; checks?: number; sdk_bugs?: string[] });
    const failed = lines.filter((l) => l.ok === false);
    expect(failed, `${run.stdout}\n${run.stderr}`).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const summary = lines.at(-1);
    expect(summary).toMatchObject({ summary: 'ok' });
    expect(summary!.checks).toBeGreaterThanOrEqual(25);
    // The SDK bugs the checks proved are still there (docs/fidelity.md lists them).
    expect(summary!.sdk_bugs).toHaveLength(2);
  });
});
