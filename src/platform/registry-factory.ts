// Builds the registry ports of one environment: the MLflow adapter for `mlflow` environments.
// Environments that share a tracking server (dev and prod on one MLflow) get the same ports object
// within one run (same ledger), so the evidence gatherer's request de-duplication spans them.

import type { Environment } from '../config/types.js';
import { UsageError } from '../errors.js';
import type { RegistryPorts } from '../evidence/ports.js';
import { mlflowAuthFromEnv } from './http/auth.js';
import { createHttpClient } from './http/client.js';
import type { HttpLogger, RequestLedger } from './http/types.js';
import { createMlflowPorts } from './mlflow/adapter.js';

export interface RegistryFactoryDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly ledger: RequestLedger;
  readonly logger?: HttpLogger;
}

const portsByLedger = new WeakMap<RequestLedger, Map<string, RegistryPorts>>();

export const createRegistryPorts = (environment: Environment, deps: RegistryFactoryDeps): RegistryPorts => {
  switch (environment.registry) {
    case 'mlflow': {
      const trackingUri = environment.trackingUri.replace(/\/+$/, '');
      let shared = portsByLedger.get(deps.ledger);
      if (!shared) {
        shared = new Map();
        portsByLedger.set(deps.ledger, shared);
      }
      const existing = shared.get(trackingUri);
      if (existing) return existing;
      const http = createHttpClient({
        baseUrl: trackingUri,
        auth: mlflowAuthFromEnv(deps.env),
        env: deps.env,
        ledger: deps.ledger,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      const ports = createMlflowPorts({ http, trackingUri });
      shared.set(trackingUri, ports);
      return ports;
    }
    case 'databricks-uc':
      throw new UsageError(
        `environment "${environment.name}": the databricks-uc registry adapter is not available yet; ` +
          'use an mlflow environment (tracking_uri) for now',
      );
  }
};
