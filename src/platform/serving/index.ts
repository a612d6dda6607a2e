// Public surface of the Model Serving adapter.
export { configToWire, createServingClient, endpointFromWire, entityFromWire, entityToWire, type ServingClientOptions } from './client.js';
export type * from './wire.js';
