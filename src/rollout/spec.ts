// Pure: the rollout spec a planner records for one model version entering one environment,
// from the model's `serving:` config and the endpoint as the planner read it.

import { expandTemplate } from '../config/names.js';
import type { ServingConfig } from '../config/types.js';
import type { EndpointSettingsSpec, EndpointView, EntityConfig } from '../endpoint/serving.js';
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
  /** The served entity's settings and the endpoint settings (plan/inputs.ts servingPlanInput); default: workload size and scale to zero only. */
  readonly entity?: EntityConfig;
  readonly settings?: EndpointSettingsSpec;
}): ServingRolloutSpec {
  const { serving } = input;
  const entity: EntityConfig = input.entity ?? { workloadSize: serving.workloadSize, scaleToZero: serving.scaleToZero[input.environment] ?? serving.scaleToZeroDefault };
  const settings: EndpointSettingsSpec = input.settings ?? (serving.inferenceTable ? { aiGateway: { inferenceTable: { ...serving.inferenceTable, enabled: true } } } : {});
  const live = input.current?.config ?? null;
  return {
    endpoint: endpointName(serving, input.environment, input.modelId),
    strategy: serving.strategy,
    health: serving.health,
    candidate: candidateEntity({ ...entity, entityName: input.entityName }, input.version),
    settings,
    expected: expectationOf(live ? { ...live, settings: { tags: input.current!.tags, ...(input.current!.aiGateway ? { aiGateway: input.current!.aiGateway } : {}) } } : null, live?.configVersion ?? null, { managed: settings }),
    waitTimeoutSeconds: serving.waitTimeoutSeconds,
  };
}
