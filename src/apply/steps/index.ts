// Every executor step kind, one file each: check → act → refresh. A new kind is its member of
// StepSpec (src/plan/types.ts), where the planner emits it, its file here and its row below.

import type { DestinationSnapshot } from '../../plan/build.js';
import type { PlannedStep, StepKind } from '../../plan/types.js';
import type { Check } from '../../util/check.js';
import type { StepContext, StepEnd, StepHandler, StepSpecOf, World } from '../types.js';
import { bake } from './bake.js';
import { copyVersion } from './copy-version.js';
import { ensureModel } from './ensure-model.js';
import { ensureMonitor } from './ensure-monitor.js';
import { markQuarantined } from './mark-quarantined.js';
import { moveAlias } from './move-alias.js';
import { recordPreviousChampion } from './record-previous-champion.js';
import { restoreEndpoint } from './restore-endpoint.js';
import { servingRollout } from './serving-rollout.js';
import { setModelTags } from './set-model-tags.js';
import { setTags } from './set-tags.js';
import { transitionStage } from './transition-stage.js';

export const STEP_HANDLERS: { readonly [K in StepKind]: StepHandler<K> } = {
  'ensure-model': ensureModel,
  'set-model-tags': setModelTags,
  'copy-version': copyVersion,
  'set-tags': setTags,
  'record-previous-champion': recordPreviousChampion,
  'move-alias': moveAlias,
  'transition-stage': transitionStage,
  'serving-rollout': servingRollout,
  'restore-endpoint': restoreEndpoint,
  'ensure-monitor': ensureMonitor,
  bake,
  'mark-quarantined': markQuarantined,
};

const handlerOf = <K extends StepKind>(spec: StepSpecOf<K>): StepHandler<K> => STEP_HANDLERS[spec.kind as K] as StepHandler<K>;

export const checkStep = (step: PlannedStep, world: DestinationSnapshot, planHash: string): Check => handlerOf(step.spec).check(step.spec, world, planHash);
export const actStep = (step: PlannedStep, world: World, ctx: StepContext): Promise<void | StepEnd> => handlerOf(step.spec).act(step.spec, world, ctx);
/** Why `step` must run before the steps ahead of it (StepHandler.runsFirst), or null. */
export const runsFirst = (step: PlannedStep, world: DestinationSnapshot, planHash: string): string | null => handlerOf(step.spec).runsFirst?.(step.spec, world, planHash) ?? null;
export const refreshStep = (step: PlannedStep, world: World, ctx: StepContext): Promise<void> => handlerOf(step.spec).refresh(step.spec, world, ctx);
