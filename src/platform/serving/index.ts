// Public surface of the Model Serving adapter.
export {
  configToWire,
  createServingClient,
  endpointFromWire,
  entityFromWire,
  entityToWire,
  systemClock,
  type CreateEndpointRequest,
  type ServingClient,
  type ServingClientOptions,
  type ServingClock,
  type UpdateConfigOutcome,
} from './client.js';
export { sameConfig, sameRoutes } from './compare.js';
export { entityHealth, parseServingMetrics, quantileFromBuckets } from './metrics.js';
export type * from './types.js';
