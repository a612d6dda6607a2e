// Converges one serving endpoint to the end state of a rollout strategy.
//
// Read first, write only what is missing: an endpoint already at the end state costs zero writes.
// The endpoint must hold what the plan saw (or be part-way through this very rollout, after a
// crash); anything else is drift and nothing is written. The previous config is saved before the
// first write and restored exactly when a health check, a smoke request or an update fails.
//
// Health (canary steps, blue-green's switch): src/rollout/health.ts, the one rule the bake after a
// rollout uses too. A health check that fails or cannot judge aborts the rollout back to the saved
// config.

import { ApiError } from '../errors.js';
import { judgeHealth } from './health.js';

import type { EndpointConfigSpec, EndpointView, InferenceTableSpec, SettleOutcome } from '../endpoint/serving.js';
import { describeConfig, describeExpected, matchesExpected, phasesFor } from './phases.js';
import { sameConfig } from '../endpoint/compare.js';
import type { RolloutPhase, RolloutResult, RolloutRuntime, RolloutStepRecord, SavedConfig, ServingRolloutSpec } from './types.js';
import type { ServingClient, ServingClock } from '../endpoint/ports.js';
import { systemClock } from '../endpoint/ports.js';

export interface ConvergeDeps {
  readonly serving: ServingClient;
  /** Pauses between canary steps go through `clock.sleep`. */
  readonly clock?: ServingClock;
}

/** Where a rollout stands against the live endpoint, without writing anything. */
export type RolloutPosition =
  | { readonly state: 'done'; readonly endpoint: EndpointView }
  | { readonly state: 'absent' }
  | { readonly state: 'busy'; readonly endpoint: EndpointView }
  | { readonly state: 'at-expected'; readonly endpoint: EndpointView; readonly phases: RolloutPhase[]; readonly saved: SavedConfig }
  /** Live config equals phase `index` of this rollout (a previous run stopped there). */
  | { readonly state: 'mid-rollout'; readonly endpoint: EndpointView; readonly phases: RolloutPhase[]; readonly index: number; readonly saved: SavedConfig | null }
  | { readonly state: 'drift'; readonly endpoint: EndpointView | null; readonly reason: string };

const tableMatches = (live: EndpointView, wanted: InferenceTableSpec | null): boolean =>
  wanted === null ||
  (live.inferenceTable !== null &&
    live.inferenceTable.enabled &&
    live.inferenceTable.catalog === wanted.catalog &&
    live.inferenceTable.schema === wanted.schema &&
    live.inferenceTable.prefix === wanted.prefix);

/**
 * The config the plan saw, in full input form: entity identities from the plan, their workload
 * settings from the live endpoint (which still serves them at every phase but the last).
 */
function baseFromExpected(spec: ServingRolloutSpec, live: EndpointConfigSpec): EndpointConfigSpec | null {
  const expected = spec.expected;
  if (expected.kind === 'absent') return null;
  const servedEntities = expected.servedEntities.map((x) => {
    const full = live.servedEntities.find((e) => e.name === x.name && e.entityName === x.entityName && e.entityVersion === x.entityVersion);
    return full ?? { name: x.name, entityName: x.entityName, entityVersion: x.entityVersion, workloadSize: 'Small', scaleToZero: false };
  });
  return { servedEntities, routes: expected.routes.map((r) => ({ ...r })) };
}

/** Classifies the endpoint against the rollout. Reads only. */
export function locate(spec: ServingRolloutSpec, endpoint: EndpointView | null): RolloutPosition {
  if (!endpoint) {
    return spec.expected.kind === 'absent'
      ? { state: 'absent' }
      : { state: 'drift', endpoint: null, reason: `serving endpoint "${spec.endpoint}" does not exist; the plan expected it to serve ${describeExpected(spec.expected)}` };
  }
  if (endpoint.configUpdate === 'IN_PROGRESS') return { state: 'busy', endpoint };
  const live = endpoint.config;
  const finalConfig = phasesFor(spec.strategy, spec.candidate, null)[0]!.config;
  if (live && spec.expected.kind === 'absent' && sameConfig(live, finalConfig)) {
    // Created by an earlier run; only the inference table may still be missing.
    return tableMatches(endpoint, spec.inferenceTable)
      ? { state: 'done', endpoint }
      : { state: 'mid-rollout', endpoint, phases: phasesFor(spec.strategy, spec.candidate, null), index: 0, saved: null };
  }
  if (!live) {
    return spec.expected.kind === 'absent'
      ? { state: 'drift', endpoint, reason: `serving endpoint "${spec.endpoint}" exists but serves nothing yet; the plan expected no endpoint` }
      : { state: 'drift', endpoint, reason: `serving endpoint "${spec.endpoint}" has no live config; the plan expected ${describeExpected(spec.expected)}` };
  }
  const base = baseFromExpected(spec, live);
  const phases = phasesFor(spec.strategy, spec.candidate, base);
  const last = phases[phases.length - 1]!;
  if (sameConfig(live, last.config) && tableMatches(endpoint, spec.inferenceTable)) return { state: 'done', endpoint };
  const saved: SavedConfig | null = base ? { configVersion: spec.expected.kind === 'config' ? spec.expected.configVersion ?? null : null, config: base } : null;
  if (saved && matchesExpected(live, spec.expected)) {
    return { state: 'at-expected', endpoint, phases, saved: { ...saved, configVersion: saved.configVersion ?? live.configVersion } };
  }
  const index = phases.findIndex((p) => sameConfig(live, p.config));
  if (saved && index >= 0) return { state: 'mid-rollout', endpoint, phases, index, saved };
  return {
    state: 'drift',
    endpoint,
    reason:
      `serving endpoint "${spec.endpoint}" changed since the plan was made: it serves ${describeConfig(live)}` +
      `${live.configVersion !== null ? ` (config version ${live.configVersion})` : ''}; the plan expected ${describeExpected(spec.expected)}. ` +
      'Re-run the plan to review the current state; nothing was changed.',
  };
}

/** Runs the rollout to its end state (or aborts it back to the saved config). */
export async function convergeRollout(spec: ServingRolloutSpec, deps: ConvergeDeps, runtime: RolloutRuntime = {}): Promise<RolloutResult> {
  const { serving } = deps;
  const clock = deps.clock ?? systemClock;
  const deadlineMs = spec.waitTimeoutSeconds * 1000;
  const wait = { deadlineMs, onProgress: runtime.onProgress };
  const steps: RolloutStepRecord[] = [];
  const pollsAtStart = serving.polls();
  let writes = 0;
  let previous: SavedConfig | null = null;
  const record = async (s: RolloutStepRecord): Promise<void> => {
    steps.push(s);
    await runtime.onStep?.(s);
  };
  const result = (outcome: RolloutResult['outcome'], message: string): RolloutResult => ({
    outcome,
    message,
    steps,
    previous,
    writes,
    polls: serving.polls() - pollsAtStart,
  });
  type Stuck = Extract<SettleOutcome, { kind: 'deadline' | 'missing' }>;
  const isStuck = (s: SettleOutcome): s is Stuck => s.kind === 'deadline' || s.kind === 'missing';
  const stuck = (s: Stuck): RolloutResult => result(s.kind === 'deadline' ? 'deadline' : 'failed', s.message);

  let endpoint = await serving.getEndpoint(spec.endpoint);
  let position = locate(spec, endpoint);
  if (position.state === 'busy') {
    // An update is in flight (ours from a crashed run, or someone else's): let it finish first.
    const s = await serving.waitUntilSettled(spec.endpoint, wait);
    if (isStuck(s)) return stuck(s);
    endpoint = s.endpoint;
    position = locate(spec, endpoint);
  }

  switch (position.state) {
    case 'done':
      return result('up-to-date', `serving endpoint "${spec.endpoint}" already serves ${describeConfig(position.endpoint.config!)}`);
    case 'drift':
      return result('drift', position.reason);
    case 'busy':
      return result('failed', `serving endpoint "${spec.endpoint}" is still updating`);
    case 'absent': {
      const config = phasesFor(spec.strategy, spec.candidate, null)[0]!.config;
      const created = await serving.createEndpoint({ name: spec.endpoint, config, inferenceTable: spec.inferenceTable });
      writes++;
      await record({ kind: 'create', label: `create ${spec.endpoint} serving ${describeConfig(config)}`, writes: 1 });
      const s = await serving.waitUntilSettled(spec.endpoint, wait);
      if (isStuck(s)) return stuck(s);
      if (s.kind === 'failed') return result('failed', `${s.message}; the new endpoint serves nothing`);
      if (created.outcome === 'exists') {
        // Another writer created it between our read and our write: judge what it serves.
        const now = locate(spec, s.endpoint);
        if (now.state !== 'done') return result('drift', `serving endpoint "${spec.endpoint}" was created by someone else meanwhile, serving ${s.endpoint.config ? describeConfig(s.endpoint.config) : 'nothing'}; nothing was changed`);
        return result('up-to-date', `serving endpoint "${spec.endpoint}" was created meanwhile with the planned config`);
      }
      const smoke = phasesFor(spec.strategy, spec.candidate, null)[0]!.smoke;
      if (smoke) {
        const verdict = await smokeRequest(spec, serving, runtime);
        await record({ kind: 'smoke', label: `smoke request to ${spec.endpoint}`, ...verdict });
        if (!verdict.passed) return result('failed', `smoke request to the new endpoint failed: ${verdict.reason}`);
      }
      return result('created', `created serving endpoint "${spec.endpoint}" serving ${describeConfig(config)}`);
    }
    case 'at-expected':
    case 'mid-rollout':
      break;
  }

  const { phases, saved } = position;
  previous = saved;
  const start = position.state === 'mid-rollout' ? position.index : 0;
  if (position.state === 'mid-rollout') await record({ kind: 'resume', label: `resuming at "${phases[start]!.label}" (the endpoint already serves it)` });

  let live: EndpointView = position.endpoint;
  for (let i = start; i < phases.length; i++) {
    const phase = phases[i]!;
    if (!live.config || !sameConfig(live.config, phase.config)) {
      const update = await serving.updateConfig(spec.endpoint, phase.config, wait);
      writes += update.outcome === 'started' ? 1 + update.conflicts : update.conflicts;
      if (update.outcome === 'gave-up') return isStuck(update.settle) ? stuck(update.settle) : result('failed', 'gave up waiting for an update in flight');
      const pollsBefore = serving.polls();
      const s: SettleOutcome =
        update.outcome === 'already-applied'
          ? { kind: 'settled', endpoint: update.endpoint, polls: 0, waitedMs: 0 }
          : await serving.waitUntilSettled(spec.endpoint, wait);
      await record({
        kind: 'update',
        label: phase.label,
        configVersion: update.outcome === 'started' ? update.endpoint.pendingConfigVersion : update.endpoint.config?.configVersion ?? null,
        conflicts: update.conflicts,
        polls: serving.polls() - pollsBefore,
      });
      if (isStuck(s)) return stuck(s);
      if (s.kind === 'failed') return abort(`"${phase.label}" failed: ${s.message}`);
      live = s.endpoint;
    }
    if (phase.smoke) {
      const verdict = await smokeRequest(spec, serving, runtime);
      await record({ kind: 'smoke', label: `smoke request after "${phase.label}"`, ...verdict });
      if (!verdict.passed) return abort(`smoke request failed after "${phase.label}": ${verdict.reason}`);
    }
    if (phase.healthCheck) {
      const verdict = await judgeHealth(
        { endpoint: spec.endpoint, entity: spec.candidate.name, health: spec.health, pauseSeconds: phase.pauseSeconds, at: live, pausing: `before the health check at "${phase.label}"` },
        { serving, clock, ...(runtime.onProgress ? { onProgress: runtime.onProgress } : {}) },
      );
      await record({ kind: 'health', label: `health of ${spec.candidate.name} at "${phase.label}"`, health: verdict.health, outcome: verdict.outcome, passed: verdict.outcome === 'pass', reason: verdict.reason });
      if (verdict.outcome === 'fail') return abort(`health check failed at "${phase.label}": ${verdict.reason}`);
      if (verdict.outcome === 'error') return abort(`health check could not judge ${spec.candidate.name} at "${phase.label}": ${verdict.reason}`);
    }
  }

  if (!tableMatches(live, spec.inferenceTable)) {
    await serving.putInferenceTable(spec.endpoint, spec.inferenceTable);
    writes++;
    await record({ kind: 'inference-table', label: `inference table ${spec.inferenceTable!.catalog}.${spec.inferenceTable!.schema}.${spec.inferenceTable!.prefix}*` });
  }
  return result('rolled-out', `serving endpoint "${spec.endpoint}" now serves ${describeConfig(phases[phases.length - 1]!.config)}`);

  async function abort(why: string): Promise<RolloutResult> {
    if (!saved) return result('failed', `${why}; there was no previous config to restore`);
    const restoreTo = saved.config;
    const now = await serving.getEndpoint(spec.endpoint);
    if (now && now.configUpdate !== 'IN_PROGRESS' && now.config && sameConfig(now.config, restoreTo)) {
      // A failed update leaves the previous config in place: nothing to restore.
      await record({ kind: 'restore', label: `previous config still served: ${describeConfig(restoreTo)}`, writes: 0 });
      return result('aborted', `${why}; the endpoint still serves the previous config (${describeConfig(restoreTo)})`);
    }
    const update = await serving.updateConfig(spec.endpoint, restoreTo, wait);
    writes += update.outcome === 'started' ? 1 + update.conflicts : update.conflicts;
    if (update.outcome === 'gave-up') return result('failed', `${why}; restoring the previous config did not start: ${isStuck(update.settle) ? update.settle.message : 'gave up'}`);
    const s: SettleOutcome =
      update.outcome === 'already-applied' ? { kind: 'settled', endpoint: update.endpoint, polls: 0, waitedMs: 0 } : await serving.waitUntilSettled(spec.endpoint, wait);
    await record({ kind: 'restore', label: `restore ${describeConfig(restoreTo)}`, writes: update.outcome === 'started' ? 1 + update.conflicts : update.conflicts });
    if (s.kind !== 'settled') return result('failed', `${why}; restoring the previous config did not settle: ${s.message}`);
    return result('aborted', `${why}; restored the previous config (${describeConfig(restoreTo)})`);
  }
}

async function smokeRequest(spec: ServingRolloutSpec, serving: ServingClient, runtime: RolloutRuntime): Promise<{ passed: boolean; reason: string }> {
  if (runtime.inputExample === undefined || runtime.inputExample === null) {
    return { passed: true, reason: 'skipped: the model logged no input example' };
  }
  try {
    const answer = await serving.invoke(spec.endpoint, runtime.inputExample);
    if (answer.ok) return { passed: true, reason: `answered ${answer.status}${answer.servedEntityName ? ` from ${answer.servedEntityName}` : ''}` };
    return { passed: false, reason: `answered ${answer.status ?? 'no response'}${answer.errorCode ? ` ${answer.errorCode}` : ''}: ${answer.message}` };
  } catch (e) {
    return { passed: false, reason: e instanceof ApiError ? e.message : String(e) };
  }
}
