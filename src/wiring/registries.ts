// How each registry kind connects: its evidence reader, its writer, the artifact transfer into
// it, and (where the kind has them) serving endpoints and monitors. One row per kind; the core
// half of the row (fields, id, capabilities) is REGISTRY_KINDS in src/config/registries.ts.

import type { RegistryKind } from '../config/registries.js';
import type { EnvironmentOf } from '../config/types.js';
import type { ServingClock } from '../endpoint/ports.js';
import { createMonitorPort } from '../endpoint/monitor-step.js';
import type { LivePorts } from '../evidence/live.js';
import type { RegistryPorts } from '../evidence/ports.js';

import { databricksAuthFromEnv, mlflowAuthFromEnv, type NamedAuthProvider } from '../platform/http/auth.js';
import type { HttpClient } from '../platform/http/types.js';
import { createMlflowPorts } from '../platform/mlflow/adapter.js';
import { createMlflowBatchReader } from '../platform/mlflow/batch.js';
import { createMlflowRunBatch } from '../platform/mlflow/runs-batch.js';
import { createMlflowArtifactTransfer, createMlflowPromotionRegistry } from '../platform/mlflow/writer.js';
import { createMonitoringClient } from '../platform/monitoring/client.js';
import { createServingClient } from '../platform/serving/client.js';
import { createLivePorts } from '../platform/serving/live.js';
import { createSqlClient } from '../platform/sql/client.js';
import { createUnityCatalogPorts } from '../platform/unity-catalog/adapter.js';
import { createUcReadShare } from '../platform/unity-catalog/read-share.js';
import { readInputExample } from '../platform/unity-catalog/input-example.js';
import { createUcArtifactStaging, createUnityCatalogArtifactTransfer, createUnityCatalogPromotionRegistry } from '../platform/unity-catalog/writer.js';
import { createUnityCatalogPermissions } from '../platform/unity-catalog/permissions.js';
import type { ArtifactTransfer, PermissionReader, PromotionRegistry } from '../registry/ports.js';
import { createServingRolloutPort } from '../rollout/step.js';
import { environmentScopedEnv, hasScopedCredentials } from './credentials.js';
import type { EndpointPorts } from '../apply/types.js';

/** One environment, connected. */
export interface ConnectedRegistry {
  readonly kind: RegistryKind;
  /** The HTTP client every adapter of this environment shares. */
  readonly http: HttpClient;
  readonly evidence: RegistryPorts;
  readonly promotion: PromotionRegistry;
  /** Artifacts from `source` (same kind, another server or workspace) into this registry. */
  readonly transferFrom: (source: ConnectedRegistry) => ArtifactTransfer;
  /** Serving endpoints and monitors; undefined for kinds without them. */
  readonly endpoints?: EndpointPorts;
  /** The model version's logged input example as a scoring request body (blue_green's smoke request). */
  readonly inputExample?: (name: string, version: string) => Promise<unknown>;
  /** Who the credentials act as and what they may do (the plan's permission preflight); undefined for kinds without. */
  readonly permissions?: PermissionReader;
  /** What the soak and drift gates read here: the serving endpoint and, with a SQL warehouse, statements. */
  readonly live?: LivePorts;
}

/** What a connector may use: shared clients (one per host and credential set) and shared state. */
export interface ConnectContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: ServingClock;
  /** The client for `key`, created once with `auth` for `baseUrl`. */
  readonly http: (key: string, baseUrl: string, auth: () => NamedAuthProvider) => HttpClient;
  /** One value per key for the run (evidence ports that de-duplicate across environments, staging areas). */
  readonly shared: <T>(key: string, make: () => T) => T;
  /** The registry id of an environment (how plans name it). */
  readonly registryId: string;
  /** A read-only run (`plan`): the promotion side may answer its reads from what gathering read. */
  readonly readOnly?: boolean;
}

type Connector<K extends RegistryKind> = (environment: EnvironmentOf<K>, ctx: ConnectContext) => ConnectedRegistry;

const trim = (url: string): string => url.replace(/\/+$/, '');

const connectMlflow: Connector<'mlflow'> = (environment, ctx) => {
  const baseUrl = trim(environment.trackingUri);
  const http = ctx.http(`mlflow:${baseUrl}`, baseUrl, () => mlflowAuthFromEnv(ctx.env));
  const batch = () => ctx.shared(`batch:mlflow:${baseUrl}`, () => createMlflowBatchReader({ http }));
  return {
    kind: 'mlflow',
    http,
    // Environments on one tracking server share ports, so de-duplication spans them; the batched
    // model reads are shared too (with the preview's reads in a read-only run).
    evidence: ctx.shared(`evidence:mlflow:${baseUrl}`, () => createMlflowPorts({ http, trackingUri: baseUrl, batch: batch(), runBatch: createMlflowRunBatch({ http }) })),
    promotion: createMlflowPromotionRegistry({ http, registryId: ctx.registryId, ...(ctx.readOnly ? { readOnlyBatch: batch() } : {}) }),
    transferFrom: (source) => createMlflowArtifactTransfer(source.http, http),
  };
};

const connectUnityCatalog: Connector<'databricks-uc'> = (environment, ctx) => {
  const host = trim(environment.host);
  const env = environmentScopedEnv(ctx.env, environment.name);
  // One client per workspace and credential set (DATABRICKS_TOKEN_<ENV> wins for its environment).
  const key = hasScopedCredentials(ctx.env, environment.name) ? `uc:${host}:${environment.name}` : `uc:${host}`;
  const http = ctx.http(key, host, () => databricksAuthFromEnv(host, env));
  // The writer and the transfer into it share one staging area (files read from the source, uploaded by createVersion).
  const staging = ctx.shared(`staging:${ctx.registryId}`, createUcArtifactStaging);
  const serving = createServingClient({ http, clock: ctx.clock });
  const permissions = ctx.shared(`permissions:${key}`, () => createUnityCatalogPermissions(http));
  const share = () => ctx.shared(`uc-reads:${key}`, createUcReadShare);
  return {
    kind: 'databricks-uc',
    http,
    // In a read-only run the preview reuses the versions gathering read (one share per workspace client).
    evidence: ctx.shared(`evidence:${key}`, () => createUnityCatalogPorts({ http, host, ...(ctx.readOnly ? { share: share() } : {}) })),
    promotion: createUnityCatalogPromotionRegistry({ http, registryId: ctx.registryId, staging, ...(ctx.readOnly ? { readOnlyShare: share() } : {}) }),
    transferFrom: (source) => createUnityCatalogArtifactTransfer({ source: source.http, destination: http, staging }),
    endpoints: {
      serving,
      rollout: createServingRolloutPort({ serving, clock: ctx.clock }),
      monitor: createMonitorPort(createMonitoringClient({ http })),
      grants: permissions,
      clock: ctx.clock,
    },
    inputExample: (name, version) => readInputExample(http, name, version),
    permissions,
    live: createLivePorts(http, environment.sqlWarehouseId ? createSqlClient({ http, warehouseId: environment.sqlWarehouseId, clock: ctx.clock }) : null),
  };
};

export const REGISTRY_CONNECTORS: { readonly [K in RegistryKind]: Connector<K> } = {
  mlflow: connectMlflow,
  'databricks-uc': connectUnityCatalog,
};

export const connect = <K extends RegistryKind>(environment: EnvironmentOf<K>, ctx: ConnectContext): ConnectedRegistry =>
  (REGISTRY_CONNECTORS[environment.registry as K] as Connector<K>)(environment, ctx);
