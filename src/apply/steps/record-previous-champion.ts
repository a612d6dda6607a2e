// The rollback target: what each alias (or the stage, or the endpoint) held before this promotion,
// recorded on the destination version (`mlops_gate_previous_<env>`) before anything moves.

import { recordHolds } from '../../registry/journal.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { encodeRecord, refreshTarget, versionOf, writeVersionTags } from './kit.js';

export const recordPreviousChampion: StepHandler<'record-previous-champion'> = {
  check(s, w) {
    const v = versionOf(s.target, w);
    if (!v) return PENDING;
    return recordHolds(v.tags, 'previous', s.environment, s.record) ? SATISFIED : PENDING;
  },
  async act(s, w, ctx) {
    const v = versionOf(s.target, w);
    if (!v) throw new Error(`${ctx.stepId}: the destination version does not exist`);
    await writeVersionTags(ctx, v.name, v.version, v.tags, encodeRecord('previous', s.environment, s.record));
  },
  refresh: (s, w, ctx) => refreshTarget(s.target, w, ctx),
};
