// Grants on the registered model: every principal the step lists holds exactly its privileges
// (one PATCH with the differences); grants of other principals are left alone.

import { grantChanges, grantsHold } from '../../plan/grants.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepContext, StepHandler } from '../types.js';

const portOf = (ctx: StepContext) => {
  const port = ctx.options.endpoints?.grants;
  if (!port) throw new Error(`${ctx.stepId}: grants need a Unity Catalog workspace client; none is configured`);
  return port;
};

export const ensureGrants: StepHandler<'ensure-grants'> = {
  check: (s, w) => (w.grants !== undefined && grantsHold(w.grants, s.grants) ? SATISFIED : PENDING),
  async act(s, w, ctx) {
    const port = portOf(ctx);
    const live = w.grants ?? (await port.grants(s.model));
    const changes = grantChanges(live, s.grants);
    if (changes.length === 0) return;
    await port.updateGrants(s.model, changes);
    ctx.addWrites(1);
    ctx.note(changes.map((c) => `${c.principal}: ${[...c.add.map((p) => `+${p}`), ...c.remove.map((p) => `-${p}`)].join(' ')}`).join('; '));
  },
  async refresh(s, w, ctx) {
    w.grants = await portOf(ctx).grants(s.model);
  },
};
