// Public entry of the Databricks emulator: start it with `startEmulator({ modules: defaultModules() })`.

import type { EmulatorModule } from './types.js';
import { catalogModule } from './catalog/index.js';
import { filesModule } from './files/index.js';
import { trackingModule } from './tracking/index.js';
import { registryModule } from './registry/index.js';
import { identityModule } from './identity.js';
import { servingModule } from './serving/index.js';
import { monitorsModule } from './monitors/index.js';
import { sqlModule } from './sql/index.js';

export { startEmulator, loadFixture } from './server.js';
export type { EmulatorOptions, WorkspaceOptions, RunningEmulator, EmulatorAdmin, RequestLogEntry } from './server.js';
export type { FaultRule, FaultKind } from './core/faults.js';
export { DEFAULT_TOKEN, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PRINCIPAL, makeTestJwt } from './core/auth.js';
export type { OAuthClient, FederationPolicy } from './core/auth.js';
export * from './types.js';

/**
 * All feature modules, in seeding order: namespaces first (catalog), then storage (files),
 * tracking (runs that versions point at), the registry, SQL warehouses and tables, then serving
 * (which logs to SQL tables) and monitors.
 */
export const defaultModules = (): EmulatorModule[] => [
  identityModule,
  catalogModule,
  filesModule,
  trackingModule,
  registryModule,
  sqlModule,
  servingModule,
  monitorsModule,
];
