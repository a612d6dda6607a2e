// Pure: would the journal this plan writes keep the destination version within the tag rules?
// mlops-gate takes at most TAG_LIMITS.ours tags of one object (the rest are the users'), never
// more than the registry allows in all, and keys of at most 255 characters. Checked when planning,
// so a promotion that could not be journaled is refused before anything is written.

import { ARTIFACT_DIGEST_KEY, TAG_LIMITS, copyTags, encodeRecord, isOurTag, quarantineKey, recordKeys } from '../registry/journal.js';
import { resolveRef, type DestinationSnapshot, type PlanInput } from './build.js';
import type { PlanRefusal, TargetPlan } from './types.js';

/** The destination version's tags once this plan is applied (the run's own who/when estimated). */
export function tagsAfter(input: PlanInput, plan: TargetPlan, snapshot: DestinationSnapshot): Record<string, string> {
  const target = plan.steps.find((s) => s.spec.kind === 'set-tags')?.spec;
  const resolved = target && 'target' in target ? resolveRef(target.target, snapshot) : null;
  const tags: Record<string, string> = { ...(resolved !== null ? snapshot.versions[resolved]?.tags ?? {} : {}) };
  for (const record of ['promoted', 'previous', 'bake'] as const) for (const key of recordKeys(tags, record, input.to)) delete tags[key];
  for (const step of plan.steps) {
    const s = step.spec;
    if (s.kind === 'copy-version' && resolved === null) Object.assign(tags, copyTags(s.from, s.identityValue), s.artifacts === 'transfer' ? { [ARTIFACT_DIGEST_KEY]: `sha256:${'0'.repeat(64)}` } : {});
    // Who, when and the run URL are known only when applying: a generous estimate stands in.
    if (s.kind === 'set-tags') Object.assign(tags, encodeRecord('promoted', s.environment, { from: s.promotedFrom, plan: plan.hash, by: 'x'.repeat(100), at: new Date(0).toISOString(), run: 'x'.repeat(200) }));
    if (s.kind === 'record-previous-champion') Object.assign(tags, encodeRecord('previous', s.environment, s.record));
    // The bake's record, and the quarantine mark a revert would add (estimated at their largest).
    if (s.kind === 'bake') Object.assign(tags, encodeRecord('bake', s.environment, { state: 'reverting', plan: plan.hash, started: new Date(0).toISOString(), checked: 0, windows: 0, reason: 'x'.repeat(500), ended: new Date(0).toISOString() }), { [quarantineKey(s.environment)]: 'x' });
  }
  return tags;
}

export function journalBudgetRefusal(input: PlanInput, plan: TargetPlan, snapshot: DestinationSnapshot): PlanRefusal | null {
  const refuse = (reason: string): PlanRefusal => ({ model: input.model, from: input.from, to: input.to, reason });
  const tags = tagsAfter(input, plan, snapshot);
  const long = Object.keys(tags).filter((k) => isOurTag(k) && k.length > TAG_LIMITS.keyChars);
  if (long.length) return refuse(`the journal key ${long[0]} would be longer than ${TAG_LIMITS.keyChars} characters: use a shorter environment name than "${input.to}"`);
  const ours = Object.keys(tags).filter(isOurTag).length;
  const where = `the destination version of "${input.destination.model}"`;
  if (ours > TAG_LIMITS.ours) {
    return refuse(
      `${where} would carry ${ours} mlops-gate journal tags; mlops-gate keeps to ${TAG_LIMITS.ours} per object so the rest stay free for your own tags. ` +
        `Too many environments share this version (alias mode), or the endpoint config it replaces is very large`,
    );
  }
  const total = Object.keys(tags).length;
  if (input.tagsPerObject != null && total > input.tagsPerObject) {
    return refuse(`${where} would carry ${total} tags (${ours} of them mlops-gate's); the registry allows ${input.tagsPerObject} per object: remove some of its other tags`);
  }
  return null;
}
