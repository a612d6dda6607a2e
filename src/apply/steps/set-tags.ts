// Journal tags (who, why, plan hash) on the destination version, written before any alias moves.
// The plan hash tag marks the step done; run tags (actor, time, run URL) are rewritten with it.

import { JOURNAL } from '../../registry/journal.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshTarget, runTags, tagsHold, versionOf } from './kit.js';

export const setTags: StepHandler<'set-tags'> = {
  check(s, w, planHash) {
    const v = versionOf(s.target, w);
    if (!v) return PENDING;
    return tagsHold(v.tags, { ...s.tags, [JOURNAL.planHash(s.environment)]: planHash }) ? SATISFIED : PENDING;
  },
  async act(s, w, ctx) {
    const v = versionOf(s.target, w);
    if (!v) throw new Error(`${ctx.stepId}: the destination version does not exist`);
    const run = runTags(ctx, s.environment);
    for (const [key, value] of Object.entries({ ...s.tags, ...run })) {
      if (v.tags[key] !== value || key in run) await ctx.registry.setVersionTag(v.name, v.version, key, value);
    }
  },
  refresh: (s, w, ctx) => refreshTarget(s.target, w, ctx),
};
