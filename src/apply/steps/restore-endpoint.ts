// Rollback: put back the endpoint config journaled before the promotion of `fromVersion`: its served
// entities exactly as they were (workload, concurrency, environment variables…), its traffic, and,
// unless an Asset Bundle owns the endpoint's settings, every tag and the AI Gateway as they were.

import { sameConfig } from '../../endpoint/compare.js';
import type { EndpointConfigSpec } from '../../endpoint/serving.js';
import { ApplyError } from '../../errors.js';
import { describeConfig } from '../../rollout/phases.js';
import type { StepSpecOf } from '../types.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import { endpointPortsOf, tell } from '../endpoints.js';
import type { StepHandler } from '../types.js';

/** Entities and traffic only (what PUT /config takes). */
const trafficOf = (c: EndpointConfigSpec): EndpointConfigSpec => ({ servedEntities: c.servedEntities, routes: c.routes });

/** What the step restores: the whole saved config, or (scope traffic) its entities and traffic. */
const restoredOf = (s: StepSpecOf<'restore-endpoint'>): EndpointConfigSpec => (s.scope === 'traffic' || !s.config.settings ? trafficOf(s.config) : s.config);

export const restoreEndpoint: StepHandler<'restore-endpoint'> = {
  check(s, w) {
    const endpoint = w.endpoint;
    if (endpoint === undefined) return PENDING;
    const live = endpoint?.config ?? null;
    const wanted = restoredOf(s);
    if (live && sameConfig(live, wanted, { whole: true }) && endpoint!.configUpdate !== 'IN_PROGRESS') return SATISFIED;
    if (live && live.servedEntities.some((e) => e.entityName === s.entityName && e.entityVersion === s.fromVersion)) return PENDING;
    if (live && sameConfig(live, trafficOf(wanted), { whole: true })) return PENDING;
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
    const now = await serving.getEndpoint(s.endpoint);
    const traffic = trafficOf(s.config);
    if (!now?.config || !sameConfig(now.config, traffic, { whole: true })) {
      const update = await serving.updateConfig(s.endpoint, traffic, wait);
      // One PUT, plus one per 409 it met (each retried after waiting).
      ctx.addWrites(update.outcome === 'already-applied' ? update.conflicts : 1 + update.conflicts);
      if (update.outcome === 'gave-up') throw new ApplyError(`could not restore "${s.endpoint}": ${'message' in update.settle ? update.settle.message : update.settle.kind}`);
      const settled = await serving.waitUntilSettled(s.endpoint, wait);
      if (settled.kind !== 'settled') throw new ApplyError(`restoring "${s.endpoint}" did not settle: ${settled.message}`);
    }
    const settings = restoredOf(s).settings;
    // Tags and the AI Gateway exactly as saved: tags added since are removed, the gateway put back whole.
    if (settings) ctx.addWrites(await serving.applySettings(s.endpoint, settings, { whole: true }));
    ctx.note(`restored ${describeConfig(s.config)}${settings ? ' with its tags and AI Gateway' : ''}`);
  },
  async refresh(s, w, ctx) {
    const ports = ctx.options.endpoints;
    if (ports) w.endpoint = await ports.serving.getEndpoint(s.endpoint);
  },
};
