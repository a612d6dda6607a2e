// Copy mode: the destination registered model exists (created when absent).

import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshModel } from './kit.js';

export const ensureModel: StepHandler<'ensure-model'> = {
  check: (_s, w) => (w.modelExists ? SATISFIED : PENDING),
  act: async (s, _w, ctx) => void (await ctx.registry.createModel(s.model)),
  refresh: (s, w, ctx) => refreshModel(s.model, w, ctx),
};
