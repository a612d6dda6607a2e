// Converges one target's plan: for each step check → act → verify. A step whose postcondition
// already holds is skipped, so a finished promotion re-runs with zero writes (and without taking
// the lock). A write whose answer was lost is recognised by re-reading: the copy carries its
// identity tag from the create call, so it is found instead of being created twice.

import { ApiError } from '../errors.js';
import { buildPlan, resolveRef, splitCopies, type DestinationSnapshot, type PlanInput } from '../plan/build.js';
import { describePlan, diffPlans } from '../plan/diff.js';
import { hashMatches } from '../util/hash.js';
import { JOURNAL, envTag } from '../registry/journal.js';
import type { PlanRefusal, PlannedStep, PromotionReport, PromotionStatus, StepReport, TargetPlan, VersionRef } from '../plan/types.js';
import { acquireLock, describeHolder, lockKeeper, releaseLock, releaseStaleLocks, type LockKeeper } from './lock.js';
import { observeDestination } from './observe.js';
import type { ArtifactTransfer, PromotionRegistry } from '../registry/ports.js';
import {
  actMonitor,
  actRestore,
  actRollout,
  checkMonitor,
  checkRestore,
  checkRollout,
  type EndpointActContext,
  type EndpointPorts,
} from './endpoints.js';
import type { MonitorCheck } from '../endpoint/monitor-step.js';
import type { EndpointView } from '../endpoint/serving.js';
import type { ObservedVersion } from '../registry/types.js';

export interface ExpectedPlan {
  /** `sha256:<hex>` or a hex prefix of ≥ 12 characters. */
  readonly hash: string;
  /** The reviewed plan itself, when known (from a result file): drift is then reported step by step. */
  readonly plan?: TargetPlan | null;
  /** Set when the reviewed plan file has no plan for this target: it must not be applied. */
  readonly missingFrom?: string;
}

export interface ApplyOptions {
  /** The destination registry (locks live there too). */
  readonly registry: PromotionRegistry;
  /** Needed only when source and destination are different servers. */
  readonly transfer?: ArtifactTransfer;
  readonly actor: string;
  readonly runUrl: string | null;
  readonly now: () => Date;
  /** Unique per run; identifies this run's lock. */
  readonly lockToken: string;
  readonly lockTtlMs?: number;
  /** Same job across attempts (see LockRequest.reclaimKey); lets a re-run reclaim its own dead lock. */
  readonly lockReclaimKey?: string | null;
  readonly expectPlan?: ExpectedPlan | null;
  /** Plan and check only: no lock, no writes. */
  readonly dryRun?: boolean;
  /** Attempts per step when a write fails with a retryable error and the re-read shows it did not land. */
  readonly maxAttemptsPerStep?: number;
  /** Test seam: awaited after the first plan, before the lock is taken. */
  readonly beforeLock?: () => Promise<void>;
  /** Serving endpoint and monitor of the destination environment (plans with those steps need it). */
  readonly endpoints?: EndpointPorts;
  /** One line per event while waiting on endpoints (progress for humans). */
  readonly progress?: (line: string) => void;
  /**
   * Test seam for crash tests: awaited after each step that ended done or satisfied. If it throws
   * `KilledError`, the executor stops at once like a killed process: no further step, and the lock
   * is NOT released (a re-run of the same job reclaims it).
   */
  readonly afterStep?: (stepId: string, index: number) => Promise<void>;
}

/** Thrown by an `afterStep` hook to simulate the process being killed at a step boundary. */
export class KilledError extends Error {
  override readonly name = 'KilledError';
}

export interface ApplyOutcome {
  /** null when the job refused to plan (e.g. a rollback with no recorded previous champion). */
  readonly plan: TargetPlan | null;
  readonly report: PromotionReport;
}

export const DEFAULT_LOCK_TTL_MS = 15 * 60_000;

type Check = { readonly state: 'satisfied' } | { readonly state: 'pending' } | { readonly state: 'drift'; readonly reason: string };
const SATISFIED: Check = { state: 'satisfied' };
const PENDING: Check = { state: 'pending' };

/** The executor's view of the destination: the snapshot, updated by every verify read. */
interface World {
  modelExists: boolean;
  modelTags: Record<string, string>;
  copies: ObservedVersion[];
  strays: ObservedVersion[];
  aliases: Record<string, string>;
  versions: Record<string, ObservedVersion>;
  inStage: string[];
  endpoint?: EndpointView | null;
  monitor?: MonitorCheck;
}

const worldOf = (s: DestinationSnapshot): World => ({
  modelExists: s.modelExists,
  modelTags: { ...(s.modelTags ?? {}) },
  copies: [...s.copies],
  strays: [...s.strays],
  aliases: { ...s.aliases },
  versions: { ...s.versions },
  inStage: [...s.inStage],
  ...(s.endpoint !== undefined ? { endpoint: s.endpoint } : {}),
  ...(s.monitor !== undefined ? { monitor: s.monitor } : {}),
});

const snapshotOf = (w: World): DestinationSnapshot => w;

const versionOf = (ref: VersionRef, w: DestinationSnapshot): ObservedVersion | null => {
  const v = resolveRef(ref, w);
  return v === null ? null : w.versions[v] ?? null;
};

const tagsHold = (have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean =>
  Object.entries(want).every(([k, v]) => have[k] === v);

const vtext = (v: string | null | undefined): string => (v ? `v${v}` : 'nothing');

/** Does the world already satisfy the step, still need it, or contradict the plan? */
export function checkStep(step: PlannedStep, world: DestinationSnapshot, planHashValue: string): Check {
  const w = world;
  const s = step.spec;
  switch (s.kind) {
    case 'ensure-model':
      return w.modelExists ? SATISFIED : PENDING;
    case 'set-model-tags':
      if (!w.modelExists) return { state: 'drift', reason: `registered model "${s.model}" does not exist` };
      return tagsHold(w.modelTags ?? {}, s.tags) ? SATISFIED : PENDING;
    case 'copy-version':
      return w.copies.length > 0 && w.strays.length === 0 ? SATISFIED : PENDING;
    case 'set-tags': {
      const v = versionOf(s.target, w);
      if (!v) return PENDING;
      return tagsHold(v.tags, { ...s.tags, [JOURNAL.planHash(s.environment)]: planHashValue }) ? SATISFIED : PENDING;
    }
    case 'record-previous-champion': {
      const v = versionOf(s.target, w);
      if (!v) return PENDING;
      return tagsHold(v.tags, s.tags) ? SATISFIED : PENDING;
    }
    case 'move-alias': {
      const target = resolveRef(s.target, world);
      const current = w.aliases[s.alias] ?? null;
      if (target !== null && current === target) return SATISFIED;
      if (current !== s.expectedCurrent) {
        return { state: 'drift', reason: `alias "${s.alias}" points at ${vtext(current)}; the plan expected ${vtext(s.expectedCurrent)}` };
      }
      return PENDING;
    }
    case 'transition-stage': {
      const target = resolveRef(s.target, world);
      const others = w.inStage.filter((v) => v !== target);
      if (target !== null && w.inStage.includes(target) && (!s.archiveExisting || others.length === 0)) return SATISFIED;
      const unexpected = others.filter((v) => !s.expectedInStage.includes(v));
      if (unexpected.length) {
        return {
          state: 'drift',
          reason: `stage ${s.stage} holds ${unexpected.map(vtext).join(', ')}, which the plan did not expect (it expected ${s.expectedInStage.map(vtext).join(', ') || 'nothing'})`,
        };
      }
      return PENDING;
    }
    case 'serving-rollout':
      return checkRollout(s, resolveRef(s.target, world), w.endpoint);
    case 'restore-endpoint':
      return checkRestore(s, w.endpoint);
    case 'ensure-monitor':
      return checkMonitor(w.monitor);
  }
}

const isRetryable = (e: unknown): boolean =>
  e instanceof ApiError &&
  (e.details.kind !== 'http' || (e.details.status !== null && (e.details.status >= 500 || e.details.status === 429)));

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Counts the write calls made through a registry. */
function counting(registry: PromotionRegistry): { registry: PromotionRegistry; writes: () => number; add: (n: number) => void } {
  let writes = 0;
  const WRITES = new Set(['createModel', 'createVersion', 'setVersionTag', 'setModelTag', 'setAlias', 'transitionStage', 'deleteVersion', 'createLock', 'deleteLock', 'setLockTag']);
  const wrapped = new Proxy(registry, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value === 'function' && WRITES.has(String(prop))) {
        return (...args: unknown[]) => {
          writes++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    registry: wrapped,
    writes: () => writes,
    // Serving and monitor writes are counted by their own clients.
    add: (n: number) => void (writes += n),
  };
}

interface Context {
  readonly registry: PromotionRegistry;
  readonly options: ApplyOptions;
  readonly plan: TargetPlan;
  readonly addWrites: (n: number) => void;
  /** Messages of finished steps (e.g. how a rollout went), by step id. */
  readonly notes: Map<string, string>;
  /** Keeps the lock alive during long steps. */
  readonly keeper: LockKeeper;
}

function endpointContext(ctx: Context, step: PlannedStep): EndpointActContext {
  const ports = ctx.options.endpoints;
  if (!ports) throw new Error(`${step.id}: serving endpoints and monitors need a Databricks workspace client; none is configured`);
  return {
    ports,
    addWrites: ctx.addWrites,
    progress: (line) => ctx.options.progress?.(line),
    note: (message) => void ctx.notes.set(step.id, message),
    heartbeat: () => ctx.keeper.beat(),
  };
}

/** Journal tags that describe this run (not hashed): written with the plan hash, last. */
const runTags = (ctx: Context, env: string): Record<string, string> => ({
  [JOURNAL.promotedBy(env)]: ctx.options.actor,
  [JOURNAL.promotedAt(env)]: ctx.options.now().toISOString(),
  ...(ctx.options.runUrl ? { [JOURNAL.runUrl(env)]: ctx.options.runUrl } : {}),
  [JOURNAL.planHash(env)]: ctx.plan.hash,
});

/** Tags of later steps that target the copy: set in the create call, saving one call per tag. */
function piggybackTags(ctx: Context): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const step of ctx.plan.steps) {
    const s = step.spec;
    if ((s.kind === 'set-tags' || s.kind === 'record-previous-champion') && s.target.kind === 'copy-of') {
      Object.assign(tags, s.tags);
      if (s.kind === 'set-tags') Object.assign(tags, runTags(ctx, s.environment));
    }
  }
  return tags;
}

async function act(step: PlannedStep, w: World, ctx: Context): Promise<void> {
  const s = step.spec;
  const r = ctx.registry;
  switch (s.kind) {
    case 'ensure-model':
      await r.createModel(s.model);
      return;
    case 'set-model-tags': {
      const context = {
        [JOURNAL.rolledBackBy(s.environment)]: ctx.options.actor,
        [JOURNAL.rolledBackAt(s.environment)]: ctx.options.now().toISOString(),
        ...(ctx.options.runUrl ? { [envTag(s.environment, 'rollback_run_url')]: ctx.options.runUrl } : {}),
      };
      // Who/when first, the checked tags last: they mark the step done.
      for (const [key, value] of Object.entries({ ...context, ...s.tags })) await r.setModelTag(s.model, key, value);
      return;
    }
    case 'copy-version': {
      if (w.copies.length > 0) {
        // The copy exists; what is left are strays that lost or late writes made beside it.
        for (const stray of w.strays) await r.deleteVersion(stray.name, stray.version);
        const what = w.strays.map((v) => `v${v.version} (${v.status === 'READY' ? 'an unused duplicate' : v.status})`).join(', ');
        ctx.notes.set(step.id, `kept v${w.copies[0]!.version}; deleted ${what} that an earlier write left beside it`);
        return;
      }
      // Same server: `models:/<name>/<version>` lets MLflow resolve the source's artifacts and
      // lineage (run_id, model_id) itself, exactly like MlflowClient.copy_model_version.
      let source = `models:/${s.from.name}/${s.from.version}`;
      let runId: string | null = null;
      const extra: Record<string, string> = {};
      if (s.artifacts === 'transfer') {
        if (!ctx.options.transfer) {
          throw new Error(`copying between servers needs an artifact transfer from ${s.from.registry} to ${s.registry}; none is configured`);
        }
        const moved = await ctx.options.transfer.copy(s.from);
        source = moved.uri;
        runId = moved.runId ?? null;
        extra['mlops_gate.artifact_digest'] = moved.digest;
      }
      // Identity and source tags first in the object so they are never dropped; all in one call.
      await r.createVersion({
        name: s.model,
        source,
        runId,
        tags: { ...piggybackTags(ctx), ...extra, ...s.tags },
        description: `Promoted by mlops-gate from ${s.from.name} v${s.from.version}`,
      });
      return;
    }
    case 'set-tags':
    case 'record-previous-champion': {
      const v = versionOf(s.target, w);
      if (!v) throw new Error(`${step.id}: the destination version does not exist`);
      const want = s.kind === 'set-tags' ? { ...s.tags, ...runTags(ctx, s.environment) } : s.tags;
      for (const [key, value] of Object.entries(want)) {
        const isRunTag = s.kind === 'set-tags' && key in runTags(ctx, s.environment);
        if (v.tags[key] !== value || isRunTag) await r.setVersionTag(v.name, v.version, key, value);
      }
      return;
    }
    case 'move-alias': {
      const target = resolveRef(s.target, snapshotOf(w));
      if (target === null) throw new Error(`${step.id}: the destination version does not exist`);
      await r.setAlias(s.model, s.alias, target);
      return;
    }
    case 'transition-stage': {
      const target = resolveRef(s.target, snapshotOf(w));
      if (target === null) throw new Error(`${step.id}: the destination version does not exist`);
      await r.transitionStage(s.model, target, s.stage, s.archiveExisting);
      return;
    }
    case 'serving-rollout': {
      const target = resolveRef(s.target, snapshotOf(w));
      if (target === null) throw new Error(`${step.id}: the destination version does not exist`);
      await actRollout(s, target, endpointContext(ctx, step));
      return;
    }
    case 'restore-endpoint':
      await actRestore(s, endpointContext(ctx, step));
      return;
    case 'ensure-monitor':
      await actMonitor(s, endpointContext(ctx, step));
      return;
  }
}

/** Re-reads exactly the facts the step's postcondition depends on. */
async function refresh(step: PlannedStep, w: World, ctx: Context): Promise<void> {
  const s = step.spec;
  const r = ctx.registry;
  switch (s.kind) {
    case 'ensure-model':
    case 'set-model-tags':
    case 'move-alias': {
      const model = await r.getModel(s.model);
      w.modelExists = model !== null;
      w.aliases = { ...(model?.aliases ?? {}) };
      w.modelTags = { ...(model?.tags ?? {}) };
      return;
    }
    case 'copy-version': {
      const { copies, strays } = splitCopies(await r.findVersionsByTag(s.model, s.identityKey, s.identityValue));
      for (const v of w.strays) delete w.versions[v.version];
      w.copies = copies;
      w.strays = strays;
      for (const v of copies) w.versions[v.version] = v;
      return;
    }
    case 'set-tags':
    case 'record-previous-champion': {
      const target = resolveRef(s.target, snapshotOf(w));
      if (target === null) return;
      const v = await r.getVersion(s.target.name, target);
      if (v) {
        w.versions[v.version] = v;
        w.copies = w.copies.map((c) => (c.version === v.version ? v : c));
      }
      return;
    }
    case 'transition-stage': {
      const all = await r.listVersions(s.model);
      w.inStage = [];
      for (const v of all) {
        w.versions[v.version] = v;
        if (v.stage !== null && v.stage.toLowerCase() === s.stage.toLowerCase()) w.inStage.push(v.version);
      }
      w.inStage.sort((a, b) => Number(a) - Number(b));
      return;
    }
    case 'serving-rollout':
    case 'restore-endpoint': {
      const ports = ctx.options.endpoints;
      if (ports) w.endpoint = await ports.serving.getEndpoint(s.endpoint);
      return;
    }
    case 'ensure-monitor': {
      const ports = ctx.options.endpoints;
      if (ports?.monitor) w.monitor = await ports.monitor.check(s.request);
      return;
    }
  }
}

const stepReport = (step: PlannedStep, status: StepReport['status'], w: DestinationSnapshot, extra: Partial<StepReport> = {}): StepReport => {
  const s = step.spec;
  const ref = 'target' in s ? s.target : null;
  const version = ref ? resolveRef(ref, w) : s.kind === 'copy-version' ? w.copies[0]?.version ?? null : null;
  return {
    id: step.id,
    kind: s.kind,
    spec: s,
    description: step.description,
    precondition: step.precondition,
    postcondition: step.postcondition,
    status,
    ...(version ? { version } : {}),
    writes: 0,
    ...extra,
  };
};

/** Statuses of every step against a snapshot, without acting (dry run, and the zero-write fast path). */
function evaluate(plan: TargetPlan, snapshot: DestinationSnapshot): { steps: StepReport[]; drift: string | null; pending: number } {
  let drift: string | null = null;
  let pending = 0;
  const steps = plan.steps.map((step) => {
    const c = checkStep(step, snapshot, plan.hash);
    if (c.state === 'drift') {
      drift ??= `${step.id}: ${c.reason}`;
      return stepReport(step, 'failed', snapshot, { message: c.reason });
    }
    if (c.state === 'pending') pending++;
    return stepReport(step, c.state === 'satisfied' ? 'satisfied' : 'pending', snapshot);
  });
  return { steps, drift, pending };
}

function report(plan: TargetPlan, w: DestinationSnapshot, status: PromotionStatus, message: string, steps: readonly StepReport[], writes: number): PromotionReport {
  const target = plan.steps.find((s) => 'target' in s.spec)?.spec;
  const version = target && 'target' in target ? resolveRef(target.target, w) : null;
  return {
    mode: plan.operation === 'rollback' ? 'rollback' : plan.mode,
    hash: plan.hash,
    status,
    message,
    source: plan.source,
    destination: { ...plan.destination, version },
    previousChampion: plan.previousChampion,
    steps,
    writes,
  };
}

function expectationFailure(expect: ExpectedPlan, plan: TargetPlan): string | null {
  if (expect.missingFrom) {
    return `${plan.model} ${plan.from}→${plan.to} is not in the reviewed plan file ${expect.missingFrom}, so it is not applied; its plan now has hash ${plan.hash}.`;
  }
  if (hashMatches(expect.hash, plan.hash)) return null;
  const changes = expect.plan ? diffPlans(expect.plan, plan) : [];
  const what = changes.length
    ? `What changed: ${changes.join('; ')}.`
    : `The plan now is: ${describePlan(plan).join('; ')}.`;
  return `the world drifted from the reviewed plan (--expect-plan ${expect.hash}); the plan now has hash ${plan.hash}. ${what} Review the new plan and re-run with its hash.`;
}

/** What to converge: how to read the world and how to plan from it (promotion, rollback, …). */
export interface PlanJob {
  /** One lock per destination model × environment. */
  readonly lockKey: string;
  readonly purpose: string;
  /** For messages, e.g. `"churn-prod" in prod`. */
  readonly subject: string;
  observe(registry: PromotionRegistry, endpoints?: EndpointPorts): Promise<DestinationSnapshot>;
  build(snapshot: DestinationSnapshot): TargetPlan | PlanRefusal;
}

export const isPlanRefusal = (p: TargetPlan | PlanRefusal): p is PlanRefusal => 'reason' in p;

const refusedReport = (refusal: PlanRefusal, writes: number): PromotionReport => ({
  mode: 'rollback',
  hash: null,
  status: 'refused',
  message: refusal.reason,
  source: null,
  destination: null,
  previousChampion: null,
  steps: [],
  writes,
});

export const promotionJob = (input: PlanInput): PlanJob => ({
  lockKey: `${input.destination.registry}|${input.destination.model}|${input.to}`,
  purpose: `promote ${input.model} ${input.from}→${input.to}`,
  subject: `"${input.destination.model}" in ${input.to}`,
  observe: async (registry, endpoints) => observeEndpoints(input, await observeDestination(input, registry), endpoints),
  build: (snapshot) => buildPlan(input, snapshot),
});

/** The endpoint and the monitor, when the plan has steps for them. */
async function observeEndpoints(input: PlanInput, snapshot: DestinationSnapshot, endpoints: EndpointPorts | undefined): Promise<DestinationSnapshot> {
  if (!input.serving && !input.monitor) return snapshot;
  if (!endpoints) throw new Error(`${input.model} → ${input.to}: serving/monitor steps need a Databricks workspace client for "${input.to}"; none is configured`);
  const endpoint = input.serving ? await endpoints.serving.getEndpoint(input.serving.endpoint) : undefined;
  const monitor = input.monitor && endpoints.monitor ? await endpoints.monitor.check(input.monitor) : undefined;
  return { ...snapshot, ...(endpoint !== undefined ? { endpoint } : {}), ...(monitor ? { monitor } : {}) };
}

export const applyPromotion = (input: PlanInput, options: ApplyOptions): Promise<ApplyOutcome> => executePlan(promotionJob(input), options);

export async function executePlan(job: PlanJob, options: ApplyOptions): Promise<ApplyOutcome> {
  const counter = counting(options.registry);
  const registry = counter.registry;
  let snapshot = await job.observe(registry, options.endpoints);
  const built = job.build(snapshot);
  if (isPlanRefusal(built)) return { plan: null, report: refusedReport(built, counter.writes()) };
  let plan: TargetPlan = built;
  let world = worldOf(snapshot);

  const first = evaluate(plan, world);
  if (options.expectPlan) {
    const failure = expectationFailure(options.expectPlan, plan);
    if (failure) return { plan, report: report(plan, world, 'drift', failure, first.steps, counter.writes()) };
  }
  if (first.drift) {
    return { plan, report: report(plan, world, 'drift', `the registry contradicts the plan at step ${first.drift}`, first.steps, counter.writes()) };
  }
  if (first.pending === 0) {
    const done = plan.operation === 'rollback' ? 'already rolled back' : 'already promoted';
    let extra = '';
    if (options.lockReclaimKey && !options.dryRun) {
      const stale = await releaseStaleLocks(registry, { key: job.lockKey, reclaimKey: options.lockReclaimKey, now: options.now });
      if (stale.released.length) extra = ` (released ${stale.released.length} stale lock(s) left by an earlier attempt of this job or expired: ${stale.released.map((l) => l.name).join(', ')})`;
    }
    const nothing = counter.writes() === 0 ? '; nothing was written' : '';
    return { plan, report: report(plan, world, 'up-to-date', `${done}: every step is satisfied${nothing}${extra}`, first.steps, counter.writes()) };
  }
  if (options.dryRun) {
    return { plan, report: report(plan, world, 'planned', `${first.pending} step(s) to apply`, first.steps, counter.writes()) };
  }

  await options.beforeLock?.();
  const ttlMs = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const lockResult = await acquireLock(registry, {
    key: job.lockKey,
    owner: options.actor,
    token: options.lockToken,
    runUrl: options.runUrl,
    // Long endpoint waits renew it (lockKeeper), so a killed run's lock frees one lifetime later.
    ttlMs,
    now: options.now,
    purpose: job.purpose,
    reclaimKey: options.lockReclaimKey ?? null,
  });
  if (!lockResult.acquired) {
    if (lockResult.holder === null) {
      const msg = `could not take the lock for ${job.subject}: two attempts to create it failed or went unanswered. Nothing was changed; re-run.`;
      return { plan, report: report(plan, world, 'failed', msg, first.steps, counter.writes()) };
    }
    const msg = `another promotion or rollback holds the lock for ${job.subject}: ${describeHolder(lockResult.holder)}. Nothing was changed; re-run after it finishes.`;
    return { plan, report: report(plan, world, 'locked', msg, first.steps, counter.writes()) };
  }
  const keeper = lockKeeper(registry, lockResult.lock, { ttlMs, now: options.now });
  const notes: string[] = [];
  if (lockResult.tookOver) notes.push(`took over the lock left by ${describeHolder(lockResult.tookOver)}`);

  let outcome: ApplyOutcome;
  let killed = false;
  try {
    // The world may have moved while we waited for the lock: plan again under the lock.
    snapshot = await job.observe(registry, options.endpoints);
    const rebuilt = job.build(snapshot);
    if (isPlanRefusal(rebuilt)) {
      outcome = { plan: null, report: refusedReport(rebuilt, 0) };
    } else {
      plan = rebuilt;
      world = worldOf(snapshot);
      const failure = options.expectPlan ? expectationFailure(options.expectPlan, plan) : null;
      outcome = failure
        ? { plan, report: report(plan, world, 'drift', failure, evaluate(plan, world).steps, 0) }
        : await converge({ registry, options, plan, addWrites: counter.add, notes: new Map(), keeper }, world, counter.writes, notes);
    }
  } catch (e) {
    killed = e instanceof KilledError;
    throw e;
  } finally {
    // A killed process releases nothing, and a lost lock is someone else's now.
    if (!killed && !keeper.lost()) {
      const lock = keeper.current();
      try {
        await releaseLock(registry, lock);
      } catch (e) {
        notes.push(`could not release the lock ${lock.name} (${errorText(e)}); it expires at ${lock.expiresAt}`);
      }
    }
  }
  const extra = notes.length ? ` (${notes.join('; ')})` : '';
  return { plan: outcome.plan, report: { ...outcome.report, message: outcome.report.message + extra, writes: counter.writes() } };
}

async function converge(ctx: Context, w: World, writes: () => number, notes: string[]): Promise<ApplyOutcome> {
  const { plan, options } = ctx;
  const maxAttempts = options.maxAttemptsPerStep ?? 3;
  const steps: StepReport[] = [];
  let status: PromotionStatus = 'applied';
  let message = '';
  let wrote = false;
  /** The step failed: report it and every later step as not run. */
  const stopAt = (index: number, step: PlannedStep, reason: string, stepWrites: number): void => {
    steps.push(stepReport(step, 'failed', w, { writes: stepWrites, message: reason }));
    for (const rest of plan.steps.slice(index + 1)) steps.push(stepReport(rest, 'not-run', w));
  };

  for (const [index, step] of plan.steps.entries()) {
    const before = writes();
    let c = checkStep(step, w, plan.hash);
    if (c.state === 'pending') {
      try {
        await ctx.keeper.beat();
      } catch (e) {
        status = 'failed';
        message = `step ${step.id} (${step.description}) was not started: ${errorText(e)}`;
        stopAt(index, step, errorText(e), 0);
        break;
      }
    }
    if (c.state === 'satisfied') {
      steps.push(stepReport(step, 'satisfied', w));
      await options.afterStep?.(step.id, index);
      continue;
    }
    if (c.state === 'drift') {
      status = 'drift';
      message = `the registry contradicts the plan at step ${step.id}: ${c.reason}`;
      steps.push(stepReport(step, 'failed', w, { message: c.reason }));
      break;
    }
    let failure: string | null = null;
    let recovered = false;
    for (let attempt = 1; ; attempt++) {
      let writeError: unknown = null;
      try {
        await act(step, w, ctx);
      } catch (e) {
        writeError = e;
      }
      try {
        await refresh(step, w, ctx);
      } catch (e) {
        // Without a fresh read we cannot tell whether the write landed: stop; a re-run converges.
        failure = `${writeError ? errorText(writeError) + '; ' : ''}could not verify the step (${errorText(e)})`;
        break;
      }
      c = checkStep(step, w, plan.hash);
      if (c.state === 'satisfied') {
        recovered = writeError !== null;
        break;
      }
      if (c.state === 'drift') {
        failure = c.reason;
        status = 'drift';
        break;
      }
      if (writeError && !isRetryable(writeError)) {
        failure = errorText(writeError);
        break;
      }
      if (attempt >= maxAttempts) {
        failure = writeError ? errorText(writeError) : `the postcondition does not hold after the write: ${step.postcondition}`;
        break;
      }
    }
    const stepWrites = writes() - before;
    wrote ||= stepWrites > 0;
    if (failure !== null) {
      if (status !== 'drift') status = 'failed';
      message = `step ${step.id} (${step.description}) failed: ${failure}. Re-running converges from here; completed steps are skipped.`;
      stopAt(index, step, failure, stepWrites);
      break;
    }
    if (step.spec.kind === 'copy-version' && w.copies.length > 1) {
      notes.push(`${w.copies.length} versions carry the copy tag (${w.copies.map((v) => `v${v.version}`).join(', ')}); using the lowest`);
    }
    steps.push(
      stepReport(step, 'done', w, {
        writes: stepWrites,
        ...(recovered
          ? { message: 'the write failed or its answer was lost, but a re-read shows it took effect' }
          : ctx.notes.has(step.id)
            ? { message: ctx.notes.get(step.id)! }
            : {}),
      }),
    );
    await options.afterStep?.(step.id, index);
  }
  if (status === 'applied') {
    const verb = plan.operation === 'rollback' ? 'rolled back' : 'promoted';
    message = wrote ? `${verb}: ${steps.filter((s) => s.status === 'done').length} step(s) applied` : `already ${verb}: nothing was written`;
  }
  return { plan, report: report(plan, w, status, message, steps, writes()) };
}
