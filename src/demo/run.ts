// `mlops-gate demo`: the whole job end to end with no cloud account. Starts the built-in Databricks
// emulator seeded with a realistic workspace, then runs what CI would run, through the real Unity
// Catalog, Model Serving and monitoring adapters over HTTP:
//   1. plan      (pull request): gates + the exact promotion plan and its hash
//   2. promote   (release, --expect-plan = the reviewed plan): copy churn dev → test, canary
//                rollout of `churn-test`, monitor on its inference table; fraud stays blocked
//   3. promote   again: converged, zero writes
//   4. rollback  churn in test: champion alias and endpoint traffic back to v1
// Endpoint waits and canary pauses run on a simulated clock (the emulator's), so the demo takes
// seconds; the canary's health checks read traffic the demo simulates during each pause.

import { startEmulator, defaultModules, DEFAULT_TOKEN, type RunningEmulator } from '../emulator/index.js';
import { planInvocation, type PlanInvocation, type PromoteInvocation, type RollbackInvocation } from '../invocation.js';
import { renderResult } from '../report/renderers.js';
import type { CliIO } from '../wiring/io.js';
import { liveDeps } from '../wiring/live.js';
import { runPlan } from '../run/plan.js';
import { runPromote, withPromotionPlans } from '../run/promote.js';
import { runRollback } from '../run/rollback.js';
import { EXIT, type ExitCode } from '../errors.js';
import type { ResultDocument } from '../result/types.js';
import { DEMO_CONFIG, DEMO_CONFIG_FILE, DEMO_SEED } from './scenario.js';
import { compactProgress } from '../util/progress.js';

const REVIEWED_PLAN_FILE = 'demo/reviewed-plan.json';
const ENDPOINT = 'churn-test';

/** What `demo --format json` prints: every step's result and the endpoint's traffic along the way. */
export interface DemoReport {
  readonly plan: ResultDocument;
  readonly promote: ResultDocument;
  readonly promoteAgain: ResultDocument;
  readonly rollback: ResultDocument;
  /** `served entity:percent` routes of churn-test, sorted. */
  readonly endpoint: { readonly before: string[]; readonly afterPromote: string[]; readonly afterRollback: string[] };
  readonly emulator: { readonly requests: number; readonly writes: number; readonly byRoute: Readonly<Record<string, number>> };
}

async function traffic(emulator: RunningEmulator): Promise<string[]> {
  const res = await fetch(`${emulator.url}/api/2.0/serving-endpoints/${ENDPOINT}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
  const body = (await res.json()) as { config?: { traffic_config?: { routes?: { served_model_name?: string; served_entity_name?: string; traffic_percentage: number }[] } } };
  return (body.config?.traffic_config?.routes ?? []).map((r) => `${r.served_entity_name ?? r.served_model_name}:${r.traffic_percentage}`).sort();
}

function emulatorCounts(emulator: RunningEmulator): DemoReport['emulator'] {
  const entries = emulator.admin.requests().entries.filter((e) => !e.path.startsWith('/__emulator'));
  const byRoute: Record<string, number> = {};
  for (const e of entries) {
    const key = e.route ?? `${e.method} ${e.path}`;
    byRoute[key] = (byRoute[key] ?? 0) + 1;
  }
  return {
    requests: entries.length,
    writes: entries.filter((e) => e.method !== 'GET' && e.method !== 'HEAD').length,
    byRoute: Object.fromEntries(Object.entries(byRoute).sort(([a], [b]) => a.localeCompare(b))),
  };
}

export async function runDemo(io: CliIO, format: PlanInvocation['format'] = 'text'): Promise<ExitCode> {
  io.stderr('Starting the Databricks emulator (Unity Catalog, tracking, Files API, Model Serving, monitors)…\n');
  // Simulated time: endpoint updates "take" 30 s and the canary pauses 5 min, in no real time.
  let now = Date.now();
  const emulator = await startEmulator({ port: 0, seed: DEMO_SEED, tickMs: 0, clock: { now: () => now }, modules: defaultModules() });
  const say = (line: string) => io.stderr(line + '\n');
  try {
    say(`  workspace ${emulator.url} · catalogs ml_dev, ml_test, ml_prod · models churn, fraud · endpoint ${ENDPOINT}\n`);
    const servingClock = {
      now: () => now,
      async sleep(ms: number) {
        // Live traffic on the canary while we wait: healthy, so every step passes its health check.
        await fetch(`${emulator.url}/__emulator/serving/endpoints/${ENDPOINT}/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ served_entity_name: 'churn-2', error_rate: 0.004, p95_latency_ms: 38, add_requests: Math.max(1, Math.round(ms / 1000)) }),
        }).catch(() => undefined);
        now += ms;
      },
    };
    const env = { ...io.env, DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN, DATABRICKS_AUTH_TYPE: 'pat', GITHUB_ACTOR: io.env.GITHUB_ACTOR ?? 'demo-release-bot' };
    const files = new Map<string, string>([[DEMO_CONFIG_FILE, DEMO_CONFIG]]);
    const live = liveDeps({ ...io, env, servingClock });
    // The demo's config and the reviewed plan live in memory; everything else (policy packs) resolves as usual.
    const deps = {
      ...live,
      readFile: (path: string) => files.get(path) ?? live.readFile(path),
      writeFile: (path: string, text: string) => void files.set(path, text),
      progress: compactProgress((line: string) => say(`  ${line.trim()}`)),
    };
    const show = (result: ResultDocument) => {
      if (format !== 'json') io.stdout(renderResult(result, format) + '\n');
    };

    say(`── 1. mlops-gate plan --config ${DEMO_CONFIG_FILE}   (a pull request: gates + the exact promotion plan)`);
    const planInv = planInvocation(DEMO_CONFIG_FILE, { format });
    const { result: gated, evidence } = await runPlan(planInv, deps);
    const plan = await withPromotionPlans(planInv, gated, evidence, deps);
    show(plan);
    files.set(REVIEWED_PLAN_FILE, JSON.stringify(plan));
    const before = await traffic(emulator);

    const promoteInv: PromoteInvocation = {
      command: 'promote',
      configPath: DEMO_CONFIG_FILE,
      format,
      models: [],
      to: null,
      expectPlan: REVIEWED_PLAN_FILE,
      dryRun: false,
      resultPath: null,
      failOn: 'fail',
    };
    say(`── 2. mlops-gate promote --expect-plan ${REVIEWED_PLAN_FILE}   (a release: applies exactly the reviewed plan)`);
    const promote = await runPromote(promoteInv, deps);
    show(promote);
    const afterPromote = await traffic(emulator);
    say(`   ${ENDPOINT} now routes ${afterPromote.join(', ')} (was ${before.join(', ')})\n`);

    say('── 3. mlops-gate promote   (again: everything converged, so nothing is written)');
    const promoteAgain = await runPromote({ ...promoteInv, expectPlan: null }, deps);
    show(promoteAgain);

    const rollbackInv: RollbackInvocation = { command: 'rollback', configPath: DEMO_CONFIG_FILE, format, model: 'churn', env: 'test', toVersion: null, dryRun: false, resultPath: null };
    say('── 4. mlops-gate rollback --model churn --env test   (workflow_dispatch: champion and endpoint traffic back)');
    const rollback = await runRollback(rollbackInv, deps);
    show(rollback);
    const afterRollback = await traffic(emulator);
    say(`   ${ENDPOINT} now routes ${afterRollback.join(', ')}\n`);

    const counts = emulatorCounts(emulator);
    const report: DemoReport = { plan, promote, promoteAgain, rollback, endpoint: { before, afterPromote, afterRollback }, emulator: counts };
    if (format === 'json') io.stdout(JSON.stringify(report, null, 2) + '\n');

    const churn = (r: ResultDocument) => r.targets.find((t) => t.model === 'churn');
    const fraud = (r: ResultDocument) => r.targets.find((t) => t.model === 'fraud');
    say(
      `The emulator answered ${counts.requests} request(s), ${counts.writes} of them writes. churn's challenger passed every gate, was ` +
        `copied to test as v${churn(promote)?.plan?.destination?.version ?? '?'}, rolled out as a canary and monitored, then rolled back; ` +
        `fraud's is blocked (worse than the champion, missing validation tag, dropped an input column).\n` +
        `Run your own: mlops-gate emulator --seed FILE, then point mlops.yml's host at it (docs/emulator.md).`,
    );
    const expected =
      churn(plan)?.verdict === 'pass' &&
      fraud(plan)?.verdict === 'fail' &&
      churn(promote)?.plan?.status === 'applied' &&
      fraud(promote)?.plan?.status === 'blocked' &&
      churn(promoteAgain)?.plan?.status === 'up-to-date' &&
      churn(promoteAgain)?.plan?.writes === 0 &&
      rollback.targets[0]?.plan?.status === 'applied';
    if (!expected) say('The demo did not reach its expected outcome (churn promoted then rolled back, fraud blocked): please report this.');
    return expected ? EXIT.ok : EXIT.internal;
  } finally {
    await emulator.close();
  }
}
