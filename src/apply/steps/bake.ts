// Bake: after the rollout and the alias moves, keep checking the promoted version's health on the
// endpoint for the bake's duration (src/rollout/bake.ts, the canary's rule). The start and each
// checked window are journaled on the version (`mlops_gate_bake_<env>`), so a run killed mid-bake
// is resumed by the next one with the time that is left. On a breach, revert: the endpoint back to
// the config the promotion replaced, the aliases back, the version (and its source, when this
// registry reaches it) quarantined, the rollback record on the model saying why; the promotion then
// ends `reverted` (a StepEnd: data, not an exception). A run killed while reverting is finished by
// the next one before anything else (runsFirst).

import { sameConfig } from '../../endpoint/compare.js';
import { systemClock } from '../../endpoint/ports.js';
import { ApplyError } from '../../errors.js';
import { resolveRef, type DestinationSnapshot } from '../../plan/build.js';
import { entityFor } from '../../plan/serving.js';
import type { BakeStepSpec } from '../../plan/types.js';
import { decodeRecord, encodeRecord, quarantineKey, type RollbackRecord } from '../../registry/journal.js';
import { bakeRecordOf, bakeRecordValue, minutesText, runBake, type BakeRecord } from '../../rollout/bake.js';
import { describeConfig } from '../../rollout/phases.js';
import { PENDING, SATISFIED } from '../../util/check.js';
import { endpointPortsOf, tell } from '../endpoints.js';
import type { StepContext, StepEnd, StepHandler, World } from '../types.js';
import { refreshModel, refreshTarget, requireTarget, vtext, writeVersionTags } from './kit.js';

/** This plan's bake record on the promoted version, or null. */
const recordIn = (s: BakeStepSpec, w: DestinationSnapshot, planHash: string): BakeRecord | null => {
  const version = resolveRef(s.target, w);
  if (version === null) return null;
  const read = decodeRecord<unknown>(w.versions[version]?.tags ?? {}, 'bake', s.environment);
  return read.ok ? bakeRecordOf(read.value, planHash) : null;
};

export const bake: StepHandler<'bake'> = {
  check(s, w, planHash) {
    const record = recordIn(s, w, planHash);
    if (record?.state === 'passed') return SATISFIED;
    // Reverting or reverted: the step runs first (runsFirst) and ends the promotion `reverted` again.
    return PENDING;
  },

  runsFirst(s, w, planHash) {
    const record = recordIn(s, w, planHash);
    if (record?.state === 'reverting') return 'a run of this plan was reverting after the bake found a breach; the revert is finished first';
    if (record?.state === 'reverted') return `the bake reverted this plan${record.ended ? ` at ${record.ended}` : ''}; nothing is rolled forward again`;
    return null;
  },

  async act(s, w, ctx) {
    const ports = endpointPortsOf(ctx);
    const version = requireTarget(s.target, w, ctx.stepId);
    const save = async (record: BakeRecord): Promise<void> => {
      const tags = encodeRecord('bake', s.environment, bakeRecordValue(record));
      await writeVersionTags(ctx, s.model, version, w.versions[version]?.tags ?? {}, tags);
      const v = w.versions[version];
      if (v) w.versions[version] = { ...v, tags: { ...v.tags, ...tags } };
    };
    const existing = recordIn(s, w, ctx.plan.hash);
    if (existing?.state === 'reverted') {
      return { status: 'reverted', message: `already reverted${existing.ended ? ` at ${existing.ended}` : ''}: ${existing.reason ?? 'the bake found a breach'}; nothing was rolled forward again` };
    }
    // A run killed while reverting: finish the revert.
    if (existing?.state === 'reverting') return revert(s, w, ctx, version, existing, save);

    const candidate = entityFor(s.entity, version);
    const index = Number(ctx.stepId.split(':')[0]) - 1;
    const resumed = existing?.state === 'baking' ? existing : null;
    if (resumed) {
      await tell(ctx)(
        `  ${s.endpoint}: resuming the bake of v${version} started ${resumed.started}: ${minutesText(resumed.checked)} of ${minutesText(s.bake.durationSeconds)} already checked, ${minutesText(s.bake.durationSeconds - resumed.checked)} left`,
      );
    }
    const out = await runBake(
      { endpoint: s.endpoint, candidate: { name: candidate.name, entityName: candidate.entityName, entityVersion: candidate.entityVersion }, health: s.health, bake: s.bake, planHash: ctx.plan.hash, resumeFrom: resumed },
      {
        serving: ports.serving,
        clock: ports.clock ?? systemClock,
        now: ctx.options.now,
        save,
        onProgress: (p) => tell(ctx)(`  ${p.message}`),
        // The executor's crash seam (afterStep), once per journaled window.
        afterWindow: async (n, record, verdict) => {
          await tell(ctx)(`  ${s.endpoint}: bake window ${n} healthy (${minutesText(record.checked)} of ${minutesText(s.bake.durationSeconds)}): ${verdict.reason}`);
          await ctx.options.afterStep?.(`${ctx.stepId}#window-${n}`, index);
        },
      },
    );
    const last = out.verdicts.at(-1)?.reason;
    switch (out.outcome) {
      case 'passed':
        ctx.note(
          `baked ${minutesText(s.bake.durationSeconds)}: ${out.record.windows} window(s) healthy under serving.health${resumed ? ` (resumed with ${minutesText(s.bake.durationSeconds - resumed.checked)} left)` : ''}${last ? `; last window: ${last}` : ''}`,
        );
        return;
      case 'drift':
        throw new ApplyError(`${out.reason}; nothing was reverted`);
      case 'breach':
        await save(out.record);
        return revert(s, w, ctx, version, out.record, save);
    }
  },

  refresh: (s, w, ctx) => refreshTarget(s.target, w, ctx),
};

/** Puts back what the promotion replaced, quarantines the version, journals why; ends the promotion `reverted`. */
async function revert(s: BakeStepSpec, w: World, ctx: StepContext, version: string, reverting: BakeRecord, save: (r: BakeRecord) => Promise<void>): Promise<StepEnd> {
  const reason = reverting.reason ?? 'a breach during the bake';
  await tell(ctx)(`  ${s.endpoint}: ${reason}; reverting`);
  const { serving } = endpointPortsOf(ctx);
  const done: string[] = [];
  const wait = { deadlineMs: s.waitTimeoutSeconds * 1000, onProgress: (p: { message: string }) => tell(ctx)(`  ${p.message}`) };

  // 1. The endpoint, back to the config the promotion replaced.
  if (s.restore) {
    let live = await serving.getEndpoint(s.endpoint);
    if (live?.configUpdate === 'IN_PROGRESS') {
      await serving.waitUntilSettled(s.endpoint, wait);
      live = await serving.getEndpoint(s.endpoint);
    }
    if (!(live?.config && sameConfig(live.config, s.restore))) {
      const update = await serving.updateConfig(s.endpoint, s.restore, wait);
      ctx.addWrites(update.outcome === 'started' ? 1 + update.conflicts : update.conflicts);
      if (update.outcome === 'gave-up') throw new ApplyError(`${reason}; restoring "${s.endpoint}" did not start (${'message' in update.settle ? update.settle.message : update.settle.kind}); re-run to finish the revert`);
      const settled = update.outcome === 'already-applied' ? null : await serving.waitUntilSettled(s.endpoint, wait);
      if (settled && settled.kind !== 'settled') throw new ApplyError(`${reason}; restoring "${s.endpoint}" did not settle: ${settled.message}; re-run to finish the revert`);
    }
    done.push(`"${s.endpoint}" serves ${describeConfig(s.restore)} again`);
  }

  // 2. The aliases, back where they were (an alias that was unset before is left: it is reported).
  await refreshModel(s.model, w, ctx);
  const left: string[] = [];
  for (const [alias, previous] of Object.entries(s.previousAliases)) {
    if (previous === null) {
      if (w.aliases[alias] === version) left.push(alias);
      continue;
    }
    if (w.aliases[alias] !== previous) await ctx.registry.setAlias(s.model, alias, previous);
    done.push(`alias "${alias}" → v${previous}`);
  }

  // 3. The version (and its source) quarantined: the quarantine gate keeps it from coming back.
  const mark = `v${version} of ${s.model} reverted by the bake in ${s.environment} to ${vtext(s.previousChampion)} by ${ctx.options.actor} at ${ctx.options.now().toISOString()}: ${reason}`.slice(0, 1000);
  const key = quarantineKey(s.environment);
  if (s.source) {
    try {
      await ctx.registry.setVersionTag(s.source.name, s.source.version, key, mark);
      done.push(`source ${s.source.name} v${s.source.version} quarantined`);
    } catch (e) {
      // The source may be gone or read-only to this identity: the copy's own mark still holds.
      ctx.note(`could not quarantine the source ${s.source.name} v${s.source.version}: ${(e as Error).message}`);
    }
  }
  if (w.versions[version]?.tags[key] === undefined) await ctx.registry.setVersionTag(s.model, version, key, mark);
  done.push(`v${version} quarantined`);

  // 4. The model's rollback record: a later `rollback` of this environment finds it done.
  if (s.previousChampion !== null) {
    const record: RollbackRecord = {
      from: version,
      to: s.previousChampion,
      by: ctx.options.actor,
      at: ctx.options.now().toISOString(),
      ...(ctx.options.runUrl ? { run: ctx.options.runUrl } : {}),
    };
    const have = w.modelTags ?? {};
    for (const [k, v] of Object.entries(encodeRecord('rollback', s.environment, record))) if (have[k] !== v) await ctx.registry.setModelTag(s.model, k, v);
  }

  // 5. The bake record: reverted, and why (a re-run reports it again and writes nothing).
  await save({ ...reverting, state: 'reverted', reason, ended: ctx.options.now().toISOString() });
  const unset = left.length ? `; alias ${left.map((a) => `"${a}"`).join(', ')} had no version before and still points at v${version}` : '';
  if (!s.restore) {
    throw new ApplyError(
      `${reason}; the promotion created "${s.endpoint}", so there is no previous config to revert to: it still serves v${version}, which is quarantined (${done.join(', ')}${unset}). Roll back by hand`,
    );
  }
  const checked = reverting.checked > 0 ? ` after ${minutesText(reverting.checked)} of the ${minutesText(s.bake.durationSeconds)} bake` : ` in the first window of the ${minutesText(s.bake.durationSeconds)} bake`;
  return { status: 'reverted', message: `reverted to ${vtext(s.previousChampion)}${checked}: ${reason}; ${done.join(', ')}${unset}` };
}
