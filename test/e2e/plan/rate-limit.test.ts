// Plan against a workspace with a request rate limit (the emulator's token bucket, 429 +
// Retry-After): the adaptive concurrency of the HTTP client finds the limit and keeps using it.
// Judged by counts only (no wall-clock assertion): every request is eventually answered, every
// target gets its verdict, and the tokens the client left unused while it still had work (tokens
// that fell off a full bucket) stay under 10% of what it used after the first burst — that is, the
// plan sustains at least 90% of the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchConfig, ucSeed } from '../../../bench/support.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { planInvocation } from '../../../src/invocation.js';
import { planWithPromotionPlans } from '../../../src/run/promote.js';
import { liveDeps } from '../../../src/wiring/live.js';

const MODELS = 40;
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: ucSeed(MODELS), modules: defaultModules(), tickMs: 0, rateLimit: { perSecond: 100, burst: 200 } });
});
afterAll(() => emulator.close());

describe('plan against a 100 requests/s workspace limit', () => {
  it('answers every request, judges every target and leaves under 10% of the limit unused', async () => {
    const env = { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: DEFAULT_TOKEN };
    const stderr: string[] = [];
    const live = liveDeps({ stdout: () => undefined, stderr: (s) => void stderr.push(s), env, cwd: process.cwd() }, { readOnly: true });
    const config = benchConfig(MODELS, 'databricks-uc');
    const inv = planInvocation('bench.yml', { format: 'json' });
    const result = await planWithPromotionPlans(inv, { ...live, readFile: (p) => (p === 'bench.yml' ? config : live.readFile(p)) });

    expect(result.targets).toHaveLength(2 * MODELS);
    expect(result.targets.filter((t) => t.verdict !== 'pass').map((t) => `${t.model} ${t.from}->${t.to}: ${t.summary}`)).toEqual([]);
    expect(result.targets.every((t) => t.plan?.hash)).toBe(true);

    const stats = Object.values(emulator.admin.rateLimits())[0]!;
    expect(Object.keys(emulator.admin.rateLimits())).toHaveLength(1);
    const log = emulator.admin.requests().entries;
    // Every request the client sent was answered: the limited ones were retried until admitted.
    expect(stats.admitted).toBe(log.filter((e) => e.status !== 429).length);
    expect(stats.limited).toBe(log.filter((e) => e.status === 429).length);
    expect(stats.limited).toBeGreaterThan(0); // the limit was reached…
    expect(result.requests!.total).toBe(stats.admitted + stats.limited);
    expect(result.requests!.retries).toBe(stats.limited);
    if (process.env.RATE_DEBUG) console.log(JSON.stringify(stats));
    // …and kept busy: unused capacity under 10% of the capacity used after the first burst.
    expect(stats.wasted).toBeLessThanOrEqual(0.1 * (stats.admitted - stats.burst));
  }, 120_000);
});
