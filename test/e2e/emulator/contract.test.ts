// Contract tests: the official Python clients (mlflow with registry_uri databricks-uc, and
// databricks-sdk) run against the emulator. The virtualenv comes from scripts/setup-python.sh.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules, loadFixture, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { catalogsSeed } from './helpers.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');
const python = join(repo, '.cache/venv/bin/python');
let emu: RunningEmulator;
let home: string;

beforeAll(async () => {
  const setup = join(repo, 'scripts/setup-python.sh');
  if (existsSync(setup)) await run('bash', [setup], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  emu = await startEmulator({
    modules: defaultModules(),
    seed: { workspaces: { default: catalogsSeed } },
    workspaces: [
      {
        id: 'default',
        federationPolicies: [
          {
            clientId: 'sp-github',
            issuer: 'https://token.actions.githubusercontent.com',
            subject: 'repo:acme/churn:environment:prod',
            audiences: ['https://github.com/acme'],
            principal: 'github-deployer-sp',
          },
        ],
      },
    ],
  });
  home = await mkdtemp(join(tmpdir(), 'emu-contract-home-'));
});
afterAll(async () => {
  await emu?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Run a contract script with a clean environment (no user config, no real Databricks creds). */
const contract = async (script: string, extraEnv: Record<string, string> = {}, inlineCode?: string) => {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    DATABRICKS_HOST: emu.url,
    DATABRICKS_TOKEN: 'dapi-emulator',
    DATABRICKS_CONFIG_FILE: join(home, 'no-databrickscfg'),
    MLFLOW_TRACKING_URI: 'databricks',
    MLFLOW_ENABLE_TELEMETRY: 'false',
    DO_NOT_TRACK: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extraEnv,
  };
  for (const k of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
    if (process.env[k]) env[k] = process.env[k]!;
  }
  try {
    const args = inlineCode !== undefined ? ['-c', inlineCode] : [join(repo, 'test/python', script)];
    const { stdout } = await run(python, args, { env, cwd: home, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
    const last = stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(last) as { ok: boolean; failed?: string; observed: Record<string, unknown> };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const last = (err.stdout ?? '').trim().split('\n').pop() ?? '';
    throw new Error(`${script} failed: ${last || err.message}\n${(err.stderr ?? '').slice(-3000)}`);
  }
};

describe('official clients against the emulator', () => {
  it('mlflow (databricks-uc): log + register a sklearn model, alias, load and predict, copy across catalogs, search, tags', async () => {
    // mlflow's HTTP layer retries 503: one injected failure must not break the run.
    emu.admin.clearFaults();
    const unavailable = emu.admin.addFault({ kind: 'error', status: 503, method: 'GET', path: '*/unity-catalog/registered-models/alias', times: 1 });
    const result = await contract('contract_mlflow_uc.py');
    expect(result.ok).toBe(true);
    expect(emu.admin.faults().rules.find((r) => r.id === unavailable.id)?.fired).toBe(1);
    emu.admin.clearFaults();
    expect(result.observed.missing_alias_error).toBe('RESOURCE_DOES_NOT_EXIST');
    const counts = emu.admin.requests().counts;
    // The client moved the model files through the Files API, as the emulator told it to.
    expect(counts['GET /api/2.0/mlflow/unity-catalog/registered-models:is-databricks-sdk-models-artifact-repository-enabled']).toBeGreaterThan(0);
    expect(counts['PUT /api/2.0/fs/files/*path']).toBeGreaterThan(0);
    expect(counts['POST /api/2.0/mlflow/unity-catalog/model-versions/finalize']).toBe(2);
    const state = emu.admin.state() as { default: { registry: { models: Record<string, { versions: Record<string, { status: string; source: string }> }> } } };
    expect(state.default.registry.models['prod.ml.churn_contract']?.versions['1']).toMatchObject({ status: 'READY', source: 'models:/dev.ml.churn_contract/1' });
  });

  it('mlflow loads and scores the models of the example seed fixture by alias', async () => {
    const seeded = await startEmulator({ modules: defaultModules(), seed: await loadFixture(join(repo, 'test/fixtures/emulator/seed.example.json')) });
    const code = [
      'import json, mlflow, pandas as pd',
      "mlflow.set_registry_uri('databricks-uc')",
      "x = pd.DataFrame({'tenure_months': [2.0, 60.0], 'monthly_charges': [110.0, 25.0], 'support_calls': [6, 0]})",
      'out = {}',
      "for uri in ['models:/dev.ml.churn@champion', 'models:/dev.ml.churn@challenger', 'models:/prod.ml.churn@champion']:",
      '    m = mlflow.pyfunc.load_model(uri)',
      '    out[uri] = [int(v) for v in m.predict(x)]',
      "print(json.dumps({'ok': True, 'observed': out}))",
    ].join('\n');
    try {
      const result = await contract('(inline)', { DATABRICKS_HOST: seeded.url }, code);
      expect(result.ok).toBe(true);
      // High-risk customer churns, loyal one does not, for every seeded version.
      for (const preds of Object.values(result.observed)) expect(preds).toEqual([1, 0]);
    } finally {
      await seeded.close();
    }
  });

  it('databricks-sdk: catalogs, schemas, Files API, UC models and versions, aliases, OAuth M2M, GitHub OIDC exchange', async () => {
    // The SDK retries 429 (after Retry-After) and 503: one of each must not break the run.
    emu.admin.clearFaults();
    const rateLimited = emu.admin.addFault({ kind: 'rate_limit', method: 'GET', path: '/api/2.1/unity-catalog/models/*/versions/*', retryAfterSeconds: 1, times: 1 });
    const unavailable = emu.admin.addFault({ kind: 'error', status: 503, method: 'GET', path: '/api/2.1/unity-catalog/schemas', times: 1 });
    const result = await contract('contract_sdk_registry.py', {
      CONTRACT_CLIENT_ID: 'emulator-client',
      CONTRACT_CLIENT_SECRET: 'emulator-secret',
      CONTRACT_FEDERATION_CLIENT_ID: 'sp-github',
      CONTRACT_FEDERATION_AUDIENCE: 'https://github.com/acme',
      ACTIONS_ID_TOKEN_REQUEST_URL: `${emu.url}/__emulator/github-oidc/token?sub=${encodeURIComponent('repo:acme/churn:environment:prod')}`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'github-runner-token',
    });
    expect(result.ok).toBe(true);
    expect(result.observed.m2m_user).toBe('emulator-service-principal');
    expect(result.observed.github_oidc_user).toBe('github-deployer-sp');
    const fired = Object.fromEntries(emu.admin.faults().rules.map((r) => [r.id, r.fired]));
    expect(fired[rateLimited.id]).toBe(1);
    expect(fired[unavailable.id]).toBe(1);
    emu.admin.clearFaults();
    expect(emu.admin.requests().counts['POST /oidc/v1/token']).toBeGreaterThan(0);
  });
});
