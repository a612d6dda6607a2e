// `promote`: plan (gates) as `plan` does, then, for each target whose verdict lets it through
// (pass, warn, waived), plan the promotion steps against the destination registry and converge
// them. The result is the plan's result document with a `plan` field per target.

import { listTargets } from '../config/targets.js';
import type { Config, Environment, Target } from '../config/types.js';
import { targetKey } from '../config/types.js';
import { ConfigError, UsageError, type Diagnostic } from '../errors.js';
import type { TargetEvidence } from '../evidence/types.js';
import type { PlanInvocation, PromoteInvocation } from '../invocation.js';
import { applyPromotion, KilledError, type ExpectedPlan } from '../apply/executor.js';
import type { ArtifactTransfer, PromotionRegistry } from '../registry/ports.js';

import { planInputFor, isRefusal, stageModeRefusal } from '../plan/inputs.js';
import type { PromotionReport, PromotionStatus, TargetPlan } from '../plan/types.js';
import type { Outcome } from '../policy/types.js';
import { withTargets } from '../result/build.js';
import { APPLY_FAILURES } from '../result/exit.js';
import type { ResultDocument, TargetReport } from '../result/types.js';
import { readConfig, runPlan, type RunDeps } from './plan.js';
import type { EndpointPorts } from '../apply/types.js';
import type { PermissionReader } from '../registry/ports.js';
import { withPreflight } from './preflight.js';
import { describeWaits, releaseGraph, releaseResources, runSchedule } from './schedule.js';

export interface PromoteDeps extends RunDeps {
  /** The write side of an environment's registry (real adapter over HTTP, sharing the ledger). */
  readonly promotionRegistryFor: (config: Config, envName: string) => PromotionRegistry;
  /** Artifact copy between two servers; absent = cross-server copies are refused at that step. */
  readonly artifactTransferFor?: (config: Config, from: string, to: string) => ArtifactTransfer | undefined;
  /** Who promotes (journal, lock owner). */
  readonly actor: string;
  /** The CI run, for the journal and the lock. */
  readonly runUrl: string | null;
  /** Unique per run (identifies this run's lock). */
  readonly lockToken: string;
  /** The CI job across attempts, so a re-run may reclaim the lock a killed attempt left. */
  readonly lockReclaimKey?: string | null;
  /** Clock for lock expiry and journal times; defaults to the wall clock. */
  readonly clock?: () => Date;
  readonly lockTtlMs?: number;
  /** Test seam, passed to the executor. */
  readonly beforeLock?: () => Promise<void>;
  /** Serving endpoint and monitor clients of a Databricks environment (undefined: none). */
  readonly endpointsFor?: (config: Config, envName: string) => EndpointPorts | undefined;
  /** Test seam (crash tests), passed to the executor. */
  readonly afterStep?: (stepId: string, index: number) => Promise<void>;
  /** Targets applied at once (MLOPS_GATE_PARALLEL_TARGETS); the invocation's --parallel-targets wins. */
  readonly parallelTargets?: number;
  /**
   * The model's logged input example as a scoring request body (blue_green's smoke request), read
   * from the source environment; undefined when there is none (the smoke request is then skipped).
   */
  readonly inputExampleFor?: (config: Config, envName: string, version: { readonly name: string; readonly version: string }) => Promise<unknown>;
  /** Who an environment's credentials act as and what they may do (the permission preflight of `plan`). */
  readonly permissionsFor?: (config: Config, envName: string) => PermissionReader | undefined;
}

const PASSING: ReadonlySet<Outcome> = new Set<Outcome>(['pass', 'warn', 'waived']);

/**
 * Gates let it through; or the candidate is already the champion (the engine skips the gates
 * then), which in alias/stage mode is exactly a re-run after the champion alias moved: the
 * executor still converges the remaining steps (e.g. the environment alias), and writes nothing
 * when all are done.
 */
const mayPromote = (t: TargetReport, passing: ReadonlySet<Outcome>): boolean =>
  passing.has(t.verdict) ||
  (t.verdict === 'skipped' && t.candidate !== null && t.champion !== null && t.candidate.name === t.champion.name && t.candidate.version === t.champion.version);

const emptyReport = (mode: PromotionReport['mode'], status: PromotionReport['status'], message: string): PromotionReport => ({
  mode,
  hash: null,
  status,
  message,
  source: null,
  destination: null,
  previousChampion: null,
  steps: [],
  writes: 0,
});

/** A saved result's promotion report, turned back into a plan to diff against (steps carry their specs). */
export function planFromReport(t: TargetReport): TargetPlan | null {
  const p = t.plan;
  if (!p || !p.hash || !p.source || !p.destination || p.mode === 'rollback') return null;
  return {
    operation: 'promote',
    model: t.model,
    from: t.from,
    to: t.to,
    mode: p.mode,
    source: p.source,
    destination: { registry: p.destination.registry, model: p.destination.model },
    aliases: [],
    previousChampion: p.previousChampion,
    steps: p.steps.map((s) => ({ id: s.id, spec: s.spec, precondition: s.precondition, postcondition: s.postcondition, description: s.description })),
    hash: p.hash,
  };
}

/**
 * `--expect-plan`: a hash (full or a ≥12-char hex prefix) for a single target, or a result JSON
 * file (from `promote --dry-run --result F`) holding one reviewed plan per target.
 */
export function expectedPlans(value: string | null, readFile: RunDeps['readFile']): ((t: Target) => ExpectedPlan | null) | null {
  if (value === null) return null;
  const hex = value.trim().toLowerCase().replace(/^sha256:/, '');
  if (/^[0-9a-f]{12,64}$/.test(hex)) return () => ({ hash: value.trim() });
  const text = readFile(value);
  if (text === null) throw new UsageError(`--expect-plan: "${value}" is neither a plan hash (sha256:<hex>, or ≥ 12 hex characters) nor a readable result file`);
  let doc: ResultDocument;
  try {
    doc = JSON.parse(text) as ResultDocument;
  } catch (e) {
    throw new UsageError(`--expect-plan: ${value} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.targets)) throw new UsageError(`--expect-plan: ${value} is not an mlops-gate result document (no "targets")`);
  const byKey = new Map<string, ExpectedPlan>();
  for (const t of doc.targets) {
    const plan = planFromReport(t);
    if (plan) byKey.set(targetKey(t), { hash: plan.hash, plan });
  }
  // A target missing from the reviewed file was not reviewed: it must not be applied.
  return (t) => byKey.get(targetKey(t)) ?? { hash: '', missingFrom: value };
}

/**
 * Refusals that need no network: `promotion: stage` into or out of Unity Catalog. Raised as a
 * ConfigError (exit 2, pointing at the model in mlops.yml) before anything is contacted.
 */
export function refuseUnpromotable(config: Config, inv: Pick<PromoteInvocation, 'models' | 'to'>): void {
  const problems: Diagnostic[] = [];
  for (const target of listTargets(config, { models: inv.models, ...(inv.to ? { to: inv.to } : {}) })) {
    const model = config.models.get(target.model);
    const envs = [config.environments.get(target.from), config.environments.get(target.to)].filter((e): e is Environment => e !== undefined);
    const reason = model ? stageModeRefusal(model, ...envs) : null;
    if (model && reason && !problems.some((p) => p.path === `/models/${model.id}/promotion`)) {
      problems.push({ severity: 'error', code: 'unsupported-promotion', message: reason, path: `/models/${model.id}/promotion`, position: model.position });
    }
  }
  if (problems.length) throw new ConfigError(problems);
}

export async function runPromote(inv: PromoteInvocation, deps: PromoteDeps): Promise<ResultDocument> {
  const started = Date.now();
  refuseUnpromotable(readConfig(inv.configPath, deps).config, inv);
  // Usage before network: a malformed --expect-plan (neither a hash nor a readable result file) is refused now.
  expectedPlans(inv.expectPlan, deps.readFile);
  const { result, evidence } = await runPlan(
    {
      command: 'plan',
      configPath: inv.configPath,
      format: inv.format,
      models: inv.models,
      to: inv.to,
      evidencePath: null,
      saveEvidencePath: null,
      resultPath: null,
      failOn: inv.failOn,
      shard: inv.shard ?? null,
    },
    deps,
  );
  const { config } = readConfig(inv.configPath, deps);
  // Matrix legs of one job share GitHub's run and job: each leg reclaims only its own dead locks.
  const legDeps = inv.shard && deps.lockReclaimKey ? { ...deps, lockReclaimKey: `${deps.lockReclaimKey}/shard-${inv.shard.index}-of-${inv.shard.count}` } : deps;
  const targets = await attachPromotionPlans(config, result.targets, evidence, inv, legDeps);

  const requests = deps.requests?.();
  return withTargets(result, targets, { command: 'promote', requests: requests ? { ...requests, wallMs: Date.now() - started } : null });
}

/**
 * `plan`: the exact promotion plan and its hash for every target whose gates let it through,
 * computed read-only (dry run: no lock, no write), so the PR comment shows what `promote
 * --expect-plan HASH` will apply. Blocked targets get no plan. Skipped with `--evidence` (offline).
 * A destination that cannot be read gives that target a `failed` plan; the gate verdict stands.
 */
export async function withPromotionPlans(
  inv: Pick<PlanInvocation, 'configPath' | 'evidencePath' | 'failOn'>,
  result: ResultDocument,
  evidence: ReadonlyMap<string, TargetEvidence>,
  deps: Omit<PromoteDeps, 'portsFor' | 'github'>,
): Promise<ResultDocument> {
  if (inv.evidencePath) return result;
  const started = Date.now();
  const { config } = readConfig(inv.configPath, deps);
  const planned = await attachPromotionPlans(config, result.targets, evidence, { dryRun: true, expectPlan: null, failOn: inv.failOn }, deps);
  // The permission preflight: privileges the plans need that the principal lacks block the target now.
  const checked = await Promise.all(planned.map((t) => withPreflight(config, t, deps)));
  const targets = checked.map((t) => (t.plan?.status === 'blocked' ? withoutPlan(t) : t));
  const requests = deps.requests?.();
  return withTargets(result, targets, { requests: requests ? { ...requests, wallMs: (result.requests?.wallMs ?? 0) + Date.now() - started } : result.requests });
}

const withoutPlan = (t: TargetReport): TargetReport => {
  const { plan: _plan, ...rest } = t;
  return rest;
};

/**
 * `plan` as the CLI runs it: the gates, then each passing target's exact promotion plan
 * (read-only), each target's plan started as soon as its own gates are decided.
 */
export async function planWithPromotionPlans(inv: PlanInvocation, deps: PromoteDeps): Promise<ResultDocument> {
  const { result } = await runPlan(inv, deps, { then: previewEach(inv, deps) });
  return result;
}

/** runPlan's `then`: the read-only promotion plan of one judged target (blocked: none). */
export const previewEach =
  (inv: Pick<PlanInvocation, 'failOn'>, deps: Omit<PromoteDeps, 'portsFor' | 'github'>) =>
  async (report: TargetReport, evidence: TargetEvidence, config: Config): Promise<TargetReport> => {
    const [planned] = await attachPromotionPlans(config, [report], new Map([[targetKey(report), evidence]]), { dryRun: true, expectPlan: null, failOn: inv.failOn }, deps);
    // The permission preflight, as in withPromotionPlans: what the plan needs that the principal lacks blocks it now.
    const checked = await withPreflight(config, planned!, deps);
    return checked.plan?.status === 'blocked' ? withoutPlan(checked) : checked;
  };

/**
 * For each target report, the promotion plan (`plan` field): blocked targets get a `blocked`
 * report; the others are planned against the destination and, unless `dryRun`, applied. Usable by
 * `plan` too (with `dryRun: true`) to show the exact plan and its hash in the PR comment.
 */
export async function attachPromotionPlans(
  config: Config,
  reports: readonly TargetReport[],
  evidence: ReadonlyMap<string, TargetEvidence>,
  inv: Pick<PromoteInvocation, 'dryRun' | 'expectPlan' | 'failOn'> & { readonly parallelTargets?: number | null },
  deps: Omit<PromoteDeps, 'portsFor' | 'github'>,
): Promise<TargetReport[]> {
  const expected = expectedPlans(inv.expectPlan, deps.readFile);
  const passing = new Set<Outcome>(PASSING);
  if (inv.failOn === 'warn') passing.delete('warn');
  const promotable = reports.filter((t) => mayPromote(t, passing));
  if (inv.expectPlan && /^(sha256:)?[0-9a-f]{12,64}$/i.test(inv.expectPlan.trim()) && promotable.length > 1) {
    throw new UsageError(
      `--expect-plan with a hash names one plan, but ${promotable.length} targets would be promoted; select one with --model/--to, or pass the reviewed result file`,
    );
  }
  const one = async (t: TargetReport, progress = deps.progress): Promise<TargetReport> => {
    const target: Target = { model: t.model, from: t.from, to: t.to };
    if (!mayPromote(t, passing)) {
      return { ...t, plan: emptyReport(config.models.get(t.model)?.promotion ?? 'copy', 'blocked', `not promoted: ${t.summary}`) };
    }
    if (inv.dryRun) deps.progress?.(`Planning ${t.model} ${t.from} → ${t.to}…`);
    const own = progress ? { ...deps, progress } : deps;
    return { ...t, plan: await promoteOne(config, target, evidence.get(targetKey(target)), inv, own, expected) };
  };
  // Read-only plans are independent and run concurrently (the HTTP layer bounds concurrency per
  // host). Applying runs independent targets concurrently too, at most `parallelTargets` at once,
  // ordered only where it must be (src/run/schedule.ts); results stay in config order.
  if (inv.dryRun) return Promise.all(reports.map((t) => one(t)));
  return applyConcurrently(config, reports, inv.parallelTargets ?? deps.parallelTargets ?? DEFAULT_PARALLEL_TARGETS, (t, progress) => one(t, progress), deps.progress);
}

/** Targets applied at once when neither --parallel-targets nor MLOPS_GATE_PARALLEL_TARGETS says otherwise. */
export const DEFAULT_PARALLEL_TARGETS = 4;

/** A target's name in progress lines: `[churn dev→test]`. */
const tag = (t: { readonly model: string; readonly from: string; readonly to: string }): string => `[${t.model} ${t.from}→${t.to}]`;

/** Promotion statuses after which the model's later hops are held: exactly the ones that fail the run (exit 3). */
const HOLDS: ReadonlySet<PromotionStatus> = APPLY_FAILURES;

async function applyConcurrently(
  config: Config,
  reports: readonly TargetReport[],
  parallel: number,
  one: (t: TargetReport, progress: ((line: string) => void) | undefined) => Promise<TargetReport>,
  progress: ((line: string) => void) | undefined,
): Promise<TargetReport[]> {
  const graph = releaseGraph(reports, (t) => releaseResources(config, t));
  // Lines of one target are prefixed with it; each is written whole, so lines never interleave.
  const say = (t: TargetReport, line: string) => progress?.(`${tag(t)} ${line}`);
  return runSchedule(graph, {
    concurrency: parallel,
    run: (node) => one(reports[node.index]!, progress ? (line) => say(reports[node.index]!, line.trim()) : undefined),
    holdsLaterHops: (r) => r.plan !== undefined && HOLDS.has(r.plan.status),
    held: (node, _because, b) => {
      const t = reports[node.index]!;
      const why = b.plan ? b.plan.status : 'not promoted';
      // `refused` (exit 3, with its reason in every report): the run already fails for the earlier hop.
      return { ...t, plan: emptyReport(config.models.get(t.model)?.promotion ?? 'copy', 'refused', `not promoted: the earlier hop ${b.model} ${b.from} → ${b.to} did not go through (${why}); re-run after fixing it`) };
    },
    onStart: (node) => {
      const waits = describeWaits(graph, node);
      say(reports[node.index]!, `started${waits ? ` (after ${waits})` : ''}`);
    },
    onFinish: (node, r) => say(reports[node.index]!, `finished: ${r.plan?.status ?? 'not planned'}${r.plan ? ` — ${oneLine(r.plan.message)}` : ''}`),
  });
}

const oneLine = (s: string): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
};

async function promoteOne(
  config: Config,
  target: Target,
  evidence: TargetEvidence | undefined,
  inv: Pick<PromoteInvocation, 'dryRun'>,
  deps: Omit<PromoteDeps, 'portsFor' | 'github'>,
  expected: ((t: Target) => ExpectedPlan | null) | null,
): Promise<PromotionReport> {
  const mode = config.models.get(target.model)?.promotion ?? 'copy';
  const candidate = evidence?.candidate;
  if (!candidate || !candidate.ok) return emptyReport(mode, 'refused', `the candidate could not be read: ${candidate && !candidate.ok ? candidate.error.message : 'no evidence'}`);
  if (candidate.value === null) return emptyReport(mode, 'refused', 'no candidate version matches the selector: nothing to promote');
  const input = planInputFor(config, target, candidate.value.version);
  if (isRefusal(input)) return emptyReport(mode, 'refused', input.reason);
  try {
    const transfer = input.source.registry !== input.destination.registry ? deps.artifactTransferFor?.(config, target.from, target.to) : undefined;
    let endpoints = input.serving || input.monitor || input.grants ? deps.endpointsFor?.(config, target.to) : undefined;
    const strategy = input.serving?.strategy;
    if (endpoints && strategy?.kind === 'blue_green' && strategy.smokeRequest && !inv.dryRun) {
      const example = await deps.inputExampleFor?.(config, target.from, { name: input.source.name, version: input.source.version });
      if (example !== undefined) endpoints = { ...endpoints, inputExample: example };
    }
    const { report } = await applyPromotion(input, {
      registry: deps.promotionRegistryFor(config, target.to),
      ...(transfer ? { transfer } : {}),
      actor: deps.actor,
      runUrl: deps.runUrl,
      now: deps.clock ?? (() => new Date()),
      lockToken: deps.lockToken,
      lockReclaimKey: deps.lockReclaimKey ?? null,
      ...(deps.lockTtlMs ? { lockTtlMs: deps.lockTtlMs } : {}),
      expectPlan: expected?.(target) ?? null,
      dryRun: inv.dryRun,
      ...(deps.beforeLock ? { beforeLock: deps.beforeLock } : {}),
      ...(endpoints ? { endpoints } : {}),
      ...(deps.progress ? { progress: deps.progress } : {}),
      ...(deps.afterStep ? { afterStep: deps.afterStep } : {}),
    });
    return report;
  } catch (e) {
    if (e instanceof KilledError) throw e;
    // Reads before any write failed (registry down, denied): nothing was changed.
    return emptyReport(mode, 'failed', `could not plan or apply: ${(e as Error).message}`);
  }
}
