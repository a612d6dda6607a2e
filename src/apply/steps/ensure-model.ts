// Copy mode: the destination registered model exists (created when absent).

import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshModel } from './kit.js';

export const ensureModel: StepHandler<'ensure-model'> = {
  check: (s, w) =>
    w.modelExists
      ? SATISFIED
      : s.declaredBy
        ? // An Asset Bundle owns the model: it creates it (with its comment and grants), never mlops-gate.
          { state: 'drift', reason: `registered model "${s.model}" does not exist yet; the bundle declares it (${s.declaredBy}): deploy the bundle first (databricks bundle deploy), then promote` }
        : PENDING,
  act: async (s, _w, ctx) => void (await ctx.registry.createModel(s.model)),
  refresh: (s, w, ctx) => refreshModel(s.model, w, ctx),
};
