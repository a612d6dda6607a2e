// The ports of the serving endpoint and monitor domain: what the rollout and the executor need
// from Databricks Model Serving and Lakehouse / Data Quality monitoring. The HTTP adapters are
// src/platform/serving and src/platform/monitoring.

import type { DesiredMonitor, MonitorApi, MonitorField } from './monitor.js';
import type { MetricsExport } from './metrics.js';
import type { EndpointConfigSpec, EndpointView, InferenceTableSpec, InvokeOutcome, SettleOutcome, WaitOptions } from './serving.js';

/** Time as the endpoint waits see it: injected so tests drive waits without real delays. */
export interface ServingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Real time, for production runs. */
export const systemClock: ServingClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface CreateEndpointRequest {
  readonly name: string;
  readonly config: EndpointConfigSpec;
  readonly inferenceTable?: InferenceTableSpec | null;
  readonly tags?: Readonly<Record<string, string>>;
}

export type UpdateConfigOutcome =
  /** The PUT was accepted: the update is IN_PROGRESS; wait for it with waitUntilSettled. */
  | { readonly outcome: 'started'; readonly endpoint: EndpointView; readonly conflicts: number }
  /** After a 409, the settled endpoint already serves this config (no PUT of ours was accepted). */
  | { readonly outcome: 'already-applied'; readonly endpoint: EndpointView; readonly conflicts: number }
  | { readonly outcome: 'gave-up'; readonly settle: SettleOutcome; readonly conflicts: number };

export interface ServingClient {
  /** null when the endpoint does not exist (RESOURCE_DOES_NOT_EXIST). */
  getEndpoint(name: string): Promise<EndpointView | null>;
  /** `exists` when another writer created it first (RESOURCE_ALREADY_EXISTS is not an error here). */
  createEndpoint(request: CreateEndpointRequest): Promise<{ readonly outcome: 'created' | 'exists'; readonly endpoint: EndpointView }>;
  /**
   * PUT /config. A 409 (an update is in flight) is answered by waiting for it to settle, then
   * retrying, within `wait.deadlineMs`. When the update that was in flight turns out to be this
   * very config (e.g. our own PUT whose answer was lost), it is `already-applied`: no second PUT.
   * `conflicts` counts the 409s met.
   */
  updateConfig(name: string, config: EndpointConfigSpec, wait: WaitOptions): Promise<UpdateConfigOutcome>;
  putInferenceTable(name: string, table: InferenceTableSpec | null): Promise<void>;
  /** One read of the metrics export (the latest minute, docs/fidelity.md #85), parsed. */
  readMetrics(name: string): Promise<MetricsExport>;
  /** A scoring request; failures are data, never thrown. */
  invoke(name: string, body: unknown): Promise<InvokeOutcome>;
  waitUntilSettled(name: string, options: WaitOptions): Promise<SettleOutcome>;
  /** GET polls made by this client so far (every waitUntilSettled poll counts). */
  readonly polls: () => number;
}

// ---------------------------------------------------------------------------------------------
// Monitors

export type RefreshPolicy = 'after-change' | 'always' | 'never';

export interface EnsureMonitorRequest {
  readonly api: MonitorApi;
  readonly monitor: DesiredMonitor;
  readonly refresh: RefreshPolicy;
}

export type RefreshOutcome =
  | { readonly state: 'started'; readonly refreshId: string }
  /** A refresh was already pending or running (409): it will pick up the change. */
  | { readonly state: 'already-running' };

export type EnsureMonitorResult =
  | {
      readonly action: 'created' | 'updated' | 'unchanged';
      readonly api: MonitorApi;
      readonly table: string;
      /** Fields that differed (empty when created or unchanged). */
      readonly changes: readonly MonitorField[];
      readonly refresh: RefreshOutcome | null;
      readonly monitorVersion: number | null;
      readonly writes: number;
      readonly message: string;
    }
  | {
      /** The table or output schema does not exist: nothing was written. */
      readonly action: 'failed';
      readonly api: MonitorApi;
      readonly table: string;
      readonly changes: readonly MonitorField[];
      readonly refresh: null;
      readonly monitorVersion: null;
      readonly writes: number;
      readonly message: string;
    };

/** Read-only view for check/verify. */
export type MonitorState =
  | { readonly state: 'absent' }
  | { readonly state: 'differs'; readonly changes: readonly MonitorField[] }
  | { readonly state: 'same' }
  | { readonly state: 'failed'; readonly message: string };

export interface MonitoringClient {
  ensureMonitor(request: EnsureMonitorRequest): Promise<EnsureMonitorResult>;
  inspect(api: MonitorApi, monitor: DesiredMonitor): Promise<MonitorState>;
}

