// The promotion record on the destination version (`mlops_gate_promoted_<env>`: from, plan hash,
// who, when, run), written before any alias moves. It holds this plan's hash once done; a run that
// applies rewrites who and when with it.

import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { encodeRecord, promotedRecord, promotionJournaled, refreshTarget, versionOf, writeVersionTags } from './kit.js';

export const setTags: StepHandler<'set-tags'> = {
  check(s, w, planHash) {
    const v = versionOf(s.target, w);
    if (!v) return PENDING;
    return promotionJournaled(v.tags, s.environment, s.promotedFrom, planHash) ? SATISFIED : PENDING;
  },
  async act(s, w, ctx) {
    const v = versionOf(s.target, w);
    if (!v) throw new Error(`${ctx.stepId}: the destination version does not exist`);
    await writeVersionTags(ctx, v.name, v.version, v.tags, encodeRecord('promoted', s.environment, promotedRecord(ctx, s.promotedFrom)));
  },
  refresh: (s, w, ctx) => refreshTarget(s.target, w, ctx),
};
