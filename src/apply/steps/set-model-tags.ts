// Rollback journal on the registered model; who and when are written first, the checked tags last.

import { JOURNAL, envTag } from '../../registry/journal.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshModel, tagsHold } from './kit.js';

export const setModelTags: StepHandler<'set-model-tags'> = {
  check(s, w) {
    if (!w.modelExists) return { state: 'drift', reason: `registered model "${s.model}" does not exist` };
    return tagsHold(w.modelTags ?? {}, s.tags) ? SATISFIED : PENDING;
  },
  async act(s, _w, ctx) {
    const context = {
      [JOURNAL.rolledBackBy(s.environment)]: ctx.options.actor,
      [JOURNAL.rolledBackAt(s.environment)]: ctx.options.now().toISOString(),
      ...(ctx.options.runUrl ? { [envTag(s.environment, 'rollback_run_url')]: ctx.options.runUrl } : {}),
    };
    for (const [key, value] of Object.entries({ ...context, ...s.tags })) await ctx.registry.setModelTag(s.model, key, value);
  },
  refresh: (s, w, ctx) => refreshModel(s.model, w, ctx),
};
