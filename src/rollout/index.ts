// Serving rollout strategies (replace, canary, blue_green, ab) as idempotent convergers.
export { convergeRollout, locate, type ConvergeDeps, type RolloutPosition } from './converge.js';
export { candidateEntity, describeConfig, expectationOf, phasesFor, servedEntityName } from './phases.js';
export { splitTraffic } from './traffic.js';
export { sameConfig } from '../endpoint/compare.js';
export { STRATEGIES, strategyLabel } from './strategies/index.js';
export { endpointName, rolloutSpecFor, servingApplies } from './spec.js';
export { createServingRolloutPort, type RolloutCheck, type ServingRolloutPort } from './step.js';
export type * from './types.js';
