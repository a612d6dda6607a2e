// Integration project global setup: ONE real MLflow server, seeded once, shared by every
// integration test file through vitest's provide/inject.

import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { seedMlflow, startMlflowServer, type SeedManifest } from '../support/mlflow-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mlflowUrl: string;
    mlflowManifest: SeedManifest;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // For quick iterations: reuse a server you started and seeded yourself
  // (MLOPS_GATE_TEST_MLFLOW_URL=http://127.0.0.1:5000 MLOPS_GATE_TEST_MLFLOW_MANIFEST=manifest.json).
  const reuseUrl = process.env['MLOPS_GATE_TEST_MLFLOW_URL'];
  const reuseManifest = process.env['MLOPS_GATE_TEST_MLFLOW_MANIFEST'];
  if (reuseUrl && reuseManifest) {
    project.provide('mlflowUrl', reuseUrl);
    project.provide('mlflowManifest', JSON.parse(readFileSync(reuseManifest, 'utf8')) as SeedManifest);
    return async () => undefined;
  }
  const server = await startMlflowServer();
  try {
    const manifest = await seedMlflow(server.url, server.dir);
    project.provide('mlflowUrl', server.url);
    project.provide('mlflowManifest', manifest);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return () => server.stop();
}
