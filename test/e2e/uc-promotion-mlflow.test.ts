// The copy our UC writer makes, judged by the official mlflow client: a real scikit-learn model of
// the example seed is promoted from workspace `dev` to the catalog `test` of workspace `staging`
// (other host path, other token), then mlflow (registry_uri databricks-uc, pointed at `staging`)
// loads it by alias and scores it. Needs .cache/venv (bash scripts/setup-python.sh).

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPromotion } from '../../src/apply/executor.js';
import { defaultModules, loadFixture, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createHttpClient, type ClosableHttpClient } from '../../src/platform/http/index.js';
import { createUnityCatalogPromotion } from '../../src/platform/unity-catalog/writer.js';
import { sourceOf } from '../support/journal.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const python = join(repo, '.cache/venv/bin/python');

let emu: RunningEmulator;
let home: string;
const clients: ClosableHttpClient[] = [];

beforeAll(async () => {
  emu = await startEmulator({ port: 0, modules: defaultModules(), tickMs: 0, seed: await loadFixture(join(repo, 'test/fixtures/emulator/seed.example.json')) });
  home = await mkdtemp(join(tmpdir(), 'uc-promotion-mlflow-'));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emu?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

const client = (workspace: string, token: string): ClosableHttpClient => {
  const http = createHttpClient({ baseUrl: emu.workspaceUrl(workspace), auth: { headers: async () => ({ authorization: `Bearer ${token}` }) } });
  clients.push(http);
  return http;
};

describe('a Unity Catalog copy made by mlops-gate, read by mlflow', () => {
  it.skipIf(!existsSync(python))('loads by alias in the other workspace and predicts like the source', async () => {
    const source = client('dev', 'dapi-emulator');
    const dest = client('staging', 'dapi-staging');
    const registryId = `${emu.workspaceUrl('staging')}#test.ml`;
    const { registry, transfer } = createUnityCatalogPromotion({ destination: dest, registryId, source });
    const { report } = await applyPromotion(
      {
        model: 'churn',
        from: 'dev',
        to: 'staging',
        mode: 'copy',
        source: { registry: `${emu.workspaceUrl('dev')}#dev.ml`, name: 'dev.ml.churn', version: '2', source: 'dbfs:/seed', runId: null },
        destination: { registry: registryId, model: 'test.ml.churn' },
        aliases: ['champion'],
        stage: null,
      },
      { registry, transfer, actor: 'release-bot', runUrl: null, now: () => new Date(), lockToken: randomUUID() },
    );
    expect(report.status, report.message).toBe('applied');

    const code = [
      'import json, mlflow, pandas as pd',
      "mlflow.set_registry_uri('databricks-uc')",
      'c = mlflow.MlflowClient()',
      "mv = c.get_model_version_by_alias('test.ml.churn', 'champion')",
      "x = pd.DataFrame({'tenure_months': [2.0, 60.0], 'monthly_charges': [110.0, 25.0], 'support_calls': [6, 0]})",
      "m = mlflow.pyfunc.load_model('models:/test.ml.churn@champion')",
      "sig = m.metadata.signature",
      "print(json.dumps({'version': mv.version, 'status': mv.status, 'source': mv.source, 'tags': mv.tags,",
      "  'inputs': [c.name for c in sig.inputs.inputs], 'predictions': [int(v) for v in m.predict(x)]}))",
    ].join('\n');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      DATABRICKS_HOST: emu.workspaceUrl('staging'),
      DATABRICKS_TOKEN: 'dapi-staging',
      DATABRICKS_CONFIG_FILE: join(home, 'no-databrickscfg'),
      MLFLOW_TRACKING_URI: 'databricks',
      MLFLOW_ENABLE_TELEMETRY: 'false',
      DO_NOT_TRACK: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    };
    for (const k of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) if (process.env[k]) env[k] = process.env[k]!;
    let stdout: string;
    try {
      ({ stdout } = await run(python, ['-c', code], { env, cwd: home, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }));
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`mlflow failed: ${err.message}\n${(err.stderr ?? '').slice(-3000)}`);
    }
    const seen = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown> & { tags: Record<string, string> };
    expect(seen).toMatchObject({
      version: '1',
      status: 'READY',
      source: 'models:/dev.ml.churn/2',
      inputs: ['tenure_months', 'monthly_charges', 'support_calls'],
      predictions: [1, 0],
    });
    expect(sourceOf(seen.tags)).toBe('dev.ml.churn/2');
    expect(seen.tags['mlops_gate_artifact_digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
