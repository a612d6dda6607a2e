// Pure: the rollout spec a planner records for one model version entering one environment,
// from the model's `serving:` config and the endpoint as the planner read it.

import { expandTemplate } from '../config/names.js';
import type { ServingConfig } from '../config/types.js';
import type { EndpointView } from '../endpoint/serving.js';
import { candidateEntity, expectationOf } from './phases.js';
import type { ServingRolloutSpec } from './types.js';

/** Whether the model's serving config covers this environment. */
export const servingApplies = (serving: ServingConfig, environment: string): boolean =>
  serving.environments === null || serving.environments.includes(environment);

export const endpointName = (serving: ServingConfig, environment: string, modelId: string): string =>
  expandTemplate(serving.endpoint, { env: environment, model: modelId });

export function rolloutSpecFor(input: {
  readonly serving: ServingConfig;
  readonly environment: string;
  readonly modelId: string;
  /** The Unity Catalog model the endpoint serves in this environment, `catalog.schema.model`. */
  readonly entityName: string;
  readonly version: string;
  /** The endpoint as read when planning; null when it does not exist. */
  readonly current: EndpointView | null;
}): ServingRolloutSpec {
  const { serving } = input;
  return {
    endpoint: endpointName(serving, input.environment, input.modelId),
    strategy: serving.strategy,
    health: serving.health,
    candidate: candidateEntity(serving, input.environment, input.entityName, input.version),
    inferenceTable: serving.inferenceTable,
    expected: expectationOf(input.current?.config ?? null, input.current?.config?.configVersion ?? null),
    waitTimeoutSeconds: serving.waitTimeoutSeconds,
  };
}
