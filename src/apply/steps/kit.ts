// Helpers the step handlers share: resolving the version a step acts on, and the journal's run tags.

import { resolveRef, type DestinationSnapshot } from '../../plan/build.js';
import type { VersionRef } from '../../plan/types.js';
import { JOURNAL } from '../../registry/journal.js';
import type { ObservedVersion } from '../../registry/types.js';
import type { StepContext, World } from '../types.js';

export const versionOf = (ref: VersionRef, w: DestinationSnapshot): ObservedVersion | null => {
  const v = resolveRef(ref, w);
  return v === null ? null : w.versions[v] ?? null;
};

export const tagsHold = (have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean =>
  Object.entries(want).every(([k, v]) => have[k] === v);

export const vtext = (v: string | null | undefined): string => (v ? `v${v}` : 'nothing');

/** Journal tags that describe this run (not hashed): written with the plan hash, last. */
export const runTags = (ctx: Pick<StepContext, 'options' | 'plan'>, env: string): Record<string, string> => ({
  [JOURNAL.promotedBy(env)]: ctx.options.actor,
  [JOURNAL.promotedAt(env)]: ctx.options.now().toISOString(),
  ...(ctx.options.runUrl ? { [JOURNAL.runUrl(env)]: ctx.options.runUrl } : {}),
  [JOURNAL.planHash(env)]: ctx.plan.hash,
});

/** Re-reads the destination model: existence, aliases and tags. */
export async function refreshModel(name: string, w: World, ctx: StepContext): Promise<void> {
  const model = await ctx.registry.getModel(name);
  w.modelExists = model !== null;
  w.aliases = { ...(model?.aliases ?? {}) };
  w.modelTags = { ...(model?.tags ?? {}) };
}

/** Re-reads the version a tag step targets. */
export async function refreshTarget(ref: VersionRef, w: World, ctx: StepContext): Promise<void> {
  const target = resolveRef(ref, w);
  if (target === null) return;
  const v = await ctx.registry.getVersion(ref.name, target);
  if (v) {
    w.versions[v.version] = v;
    w.copies = w.copies.map((c) => (c.version === v.version ? v : c));
  }
}

/** The destination version a step acts on; the copy must exist by now. */
export const requireTarget = (ref: VersionRef, w: World, stepId: string): string => {
  const target = resolveRef(ref, w);
  if (target === null) throw new Error(`${stepId}: the destination version does not exist`);
  return target;
};
