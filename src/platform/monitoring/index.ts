// Public surface of the Lakehouse / Data Quality monitoring adapter.
export {
  createMonitoringClient,
  type EnsureMonitorRequest,
  type EnsureMonitorResult,
  type MonitoringClient,
  type MonitorState,
  type RefreshOutcome,
  type RefreshPolicy,
} from './client.js';
export {
  desiredMonitor,
  diffMonitor,
  dqGranularity,
  legacyGranularity,
  normalizeGranularity,
  type DesiredMonitor,
  type DesiredMonitorResult,
  type MonitorApi,
  type MonitorField,
  type ObservedMonitor,
} from './desired.js';
export { createMonitorPort, type MonitorCheck, type MonitorPort } from './step.js';
