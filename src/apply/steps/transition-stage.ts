// Stage mode (MLflow legacy stages): the promoted version is in the stage, the others archived.

import { resolveRef } from '../../plan/build.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { requireTarget, vtext } from './kit.js';

export const transitionStage: StepHandler<'transition-stage'> = {
  check(s, w) {
    const target = resolveRef(s.target, w);
    const others = w.inStage.filter((v) => v !== target);
    if (target !== null && w.inStage.includes(target) && (!s.archiveExisting || others.length === 0)) return SATISFIED;
    const unexpected = others.filter((v) => !s.expectedInStage.includes(v));
    if (unexpected.length) {
      return {
        state: 'drift',
        reason: `stage ${s.stage} holds ${unexpected.map(vtext).join(', ')}, which the plan did not expect (it expected ${s.expectedInStage.map(vtext).join(', ') || 'nothing'})`,
      };
    }
    return PENDING;
  },
  act: async (s, w, ctx) => ctx.registry.transitionStage(s.model, requireTarget(s.target, w, ctx.stepId), s.stage, s.archiveExisting),
  async refresh(s, w, ctx) {
    const all = await ctx.registry.listVersions(s.model);
    w.inStage = [];
    for (const v of all) {
      w.versions[v.version] = v;
      if (v.stage !== null && v.stage.toLowerCase() === s.stage.toLowerCase()) w.inStage.push(v.version);
    }
    w.inStage.sort((a, b) => Number(a) - Number(b));
  },
};
