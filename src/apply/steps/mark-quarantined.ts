// Rollback: the version rolled back from (and its same-registry source) is marked quarantined, so
// the quarantine gate blocks promoting it again until a waiver names that gate. The mark on the
// version rolled back from is what makes the step done; the source is marked first.

import { quarantineKey, quarantinedIn } from '../../registry/journal.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepHandler } from '../types.js';
import { refreshTarget } from './kit.js';

export const markQuarantined: StepHandler<'mark-quarantined'> = {
  check(s, w) {
    const v = w.versions[s.version];
    if (!v) return { state: 'drift', reason: `v${s.version} of "${s.model}" does not exist` };
    return quarantinedIn(v.tags, s.environment) ? SATISFIED : PENDING;
  },
  async act(s, _w, ctx) {
    const key = quarantineKey(s.environment);
    const value = `v${s.version} of ${s.model} rolled back to v${s.to} in ${s.environment} by ${ctx.options.actor} at ${ctx.options.now().toISOString()}`;
    if (s.source) {
      try {
        await ctx.registry.setVersionTag(s.source.name, s.source.version, key, value);
      } catch (e) {
        // The source may be gone or read-only to this identity: the copy's own mark still holds.
        ctx.note(`could not mark the source ${s.source.name} v${s.source.version}: ${(e as Error).message}`);
      }
    }
    await ctx.registry.setVersionTag(s.model, s.version, key, value);
  },
  refresh: (s, w, ctx) => refreshTarget({ kind: 'existing', name: s.model, version: s.version }, w, ctx),
};
