// Create or update the Lakehouse monitor of the environment's inference table, last.

import { ApplyError } from '../../errors.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import { endpointPortsOf } from '../endpoints.js';
import type { StepHandler } from '../types.js';

export const ensureMonitor: StepHandler<'ensure-monitor'> = {
  check: (_s, w) => (w.monitor?.state === 'satisfied' ? SATISFIED : PENDING),
  async act(s, _w, ctx) {
    const { monitor } = endpointPortsOf(ctx);
    if (!monitor) throw new ApplyError('no monitoring client is configured for this environment');
    const result = await monitor.act(s.request);
    ctx.addWrites(result.writes);
    if (result.action === 'failed') throw new ApplyError(`monitor on ${s.request.monitor.table}: ${result.message}`);
    ctx.note(`${result.action}${result.changes.length ? ` (${result.changes.join(', ')})` : ''}: ${result.message}`);
  },
  async refresh(s, w, ctx) {
    const monitor = ctx.options.endpoints?.monitor;
    if (monitor) w.monitor = await monitor.check(s.request);
  },
};
