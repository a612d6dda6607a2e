// Shared by the integration tests: the test config loaded against the seeded server, and the
// smallest number of requests a plan of the seeded scenarios can make.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli.js';
import { loadConfig } from '../../src/config/loader.js';
import type { Config } from '../../src/config/types.js';
import type { ResultDocument } from '../../src/result/types.js';
import type { SeedManifest } from '../support/mlflow-server.js';
import { REPO_ROOT } from '../support/mlflow-server.js';

export const CONFIG_PATH = 'test/fixtures/integration/mlops.yml';

export const loadIntegrationConfig = (mlflowUrl: string): Config => {
  const read = (p: string): string | null => {
    try {
      return readFileSync(join(REPO_ROOT, p), 'utf8');
    } catch {
      return null;
    }
  };
  return loadConfig({ file: CONFIG_PATH, text: read(CONFIG_PATH)! }, { env: { MLFLOW_URL: mlflowUrl }, readFile: read, now: new Date('2026-11-23T12:00:00Z') })
    .config;
};

/**
 * The config plus `s1-twin`, a copy of `s1-better` naming the same registered models: a Config
 * validate refuses (two models on one registered model), built here to show that identical
 * lookups are made once.
 */
export const withTwin = (config: Config): Config => {
  const original = config.models.get('s1-better')!;
  const models = new Map(config.models);
  models.set('s1-twin', { ...original, id: 's1-twin' });
  return { ...config, models };
};

/** Scenario ids in config order. */
export const SCENARIO_IDS = ['s1-better', 's2-worse', 's3-first', 's4-nosig', 's5-breaking', 's6-notags', 's7-running', 's8-mlflow3'] as const;

/**
 * The fewest requests that can gather every registry fact of every scenario when each distinct
 * request is made once: per target, the candidate lookup (a tag selector also reads the
 * registered model for aliases, which OSS search omits), the champion lookup, and for each version
 * found its run and its MLmodel. A twin (withTwin) adds nothing.
 */
export const minimalRequestCount = (manifest: SeedManifest): number => {
  let total = 0;
  for (const id of SCENARIO_IDS) {
    const s = manifest.scenarios[id]!;
    total += s.selector.startsWith('tags:') ? 2 : 1; // candidate lookup
    total += 1; // champion alias lookup (answers "none" for s3)
    total += 2; // candidate run + MLmodel
    if (s.champion) total += 2; // champion run + MLmodel
  }
  return total;
};

/**
 * The same evidence with the batched reads of an MLflow server (src/platform/mlflow/batch.ts,
 * runs-batch.ts): every model's versions and aliases in one `registered-models/search` and one
 * `model-versions/search` (the scenarios fit one chunk of names), every run in one
 * `experiments/search` and one `runs/search` (one chunk of run ids), then one read per MLmodel.
 */
export const minimalBatchedRequestCount = (manifest: SeedManifest): number => {
  let mlmodels = 0;
  for (const id of SCENARIO_IDS) mlmodels += manifest.scenarios[id]!.champion ? 2 : 1;
  return 2 + 2 + mlmodels;
};

/** `mlops-gate plan --config <integration config> --format json [extra]` with MLFLOW_URL set. */
export const runPlan = async (
  mlflowUrl: string,
  extra: readonly string[] = [],
): Promise<{ code: number; result: ResultDocument; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['plan', '--config', CONFIG_PATH, '--format', 'json', ...extra], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { MLFLOW_URL: mlflowUrl },
    cwd: REPO_ROOT,
    now: new Date('2026-11-23T12:00:00Z'),
  });
  return { code, result: JSON.parse(stdout) as ResultDocument, stderr };
};
