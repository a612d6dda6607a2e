// Converges one target's plan: for each step check → act → verify. A step whose postcondition
// already holds is skipped, so a finished promotion re-runs with zero writes (and without taking
// the lock). A write whose answer was lost is recognised by re-reading: the copy carries its
// identity tag from the create call, so it is found instead of being created twice.

import { ApiError } from '../errors.js';
import { buildPlan, type DestinationSnapshot, type PlanInput } from '../plan/build.js';
import { journalBudgetRefusal } from '../plan/journal-budget.js';
import { describePlan, diffPlans } from '../plan/diff.js';
import { hashMatches } from '../util/hash.js';
import type { PlanRefusal, PlannedStep, PromotionReport, PromotionStatus, StepReport, TargetPlan } from '../plan/types.js';
import { resolveRef } from '../plan/build.js';
import type { PromotionRegistry } from '../registry/ports.js';
import { acquireLock, describeHolder, lockKeeper, releaseLock, releaseStaleLocks } from './lock.js';
import { observeDestination } from './observe.js';

import { actStep, checkStep, refreshStep, runsFirst } from './steps/index.js';
import type { ApplyOptions, ApplyOutcome, ExpectedPlan, StepContext, StepEnd, World } from './types.js';

export { KilledError, type ApplyOptions, type ApplyOutcome, type ExpectedPlan } from './types.js';
import { KilledError } from './types.js';
import type { EndpointPorts } from './types.js';

export const DEFAULT_LOCK_TTL_MS = 15 * 60_000;

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
  ...(s.grants !== undefined ? { grants: s.grants } : {}),
});

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
  /** How the report names the operation (a refusal has no plan to take it from). */
  readonly mode?: PromotionReport['mode'];
  /** One lock per destination model × environment. */
  readonly lockKey: string;
  readonly purpose: string;
  /** For messages, e.g. `"churn-prod" in prod`. */
  readonly subject: string;
  /** `readOnly`: a dry run, which may read the destination's independent facts at once. */
  observe(registry: PromotionRegistry, endpoints?: EndpointPorts, readOnly?: boolean): Promise<DestinationSnapshot>;
  build(snapshot: DestinationSnapshot): TargetPlan | PlanRefusal;
}

export const isPlanRefusal = (p: TargetPlan | PlanRefusal): p is PlanRefusal => 'reason' in p;

const refusedReport = (refusal: PlanRefusal, writes: number, mode: PromotionReport['mode'] = 'rollback'): PromotionReport => ({
  mode,
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
  mode: input.mode,
  lockKey: `${input.destination.registry}|${input.destination.model}|${input.to}`,
  purpose: `promote ${input.model} ${input.from}→${input.to}`,
  subject: `"${input.destination.model}" in ${input.to}`,
  observe: async (registry, endpoints, readOnly) =>
    readOnly
      ? (async () => {
          // A preview reads the model, its copies and the endpoint at once (one round trip).
          // Grants need to know whether the model exists, so they follow (only when the plan manages them).
          const [snapshot, withEndpoints] = await Promise.all([observeDestination(input, registry, { concurrent: true }), observeEndpoints({ ...input, grants: null }, EMPTY_SNAPSHOT, endpoints)]);
          const merged = { ...snapshot, ...(withEndpoints.endpoint !== undefined ? { endpoint: withEndpoints.endpoint } : {}), ...(withEndpoints.monitor ? { monitor: withEndpoints.monitor } : {}) };
          return observeGrants(input, merged, endpoints);
        })()
      : observeEndpoints(input, await observeDestination(input, registry), endpoints),
  build: (snapshot) => {
    const plan = buildPlan(input, snapshot);
    return journalBudgetRefusal(input, plan, snapshot) ?? plan;
  },
});

const EMPTY_SNAPSHOT: DestinationSnapshot = { modelExists: false, copies: [], strays: [], aliases: {}, versions: {}, inStage: [] };

/** The model's grants, when the plan manages them (none to read before the model exists). */
async function observeGrants(input: PlanInput, snapshot: DestinationSnapshot, endpoints: EndpointPorts | undefined): Promise<DestinationSnapshot> {
  if (!input.grants) return snapshot;
  if (!endpoints?.grants) throw new Error(`${input.model} → ${input.to}: grants need a Unity Catalog workspace client for "${input.to}"; none is configured`);
  return { ...snapshot, grants: snapshot.modelExists ? await endpoints.grants.grants(input.destination.model) : {} };
}

/** The endpoint, the monitor and the model's grants, when the plan has steps for them. */
async function observeEndpoints(input: PlanInput, snapshot: DestinationSnapshot, endpoints: EndpointPorts | undefined): Promise<DestinationSnapshot> {
  snapshot = await observeGrants(input, snapshot, endpoints);
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
  let snapshot = await job.observe(registry, options.endpoints, options.dryRun === true);
  const built = job.build(snapshot);
  if (isPlanRefusal(built)) return { plan: null, report: refusedReport(built, counter.writes(), job.mode) };
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
      const msg = `could not take the lock for ${job.subject}: two attempts to create it failed or went unanswered${lockResult.error ? ` (${lockResult.error})` : ''}. Nothing was changed; re-run.`;
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
      outcome = { plan: null, report: refusedReport(rebuilt, 0, job.mode) };
    } else {
      plan = rebuilt;
      world = worldOf(snapshot);
      const failure = options.expectPlan ? expectationFailure(options.expectPlan, plan) : null;
      outcome = failure
        ? { plan, report: report(plan, world, 'drift', failure, evaluate(plan, world).steps, 0) }
        : await converge({ registry, options, plan, addWrites: counter.add, keeper }, world, counter.writes, notes);
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

/** What every step's context shares; `converge` adds the step id and its note. */
type RunContext = Omit<StepContext, 'stepId' | 'note'>;

async function converge(run: RunContext, w: World, writes: () => number, notes: string[]): Promise<ApplyOutcome> {
  const { plan, options } = run;
  /** Messages of finished steps (e.g. how a rollout went), by step id. */
  const stepNotes = new Map<string, string>();
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

  // A step that must run before those ahead of it (a revert a killed run left half done): start there.
  const first = plan.steps.findIndex((s) => runsFirst(s, w, plan.hash) !== null);
  if (first > 0) {
    notes.push(`resumed at step ${plan.steps[first]!.id}: ${runsFirst(plan.steps[first]!, w, plan.hash)!}`);
    for (const skipped of plan.steps.slice(0, first)) steps.push(stepReport(skipped, 'not-run', w));
  }

  for (const [index, step] of plan.steps.entries()) {
    if (index < first) continue;
    const before = writes();
    const ctx: StepContext = { ...run, stepId: step.id, note: (message) => void stepNotes.set(step.id, message) };
    let c = checkStep(step, w, plan.hash);
    if (c.state === 'pending') {
      try {
        await run.keeper.beat();
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
    let ended: StepEnd | null = null;
    for (let attempt = 1; ; attempt++) {
      let writeError: unknown = null;
      try {
        // A step may end the whole promotion with its own outcome (the bake that reverted).
        ended = (await actStep(step, w, ctx)) ?? null;
        if (ended) break;
      } catch (e) {
        // A killed process stops at once.
        if (e instanceof KilledError) throw e;
        writeError = e;
      }
      try {
        await refreshStep(step, w, ctx);
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
    if (ended !== null) {
      status = ended.status;
      message = ended.message;
      steps.push(stepReport(step, 'done', w, { writes: stepWrites, message: ended.message }));
      for (const rest of plan.steps.slice(index + 1)) steps.push(stepReport(rest, 'not-run', w));
      break;
    }
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
          : stepNotes.has(step.id)
            ? { message: stepNotes.get(step.id)! }
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
