// What a new user types first, and what a misuse costs: help per command, a positional config,
// a missing config, a directory, missing credentials, a malformed --expect-plan: each gets its own
// clear message and exit code, before any request (a recording server proves nothing was asked).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';

let server: Server;
let url = '';
const requests: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-first-'));
mkdirSync(join(dir, 'configs'));
const ucConfig = () => `version: 1
environments:
  dev: { registry: databricks-uc, host: "${url}", catalog: ml_dev, schema: models }
  prod: { registry: databricks-uc, host: "${url}", catalog: ml_prod, schema: models, promote_from: dev }
models:
  churn: { name: churn, candidate: { alias: challenger }, policies: [builtin:baseline] }
`;

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, cwd: dir });
  return { code, stdout, stderr };
}

describe('the first things a new user types', () => {
  it.each([['plan', '--help'], ['plan', '-h'], ['help', 'plan']])('%s %s: that command\'s usage, exit 0', async (...argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mlops-gate plan\n\nUsage:\n {2}mlops-gate plan /);
    expect(r.stdout).not.toMatch(/mlops-gate promote /);
  });

  it('validate mlops.yml: the positional config path is accepted', async () => {
    writeFileSync(join(dir, 'mlops.yml'), ucConfig());
    const r = await cli(['validate', 'mlops.yml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mlops\.yml is valid/);
  });

  it('a missing config says where it looked and how to point at it; not "errors in the configuration"', async () => {
    const r = await cli(['plan', 'nope.yml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config file not found: nope\.yml \(looked in .*\) — run from the repository root, or pass the path: mlops-gate plan path\/to\/mlops\.yml/);
    expect(r.stderr).toMatch(/✗ the config file could not be read; nothing was contacted/);
    expect(r.stderr).not.toMatch(/error\(s\) in the configuration/);
  });

  it('a directory as config says so', async () => {
    const r = await cli(['validate', '--config', 'configs']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/configs is a directory, not a config file — pass the file inside it: mlops-gate validate configs\/mlops\.yml/);
  });

  it('missing credentials get their own message with the fix, before any request', async () => {
    writeFileSync(join(dir, 'mlops.yml'), ucConfig());
    requests.length = 0;
    const r = await cli(['plan', 'mlops.yml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No Databricks credentials: set DATABRICKS_TOKEN/);
    expect(r.stderr).toMatch(/✗ credentials are missing or incomplete; nothing was contacted/);
    expect(requests).toEqual([]);
  });

  it('a malformed --expect-plan is refused before evidence is gathered', async () => {
    writeFileSync(join(dir, 'mlops.yml'), ucConfig());
    requests.length = 0;
    const r = await cli(['promote', 'mlops.yml', '--expect-plan', 'not-a-hash'], { DATABRICKS_TOKEN: 'dapi-x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--expect-plan: "not-a-hash" is neither a plan hash/);
    expect(requests).toEqual([]);
  });

  it('a malformed --deadline is refused before anything', async () => {
    const r = await cli(['plan', 'mlops.yml', '--deadline', 'tomorrow']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--deadline must be a positive duration/);
  });
});
