// Seeded chaos for promotions, shared by `npm run bench:chaos` (200 seeds) and
// test/e2e/promote/chaos.test.ts (a dozen fixed seeds in `npm test`).
//
// One seed = one scenario and one fault plan, both derived from the seed:
//   - scenario: UC copy across catalogs with a canary [50,100] rollout and a monitor, UC copy with
//     replace, UC copy with blue_green (each sometimes into a second workspace), or UC alias mode
//     (with or without a replace rollout); sometimes followed by a `rollback`;
//   - faults: on every route of the Databricks emulator, one rule per kind (5xx, 429 with
//     Retry-After 0, connection reset, lost response, and a latency longer than the client's timeout),
//     together faulting a request with probability `rate` (or each kind with `rate`: `perKind`),
//     drawn by the emulator's seeded FaultInjector; plus a "kill" (an `afterStep` hook throwing
//     KilledError) with probability `rate` after each step.
// Each command is run through `runCli` in this process (real HTTP, simulated serving clock), then
// re-run — same GITHUB_RUN_ID, faults still on, a new draw — until it exits 0 with status
// applied/up-to-date, at most `maxReruns` times; if it still has not, once more with faults off.
// Then, faults off, the invariants are checked (see `checkEndState`), and a last fault-free re-run
// must make zero writes and leave no lock.
//
// Replays: the scenario, the kill draws and the emulator's fault draws are fixed by the seed, but
// requests that run concurrently (evidence, the plan preview) may reach the emulator in another
// order, and timeouts are real time, so a replay follows the same plan without being bit-exact.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilledError } from '../src/apply/executor.js';
import { runCli } from '../src/cli.js';
import { FaultInjector, type FaultDecision, type FaultRule } from '../src/emulator/core/faults.js';
import type { StrictOption } from '../src/emulator/core/strict.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { mulberry32 } from '../src/emulator/core/faults.js';
import type { ResultDocument } from '../src/result/types.js';

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** The emulator injector's generator: small and reproducible. */
export const prng = mulberry32;

/** A 32-bit seed for one purpose of one run (scenario, kills, the n-th attempt's fault draw). */
export const deriveSeed = (seed: number, purpose: string): number => {
  let h = 2166136261; // FNV-1a over the text
  for (const ch of `${seed}:${purpose}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
};

// ---------------------------------------------------------------------------------------------
// Scenarios

export type ScenarioKind = 'copy-canary-monitor' | 'copy-replace' | 'copy-blue-green' | 'alias';

export interface Scenario {
  readonly kind: ScenarioKind;
  /** Destination workspace of a copy: `default` (across catalogs) or `west` (across workspaces). */
  readonly workspace: 'default' | 'west';
  /** alias mode only: whether the model has a (replace) serving rollout. */
  readonly serving: boolean;
  readonly rollback: boolean;
}

export const scenarioFor = (seed: number): Scenario => {
  const r = prng(deriveSeed(seed, 'scenario'));
  const kinds: readonly ScenarioKind[] = ['copy-canary-monitor', 'copy-replace', 'copy-blue-green', 'alias'];
  const kind = kinds[Math.floor(r() * kinds.length)]!;
  const acrossWorkspaces = r() < 0.3;
  const serving = r() < 0.6;
  const rollback = r() < 0.35;
  return {
    kind,
    workspace: kind === 'alias' || !acrossWorkspaces ? 'default' : 'west',
    serving: kind === 'alias' ? serving : true,
    rollback,
  };
};

export const describeScenario = (s: Scenario): string =>
  [
    s.kind === 'alias' ? `alias mode${s.serving ? ' + replace' : ''}` : s.kind.replace(/^copy-/, 'copy + ').replace('-monitor', ' + monitor').replace('blue-green', 'blue_green'),
    s.workspace === 'west' ? 'across workspaces' : s.kind === 'alias' ? '' : 'across catalogs',
    s.rollback ? 'then rollback' : '',
  ]
    .filter(Boolean)
    .join(', ');

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'double', name: 'probability', required: true }] };
const INPUT_EXAMPLE = JSON.stringify({ columns: ['tenure_months'], data: [[12]] });
const version = (pkl: string) => ({
  description: 'Gradient boosting on the 2026-11 snapshot.',
  tags: { owner: 'churn-team' },
  signature: SIGNATURE,
  files: { 'model.pkl': pkl, 'input_example.json': INPUT_EXAMPLE },
});
const entity = (model: string, v: string) => ({ name: `churn-${v}`, entity_name: model, entity_version: v, workload_size: 'Small', scale_to_zero_enabled: false });
const PAYLOAD_TABLE = { name: 'prod.monitoring.churn_payload', columns: [{ name: 'timestamp_ms', type_name: 'LONG' }, { name: 'prediction', type_name: 'DOUBLE' }] };
// Live traffic stands in for the endpoint's users: the canary's health check needs requests to judge.
const SERVING = (endpoints: unknown[]) => ({ update_duration_ms: 10_000, ready_delay_ms: 0, live_traffic_per_minute: 100, endpoints });

/** Everything every scenario needs; `admin.reset()` brings it back before each seed. */
const WORLD = {
  workspaces: {
    default: {
      catalog: {
        catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml', 'monitoring'] }, { name: 'shared', schemas: ['ml'] }],
        tables: [PAYLOAD_TABLE],
      },
      registry: {
        models: [
          { name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version('v1'), version('v2')] },
          { name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version('v1')] },
          // alias mode: one model, the candidate and the champion are aliases on it.
          { name: 'shared.ml.churn', aliases: { challenger: 2, champion: 1, prod: 1 }, versions: [version('v1'), version('v2')] },
        ],
      },
      serving: SERVING([
        { name: 'churn-prod', config: { served_entities: [entity('prod.ml.churn', '1')] } },
        { name: 'churn-alias-prod', config: { served_entities: [entity('shared.ml.churn', '1')] } },
      ]),
      monitors: { activation_ms: 0, refresh_duration_ms: 500 },
    },
    west: {
      catalog: { catalogs: [{ name: 'prod', schemas: ['ml', 'monitoring'] }], tables: [PAYLOAD_TABLE] },
      registry: { models: [{ name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version('v1')] }] },
      serving: SERVING([{ name: 'churn-prod', config: { served_entities: [entity('prod.ml.churn', '1')] } }]),
      monitors: { activation_ms: 0, refresh_duration_ms: 500 },
    },
  },
};

const MONITOR = `    monitor:
      table: "prod.monitoring.churn_payload"
      output_schema: "prod.monitoring"
      inference_log: { problem_type: classification, prediction_col: prediction, timestamp_col: timestamp_ms, model_id_col: model_version, granularities: ["1 day"] }
`;

const configFor = (s: Scenario, emu: RunningEmulator): string => {
  const source = emu.workspaceUrl('default');
  const policies = `policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
`;
  if (s.kind === 'alias') {
    return `version: 1
environments:
  dev: { registry: databricks-uc, host: ${source}, catalog: shared, schema: ml }
  prod: { registry: databricks-uc, host: ${source}, catalog: shared, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    promotion: alias
    candidate: { alias: challenger }
    policies: [release]
${s.serving ? '    serving: { endpoint: "churn-alias-${env}", strategy: replace, workload_size: Small, wait_timeout: 5m }\n' : ''}${policies}`;
  }
  const strategy =
    s.kind === 'copy-canary-monitor' ? 'strategy: canary, steps: [50, 100], pause: 1m' : s.kind === 'copy-replace' ? 'strategy: replace' : 'strategy: blue_green';
  return `version: 1
environments:
  dev: { registry: databricks-uc, host: ${source}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${emu.workspaceUrl(s.workspace)}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [release]
    serving: { endpoint: "churn-\${env}", ${strategy}, workload_size: Small, wait_timeout: 5m }
${s.kind === 'copy-canary-monitor' ? MONITOR : ''}${policies}`;
};

/** Where the scenario's destination lives, for the checks. */
const destinationOf = (s: Scenario) =>
  s.kind === 'alias'
    ? { workspace: 'default', catalog: 'shared', model: 'shared.ml.churn', endpoint: s.serving ? 'churn-alias-prod' : null, aliases: ['champion', 'prod'] }
    : { workspace: s.workspace, catalog: 'prod', model: 'prod.ml.churn', endpoint: 'churn-prod', aliases: ['champion'] };

// ---------------------------------------------------------------------------------------------
// Faults

export type FaultKindName = '5xx' | '429' | 'reset' | 'lost response' | 'timeout';
export const FAULT_KINDS: readonly FaultKindName[] = ['5xx', '429', 'reset', 'lost response', 'timeout'];

export interface ChaosOptions {
  /**
   * Probability that a request meets a fault (its kind drawn evenly among the five), and of a kill
   * after each step. With `perKind`, each kind gets this probability on its own (harsher: 0.1 per
   * kind faults about 41% of requests).
   */
  readonly rate: number;
  readonly perKind?: boolean;
  /** Re-runs (with faults) after the first run; default 3. */
  readonly maxReruns?: number;
  /** Client timeout while faults are on (MLOPS_GATE_HTTP_TIMEOUT_SECONDS); default 0.3 s. */
  readonly clientTimeoutMs?: number;
  /** The "timeout" fault's server-side delay; default 500 ms (longer than the client waits). */
  readonly timeoutFaultMs?: number;
  /** Progress lines (attempts, outcomes). */
  readonly log?: (line: string) => void;
  /** The emulator's strict behaviours (docs/emulator.md); default: MLOPS_GATE_EMULATOR_STRICT. */
  readonly strict?: StrictOption;
}

/** Per-kind probability so that five independent draws fault a request with probability `rate`. */
export const perKindProbability = (rate: number, perKind: boolean): number => (perKind ? rate : 1 - (1 - rate) ** (1 / FAULT_KINDS.length));

/** The emulator-side rules: every route (any method, path `*`), one per kind. */
const faultRules = (rate: number, latencyMs: number): FaultRule[] => [
  // Latency first: it never blocks a terminal rule from being drawn, so the same request may also fail.
  { id: 'timeout', kind: 'latency', path: '*', probability: rate, latencyMs },
  { id: '5xx', kind: 'error', path: '*', probability: rate, status: 503, errorCode: 'TEMPORARILY_UNAVAILABLE' },
  { id: '429', kind: 'rate_limit', path: '*', probability: rate, retryAfterSeconds: 0 },
  { id: 'reset', kind: 'reset', path: '*', probability: rate },
  { id: 'lost response', kind: 'lost_response', path: '*', probability: rate },
];

interface Decision {
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly kinds: readonly FaultKindName[];
}

// Every decision an emulator's injector takes, observed (not altered), so the harness knows which
// request got which fault and when every delayed request has been answered. Several harnesses may
// run side by side in one process: each injector is bound to its harness's sink when it starts.
type Sink = { current: ((d: Decision) => void) | null };
const sinks = new WeakMap<FaultInjector, Sink>();
let claiming: Sink | null = null;
const decide = FaultInjector.prototype.decide;
FaultInjector.prototype.decide = function observedDecide(this: FaultInjector, method: string, path: string, workspace: string): FaultDecision {
  const d = decide.call(this, method, path, workspace);
  if (claiming && !sinks.has(this)) sinks.set(this, claiming);
  const sink = sinks.get(this)?.current;
  if (sink) {
    const kinds: FaultKindName[] = [];
    if (d.delayMs > 0) kinds.push('timeout');
    if (d.terminal) kinds.push(d.terminal.id as FaultKindName);
    sink({ key: `${workspace} ${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, kinds });
  }
  return d;
};

// ---------------------------------------------------------------------------------------------
// Outcomes

export type Shape =
  /**
   * A violation in the footprint of a create the server applied after the client timed out (a lock
   * generation; a version carrying the copy's identity). Since 854ed43 the next run of the job
   * removes such strays, so one still there after the fault-free re-runs is a failure of that fix.
   */
  | 'late lock create not cleaned up'
  | 'late version create not cleaned up'
  /**
   * docs/promotion.md "Strays from writes that landed late": a lock or version create the server
   * applied after the last faulted run ended; the next run of the job (the first fault-free re-run
   * here) deletes it. Counted, not a failure.
   */
  | 'by design: late stray removed by the next run'
  | 'finding';

export const isFailure = (v: Violation): boolean => !v.shape.startsWith('by design');

export interface Violation {
  readonly invariant: string;
  readonly detail: string;
  readonly shape: Shape;
}

export interface Attempt {
  readonly command: 'promote' | 'rollback';
  readonly faults: boolean;
  readonly code: number;
  readonly status: string | null;
  readonly message: string | null;
  readonly writes: number | null;
  /** The plan hash the run reported. */
  readonly hash: string | null;
  /** Steps the run did not find already satisfied (`id status`), for diagnosis. */
  readonly acted: readonly string[];
  /** Each step's inputs as planned (JSON), to show what changed between two plans. */
  readonly specs: readonly string[];
  readonly killedAfter: string | null;
  /** The plan's step ids, when the run printed a result (a killed run does not). */
  readonly steps: readonly string[];
  readonly injected: Readonly<Record<FaultKindName, number>>;
  /** Faults on the lock's routes (registered-model create/delete, the lock listing), for diagnosis. */
  readonly lockFaults: readonly string[];
  /** Champion alias read after the run (null = missing). */
  readonly champion: string | null;
}

export interface SeedOutcome {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly attempts: readonly Attempt[];
  /** Per command: re-runs with faults it needed to exit 0 (> maxReruns: only the fault-free run did). */
  readonly reruns: Readonly<Partial<Record<'promote' | 'rollback', number>>>;
  /** Every command converged within maxReruns re-runs with faults on. */
  readonly converged: boolean;
  readonly injected: Readonly<Record<FaultKindName, number>>;
  readonly kills: number;
  readonly duplicates: number;
  readonly orphans: number;
  readonly lostAlias: boolean;
  readonly locksLeft: number;
  /** Late strays (lock generations, versions) the first fault-free re-run deleted. */
  readonly straysRemoved: number;
  /** Runs that stopped with "another run holds the lock" although this job is the only one. */
  readonly stoppedByOwnLock: number;
  readonly violations: readonly Violation[];
  readonly seconds: number;
}

const zeroFaults = (): Record<FaultKindName, number> => ({ '5xx': 0, '429': 0, reset: 0, 'lost response': 0, timeout: 0 });

// ---------------------------------------------------------------------------------------------
// The harness

interface VersionInfo {
  readonly version: string;
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ChaosHarness {
  runSeed(seed: number): Promise<SeedOutcome>;
  /** The strict behaviours the emulator runs with. */
  strict(): string[];
  close(): Promise<void>;
}

export async function startChaos(options: ChaosOptions): Promise<ChaosHarness> {
  const maxReruns = options.maxReruns ?? 3;
  const clientTimeoutMs = options.clientTimeoutMs ?? 300;
  const timeoutFaultMs = options.timeoutFaultMs ?? 500;
  const log = options.log ?? (() => undefined);

  let now = 1_800_000_000_000;
  const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
  const emu = await startEmulator({
    port: 0,
    seed: WORLD,
    modules: defaultModules(),
    clock: { now: () => now },
    tickMs: 0,
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-chaos-'));
  // Bind this emulator's injector to this harness (harnesses are started one after another).
  const sink: Sink = { current: null };
  claiming = sink;
  try {
    await fetch(`${emu.url}/api/2.0/serving-endpoints`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
  } finally {
    claiming = null;
  }

  const get = async <T>(workspace: string, path: string, query: Record<string, string> = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${emu.workspaceUrl(workspace)}${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
  const mustGet = async <T>(workspace: string, path: string, query: Record<string, string> = {}): Promise<T> => {
    const r = await get<T>(workspace, path, query);
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const lastSeq = () => emu.admin.requests().entries.at(-1)?.seq ?? 0;
  const writesSince = (seq: number) =>
    emu.admin
      .requests()
      .entries.filter((e) => e.seq > seq && e.method !== 'GET' && e.method !== 'HEAD' && !e.path.startsWith('/__emulator'))
      .map((e) => `${e.method} ${e.path}`);

  const aliasesOf = async (workspace: string, model: string): Promise<Record<string, string>> => {
    const r = await mustGet<{ registered_model: { aliases?: { alias: string; version: string | number }[] } }>(workspace, '/api/2.0/mlflow/unity-catalog/registered-models/get', { name: model });
    return Object.fromEntries((r.registered_model.aliases ?? []).map((a) => [a.alias, String(a.version)]));
  };
  const versionsOf = async (workspace: string, model: string): Promise<VersionInfo[]> => {
    const found = await get<{ model_versions?: { version: string | number; status: string; tags?: { key: string; value: string }[] }[] }>(
      workspace,
      '/api/2.0/mlflow/unity-catalog/model-versions/search',
      { filter: `name='${model}'`, max_results: '1000' },
    );
    // A model that does not exist (yet) has no versions: search answers 404 for it.
    if (found.status === 404) return [];
    if (found.status !== 200) throw new Error(`GET model-versions/search: HTTP ${found.status} ${JSON.stringify(found.body)}`);
    const r = found.body;
    // Unity Catalog search answers no tags: each version's tags are read with get.
    const full = await Promise.all(
      (r.model_versions ?? []).map(
        async (row) =>
          (await mustGet<{ model_version: { version: string | number; status: string; tags?: { key: string; value: string }[] } }>(workspace, '/api/2.0/mlflow/unity-catalog/model-versions/get', {
            name: model,
            version: String(row.version),
          })).model_version,
      ),
    );
    return full
      .map((v) => ({ version: String(v.version), status: v.status, tags: Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value])) }))
      .sort((a, b) => Number(a.version) - Number(b.version));
  };
  const modelsIn = async (workspace: string, catalog: string): Promise<string[]> => {
    const r = await mustGet<{ registered_models?: { name: string }[] }>(workspace, '/api/2.1/unity-catalog/models', { catalog_name: catalog, schema_name: 'ml', max_results: '1000' });
    return (r.registered_models ?? []).map((m) => m.name).sort();
  };

  /** Waits until the emulator has answered every request it took a fault decision on. */
  const settle = async (decisions: readonly Decision[], sinceSeq: number): Promise<string | null> => {
    const expected = new Map<string, number>();
    for (const d of decisions) expected.set(d.key, (expected.get(d.key) ?? 0) + 1);
    const pending = (): number => {
      const seen = new Map<string, number>();
      for (const e of emu.admin.requests().entries) {
        if (e.seq <= sinceSeq || e.route === null) continue;
        const key = `${e.workspace} ${e.method} ${e.path}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      let missing = 0;
      for (const [key, n] of expected) missing += Math.max(0, n - (seen.get(key) ?? 0));
      return missing;
    };
    // A delayed request is answered timeoutFaultMs after it arrived; bounded so a stuck request is reported.
    for (let i = 0; i < 200 && pending() > 0; i++) await new Promise((r) => setTimeout(r, 25));
    const left = pending();
    return left > 0 ? `${left} request(s) still unanswered by the emulator ${(200 * 25) / 1000} s after the run` : null;
  };

  const runSeed = async (seed: number): Promise<SeedOutcome> => {
    const started = performance.now();
    const scenario = scenarioFor(seed);
    const dest = destinationOf(scenario);
    const configFile = join(dir, `mlops-${seed}.yml`);
    await emu.admin.reset();
    writeFileSync(configFile, configFor(scenario, emu));
    const killDraw = prng(deriveSeed(seed, 'kills'));
    const env = { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'release-bot', GITHUB_REPOSITORY: 'acme/churn', GITHUB_RUN_ID: String(seed) };
    const attempts: Attempt[] = [];
    const violations: Violation[] = [];
    const injected = zeroFaults();
    /** Requests that got a fault, in order, for diagnosing a violation. */
    const faulted: Decision[] = [];
    let lostAlias = false;
    let attemptNo = 0;
    // The destination model exists in every scenario, so a registered-model create is a lock create.
    const lateLockCreate = () =>
      faulted.some((d) => d.kinds.includes('timeout') && d.method === 'POST' && d.path === '/api/2.0/mlflow/unity-catalog/registered-models/create');
    const lateVersionCreate = () =>
      faulted.some((d) => d.kinds.includes('timeout') && d.method === 'POST' && d.path === '/api/2.0/mlflow/unity-catalog/model-versions/create');
    let straysRemoved = 0;

    const run = async (command: 'promote' | 'rollback', withFaults: boolean): Promise<Attempt> => {
      attemptNo++;
      const decisions: Decision[] = [];
      const sinceSeq = lastSeq();
      if (withFaults) {
        emu.admin.reseedFaults(deriveSeed(seed, `faults:${attemptNo}`));
        for (const rule of faultRules(perKindProbability(options.rate, options.perKind ?? false), timeoutFaultMs)) emu.admin.addFault(rule);
      }
      sink.current = (d) => {
        decisions.push(d);
        for (const k of d.kinds) injected[k]++;
        if (d.kinds.length) faulted.push(d);
      };
      let killedAfter: string | null = null;
      let stdout = '';
      let stderr = '';
      const argv = command === 'promote' ? ['promote'] : ['rollback', '--model', 'churn', '--env', 'prod'];
      let code: number;
      try {
        code = await runCli([...argv, '--config', configFile, '--format', 'json'], {
          stdout: (s) => (stdout += s),
          stderr: (s) => (stderr += s),
          env: withFaults ? { ...env, MLOPS_GATE_HTTP_TIMEOUT_SECONDS: String(clientTimeoutMs / 1000) } : env,
          cwd: dir,
          servingClock: clock,
          ...(withFaults
            ? {
                afterStep: async (id: string) => {
                  if (killDraw() < options.rate) {
                    killedAfter = id;
                    throw new KilledError(`chaos: killed after ${id}`);
                  }
                },
              }
            : {}),
        });
      } finally {
        sink.current = null;
        emu.admin.clearFaults();
      }
      const unsettled = await settle(decisions, sinceSeq);
      if (unsettled) violations.push({ invariant: 'emulator settles', detail: unsettled, shape: 'finding' });
      const result = stdout.trim().startsWith('{') ? (JSON.parse(stdout) as ResultDocument) : null;
      const plan = result?.targets[0]?.plan ?? null;
      // Observation point: the champion alias must exist between any two runs.
      const champion = (await aliasesOf(dest.workspace, dest.model)).champion ?? null;
      if (champion === null) {
        lostAlias = true;
        violations.push({ invariant: 'champion alias never missing', detail: `missing after attempt ${attemptNo} (${command})`, shape: 'finding' });
      }
      const attempt: Attempt = {
        command,
        faults: withFaults,
        code,
        status: plan?.status ?? null,
        message: plan?.message ?? (code === 0 ? null : lastLine(stderr)),
        writes: plan?.writes ?? null,
        hash: plan?.hash ?? null,
        acted: plan?.steps.filter((st) => st.status !== 'satisfied').map((st) => `${st.id} ${st.status}${st.message ? ` (${st.message})` : ''}`) ?? [],
        specs: plan?.steps.map((st) => JSON.stringify(st.spec)) ?? [],
        killedAfter,
        steps: plan?.steps.map((st) => st.id) ?? [],
        injected: countKinds(decisions),
        lockFaults: decisions.filter((d) => d.kinds.length && LOCK_ROUTE.test(`${d.method} ${d.path}`)).map((d) => `${d.kinds.join('+')} on ${d.method} ${d.path.replace(/^.*\//, '')}`),
        champion,
      };
      attempts.push(attempt);
      log(
        `  seed ${seed} #${attemptNo} ${command}${withFaults ? '' : ' (faults off)'}: exit ${code}, ${attempt.status ?? 'no result'}` +
          `${killedAfter ? `, killed after ${killedAfter}` : ''}; faults ${formatKinds(attempt.injected)}; champion ${champion ?? 'MISSING'}` +
          `${code !== 0 && attempt.message ? `\n      ${attempt.message}` : ''}`,
      );
      return attempt;
    };

    /** A fault-free run of the command, with what it wrote and enough context to diagnose a write. */
    const finalRun = async (command: 'promote' | 'rollback') => {
      const previous = attempts.at(-1);
      const locksBefore = (await modelsIn(dest.workspace, dest.catalog)).filter((m) => m !== 'churn');
      const tagsBefore = await versionsOf(dest.workspace, dest.model);
      const seq = lastSeq();
      const attempt = await run(command, false);
      const writes = writesSince(seq);
      const tagsAfter = await versionsOf(dest.workspace, dest.model);
      const detail =
        `${command} exit ${attempt.code}, ${attempt.status}, writes ${attempt.writes}; requests: ${writes.join(', ') || 'none'}` +
        `; steps acted on: ${attempt.acted.join(', ') || 'none'}; plan hash ${attempt.hash?.slice(0, 19)} (the run before: ${previous?.hash?.slice(0, 19)})` +
        specDiff(previous?.specs ?? [], attempt.specs) +
        tagDiff(tagsBefore, tagsAfter) +
        (locksBefore.length ? `; lock models before it: ${locksBefore.join(', ')}` : '') +
        `; lock history: ${lockHistory(attempts) || 'no fault on a lock route'}`;
      return { attempt, writes, detail };
    };

    const done = (a: Attempt) => a.code === 0 && (a.status === 'applied' || a.status === 'up-to-date');

    /** Run, then re-run with faults until done; returns the re-runs needed (maxReruns + 1 = fault-free only), or null. */
    const converge = async (command: 'promote' | 'rollback'): Promise<number | null> => {
      for (let rerun = 0; rerun <= maxReruns; rerun++) if (done(await run(command, true))) return rerun;
      const last = await run(command, false);
      if (done(last)) return maxReruns + 1;
      violations.push({
        invariant: 'a fault-free re-run converges',
        detail: `${command} exit ${last.code} (${last.status ?? 'no result'}): ${last.message ?? ''}`,
        shape: 'finding',
      });
      return null;
    };

    const reruns: Partial<Record<'promote' | 'rollback', number>> = {};
    let converged = true;
    let checked: EndState | null = null;
    try {
      const before = await versionsOf(dest.workspace, dest.model);
      const p = await converge('promote');
      if (p !== null) reruns.promote = p;
      converged &&= p !== null && p <= maxReruns;
      let expect: Expected | null = null;
      if (p !== null) {
        const promoted = await expectedAfterPromotion(scenario, dest, before, versionsOf);
        expect = promoted;
        if (scenario.rollback) {
          const r = await converge('rollback');
          if (r !== null) reruns.rollback = r;
          converged &&= r !== null && r <= maxReruns;
          expect = r === null ? null : { ...promoted, champion: '1', endpointVersion: '1' };
        }
      }
      if (expect) {
        checked = await checkEndState(scenario, dest, expect, { versionsOf, aliasesOf, mustGet, get });
        violations.push(...checked.violations);
        // A last fault-free re-run of the last command changes nothing.
        const command = scenario.rollback ? 'rollback' : 'promote';
        // A create the server applied after the last faulted run had ended is a stray that run could
        // not see; the next run of the job deletes it (docs/promotion.md "Strays from writes that
        // landed late"). So the first fault-free re-run may delete strays — only those, and only
        // when such a late create happened — and the second must write nothing at all.
        const cleanup = await finalRun(command);
        if (cleanup.writes.length > 0) {
          const unexplained = cleanup.writes.filter(
            (w) => !((w === LOCK_DELETE && lateLockCreate()) || (w === VERSION_DELETE && lateVersionCreate())),
          );
          if (unexplained.length === 0 && cleanup.attempt.code === 0 && (cleanup.attempt.status === 'up-to-date' || cleanup.attempt.status === 'applied')) {
            straysRemoved += cleanup.writes.length;
            violations.push({ invariant: 'late strays removed by the next run', detail: cleanup.detail, shape: 'by design: late stray removed by the next run' });
          } else {
            violations.push({ invariant: 'a fault-free re-run makes zero writes (or only removes late strays)', detail: cleanup.detail, shape: 'finding' });
          }
        }
        const final = await finalRun(command);
        if (final.writes.length > 0 || final.attempt.status !== 'up-to-date') {
          violations.push({ invariant: 'a second fault-free re-run makes zero writes', detail: final.detail, shape: 'finding' });
        }
      }
    } catch (e) {
      violations.push({ invariant: 'the harness itself', detail: e instanceof Error ? (e.stack ?? e.message) : String(e), shape: 'finding' });
    }
    // Locks are counted last: after the final re-run, nothing may be left.
    let locksLeft = 0;
    try {
      const models = await modelsIn(dest.workspace, dest.catalog);
      const locks = models.filter((m) => m !== 'churn');
      locksLeft = locks.length;
      if (locks.length) {
        violations.push({
          invariant: 'no lock model left',
          detail: `${locks.join(', ')}${killedAfterLastStep(attempts) ? ' (the last kill came after the last step)' : ''}; lock history: ${lockHistory(attempts) || 'no fault on a lock route'}`,
          shape: lateLockCreate() ? 'late lock create not cleaned up' : 'finding',
        });
      }
    } catch (e) {
      violations.push({ invariant: 'the harness itself', detail: String(e), shape: 'finding' });
    }
    // Version-create timeouts explain a PENDING copy beside the READY one.
    const lateCreate = faulted.some((d) => d.kinds.includes('timeout') && d.method === 'POST' && d.path === '/api/2.0/mlflow/unity-catalog/model-versions/create');
    const classified = violations.map((v) =>
      v.shape === 'finding' && lateCreate && (v.invariant === 'no PENDING or FAILED version' || v.invariant === 'exactly one READY copy') ? { ...v, shape: 'late version create not cleaned up' as const } : v,
    );
    return {
      seed,
      scenario,
      attempts,
      reruns,
      converged,
      injected,
      kills: attempts.filter((a) => a.killedAfter !== null).length,
      duplicates: checked?.duplicates ?? 0,
      orphans: checked?.orphans ?? 0,
      lostAlias,
      locksLeft,
      straysRemoved,
      stoppedByOwnLock: attempts.filter((a) => a.status === 'locked').length,
      violations: classified,
      seconds: (performance.now() - started) / 1000,
    };
  };

  return {
    runSeed,
    strict: () => emu.admin.strict(),
    close: async () => {
      sink.current = null;
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The first step whose planned inputs differ between two plans, both versions, for the report. */
const specDiff = (before: readonly string[], after: readonly string[]): string => {
  const i = after.findIndex((spec, k) => spec !== before[k]);
  if (i < 0) return '';
  const [a, b] = [before[i] ?? '(none)', after[i]!];
  let from = 0;
  while (from < a.length && a[from] === b[from]) from++;
  const at = Math.max(0, from - 80);
  return `; step ${i + 1} was planned differently: converged run …${a.slice(at, from + 300)}… / final run …${b.slice(at, from + 300)}…`;
};

/** Version tags the final run changed (key: before → after). */
const tagDiff = (before: readonly VersionInfo[], after: readonly VersionInfo[]): string => {
  const changes: string[] = [];
  for (const v of after) {
    const old = before.find((b) => b.version === v.version)?.tags ?? {};
    for (const key of new Set([...Object.keys(old), ...Object.keys(v.tags)])) {
      if (old[key] !== v.tags[key]) changes.push(`v${v.version} ${key}: ${old[key] ?? '(unset)'} → ${v.tags[key] ?? '(unset)'}`);
    }
  }
  return changes.length ? `; tags it changed: ${changes.join(', ')}` : '';
};

const LOCK_DELETE = 'DELETE /api/2.0/mlflow/unity-catalog/registered-models/delete';
const VERSION_DELETE = 'DELETE /api/2.0/mlflow/unity-catalog/model-versions/delete';

/** Routes the lock uses: create and delete of the lock model, and the listing of lock models. */
const LOCK_ROUTE =
  /^(POST \/api\/2\.0\/mlflow\/unity-catalog\/registered-models\/(create|set-tag)|DELETE \/api\/2\.0\/mlflow\/unity-catalog\/registered-models\/delete|GET \/api\/2\.0\/mlflow\/unity-catalog\/registered-models\/search|GET \/api\/2\.1\/unity-catalog\/models)$/;

/** Per attempt, the faults on the lock's routes and a "locked" outcome: where a lock left behind came from. */
const lockHistory = (attempts: readonly Attempt[]): string =>
  attempts
    .map((a, i) => {
      const parts = [...a.lockFaults];
      if (a.status === 'locked') parts.push('stopped: "another run holds the lock" (this job is the only one)');
      return parts.length ? `#${i + 1} ${a.command}: ${parts.join(', ')}` : '';
    })
    .filter(Boolean)
    .join('; ');

const lastLine = (s: string): string | null => s.trim().split('\n').at(-1) ?? null;
const countKinds = (ds: readonly Decision[]): Record<FaultKindName, number> => {
  const c = zeroFaults();
  for (const d of ds) for (const k of d.kinds) c[k]++;
  return c;
};
const formatKinds = (c: Readonly<Record<FaultKindName, number>>): string =>
  FAULT_KINDS.filter((k) => c[k] > 0)
    .map((k) => `${k}×${c[k]}`)
    .join(' ') || 'none';

/**
 * Whether the last killed run was killed after the final step of its plan, and every run after it
 * had nothing to do (so none of them took, and released, a lock).
 */
const killedAfterLastStep = (attempts: readonly Attempt[]): boolean => {
  const at = attempts.findLastIndex((a) => a.killedAfter !== null);
  if (at < 0) return false;
  const killed = attempts[at]!;
  const plan = attempts.find((a) => a.command === killed.command && a.steps.length > 0)?.steps ?? [];
  return plan.at(-1) === killed.killedAfter && attempts.slice(at + 1).every((a) => a.writes === 0);
};

// ---------------------------------------------------------------------------------------------
// The end state

interface Expected {
  /** The version the champion alias must be on. */
  readonly champion: string;
  /** The planned destination version (copy mode: the READY copy; alias mode: the candidate). */
  readonly promoted: string;
  /** Versions that existed before the promotion (alias mode: they are all there must be). */
  readonly before: readonly string[];
  /** The version the endpoint must serve at 100%, when there is an endpoint. */
  readonly endpointVersion: string;
}

interface EndState {
  readonly violations: Violation[];
  readonly duplicates: number;
  readonly orphans: number;
}

type Dest = ReturnType<typeof destinationOf>;

async function expectedAfterPromotion(
  s: Scenario,
  dest: Dest,
  before: readonly VersionInfo[],
  versionsOf: (w: string, m: string) => Promise<VersionInfo[]>,
): Promise<Expected> {
  const beforeIds = before.map((v) => v.version);
  if (s.kind === 'alias') return { champion: '2', promoted: '2', before: beforeIds, endpointVersion: '2' };
  // The copy: the READY version carrying the identity tag (the lowest, if there are several — the executor's choice).
  const copies = (await versionsOf(dest.workspace, dest.model)).filter((v) => v.tags['mlops_gate_copy_of'] && v.status === 'READY');
  const promoted = copies[0]?.version ?? '(no READY copy)';
  return { champion: promoted, promoted, before: beforeIds, endpointVersion: promoted };
}

interface Readers {
  versionsOf(w: string, m: string): Promise<VersionInfo[]>;
  aliasesOf(w: string, m: string): Promise<Record<string, string>>;
  mustGet<T>(w: string, path: string, query?: Record<string, string>): Promise<T>;
  get<T>(w: string, path: string, query?: Record<string, string>): Promise<{ status: number; body: T }>;
}

/** Faults off: registry versions, aliases, endpoint and monitor against the plan's end state. */
async function checkEndState(s: Scenario, dest: Dest, expect: Expected, read: Readers): Promise<EndState> {
  const violations: Violation[] = [];
  const fail = (invariant: string, detail: string) => violations.push({ invariant, detail, shape: 'finding' });
  const versions = await read.versionsOf(dest.workspace, dest.model);
  const show = versions.map((v) => `v${v.version} ${v.status}${v.tags['mlops_gate_copy_of'] ? ' (copy)' : ''}`).join(', ');
  const copies = versions.filter((v) => v.tags['mlops_gate_copy_of']);
  const unfinished = versions.filter((v) => v.status !== 'READY');
  if (unfinished.length) fail('no PENDING or FAILED version', show);
  if (s.kind === 'alias') {
    if (copies.length || versions.map((v) => v.version).join() !== expect.before.join()) fail('alias mode creates no version', show);
  } else if (copies.length !== 1 || copies[0]!.status !== 'READY' || versions.length !== expect.before.length + 1) {
    fail('exactly one READY copy', show);
  }

  const aliases = await read.aliasesOf(dest.workspace, dest.model);
  for (const alias of dest.aliases) {
    if (aliases[alias] !== expect.champion) fail(`alias "${alias}" on the planned version`, `expected v${expect.champion}, found ${aliases[alias] ? `v${aliases[alias]}` : 'none'}`);
  }

  if (dest.endpoint) {
    const e = await read.mustGet<{
      state: { config_update: string; ready?: string };
      config?: { served_entities?: { name: string; entity_name: string; entity_version: string }[]; traffic_config?: { routes: { served_model_name?: string; served_entity_name?: string; traffic_percentage: number }[] } };
    }>(dest.workspace, `/api/2.0/serving-endpoints/${dest.endpoint}`);
    const entities = new Map((e.config?.served_entities ?? []).map((x) => [x.name, x]));
    const routes = (e.config?.traffic_config?.routes ?? []).map((r) => {
      const name = r.served_entity_name ?? r.served_model_name ?? '?';
      const x = entities.get(name);
      return `${x ? `${x.entity_name} v${x.entity_version}` : name}:${r.traffic_percentage}`;
    });
    const want = [`${dest.model} v${expect.endpointVersion}:100`];
    if (routes.join() !== want.join()) fail('endpoint serves the planned version', `expected ${want.join()}, found ${routes.join(', ') || 'no routes'}`);
    if (entities.size !== 1) fail('endpoint serves the planned version only', `served entities: ${[...entities.keys()].join(', ')}`);
    if (e.state.config_update !== 'NOT_UPDATING') fail('endpoint not updating', `config_update ${e.state.config_update}`);
  }

  if (s.kind === 'copy-canary-monitor') {
    const m = await read.get(dest.workspace, '/api/2.1/unity-catalog/tables/prod.monitoring.churn_payload/monitor');
    if (m.status !== 200) fail('monitor present', `GET monitor: HTTP ${m.status}`);
  }
  return { violations, duplicates: Math.max(0, copies.length - 1), orphans: unfinished.length };
}
