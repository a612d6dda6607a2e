// Helpers the step handlers share: resolving the version a step acts on, and the journal's run tags.

import { resolveRef, type DestinationSnapshot } from '../../plan/build.js';
import type { VersionRef } from '../../plan/types.js';
import { encodeRecord, readPromoted, type PromotedRecord } from '../../registry/journal.js';
import type { ObservedVersion } from '../../registry/types.js';
import type { StepContext, World } from '../types.js';

export const versionOf = (ref: VersionRef, w: DestinationSnapshot): ObservedVersion | null => {
  const v = resolveRef(ref, w);
  return v === null ? null : w.versions[v] ?? null;
};

export const tagsHold = (have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean =>
  Object.entries(want).every(([k, v]) => have[k] === v);

export const vtext = (v: string | null | undefined): string => (v ? `v${v}` : 'nothing');

/** The promotion record this run writes into `env`: the plan's content plus who, when and the run. */
export const promotedRecord = (ctx: Pick<StepContext, 'options' | 'plan'>, from: string): PromotedRecord => ({
  from,
  plan: ctx.plan.hash,
  by: ctx.options.actor,
  at: ctx.options.now().toISOString(),
  ...(ctx.options.runUrl ? { run: ctx.options.runUrl } : {}),
});

/** Has `env`'s promotion record been written by a run of this plan (who and when do not matter)? */
export const promotionJournaled = (tags: Readonly<Record<string, string>>, env: string, from: string, planHash: string): boolean => {
  const read = readPromoted(tags, env);
  return read.ok && read.value !== null && read.value.from === from && read.value.plan === planHash;
};

/**
 * Writes a record's tags on a version: chunks first, the record's own key last (a reader sees the
 * old record or the whole new one); a tag that already holds its value is not written again.
 */
export async function writeVersionTags(ctx: StepContext, name: string, version: string, have: Readonly<Record<string, string>>, tags: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(tags)) if (have[key] !== value) await ctx.registry.setVersionTag(name, version, key, value);
}

export { encodeRecord };

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
