// Serving rollout strategies (replace, canary, blue_green, ab) as idempotent convergers.
export { convergeRollout, locate, type ConvergeDeps, type RolloutPosition } from './converge.js';
export { candidateEntity, describeConfig, expectationOf, phasesFor, sameConfig, servedEntityName, splitTraffic } from './phases.js';
export { endpointName, rolloutSpecFor, servingApplies } from './spec.js';
export { createServingRolloutPort, type RolloutCheck, type ServingRolloutPort } from './step.js';
export type * from './types.js';
