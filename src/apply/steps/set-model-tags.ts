// The rollback record on the registered model (`mlops_gate_rollback_<env>`: from, to, who, when,
// run): a re-run of the same rollback finds it and does nothing more.

import { encodeRecord, readRollback } from '../../registry/journal.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshModel } from './kit.js';

export const setModelTags: StepHandler<'set-model-tags'> = {
  check(s, w) {
    if (!w.modelExists) return { state: 'drift', reason: `registered model "${s.model}" does not exist` };
    const read = readRollback(w.modelTags ?? {}, s.environment);
    return read.ok && read.value !== null && read.value.from === s.rollback.from && read.value.to === s.rollback.to ? SATISFIED : PENDING;
  },
  async act(s, w, ctx) {
    const record = {
      from: s.rollback.from,
      to: s.rollback.to,
      by: ctx.options.actor,
      at: ctx.options.now().toISOString(),
      ...(ctx.options.runUrl ? { run: ctx.options.runUrl } : {}),
    };
    const have = w.modelTags ?? {};
    for (const [key, value] of Object.entries(encodeRecord('rollback', s.environment, record))) if (have[key] !== value) await ctx.registry.setModelTag(s.model, key, value);
  },
  refresh: (s, w, ctx) => refreshModel(s.model, w, ctx),
};
