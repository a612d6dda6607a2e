// The executor's serving and monitor steps: check → act → verify, as for the registry steps.
// The rollout itself is src/rollout (a converger that waits, health-checks and aborts back to the
// saved config); the monitor is src/platform/monitoring. This file adapts them to the plan's step
// specs, counts their writes and turns their outcomes into step failures the executor reports.

import { ApplyError } from '../errors.js';
import type { MonitorCheck, MonitorPort } from '../endpoint/monitor-step.js';

import { sameConfig } from '../endpoint/compare.js';
import type { EndpointView } from '../endpoint/serving.js';
import { entityFor } from '../plan/serving.js';
import type { StepSpec } from '../plan/types.js';
import { locate } from '../rollout/converge.js';
import { describeConfig } from '../rollout/phases.js';
import type { ServingRolloutPort } from '../rollout/step.js';
import type { ServingRolloutSpec } from '../rollout/types.js';
import type { ServingClient } from '../endpoint/ports.js';

/** Serving and monitoring in the destination environment's workspace. */
export interface EndpointPorts {
  readonly serving: ServingClient;
  readonly rollout: ServingRolloutPort;
  readonly monitor: MonitorPort | null;
  /** The model's logged input example, for blue_green's smoke request (skipped when absent). */
  readonly inputExample?: unknown;
}

type RolloutStep = Extract<StepSpec, { kind: 'serving-rollout' }>;
type RestoreStep = Extract<StepSpec, { kind: 'restore-endpoint' }>;
type MonitorStep = Extract<StepSpec, { kind: 'ensure-monitor' }>;

export type EndpointCheck = { readonly state: 'satisfied' } | { readonly state: 'pending' } | { readonly state: 'drift'; readonly reason: string };

/** The rollout the converger runs, for the resolved destination version. */
export const rolloutSpecOf = (s: RolloutStep, version: string): ServingRolloutSpec => ({
  endpoint: s.endpoint,
  strategy: s.strategy,
  health: s.health,
  candidate: entityFor(s.entity, version),
  inferenceTable: s.inferenceTable,
  expected: s.expected,
  waitTimeoutSeconds: s.waitTimeoutSeconds,
});

export function checkRollout(s: RolloutStep, version: string | null, endpoint: EndpointView | null | undefined): EndpointCheck {
  if (version === null || endpoint === undefined) return { state: 'pending' };
  const position = locate(rolloutSpecOf(s, version), endpoint);
  if (position.state === 'done') return endpoint !== null && endpoint.ready ? { state: 'satisfied' } : { state: 'pending' };
  if (position.state === 'drift') return { state: 'drift', reason: position.reason };
  return { state: 'pending' };
}

export function checkRestore(s: RestoreStep, endpoint: EndpointView | null | undefined): EndpointCheck {
  if (endpoint === undefined) return { state: 'pending' };
  const live = endpoint?.config ?? null;
  if (live && sameConfig(live, s.config) && endpoint!.configUpdate !== 'IN_PROGRESS') return { state: 'satisfied' };
  if (live && live.servedEntities.some((e) => e.entityName === s.entityName && e.entityVersion === s.fromVersion)) return { state: 'pending' };
  if (live && sameConfig(live, s.config)) return { state: 'pending' };
  return {
    state: 'drift',
    reason: `serving endpoint "${s.endpoint}" serves ${live ? describeConfig(live) : 'nothing'}; the rollback expected it to serve ${s.entityName} v${s.fromVersion}`,
  };
}

export const checkMonitor = (monitor: MonitorCheck | undefined): EndpointCheck =>
  monitor?.state === 'satisfied' ? { state: 'satisfied' } : { state: 'pending' };

const deadlineMs = (seconds: number): number => seconds * 1000;

export interface EndpointActContext {
  readonly ports: EndpointPorts;
  readonly addWrites: (n: number) => void;
  readonly progress: (line: string) => void;
  /** One line per finished step, shown in the step report. */
  readonly note: (message: string) => void;
  /** Renews the promotion lock; called on every poll and rollout step (it renews only when due). */
  readonly heartbeat: () => Promise<void>;
}

/** A progress line, then a heartbeat: every wait event keeps the promotion lock alive. */
const tell = (ctx: EndpointActContext) => async (line: string): Promise<void> => {
  ctx.progress(line);
  await ctx.heartbeat();
};

export async function actRollout(s: RolloutStep, version: string, ctx: EndpointActContext): Promise<void> {
  const result = await ctx.ports.rollout.act(rolloutSpecOf(s, version), {
    ...(ctx.ports.inputExample !== undefined ? { inputExample: ctx.ports.inputExample } : {}),
    onProgress: (p) => tell(ctx)(`  ${p.message}`),
    onStep: (step) => tell(ctx)(`  ${s.endpoint}: ${step.kind} ${step.label}${'reason' in step ? ` — ${step.reason}` : ''}`),
  });
  ctx.addWrites(result.writes);
  const path = result.steps.map((x) => `${x.kind} ${x.label}`).join('; ');
  switch (result.outcome) {
    case 'up-to-date':
    case 'created':
    case 'rolled-out':
      ctx.note(`${result.outcome}: ${result.message}${path ? ` (${path})` : ''}; ${result.writes} write(s), ${result.polls} poll(s)`);
      return;
    case 'aborted':
      throw new ApplyError(`rollout aborted, the previous config is restored: ${result.message}`, 'aborted');
    case 'deadline':
      throw new ApplyError(`rollout stopped waiting: ${result.message}`, 'deadline');
    case 'drift':
      throw new ApplyError(result.message, 'drift');
    case 'failed':
      throw new ApplyError(`rollout failed: ${result.message}`, 'postcondition');
  }
}

export async function actRestore(s: RestoreStep, ctx: EndpointActContext): Promise<void> {
  const wait = { deadlineMs: deadlineMs(s.waitTimeoutSeconds), onProgress: (p: { message: string }) => tell(ctx)(`  ${p.message}`) };
  const busy = await ctx.ports.serving.getEndpoint(s.endpoint);
  if (busy?.configUpdate === 'IN_PROGRESS') await ctx.ports.serving.waitUntilSettled(s.endpoint, wait);
  const update = await ctx.ports.serving.updateConfig(s.endpoint, s.config, wait);
  // One PUT, plus one per 409 it met (each retried after waiting).
  ctx.addWrites(update.outcome === 'already-applied' ? update.conflicts : 1 + update.conflicts);
  if (update.outcome === 'gave-up') throw new ApplyError(`could not restore "${s.endpoint}": ${'message' in update.settle ? update.settle.message : update.settle.kind}`, 'deadline');
  const settled = await ctx.ports.serving.waitUntilSettled(s.endpoint, wait);
  if (settled.kind !== 'settled') throw new ApplyError(`restoring "${s.endpoint}" did not settle: ${settled.message}`, settled.kind === 'deadline' ? 'deadline' : 'postcondition');
  ctx.note(`restored ${describeConfig(s.config)}`);
}

export async function actMonitor(s: MonitorStep, ctx: EndpointActContext): Promise<void> {
  if (!ctx.ports.monitor) throw new ApplyError('no monitoring client is configured for this environment', 'postcondition');
  const result = await ctx.ports.monitor.act(s.request);
  ctx.addWrites(result.writes);
  if (result.action === 'failed') throw new ApplyError(`monitor on ${s.request.monitor.table}: ${result.message}`, 'postcondition');
  ctx.note(`${result.action}${result.changes.length ? ` (${result.changes.join(', ')})` : ''}: ${result.message}`);
}
