// An alias moves to the promoted version, only from what the plan saw it point at.

import { resolveRef } from '../../plan/build.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshModel, requireTarget, vtext } from './kit.js';

export const moveAlias: StepHandler<'move-alias'> = {
  check(s, w) {
    const target = resolveRef(s.target, w);
    const current = w.aliases[s.alias] ?? null;
    if (target !== null && current === target) return SATISFIED;
    if (current !== s.expectedCurrent) {
      return { state: 'drift', reason: `alias "${s.alias}" points at ${vtext(current)}; the plan expected ${vtext(s.expectedCurrent)}` };
    }
    return PENDING;
  },
  act: async (s, w, ctx) => ctx.registry.setAlias(s.model, s.alias, requireTarget(s.target, w, ctx.stepId)),
  refresh: (s, w, ctx) => refreshModel(s.model, w, ctx),
};
