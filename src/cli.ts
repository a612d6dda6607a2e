// The CLI: argv → Invocation → run → render → exit code. `runCli` is the testable core; the
// bundle's entry (cli-main.ts) binds it to the real process.

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from './config/types.js';
import { ConfigError, UsageError, ApiError, EXIT, formatDiagnostic, type ExitCode } from './errors.js';
import type { RegistryPorts } from './evidence/ports.js';
import { parseCliArgs, USAGE, type Invocation, type PlanInvocation, type ValidateInvocation } from './invocation.js';
import { readInputFile } from './platform/files.js';
import { createRequestLedger } from './platform/http/ledger.js';
import { httpSettingsFromEnv } from './platform/http/settings.js';
import { createRegistryPorts, environmentScopedEnv } from './platform/registry-factory.js';
import { renderMarkdown } from './report/markdown.js';
import { renderText } from './report/text.js';
import { exitCodeFor } from './result/exit.js';
import type { ResultDocument } from './result/types.js';
import { readConfig, runPlan, type RunDeps } from './run/plan.js';
import { listTargets } from './config/targets.js';
import { TOOL_VERSION } from './version.js';
import { parse } from 'yaml';
import { randomUUID } from 'node:crypto';
import type { PromoteInvocation, RollbackInvocation } from './invocation.js';
import type { PromotionRegistry } from './registry/ports.js';
import { registryIdOf } from './plan/inputs.js';
import { renderPlansMarkdown, renderPlansText } from './report/plans.js';
import { databricksAuthFromEnv, mlflowAuthFromEnv } from './platform/http/auth.js';
import { versionDirectory } from './platform/unity-catalog/files.js';
import {
  createUcArtifactStaging,
  createUnityCatalogArtifactTransfer,
  createUnityCatalogPromotionRegistry,
  type UcArtifactStaging,
} from './platform/unity-catalog/writer.js';
import { createHttpClient } from './platform/http/client.js';
import { createMlflowArtifactTransfer, createMlflowPromotionRegistry } from './platform/mlflow/writer.js';
import type { HttpClient } from './platform/http/types.js';
import { promoteExitCode, runPromote, withPromotionPlans, type PromoteDeps } from './run/promote.js';
import type { EndpointPorts } from './apply/endpoints.js';
import { createMonitoringClient } from './platform/monitoring/index.js';
import { createServingClient } from './platform/serving/index.js';
import { createServingRolloutPort } from './rollout/step.js';
import { rollbackExitCode, runRollback } from './run/rollback.js';
import { createMonitorPort } from './endpoint/monitor-step.js';
import type { ServingClock } from './endpoint/ports.js';
import { systemClock } from './endpoint/ports.js';

// The emulator and the demo serve only `mlops-gate emulator` and `demo`: loaded when those run, not at
// every start. webpackMode "eager" keeps them inside the one bundle file (ncc would split a chunk).
const loadEmulator = () => import(/* webpackMode: "eager" */ './emulator/index.js');
const loadDemo = () => import(/* webpackMode: "eager" */ './demo/run.js');
const loadDemoScenario = () => import(/* webpackMode: "eager" */ './demo/scenario.js');

export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly now?: Date;
  /** Resolves when the process should stop (long-running commands such as `emulator`). */
  readonly untilStopped?: () => Promise<void>;
  /** Test seam: the clock serving waits and canary pauses use (default: real time). */
  readonly servingClock?: ServingClock;
  /** Test seam (crash tests): awaited after each promotion/rollback step; see ApplyOptions.afterStep. */
  readonly afterStep?: (stepId: string, index: number) => Promise<void>;
}

const resolvePath = (cwd: string, p: string): string => (p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p}`);

export function fileDeps(io: CliIO): Pick<RunDeps, 'readFile' | 'writeFile'> {
  return {
    readFile: (p) => readInputFile(resolvePath(io.cwd, p), p),
    writeFile: (p, text) => {
      const full = resolvePath(io.cwd, p);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    },
  };
}

/** Real registry adapters sharing one request ledger. */
export function liveDeps(io: CliIO): RunDeps {
  const ledger = createRequestLedger();
  const cache = new Map<string, RegistryPorts>();
  return {
    ...fileDeps(io),
    env: io.env,
    now: io.now ?? new Date(),
    portsFor: (config: Config, envName: string) => {
      let ports = cache.get(envName);
      if (!ports) {
        const environment = config.environments.get(envName);
        if (!environment) throw new UsageError(`unknown environment "${envName}"`);
        ports = createRegistryPorts(environment, { env: io.env, ledger });
        cache.set(envName, ports);
      }
      return ports;
    },
    requests: () => {
      const snap = ledger.snapshot();
      const stats = Object.values(snap.byEndpoint);
      return {
        total: snap.total,
        retries: snap.retries,
        byEndpoint: Object.fromEntries(Object.entries(snap.byEndpoint).map(([k, v]) => [k, v.count])),
        bytesReceived: stats.reduce((a, s) => a + s.bytesReceived, 0),
        bytesSent: stats.reduce((a, s) => a + s.bytesSent, 0),
      };
    },
    progress: (m) => io.stderr(m + '\n'),
  };
}

export function renderResult(result: ResultDocument, format: PlanInvocation['format']): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2) + '\n';
    case 'markdown':
      return renderMarkdown(result);
    case 'text':
      return renderText(result);
  }
}

function runValidate(inv: ValidateInvocation, io: CliIO): ExitCode {
  const deps = { ...fileDeps(io), env: io.env, now: io.now ?? new Date() };
  const { config, warnings } = readConfig(inv.configPath, deps);
  const targets = listTargets(config, {});
  const gateCount = [...config.policies.values()].reduce((n, p) => n + p.gates.length, 0);
  const failed = inv.strict && warnings.length > 0;
  if (inv.format === 'json') {
    io.stdout(
      JSON.stringify(
        {
          valid: !failed,
          file: config.file,
          digest: config.digest,
          environments: [...config.environments.keys()],
          models: [...config.models.keys()],
          policies: [...config.policies.keys()],
          gates: gateCount,
          targets: targets.map((t) => ({ model: t.model, from: t.from, to: t.to })),
          diagnostics: warnings,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const w of warnings) io.stderr(formatDiagnostic(w) + '\n');
    io.stdout(
      `${failed ? '✗' : '✓'} ${config.file} ${failed ? 'has warnings (--strict)' : 'is valid'}: ${config.environments.size} environment(s), ` +
        `${config.models.size} model(s), ${config.policies.size} polic${config.policies.size === 1 ? 'y' : 'ies'} (${gateCount} gates), ` +
        `${targets.length} target(s)\n`,
    );
  }
  return failed ? EXIT.invalid : EXIT.ok;
}

async function runEmulator(inv: Extract<Invocation, { command: 'emulator' }>, io: CliIO): Promise<ExitCode> {
  const { readFile } = fileDeps(io);
  let seed: unknown = undefined;
  if (inv.seedPath === 'demo') {
    seed = (await loadDemoScenario()).DEMO_SEED; // the demo's workspace (examples/demo/mlops.yml plans against it)
  } else if (inv.seedPath) {
    const text = readFile(inv.seedPath);
    if (text === null) throw new UsageError(`seed file not found: ${inv.seedPath}`);
    try {
      seed = parse(text);
    } catch (e) {
      throw new UsageError(`${inv.seedPath}: cannot parse seed file: ${(e as Error).message}`);
    }
  }
  const { startEmulator, defaultModules, DEFAULT_TOKEN } = await loadEmulator();
  const emulator = await startEmulator({
    port: inv.port,
    host: inv.host,
    statePath: inv.statePath ? resolvePath(io.cwd, inv.statePath) : undefined,
    seed,
    modules: defaultModules(),
  });
  io.stderr(`mlops-gate emulator listening on ${emulator.url} (token ${DEFAULT_TOKEN}; Ctrl-C to stop)\n`);
  await (io.untilStopped ?? (() => new Promise<void>(() => undefined)))();
  await emulator.close();
  return EXIT.ok;
}

/** Who acts and from which CI run, from the GitHub Actions environment when there is one. */
export function actorOf(env: CliIO['env']): { actor: string; runUrl: string | null } {
  const actor = env.GITHUB_ACTOR || env.USER || env.USERNAME || 'unknown';
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL.replace(/\/$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : null;
  return { actor, runUrl };
}

/** Live deps for promote/rollback: the plan deps plus registry writers, with request totals over both. */
/**
 * The same CI job across attempts: a GitHub re-run keeps GITHUB_RUN_ID, so it may reclaim (or clean
 * up) the lock an earlier attempt left behind. GITHUB_JOB keeps two jobs of one run apart.
 */
const reclaimKeyOf = (env: Readonly<Record<string, string | undefined>>): string | null =>
  env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? [env.GITHUB_REPOSITORY, env.GITHUB_RUN_ID, env.GITHUB_JOB].filter(Boolean).join('/') : null;

export function livePromoteDeps(io: CliIO): PromoteDeps {
  const base = liveDeps(io);
  const ledger = createRequestLedger();
  const writers = new Map<string, PromotionRegistry>();
  const clients = new Map<string, HttpClient>();
  const environmentOf = (config: Config, envName: string) => {
    const environment = config.environments.get(envName);
    if (!environment) throw new UsageError(`unknown environment "${envName}"`);
    return environment;
  };
  const mlflowEnv = (config: Config, envName: string) => {
    const environment = environmentOf(config, envName);
    if (environment.registry !== 'mlflow') throw new UsageError(`environment "${envName}" is ${environment.registry}, not an MLflow server`);
    return environment;
  };
  // Unity Catalog: one client per workspace and credential set (DATABRICKS_TOKEN_<ENV> wins, as for evidence).
  const ucClientFor = (config: Config, envName: string): HttpClient => {
    const environment = environmentOf(config, envName);
    if (environment.registry !== 'databricks-uc') throw new UsageError(`environment "${envName}" is ${environment.registry}, not Unity Catalog`);
    const host = environment.host.replace(/\/+$/, '');
    const env = environmentScopedEnv(io.env, envName);
    const key = `uc:${host}:${env === io.env ? '' : envName}`;
    let client = clients.get(key);
    if (!client) {
      client = createHttpClient({ baseUrl: host, auth: databricksAuthFromEnv(host, env), env: io.env, ledger, ...httpSettingsFromEnv(io.env) });
      clients.set(key, client);
    }
    return client;
  };
  // The UC registry and the transfer into it share one staging area (files read from the source, uploaded by createVersion).
  const ucStaging = new Map<string, UcArtifactStaging>();
  const endpointPorts = new Map<string, EndpointPorts>();
  const stagingFor = (registryId: string): UcArtifactStaging => {
    let staging = ucStaging.get(registryId);
    if (!staging) {
      staging = createUcArtifactStaging();
      ucStaging.set(registryId, staging);
    }
    return staging;
  };
  const clientFor = (trackingUri: string): HttpClient => {
    const baseUrl = trackingUri.replace(/\/+$/, '');
    let client = clients.get(baseUrl);
    if (!client) {
      client = createHttpClient({ baseUrl, auth: mlflowAuthFromEnv(io.env), env: io.env, ledger, ...httpSettingsFromEnv(io.env) });
      clients.set(baseUrl, client);
    }
    return client;
  };
  const { actor, runUrl } = actorOf(io.env);
  return {
    ...base,
    actor,
    runUrl,
    lockToken: randomUUID(),
    lockReclaimKey: reclaimKeyOf(io.env),
    // Lock expiry and heartbeats run on the same clock as endpoint waits (simulated in tests).
    ...(io.servingClock ? { clock: () => new Date(io.servingClock!.now()) } : {}),
    promotionRegistryFor: (config: Config, envName: string) => {
      const environment = environmentOf(config, envName);
      const id = registryIdOf(environment);
      let writer = writers.get(`${id}|${envName}`);
      if (!writer) {
        writer =
          environment.registry === 'mlflow'
            ? createMlflowPromotionRegistry({ http: clientFor(environment.trackingUri), registryId: id })
            : createUnityCatalogPromotionRegistry({ http: ucClientFor(config, envName), registryId: id, staging: stagingFor(id) });
        writers.set(`${id}|${envName}`, writer);
      }
      return writer;
    },
    endpointsFor: (config: Config, envName: string): EndpointPorts | undefined => {
      if (environmentOf(config, envName).registry !== 'databricks-uc') return undefined;
      let ports = endpointPorts.get(envName);
      if (!ports) {
        const http = ucClientFor(config, envName);
        const clock = io.servingClock ?? systemClock;
        const serving = createServingClient({ http, clock });
        ports = { serving, rollout: createServingRolloutPort({ serving, clock }), monitor: createMonitorPort(createMonitoringClient({ http })) };
        endpointPorts.set(envName, ports);
      }
      return ports;
    },
    ...(io.afterStep ? { afterStep: io.afterStep } : {}),
    inputExampleFor: async (config: Config, envName: string, version: { name: string; version: string }) =>
      environmentOf(config, envName).registry === 'databricks-uc' ? readInputExample(ucClientFor(config, envName), version.name, version.version) : undefined,
    artifactTransferFor: (config: Config, from: string, to: string) => {
      const destination = environmentOf(config, to);
      if (destination.registry === 'databricks-uc') {
        return createUnityCatalogArtifactTransfer({
          source: ucClientFor(config, from),
          destination: ucClientFor(config, to),
          staging: stagingFor(registryIdOf(destination)),
        });
      }
      return createMlflowArtifactTransfer(clientFor(mlflowEnv(config, from).trackingUri), clientFor(mlflowEnv(config, to).trackingUri));
    },
    requests: () => {
      const a = base.requests?.() ?? { total: 0, retries: 0, byEndpoint: {}, bytesReceived: 0, bytesSent: 0 };
      const snap = ledger.snapshot();
      const byEndpoint: Record<string, number> = { ...a.byEndpoint };
      for (const [k, v] of Object.entries(snap.byEndpoint)) byEndpoint[k] = (byEndpoint[k] ?? 0) + v.count;
      const stats = Object.values(snap.byEndpoint);
      return {
        total: a.total + snap.total,
        retries: a.retries + snap.retries,
        byEndpoint: Object.fromEntries(Object.entries(byEndpoint).sort(([x], [y]) => x.localeCompare(y))),
        bytesReceived: a.bytesReceived + stats.reduce((n, s) => n + s.bytesReceived, 0),
        bytesSent: a.bytesSent + stats.reduce((n, s) => n + s.bytesSent, 0),
      };
    },
  };
}

/**
 * The `input_example.json` MLflow logs next to the MLmodel, as a scoring request body: pandas
 * `split` orient (`{columns, data}`) → `dataframe_split`, a list of records → `dataframe_records`,
 * a body already in serving form as is. undefined when the model has none.
 */
export async function readInputExample(http: HttpClient, fullName: string, version: string): Promise<unknown> {
  let text: string;
  try {
    const res = await http.request<unknown>({
      method: 'GET',
      path: `/api/2.0/fs/files${versionDirectory(fullName, version)}/input_example.json`,
      endpoint: 'GET /api/2.0/fs/files/Models/{model}/{version}/…',
      responseType: 'text',
    });
    text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  } catch (e) {
    if (e instanceof ApiError && (e.details.status === 404 || e.errorCode === 'NOT_FOUND' || e.errorCode === 'RESOURCE_DOES_NOT_EXIST')) return undefined;
    throw e;
  }
  let example: unknown;
  try {
    example = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(example)) return { dataframe_records: example };
  if (example && typeof example === 'object') {
    const o = example as Record<string, unknown>;
    if ('dataframe_split' in o || 'dataframe_records' in o || 'inputs' in o || 'instances' in o) return o;
    if ('columns' in o && 'data' in o) return { dataframe_split: o };
  }
  return undefined;
}

/** The gate report, then the promotion/rollback plan section. */
export function renderPromotion(result: ResultDocument, format: PromoteInvocation['format']): string {
  if (format === 'json') return renderResult(result, format);
  const plans = format === 'markdown' ? renderPlansMarkdown(result) : renderPlansText(result);
  return `${renderResult(result, format)}\n${plans}`;
}

async function runPromoteCommand(inv: PromoteInvocation | RollbackInvocation, io: CliIO, deps: PromoteDeps = livePromoteDeps(io)): Promise<ExitCode> {
  const result = inv.command === 'promote' ? await runPromote(inv, deps) : await runRollback(inv, deps);
  io.stdout(renderPromotion(result, inv.format));
  if (inv.resultPath) deps.writeFile(inv.resultPath, JSON.stringify(result, null, 2) + '\n');
  return inv.command === 'promote' ? promoteExitCode(result, inv.failOn) : rollbackExitCode(result);
}

/** Run one CLI invocation; never throws, always returns an exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    const inv = parseCliArgs(argv);
    switch (inv.command) {
      case 'help':
        io.stdout(USAGE);
        return EXIT.ok;
      case 'version':
        io.stdout(`mlops-gate ${TOOL_VERSION}\n`);
        return EXIT.ok;
      case 'validate':
        return runValidate(inv, io);
      case 'demo':
        return await (await loadDemo()).runDemo(io, inv.format);
      case 'emulator':
        return await runEmulator(inv, io);
      case 'plan': {
        const deps = livePromoteDeps(io);
        const { result: gated, evidence } = await runPlan(inv, deps);
        // The exact promotion plan (and hash) of each passing target, read-only.
        const result = await withPromotionPlans(inv, gated, evidence, deps);
        io.stdout(renderPromotion(result, inv.format));
        if (inv.resultPath) deps.writeFile(inv.resultPath, JSON.stringify(result, null, 2) + '\n');
        return exitCodeFor(result, inv.failOn);
      }
      case 'promote':
      case 'rollback':
        return await runPromoteCommand(inv, io);
    }
  } catch (e) {
    return reportFailure(e, io);
  }
}

function reportFailure(e: unknown, io: CliIO): ExitCode {
  if (e instanceof ConfigError) {
    for (const d of e.diagnostics) io.stderr(formatDiagnostic(d) + '\n');
    io.stderr(`✗ ${e.total.toLocaleString('en-US')} error(s) in the configuration; nothing was contacted.\n`);
    return EXIT.invalid;
  }
  if (e instanceof UsageError) {
    io.stderr(`error: ${e.message}\n\n${USAGE}`);
    return EXIT.invalid;
  }
  if (e instanceof ApiError) {
    io.stderr(`error: ${e.message}\n`);
    return EXIT.evidence;
  }
  // A bug, not a user error: say so plainly; the stack only on request.
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr(`internal error (please report): ${err.message}\n`);
  if (io.env.MLOPS_GATE_DEBUG) io.stderr(`${err.stack ?? ''}\n`);
  return EXIT.internal;
}
