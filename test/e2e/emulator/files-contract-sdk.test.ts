// Contract: the official Python databricks-sdk Files client drives the emulator's Files API: single
// PUTs, multipart uploads through presigned part URLs (from a stream and from a file), aborts, and
// presigned / ranged downloads (test/python/contract_sdk_files.py).

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, runPython, startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

let target: Target;

beforeAll(async () => {
  target = await startServingMonitorsTarget({});
});
afterAll(async () => {
  await target?.close();
});

describe('databricks-sdk FilesExt contract', () => {
  it('passes every check of test/python/contract_sdk_files.py', async () => {
    expect(existsSync(PYTHON), `${PYTHON} is missing: create the venv with databricks-sdk first`).toBe(true);
    const run = await runPython('test/python/contract_sdk_files.py', { DATABRICKS_HOST: target.url, DATABRICKS_TOKEN: target.token });
    const failed = run.stdout.split('\n').filter((l) => l.includes('"ok": false'));
    expect(failed, `${run.stdout}\n${run.stderr}`).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const summary = /"summary": "ok", "checks": (\d+)/.exec(run.stdout);
    expect(summary, run.stdout).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(12);
  });
});
