// `mlops-gate demo`: the main job end to end with no cloud account. Starts the built-in Databricks
// emulator seeded with a realistic workspace, then runs the same `plan` a pull request would run,
// through the real Unity Catalog adapters over HTTP, and prints the report.

import { startEmulator, defaultModules, DEFAULT_TOKEN } from '../emulator/index.js';
import { planInvocation, type PlanInvocation } from '../invocation.js';
import { renderResult, liveDeps, type CliIO } from '../cli.js';
import { runPlan } from '../run/plan.js';
import { EXIT, type ExitCode } from '../errors.js';
import { DEMO_CONFIG, DEMO_CONFIG_FILE, DEMO_SEED } from './scenario.js';

export async function runDemo(io: CliIO, format: PlanInvocation['format'] = 'text'): Promise<ExitCode> {
  io.stderr('Starting the Databricks emulator (Unity Catalog, tracking, Files API, Model Serving)…\n');
  const emulator = await startEmulator({ port: 0, seed: DEMO_SEED, tickMs: 100, modules: defaultModules() });
  try {
    io.stderr(`  workspace ${emulator.url} · catalogs ml_dev, ml_test, ml_prod · models churn, fraud\n\n`);
    const env = { ...io.env, DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN, DATABRICKS_AUTH_TYPE: 'pat' };
    const live = liveDeps({ ...io, env });
    const deps = {
      ...live,
      // The demo's config is built in; everything else (policy packs) resolves as usual.
      readFile: (path: string) => (path === DEMO_CONFIG_FILE ? DEMO_CONFIG : live.readFile(path)),
    };
    io.stderr(`── mlops-gate plan --config ${DEMO_CONFIG_FILE} (what a pull request runs)\n`);
    const { result } = await runPlan(planInvocation(DEMO_CONFIG_FILE, { format }), deps);
    io.stdout(renderResult(result, format));
    const counts = emulator.admin.requests();
    io.stderr(
      `\nThe emulator answered ${counts.total} request(s). churn's challenger passes every gate; ` +
        `fraud's is blocked (worse than the champion, missing validation tag, dropped an input column).\n` +
        `Run your own: mlops-gate emulator --seed FILE, then point mlops.yml's host at it (docs/emulator.md).\n`,
    );
    const expected = result.targets.find((t) => t.model === 'churn')?.verdict === 'pass' && result.targets.find((t) => t.model === 'fraud')?.verdict === 'fail';
    if (!expected) io.stderr('The demo did not reach its expected verdicts (churn pass, fraud fail): please report this.\n');
    return expected ? EXIT.ok : EXIT.internal;
  } finally {
    await emulator.close();
  }
}
