// Public surface of the Lakehouse / Data Quality monitoring adapter.
export { createMonitoringClient } from './client.js';
