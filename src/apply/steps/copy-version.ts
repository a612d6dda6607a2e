// Copy mode: exactly one READY version of the destination carries the copy's identity tag. Created
// with every tag in one call; reused when present; strays that lost or late writes left are deleted.

import { splitCopies } from '../../plan/build.js';
import { ARTIFACT_DIGEST_KEY, copyTags, encodeRecord } from '../../registry/journal.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import type { StepContext, StepHandler } from '../types.js';
import { promotedRecord } from './kit.js';

/** The journal records of later steps that target the copy: set in the create call, saving their writes. */
function piggybackTags(ctx: StepContext): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const step of ctx.plan.steps) {
    const s = step.spec;
    if (s.kind === 'set-tags' && s.target.kind === 'copy-of') Object.assign(tags, encodeRecord('promoted', s.environment, promotedRecord(ctx, s.promotedFrom)));
    if (s.kind === 'record-previous-champion' && s.target.kind === 'copy-of') Object.assign(tags, encodeRecord('previous', s.environment, s.record));
  }
  return tags;
}

export const copyVersion: StepHandler<'copy-version'> = {
  check: (_s, w) => (w.copies.length > 0 && w.strays.length === 0 ? SATISFIED : PENDING),
  async act(s, w, ctx) {
    const r = ctx.registry;
    if (w.copies.length > 0) {
      // The copy exists; what is left are strays that lost or late writes made beside it.
      for (const stray of w.strays) await r.deleteVersion(stray.name, stray.version);
      const what = w.strays.map((v) => `v${v.version} (${v.status === 'READY' ? 'an unused duplicate' : v.status})`).join(', ');
      ctx.note(`kept v${w.copies[0]!.version}; deleted ${what} that an earlier write left beside it`);
      return;
    }
    // Same server: `models:/<name>/<version>` lets MLflow resolve the source's artifacts and
    // lineage (run_id, model_id) itself, exactly like MlflowClient.copy_model_version.
    let source = `models:/${s.from.name}/${s.from.version}`;
    let runId: string | null = null;
    const extra: Record<string, string> = {};
    if (s.artifacts === 'transfer') {
      if (!ctx.options.transfer) {
        throw new Error(`copying between servers needs an artifact transfer from ${s.from.registry} to ${s.registry}; none is configured`);
      }
      const moved = await ctx.options.transfer.copy(s.from);
      source = moved.uri;
      runId = moved.runId ?? null;
      extra[ARTIFACT_DIGEST_KEY] = moved.digest;
    }
    // Identity and source tags last in the object so nothing overrides them; all in one call.
    await r.createVersion({
      name: s.model,
      source,
      runId,
      tags: { ...piggybackTags(ctx), ...extra, ...(s.carriedTags ?? {}), ...copyTags(s.from, s.identityValue) },
      description: `Promoted by mlops-gate from ${s.from.name} v${s.from.version}`,
    });
  },
  async refresh(s, w, ctx) {
    const { copies, strays } = splitCopies(await ctx.registry.findVersionsByTag(s.model, s.identityKey, s.identityValue));
    for (const v of w.strays) delete w.versions[v.version];
    w.copies = copies;
    w.strays = strays;
    for (const v of copies) w.versions[v.version] = v;
  },
};
