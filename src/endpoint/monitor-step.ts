// "Ensure the monitor" as a convergence step: check → act → verify, like the registry steps.

import type { Check } from '../util/check.js';
import type { EnsureMonitorRequest, EnsureMonitorResult, MonitoringClient } from './ports.js';

export interface MonitorPort {
  /** A missing table or output schema is still `pending` (with why): acting reports the failure. */
  check(spec: EnsureMonitorRequest): Promise<Check>;
  act(spec: EnsureMonitorRequest): Promise<EnsureMonitorResult>;
  verify(spec: EnsureMonitorRequest): Promise<boolean>;
}

export function createMonitorPort(client: MonitoringClient): MonitorPort {
  return {
    async check(spec) {
      const s = await client.inspect(spec.api, spec.monitor);
      switch (s.state) {
        case 'same':
          return { state: 'satisfied' };
        case 'absent':
          return { state: 'pending', reason: `monitor on ${spec.monitor.table} will be created` };
        case 'differs':
          return { state: 'pending', reason: `monitor on ${spec.monitor.table} differs in ${s.changes.join(', ')}` };
        case 'failed':
          return { state: 'pending', reason: s.message };
      }
    },
    act: (spec) => client.ensureMonitor(spec),
    async verify(spec) {
      return (await client.inspect(spec.api, spec.monitor)).state === 'same';
    },
  };
}
