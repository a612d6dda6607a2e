// Roll the environment's serving endpoint forward to the promoted version with the model's
// strategy (src/rollout converges, waits, health-checks and aborts back to the saved config).

import { ApplyError } from '../../errors.js';
import { resolveRef } from '../../plan/build.js';
import { entityFor } from '../../plan/serving.js';
import { locate } from '../../rollout/converge.js';
import type { RolloutStepRecord, ServingRolloutSpec } from '../../rollout/types.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import { endpointPortsOf, tell } from '../endpoints.js';
import type { StepHandler, StepSpecOf } from '../types.js';
import { requireTarget } from './kit.js';

/** The rollout the converger runs, for the resolved destination version. */
export const rolloutSpecOf = (s: StepSpecOf<'serving-rollout'>, version: string): ServingRolloutSpec => ({
  endpoint: s.endpoint,
  strategy: s.strategy,
  health: s.health,
  candidate: entityFor(s.entity, version),
  settings: s.settings,
  expected: s.expected,
  waitTimeoutSeconds: s.waitTimeoutSeconds,
});

/** A rollout step in words: its label says what it was ("health of churn-2 at …"), an update says "update" first. */
const stepLine = (step: RolloutStepRecord): string => (step.kind === 'update' ? `update ${step.label}` : step.label);

export const servingRollout: StepHandler<'serving-rollout'> = {
  check(s, w) {
    const version = resolveRef(s.target, w);
    if (version === null || w.endpoint === undefined) return PENDING;
    const position = locate(rolloutSpecOf(s, version), w.endpoint);
    if (position.state === 'done') return w.endpoint !== null && w.endpoint.ready ? SATISFIED : PENDING;
    if (position.state === 'drift') return { state: 'drift', reason: position.reason };
    return PENDING;
  },
  async act(s, w, ctx) {
    const ports = endpointPortsOf(ctx);
    const result = await ports.rollout.act(rolloutSpecOf(s, requireTarget(s.target, w, ctx.stepId)), {
      ...(ports.inputExample !== undefined ? { inputExample: ports.inputExample } : {}),
      onProgress: (p) => tell(ctx)(`  ${p.message}`),
      onStep: (step) => tell(ctx)(`  ${s.endpoint}: ${stepLine(step)}${'reason' in step ? ` — ${step.reason}` : ''}`),
    });
    ctx.addWrites(result.writes);
    const path = result.steps.map(stepLine).join('; ');
    switch (result.outcome) {
      case 'up-to-date':
      case 'created':
      case 'rolled-out':
        ctx.note(`${result.outcome}: ${result.message}${path ? ` (${path})` : ''}; ${result.writes} write(s), ${result.polls} poll(s)`);
        return;
      case 'aborted':
        throw new ApplyError(`rollout aborted, the previous config is restored: ${result.message}`);
      case 'deadline':
        throw new ApplyError(`rollout stopped waiting: ${result.message}`);
      case 'drift':
        throw new ApplyError(result.message);
      case 'failed':
        throw new ApplyError(`rollout failed: ${result.message}`);
    }
  },
  async refresh(s, w, ctx) {
    const ports = ctx.options.endpoints;
    if (ports) w.endpoint = await ports.serving.getEndpoint(s.endpoint);
  },
};
