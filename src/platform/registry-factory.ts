// Builds the registry ports of one environment: the MLflow adapter for `mlflow` environments.
// Environments that share a tracking server (dev and prod on one MLflow) get the same ports object
// within one run (same ledger), so the evidence gatherer's request de-duplication spans them.

import type { Environment } from '../config/types.js';
import type { RegistryPorts } from '../evidence/ports.js';
import { databricksAuthFromEnv, mlflowAuthFromEnv } from './http/auth.js';
import { createHttpClient } from './http/client.js';
import { httpSettingsFromEnv } from './http/settings.js';
import type { HttpLogger, RequestLedger } from './http/types.js';
import { createMlflowPorts } from './mlflow/adapter.js';
import { createUnityCatalogPorts } from './unity-catalog/adapter.js';

export interface RegistryFactoryDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly ledger: RequestLedger;
  readonly logger?: HttpLogger;
}

const portsByLedger = new WeakMap<RequestLedger, Map<string, RegistryPorts>>();

const sharedPorts = (ledger: RequestLedger): Map<string, RegistryPorts> => {
  let shared = portsByLedger.get(ledger);
  if (!shared) {
    shared = new Map();
    portsByLedger.set(ledger, shared);
  }
  return shared;
};

/** Databricks credentials may be given per environment: DATABRICKS_TOKEN_PROD wins over DATABRICKS_TOKEN for `prod`. */
const SCOPED_VARIABLES = [
  'DATABRICKS_AUTH_TYPE',
  'DATABRICKS_TOKEN',
  'DATABRICKS_CLIENT_ID',
  'DATABRICKS_CLIENT_SECRET',
  'DATABRICKS_TOKEN_AUDIENCE',
] as const;

const suffixOf = (envName: string): string => `_${envName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

const hasScopedCredentials = (env: Readonly<Record<string, string | undefined>>, envName: string): boolean =>
  SCOPED_VARIABLES.some((v) => !!env[v + suffixOf(envName)]);

export const environmentScopedEnv = (
  env: Readonly<Record<string, string | undefined>>,
  envName: string,
): Readonly<Record<string, string | undefined>> => {
  if (!hasScopedCredentials(env, envName)) return env;
  const scoped: Record<string, string | undefined> = { ...env };
  // A scoped set replaces the whole unscoped set, so a PAT for dev cannot mix with OAuth for prod.
  for (const v of SCOPED_VARIABLES) scoped[v] = env[v + suffixOf(envName)];
  return scoped;
};

export const createRegistryPorts = (environment: Environment, deps: RegistryFactoryDeps): RegistryPorts => {
  switch (environment.registry) {
    case 'mlflow': {
      const trackingUri = environment.trackingUri.replace(/\/+$/, '');
      const shared = sharedPorts(deps.ledger);
      const existing = shared.get(trackingUri);
      if (existing) return existing;
      const http = createHttpClient({
        baseUrl: trackingUri,
        auth: mlflowAuthFromEnv(deps.env),
        env: deps.env,
        ...httpSettingsFromEnv(deps.env),
        ledger: deps.ledger,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      const ports = createMlflowPorts({ http, trackingUri });
      shared.set(trackingUri, ports);
      return ports;
    }
    case 'databricks-uc': {
      const host = environment.host.replace(/\/+$/, '');
      const shared = sharedPorts(deps.ledger);
      const key = hasScopedCredentials(deps.env, environment.name) ? `uc:${host}:${environment.name}` : `uc:${host}`;
      const existing = shared.get(key);
      if (existing) return existing;
      const env = environmentScopedEnv(deps.env, environment.name);
      const http = createHttpClient({
        baseUrl: host,
        auth: databricksAuthFromEnv(host, env),
        env: deps.env,
        ...httpSettingsFromEnv(deps.env),
        ledger: deps.ledger,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      const ports = createUnityCatalogPorts({ http, host });
      // Environments on one workspace with the same credentials share ports (and request de-duplication).
      shared.set(key, ports);
      return ports;
    }
  }
};
