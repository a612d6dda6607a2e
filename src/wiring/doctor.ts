// `mlops-gate doctor`: for every environment of mlops.yml, ask the real workspace or server what
// plan and promote will rely on, read-only unless `--probe-writes CATALOG.SCHEMA`, and report one
// row per check (src/doctor). Probes are src/platform/*/probe.ts; credentials as for every command
// (per environment DATABRICKS_TOKEN_<ENV> and the like).

import { randomUUID } from 'node:crypto';
import { registeredModelName } from '../config/names.js';
import { listTargets } from '../config/targets.js';
import type { Config, Environment, EnvironmentOf } from '../config/types.js';
import { artifactProxyCheck, endpointCheck, existsCheck, filesApiCheck, identityCheck, metricsCheck, mlflowRegistryCheck, mlflowVersionCheck, modelFilesCheck, monitorCheck, reachableCheck } from '../doctor/checks.js';
import { privilegeChecks, requiredPrivileges, type EffectivePermissions, type ModelRoles } from '../doctor/privileges.js';
import { probeChecks } from '../doctor/probes.js';
import { summarise, type Answer, type DoctorCheck, type DoctorReport } from '../doctor/types.js';
import { desiredMonitor } from '../endpoint/monitor.js';
import { systemClock } from '../endpoint/ports.js';
import { UsageError } from '../errors.js';
import type { DoctorInvocation } from '../invocation.js';
import { databricksAuthFromEnv, mlflowAuthFromEnv, type NamedAuthProvider } from '../platform/http/auth.js';
import { createHttpClient, type ClosableHttpClient } from '../platform/http/client.js';
import { httpSettingsFromEnv } from '../platform/http/settings.js';
import { mlflowReadProbes } from '../platform/mlflow/probe.js';
import { createMonitoringClient } from '../platform/monitoring/client.js';
import { createServingClient } from '../platform/serving/client.js';
import { answerOf, ucReadProbes, ucWriteProbes } from '../platform/unity-catalog/probe.js';
import { endpointName, servingApplies } from '../rollout/spec.js';
import { readConfig } from '../run/plan.js';
import { TOOL_VERSION } from '../version.js';
import { environmentScopedEnv } from './credentials.js';
import { fileAccess, type CliIO } from './io.js';

/** The models an environment holds, and whether plan reads them there (source) or promote writes (destination). */
function modelsOf(config: Config, env: Environment): { id: string; name: string; roles: ModelRoles; mode: string; candidateAlias: string | null }[] {
  const targets = listTargets(config);
  return [...config.models.values()]
    .map((m) => {
      const roles = { source: targets.some((t) => t.model === m.id && t.from === env.name), destination: targets.some((t) => t.model === m.id && t.to === env.name) };
      return { id: m.id, name: registeredModelName(config, m.id, env.name), roles, mode: m.promotion, candidateAlias: m.candidate.kind === 'alias' ? m.candidate.alias : null };
    })
    .filter((m) => m.roles.source || m.roles.destination);
}

const SCRATCH = /^[^.\s/]+\.[^.\s/]+$/;

export async function runDoctor(inv: DoctorInvocation, io: CliIO): Promise<DoctorReport> {
  if (inv.probeWrites !== null && !SCRATCH.test(inv.probeWrites)) {
    throw new UsageError(`doctor: --probe-writes takes a scratch schema as CATALOG.SCHEMA (got "${inv.probeWrites}")`);
  }
  const { config } = readConfig(inv.configPath, { ...fileAccess(io.cwd), env: io.env, now: io.now ?? new Date() });
  if (inv.env !== null && !config.environments.has(inv.env)) {
    throw new UsageError(`doctor: unknown environment "${inv.env}"; environments in ${config.file}: ${[...config.environments.keys()].join(', ')}`);
  }
  const settings = (({ deadlineSeconds: _d, ...rest }) => rest)(httpSettingsFromEnv(io.env));
  const clients: ClosableHttpClient[] = [];
  const client = (baseUrl: string, auth: NamedAuthProvider): ClosableHttpClient => {
    const c = createHttpClient({ baseUrl, auth, env: io.env, maxAttempts: 2, ...settings });
    clients.push(c);
    return c;
  };
  const checks: DoctorCheck[] = [];
  const probedHosts = new Set<string>();
  const say = (line: string) => io.stderr(`${line}\n`);
  try {
    for (const env of config.environments.values()) {
      if (inv.env !== null && env.name !== inv.env) continue;
      say(`doctor: ${env.name} (${env.registry})…`);
      if (env.registry === 'mlflow') checks.push(...(await mlflowEnvironment(config, env as EnvironmentOf<'mlflow'>, io, client)));
      else {
        const uc = env as EnvironmentOf<'databricks-uc'>;
        const rows = await ucEnvironment(config, uc, io, client);
        checks.push(...rows.checks);
        const host = uc.host.replace(/\/+$/, '').toLowerCase();
        if (inv.probeWrites !== null && rows.http && !probedHosts.has(host)) {
          probedHosts.add(host);
          say(`doctor: ${env.name}: write probes in ${inv.probeWrites} (everything created is deleted)…`);
          checks.push(...probeChecks(env.name, await ucWriteProbes(rows.http, inv.probeWrites, randomUUID().replace(/-/g, '').slice(0, 10))));
        }
      }
    }
    if (inv.probeWrites !== null && probedHosts.size === 0) {
      checks.push({ environment: '-', check: 'probe: write probes', status: 'warn', detail: 'no Unity Catalog environment was reachable: nothing was probed', fix: 'the write probes run in Unity Catalog workspaces (MLflow\'s behaviours are sourced from its code)' });
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return { tool: TOOL_VERSION, config: inv.configPath, probeWrites: inv.probeWrites, checks, summary: summarise(checks) };
}

type ClientFactory = (baseUrl: string, auth: NamedAuthProvider) => ClosableHttpClient;

const credentialRow = (environment: string, e: unknown): DoctorCheck => ({
  environment,
  check: 'credentials',
  status: 'fail',
  detail: e instanceof Error ? e.message : String(e),
  fix: 'set the variables named in the detail (docs/config.md, credentials per environment)',
});

async function mlflowEnvironment(config: Config, env: EnvironmentOf<'mlflow'>, io: CliIO, client: ClientFactory): Promise<DoctorCheck[]> {
  let auth: NamedAuthProvider;
  try {
    auth = mlflowAuthFromEnv(io.env);
  } catch (e) {
    return [credentialRow(env.name, e)];
  }
  const probes = mlflowReadProbes(client(env.trackingUri.replace(/\/+$/, ''), auth));
  const rows: DoctorCheck[] = [];
  const version = await probes.version();
  rows.push(mlflowVersionCheck(env.name, env.trackingUri, version));
  if (!version.ok && version.status === null) return rows;
  rows.push(mlflowRegistryCheck(env.name, await probes.registry()));
  // Artifacts move through the proxy when a copy comes from another server.
  const transfersInto = listTargets(config).some((t) => {
    const from = config.environments.get(t.from);
    return t.to === env.name && config.models.get(t.model)?.promotion === 'copy' && from?.registry === 'mlflow' && from.trackingUri !== env.trackingUri;
  });
  rows.push(artifactProxyCheck(env.name, await probes.artifacts(), transfersInto));
  for (const m of modelsOf(config, env)) {
    rows.push(
      existsCheck(env.name, `model ${m.name}`, await probes.model(m.name), m.roles.source
        ? { status: 'fail', detail: 'does not exist: plan reads the candidate here', fix: `register ${m.name}, or fix models.${m.id}.name in mlops.yml` }
        : { status: 'pass', detail: 'does not exist yet: promote creates it (copy mode)', fix: null }),
    );
  }
  return rows;
}

async function ucEnvironment(config: Config, env: EnvironmentOf<'databricks-uc'>, io: CliIO, client: ClientFactory): Promise<{ checks: DoctorCheck[]; http: ClosableHttpClient | null }> {
  const host = env.host.replace(/\/+$/, '');
  let auth: ReturnType<typeof databricksAuthFromEnv>;
  try {
    auth = databricksAuthFromEnv(host, environmentScopedEnv(io.env, env.name));
  } catch (e) {
    return { checks: [credentialRow(env.name, e)], http: null };
  }
  const http = client(host, auth);
  const probes = ucReadProbes(http);
  const rows: DoctorCheck[] = [];
  const me = await probes.me();
  rows.push(reachableCheck(env.name, host, me));
  if (!me.ok && me.status === null) return { checks: rows, http: null };
  rows.push(identityCheck(env.name, me, auth.kind));
  const principal = me.ok ? me.body.userName ?? null : null;
  const groups = me.ok ? (me.body.groups ?? []).map((g) => g.display).filter((g): g is string => !!g) : [];
  const mine = (owner: string | undefined): boolean => owner !== undefined && (owner === principal || groups.includes(owner));

  const fullSchema = `${env.catalog}.${env.schema}`;
  const catalog = await probes.catalog(env.catalog);
  rows.push(existsCheck(env.name, `catalog ${env.catalog}`, catalog, { status: 'fail', detail: 'does not exist', fix: `create it or fix environments.${env.name}.catalog` }, catalog.ok ? `exists (owner ${catalog.body.owner ?? '?'})` : undefined));
  const schema = await probes.schema(fullSchema);
  rows.push(existsCheck(env.name, `schema ${fullSchema}`, schema, { status: 'fail', detail: 'does not exist', fix: `create it or fix environments.${env.name}.schema` }, schema.ok ? `exists (owner ${schema.body.owner ?? '?'})` : undefined));

  const models = modelsOf(config, env);
  const owners = new Map<string, string | null>([
    [`catalog/${env.catalog}`, catalog.ok ? catalog.body.owner ?? null : null],
    [`schema/${fullSchema}`, schema.ok ? schema.body.owner ?? null : null],
  ]);
  const absent = new Set<string>();
  for (const m of models) {
    const info = await probes.model(m.name);
    if (!info.ok) absent.add(m.name);
    owners.set(`function/${m.name}`, info.ok ? info.body.owner ?? null : null);
    const aliases = info.ok ? info.body.aliases ?? [] : [];
    const owner = info.ok ? ` (owner ${info.body.owner ?? '?'})` : '';
    if (info.ok && m.roles.destination && principal && info.body.owner && !mine(info.body.owner)) {
      rows.push({
        environment: env.name,
        check: `ownership of ${m.name}`,
        status: 'warn',
        detail: `the owner is ${info.body.owner}, not ${principal} or one of its groups: creating versions and moving aliases need the owner (or a metastore admin)`,
        fix: `ALTER MODEL ${m.name.split('.').map((p) => `\`${p}\``).join('.')} OWNER TO \`${principal}\` (or to a group it belongs to)`,
      });
    }
    rows.push(
      existsCheck(env.name, `model ${m.name}`, info, m.roles.source
        ? { status: 'fail', detail: 'does not exist: plan reads the candidate here', fix: `register ${m.name}, or fix models.${m.id}.name in mlops.yml` }
        : m.mode === 'copy'
          ? { status: 'pass', detail: 'does not exist yet: promote creates it (needs CREATE MODEL on the schema)', fix: null }
          : { status: 'fail', detail: `does not exist: promotion: ${m.mode} moves aliases within it`, fix: `register ${m.name}` }, `exists${owner}`),
    );
    // The candidate's files as plan reads them (MLmodel through the Files API, ledger #66).
    if (m.roles.source && info.ok) {
      const pick = aliases.find((a) => a.alias_name === m.candidateAlias) ?? aliases[0];
      if (pick?.version_num !== undefined) rows.push(modelFilesCheck(env.name, m.name, String(pick.version_num), await probes.versionFiles(m.name, String(pick.version_num))));
    }
  }
  const copiesInto = models.some((m) => m.roles.destination && m.mode === 'copy');
  if (models.length) rows.push(filesApiCheck(env.name, await probes.filesApiEnabled(), copiesInto));

  if (principal) {
    // A model that does not exist yet has no permissions of its own: the schema's decide (CREATE_MODEL).
    const requirements = requiredPrivileges(env.catalog, env.schema, models.map((m) => ({ name: m.name, roles: m.roles }))).filter((r) => !(r.securable === 'function' && absent.has(r.name)));
    const answers = new Map<string, Answer<EffectivePermissions>>();
    for (const r of requirements) {
      const key = `${r.securable}/${r.name}`;
      if (!answers.has(key)) answers.set(key, await probes.effectivePermissions(r.securable, r.name));
    }
    rows.push(...privilegeChecks(env.name, principal, groups, requirements, answers, owners));
  }

  // Serving endpoints and their metrics export; monitors.
  const serving = createServingClient({ http, clock: systemClock });
  const monitoring = createMonitoringClient({ http });
  for (const m of models.filter((x) => x.roles.destination)) {
    const model = config.models.get(m.id)!;
    if (model.serving && servingApplies(model.serving, env.name)) {
      const name = endpointName(model.serving, env.name, m.id);
      const endpoint = await answerOf(serving.getEndpoint(name));
      const view = endpoint.ok ? endpoint.body : null;
      rows.push(
        endpointCheck(
          env.name,
          name,
          endpoint.ok ? (view ? { ok: true, status: 200, body: { state: { ready: view.ready ? 'READY' : 'NOT_READY', config_update: view.configUpdate } } } : { ok: false, status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST', message: 'absent' }) : endpoint,
        ),
      );
      if (view) rows.push(metricsCheck(env.name, name, await answerOf(serving.readMetrics(name)), model.serving.health.entityLabel));
    }
    if (model.monitor && (model.monitor.environments === null || model.monitor.environments.includes(env.name))) {
      const desired = desiredMonitor(model.monitor, env.name, { model: m.id });
      if (!desired.ok) continue;
      const state = await answerOf(monitoring.inspect(model.monitor.api, desired.monitor));
      rows.push(monitorCheck(env.name, desired.monitor.table, model.monitor.api, state.ok ? { ok: true, status: 200, body: { state: state.body.state, ...('message' in state.body ? { message: state.body.message } : {}) } } : state));
    }
  }
  return { checks: rows, http };
}
