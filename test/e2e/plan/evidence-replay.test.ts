// `plan --save-evidence` records what the registries said; `plan --evidence` replays it offline
// (no network) to the same verdicts. Bad evidence files get a clear error and exit code 2.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { DEMO_CONFIG, DEMO_SEED } from '../../../src/demo/scenario.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator } from '../../../src/emulator/index.js';
import type { ResultDocument } from '../../../src/result/types.js';

const cli = async (argv: string[], env: Record<string, string>, cwd: string) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, cwd });
  return { code, stdout, stderr };
};

describe('evidence files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-evidence-'));
  writeFileSync(join(dir, 'mlops.yml'), DEMO_CONFIG);

  it('replays saved evidence offline to the same result', async () => {
    const emulator = await startEmulator({ port: 0, seed: DEMO_SEED, modules: defaultModules(), tickMs: 0 });
    const env = { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN };
    let live: ResultDocument;
    try {
      const out = await cli(['plan', '--format', 'json', '--save-evidence', 'evidence.json', '--result', 'live.json'], env, dir);
      expect(out.code).toBe(1); // fraud is blocked
      live = JSON.parse(out.stdout) as ResultDocument;
      expect(JSON.parse(readFileSync(join(dir, 'live.json'), 'utf8'))).toEqual(live);
    } finally {
      await emulator.close();
    }
    // The emulator is gone: a replay must not need it.
    const replay = await cli(['plan', '--format', 'json', '--evidence', 'evidence.json'], env, dir);
    expect(replay.code).toBe(1);
    const offline = JSON.parse(replay.stdout) as ResultDocument;
    // Verdicts and gates replay exactly; the promotion-plan preview needs the live destination.
    const withoutPlan = (r: ResultDocument) => r.targets.map(({ plan: _plan, ...t }) => t);
    expect(withoutPlan(offline)).toEqual(withoutPlan(live));
    expect(live.targets.find((t) => t.model === 'churn')!.plan).toBeDefined();
    expect(offline.requests?.total).toBe(0);
    const saved = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as { schemaVersion: number; targets: Record<string, unknown> };
    expect(saved.schemaVersion).toBe(1);
    expect(Object.keys(saved.targets).sort()).toEqual(['churn:dev->test', 'fraud:dev->test']);
  });

  it('a target missing from the evidence file is an error, not a pass', async () => {
    writeFileSync(join(dir, 'partial.json'), JSON.stringify({ schemaVersion: 1, targets: {} }));
    const out = await cli(['plan', '--format', 'json', '--evidence', 'partial.json', '--model', 'churn'], { DATABRICKS_HOST: 'https://x.example.test' }, dir);
    expect(out.code).toBe(3);
    const result = JSON.parse(out.stdout) as ResultDocument;
    expect(result.targets[0]!.verdict).toBe('error');
    expect(result.targets[0]!.summary).toContain('no evidence for target churn:dev->test in partial.json');
  });

  it.each([
    ['not json', '{', /partial2\.json: not valid JSON/],
    ['wrong version', '{"schemaVersion": 2, "targets": {}}', /"schemaVersion" must be 1/],
    ['bad target', '{"schemaVersion": 1, "targets": {"churn:dev->test": {"candidate": 1}}}', /targets\["churn:dev->test"\]\.candidate must be/],
  ])('rejects an evidence file that is %s with exit 2', async (_what, text, message) => {
    writeFileSync(join(dir, 'partial2.json'), text);
    const out = await cli(['plan', '--evidence', 'partial2.json'], { DATABRICKS_HOST: 'https://x.example.test' }, dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
