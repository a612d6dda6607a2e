// Shared set-up for the serving and rollout e2e tests: the full emulator on a controlled clock
// that our own waits advance. `sleep(ms)` moves the shared clock forward, so an endpoint update
// that takes 10 minutes "passes" in a few polls with no real delay and no timed assertion.

import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { createHttpClient, type ClosableHttpClient } from '../../../src/platform/http/index.js';
import { createServingClient } from '../../../src/platform/serving/index.js';
import { callerFor, withServedModels, type CallResult } from '../../support/emulator-target.js';
import type { StrictOption } from '../../../src/emulator/core/strict.js';
import type { ServingClient, ServingClock } from '../../../src/endpoint/ports.js';

export interface Bed {
  readonly emulator: RunningEmulator;
  readonly http: ClosableHttpClient;
  readonly serving: ServingClient;
  readonly clock: ServingClock & { advance(ms: number): void };
  /** Raw JSON call (admin routes, direct API calls the test makes as "someone else"). */
  call(method: string, path: string, body?: unknown): Promise<CallResult>;
  /** Hook run by every `clock.sleep`, before the clock advances (drives traffic during a pause). */
  onSleep: ((ms: number) => Promise<void>) | null;
  /** Non-GET API requests (admin routes excluded) recorded by the emulator since `clearRequests`. */
  writes(): { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

/**
 * The workspace also has the served model main.ml.churn, versions 1–20 (withServedModels).
 * `strict`: default, the project's MLOPS_GATE_EMULATOR_STRICT (vitest.config.ts).
 */
export async function startBed(seed: Record<string, unknown> = {}, strict?: StrictOption): Promise<Bed> {
  let now = 1_800_000_000_000;
  const emulator = await startEmulator({
    port: 0,
    modules: defaultModules(),
    seed: { workspaces: { default: withServedModels(seed) } },
    clock: { now: () => now },
    tickMs: 0,
    ...(strict !== undefined ? { strict } : {}),
  });
  const http = createHttpClient({ baseUrl: emulator.url, auth: { headers: async () => ({ authorization: `Bearer ${DEFAULT_TOKEN}` }) }, maxAttempts: 2, backoffBaseMs: 1 });
  const bed: Bed = {
    emulator,
    http,
    serving: undefined as unknown as ServingClient,
    clock: {
      now: () => now,
      async sleep(ms: number) {
        if (bed.onSleep) await bed.onSleep(ms);
        now += ms;
      },
      advance(ms: number) {
        now += ms;
      },
    },
    call: callerFor(emulator.url, DEFAULT_TOKEN),
    onSleep: null,
    writes: () =>
      emulator.admin
        .requests()
        .entries.filter((e) => e.method !== 'GET' && !e.path.startsWith('/__emulator') && !e.path.endsWith('/invocations'))
        .map((e) => ({ method: e.method, path: e.path, status: e.status })),
    async close() {
      await http.close();
      await emulator.close();
    },
  };
  (bed as { serving: ServingClient }).serving = createServingClient({ http, clock: bed.clock, random: () => 0.5, pollBaseMs: 1_000, pollMaxMs: 10_000 });
  return bed;
}

export const entity = (version: string, extra: Record<string, unknown> = {}) => ({
  name: `churn-${version}`,
  entity_name: 'main.ml.churn',
  entity_version: version,
  workload_size: 'Small',
  scale_to_zero_enabled: false,
  ...extra,
});
