import type { EnsureMonitorRequest, EnsureMonitorResult, MonitoringClient } from './ports.js';
// The executor's view of "ensure the monitor": check → act → verify, like the registry steps.

export type MonitorCheck =
  | { readonly state: 'satisfied' }
  | { readonly state: 'pending'; readonly reason: string }
  /** The table or output schema is missing: acting would fail. */
  | { readonly state: 'blocked'; readonly reason: string };

export interface MonitorPort {
  check(spec: EnsureMonitorRequest): Promise<MonitorCheck>;
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
          return { state: 'blocked', reason: s.message };
      }
    },
    act: (spec) => client.ensureMonitor(spec),
    async verify(spec) {
      return (await client.inspect(spec.api, spec.monitor)).state === 'same';
    },
  };
}
