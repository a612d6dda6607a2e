// Rollback: put back the endpoint config journaled before the promotion of `fromVersion`.

import { sameConfig } from '../../endpoint/compare.js';
import { ApplyError } from '../../errors.js';
import { describeConfig } from '../../rollout/phases.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import { endpointPortsOf, tell } from '../endpoints.js';
import type { StepHandler } from '../types.js';

export const restoreEndpoint: StepHandler<'restore-endpoint'> = {
  check(s, w) {
    const endpoint = w.endpoint;
    if (endpoint === undefined) return PENDING;
    const live = endpoint?.config ?? null;
    if (live && sameConfig(live, s.config) && endpoint!.configUpdate !== 'IN_PROGRESS') return SATISFIED;
    if (live && live.servedEntities.some((e) => e.entityName === s.entityName && e.entityVersion === s.fromVersion)) return PENDING;
    if (live && sameConfig(live, s.config)) return PENDING;
    return {
      state: 'drift',
      reason: `serving endpoint "${s.endpoint}" serves ${live ? describeConfig(live) : 'nothing'}; the rollback expected it to serve ${s.entityName} v${s.fromVersion}`,
    };
  },
  async act(s, _w, ctx) {
    const { serving } = endpointPortsOf(ctx);
    const wait = { deadlineMs: s.waitTimeoutSeconds * 1000, onProgress: (p: { message: string }) => tell(ctx)(`  ${p.message}`) };
    const busy = await serving.getEndpoint(s.endpoint);
    if (busy?.configUpdate === 'IN_PROGRESS') await serving.waitUntilSettled(s.endpoint, wait);
    const update = await serving.updateConfig(s.endpoint, s.config, wait);
    // One PUT, plus one per 409 it met (each retried after waiting).
    ctx.addWrites(update.outcome === 'already-applied' ? update.conflicts : 1 + update.conflicts);
    if (update.outcome === 'gave-up') throw new ApplyError(`could not restore "${s.endpoint}": ${'message' in update.settle ? update.settle.message : update.settle.kind}`);
    const settled = await serving.waitUntilSettled(s.endpoint, wait);
    if (settled.kind !== 'settled') throw new ApplyError(`restoring "${s.endpoint}" did not settle: ${settled.message}`);
    ctx.note(`restored ${describeConfig(s.config)}`);
  },
  async refresh(s, w, ctx) {
    const ports = ctx.options.endpoints;
    if (ports) w.endpoint = await ports.serving.getEndpoint(s.endpoint);
  },
};
