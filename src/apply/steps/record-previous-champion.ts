// The rollback target: what each alias (or the stage, or the endpoint) held before this promotion,
// recorded on the destination version before anything moves.

import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshTarget, tagsHold, versionOf } from './kit.js';

export const recordPreviousChampion: StepHandler<'record-previous-champion'> = {
  check(s, w) {
    const v = versionOf(s.target, w);
    if (!v) return PENDING;
    return tagsHold(v.tags, s.tags) ? SATISFIED : PENDING;
  },
  async act(s, w, ctx) {
    const v = versionOf(s.target, w);
    if (!v) throw new Error(`${ctx.stepId}: the destination version does not exist`);
    for (const [key, value] of Object.entries(s.tags)) if (v.tags[key] !== value) await ctx.registry.setVersionTag(v.name, v.version, key, value);
  },
  refresh: (s, w, ctx) => refreshTarget(s.target, w, ctx),
};
