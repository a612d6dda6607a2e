// Builds every live adapter of a run, once: one request ledger, one HTTP client per host and
// credential set, one connection per environment (its registry kind's row of
// REGISTRY_CONNECTORS). plan, promote, rollback, the demo and the action all take their ports
// from here.

import { randomUUID } from 'node:crypto';
import { registryIdOf } from '../config/names.js';
import type { Config, Environment } from '../config/types.js';
import { systemClock } from '../endpoint/ports.js';
import { UsageError } from '../errors.js';
import { readGitHubContext, reclaimKeyOf } from '../platform/github/context.js';
import { createHttpClient, type RetryNotice } from '../platform/http/client.js';
import { createRequestLedger } from '../platform/http/ledger.js';
import { httpSettingsFromEnv } from '../platform/http/settings.js';
import type { HttpClient, RequestLedger } from '../platform/http/types.js';
import { parseParallelTargets, type Timeouts } from '../invocation.js';
import type { PromoteDeps } from '../run/promote.js';
import { compactProgress } from '../util/progress.js';
import { fileAccess, type CliIO } from './io.js';
import { connect, type ConnectedRegistry } from './registries.js';

/** Plan, promote and rollback dependencies over the real adapters. */
export function liveDeps(
  io: CliIO,
  options: {
    readonly ledger?: RequestLedger;
    readonly timeouts?: Timeouts;
    /** A read-only command (`plan`): identical reads are made once per run (the HTTP client's read memo). */
    readonly readOnly?: boolean;
  } = {},
): PromoteDeps {
  const ledger = options.ledger ?? createRequestLedger();
  const clients = new Map<string, HttpClient>();
  const shared = new Map<string, unknown>();
  const connections = new Map<string, ConnectedRegistry>();
  const clock = io.servingClock ?? systemClock;
  const files = fileAccess(io.cwd);
  const context = readGitHubContext(io.env, files.readFile);
  // Flags (and action inputs) win over the environment.
  const { deadlineSeconds: envDeadline, ...envHttp } = httpSettingsFromEnv(io.env);
  const requestSeconds = options.timeouts?.requestSeconds ?? null;
  const deadlineSeconds = options.timeouts?.deadlineSeconds ?? envDeadline;
  const http = { ...envHttp, ...(requestSeconds !== null ? { timeoutMs: requestSeconds * 1000 } : {}) };
  const deadlineAt = deadlineSeconds !== undefined ? Date.now() + deadlineSeconds * 1000 : null;
  // --parallel-targets (the invocation) wins over this.
  const parallelTargets = parseParallelTargets('MLOPS_GATE_PARALLEL_TARGETS', io.env.MLOPS_GATE_PARALLEL_TARGETS);
  // Every retry is visible (a silent host never leaves the run mute for a minute), once per host
  // and attempt: concurrent requests to one failing host print one line, not one each.
  const told = new Map<string, number>();
  const onRetry = (r: RetryNotice) => {
    const key = `${r.host}|${r.attempt}|${r.reason}`;
    const now = Date.now();
    if ((told.get(key) ?? -Infinity) > now - 5_000) return;
    told.set(key, now);
    io.stderr(`attempt ${r.attempt}/${r.maxAttempts} to ${r.host} failed: ${r.reason}; retrying in ${Math.max(1, Math.round(r.delayMs / 1000))} s\n`);
  };

  const environmentOf = (config: Config, envName: string): Environment => {
    const environment = config.environments.get(envName);
    if (!environment) throw new UsageError(`unknown environment "${envName}"`);
    return environment;
  };
  const connected = (config: Config, envName: string): ConnectedRegistry => {
    const environment = environmentOf(config, envName);
    const registryId = registryIdOf(environment);
    const key = `${registryId}|${envName}`;
    let c = connections.get(key);
    if (!c) {
      c = connect(environment, {
        env: io.env,
        clock,
        registryId,
        ...(options.readOnly ? { readOnly: true } : {}),
        http: (clientKey, baseUrl, auth) => {
          let client = clients.get(clientKey);
          if (!client) {
            client = createHttpClient({ baseUrl, auth: auth(), env: io.env, ledger, ...http, onRetry, deadline: () => deadlineAt, ...(options.readOnly ? { readMemo: true } : {}) });
            clients.set(clientKey, client);
          }
          return client;
        },
        shared: <T>(sharedKey: string, make: () => T): T => {
          if (!shared.has(sharedKey)) shared.set(sharedKey, make());
          return shared.get(sharedKey) as T;
        },
      });
      connections.set(key, c);
    }
    return c;
  };

  return {
    ...files,
    env: io.env,
    // Gate evidence is judged at the run's time: the injected serving clock's, when there is one.
    now: io.now ?? (io.servingClock ? new Date(clock.now()) : new Date()),
    portsFor: (config, envName) => connected(config, envName).evidence,
    livePortsFor: (config, envName) => connected(config, envName).live,
    progress: compactProgress((m) => io.stderr(m + '\n')),
    actor: context.actor || io.env.USER || io.env.USERNAME || 'unknown',
    runUrl: context.runUrl,
    lockToken: randomUUID(),
    ...(parallelTargets !== null ? { parallelTargets } : {}),
    lockReclaimKey: reclaimKeyOf(context),
    // Lock expiry and heartbeats run on the same clock as endpoint waits (simulated in tests).
    ...(io.servingClock ? { clock: () => new Date(clock.now()) } : {}),
    ...(io.afterStep ? { afterStep: io.afterStep } : {}),
    promotionRegistryFor: (config, envName) => connected(config, envName).promotion,
    artifactTransferFor: (config, from, to) => {
      const source = connected(config, from);
      const destination = connected(config, to);
      if (source.kind !== destination.kind) {
        throw new UsageError(`cannot copy artifacts from ${environmentOf(config, from).registry} ("${from}") into ${destination.kind} ("${to}")`);
      }
      return destination.transferFrom(source);
    },
    endpointsFor: (config, envName) => connected(config, envName).endpoints,
    permissionsFor: (config, envName) => connected(config, envName).permissions,
    inputExampleFor: async (config, envName, version) => connected(config, envName).inputExample?.(version.name, version.version),
    requests: () => {
      const snap = ledger.snapshot();
      const stats = Object.values(snap.byEndpoint);
      return {
        total: snap.total,
        retries: snap.retries,
        byEndpoint: Object.fromEntries(Object.entries(snap.byEndpoint).map(([k, v]) => [k, v.count] as const).sort(([x], [y]) => x.localeCompare(y))),
        bytesReceived: stats.reduce((a, s) => a + s.bytesReceived, 0),
        bytesSent: stats.reduce((a, s) => a + s.bytesSent, 0),
      };
    },
  };
}
