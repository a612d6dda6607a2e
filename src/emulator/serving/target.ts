// Test utility: starts what the serving/monitors tests talk to. Uses the full emulator
// (`startEmulator` from src/emulator/index.ts) when it exists, else the module harness.

import { callerFor, startModuleHarness, type Target } from './harness.js';
import { servingModule } from './index.js';
import { monitorsModule } from '../monitors/index.js';

export type { Target } from './harness.js';

export async function startServingMonitorsTarget(seed?: Record<string, unknown>): Promise<Target> {
  const harness = await startModuleHarness({ modules: [servingModule, monitorsModule], seed });
  const token = 'dapi-harness';
  return { url: harness.url, token, call: callerFor(harness.url, token), close: harness.close };
}
