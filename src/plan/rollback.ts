// Pure: rollback plan. Default target = the previous champion recorded in the journal of the
// current champion; `--to-version` overrides. The rollback record on the registered model
// (`mlops_gate_rollback_<env>`: from, to) makes a re-run a no-op instead of rolling back one step
// further. Journals written by earlier versions (`mlops_gate.<env>.…`) are read too.
// Rollback never deletes a version: it moves aliases (and, in stage mode, stages) back.

import type { PromotionMode } from '../config/types.js';
import type { DestinationSnapshot } from './build.js';
import { planHash } from './build.js';
import { quarantineKey, readPrevious, readRollback, readSource, recordKey } from '../registry/journal.js';
import { restoreStep } from './serving.js';
import type { PlannedStep, PlanRefusal, StepSpec, TargetPlan } from './types.js';
import type { RegistryId } from '../registry/types.js';

export interface RollbackInput {
  readonly model: string;
  readonly environment: string;
  readonly mode: PromotionMode;
  readonly registry: RegistryId;
  readonly modelName: string;
  /** Champion alias first. */
  readonly aliases: readonly string[];
  readonly stage: string | null;
  readonly toVersion: string | null;
  /** The environment's serving endpoint (Unity Catalog with `serving:`): its journaled config is restored too. */
  readonly endpoint?: { readonly name: string; readonly waitTimeoutSeconds: number } | null;
}

export interface RollbackChoice {
  readonly from: string | null;
  readonly to: string;
}

/** The current champion: the champion alias, else (stage mode) the highest version in the stage. */
export const currentChampion = (input: RollbackInput, snapshot: DestinationSnapshot): string | null =>
  (input.aliases[0] !== undefined ? snapshot.aliases[input.aliases[0]] : undefined) ?? snapshot.inStage.at(-1) ?? null;

/** Which version to roll back from and to, or why it cannot be decided. Needs the current champion's tags. */
export function chooseRollback(input: RollbackInput, snapshot: DestinationSnapshot): RollbackChoice | { readonly refusal: string } {
  if (!snapshot.modelExists) return { refusal: `registered model "${input.modelName}" does not exist on ${input.registry}` };
  const current = currentChampion(input, snapshot);
  const lastRead = readRollback(snapshot.modelTags, input.environment);
  if (!lastRead.ok) return { refusal: `the rollback journal of "${input.modelName}" in ${input.environment} is unreadable: ${lastRead.problem}; pass --to-version` };
  const last = lastRead.value;
  if (input.toVersion !== null) {
    const to = input.toVersion;
    return { from: current === to && last?.to === to ? last.from : current, to };
  }
  if (last && current === last.to) return last;
  if (current === null) {
    return { refusal: `"${input.modelName}" has no champion in ${input.environment} (alias "${input.aliases[0]}" is unset); pass --to-version` };
  }
  const read = readPrevious(snapshot.versions[current]?.tags ?? {}, input.environment);
  if (!read.ok) return { refusal: `the journal of v${current} of "${input.modelName}" is unreadable: ${read.problem}; pass --to-version` };
  if (read.value === null) {
    return {
      refusal: `v${current} of "${input.modelName}" has no ${recordKey('previous', input.environment)} tag (it was not promoted by mlops-gate); pass --to-version`,
    };
  }
  const recorded = read.value.champion;
  if (recorded === null) return { refusal: `v${current} was the first champion of "${input.modelName}" in ${input.environment}: there is nothing to roll back to` };
  return { from: current, to: recorded };
}

export function buildRollback(input: RollbackInput, snapshot: DestinationSnapshot): TargetPlan | PlanRefusal {
  const refuse = (reason: string): PlanRefusal => ({ model: input.model, from: input.environment, to: input.environment, reason });
  const choice = chooseRollback(input, snapshot);
  if ('refusal' in choice) return refuse(choice.refusal);
  const target = snapshot.versions[choice.to];
  if (!target) return refuse(`version ${choice.to} of "${input.modelName}" does not exist`);
  const ref = { kind: 'existing', name: input.modelName, version: choice.to } as const;
  // Everything already points at the target (e.g. `--to-version` naming the champion): nothing to journal.
  const noop =
    choice.from === choice.to &&
    input.aliases.every((a) => snapshot.aliases[a] === choice.to) &&
    (input.stage === null || (snapshot.inStage.length === 1 && snapshot.inStage[0] === choice.to));
  const specs: { spec: StepSpec; pre: string; post: string; text: string }[] = noop ? [] : [
    {
      spec: {
        kind: 'set-model-tags',
        registry: input.registry,
        model: input.modelName,
        environment: input.environment,
        rollback: { from: choice.from, to: choice.to },
      },
      pre: `registered model "${input.modelName}" exists`,
      post: `${recordKey('rollback', input.environment)} records v${choice.from ?? '(none)'} → v${choice.to}`,
      text: `journal the rollback v${choice.from ?? '(none)'} → v${choice.to} on "${input.modelName}"`,
    },
  ];
  if (!noop && choice.from !== null) {
    // The version rolled back from is quarantined: not promoted again without a waiver (the
    // quarantine gate). Its source too when it is a copy of a version on this same registry.
    const from = snapshot.versions[choice.from];
    const recorded = from ? readSource(from.tags) : null;
    const source =
      recorded?.ok && recorded.value !== null && recorded.value.registry === input.registry
        ? { name: recorded.value.name, version: recorded.value.version }
        : null;
    specs.push({
      spec: {
        kind: 'mark-quarantined',
        registry: input.registry,
        model: input.modelName,
        version: choice.from,
        environment: input.environment,
        to: choice.to,
        source,
      },
      pre: `v${choice.from} of "${input.modelName}" exists`,
      post: `v${choice.from} carries ${quarantineKey(input.environment)}${source ? ` (and so does its source ${source.name} v${source.version})` : ''}`,
      text: `quarantine v${choice.from}${source ? ` and its source ${source.name} v${source.version}` : ''}: not promoted again without a waiver`,
    });
  }
  if (input.stage !== null && !noop) {
    specs.push({
      spec: {
        kind: 'transition-stage',
        registry: input.registry,
        model: input.modelName,
        target: ref,
        stage: input.stage,
        archiveExisting: true,
        expectedInStage: choice.from ? [choice.from] : [],
      },
      pre: `stage ${input.stage} holds ${choice.from ? `v${choice.from}` : 'nothing'} (or already v${choice.to})`,
      post: `v${choice.to} is in ${input.stage} and no other version is`,
      text: `transition v${choice.to} back to ${input.stage}, archiving ${choice.from ? `v${choice.from}` : 'nothing'} (never deleted)`,
    });
  }
  for (const [i, alias] of (noop ? [] : input.aliases).entries()) {
    // The champion alias must still hold the version rolled back from; another alias (`<env>` in
    // alias mode) is expected where it is now, unless it already points at the target.
    const current = snapshot.aliases[alias] ?? null;
    const expected = i === 0 || current === choice.to ? choice.from : current;
    specs.push({
      spec: { kind: 'move-alias', registry: input.registry, model: input.modelName, alias, target: ref, expectedCurrent: expected },
      pre: `alias "${alias}" points at ${expected ? `v${expected}` : 'nothing'} (or already v${choice.to})`,
      post: `alias "${alias}" points at v${choice.to}`,
      text: `move alias "${alias}" ${expected ? `v${expected}` : '(unset)'} → v${choice.to}`,
    });
  }
  if (input.endpoint && !noop) {
    const restore = restoreStep({
      endpoint: input.endpoint.name,
      environment: input.environment,
      entityName: input.modelName,
      from: choice.from,
      to: choice.to,
      fromJournal: choice.from !== null ? snapshot.versions[choice.from]?.tags ?? {} : {},
      live: snapshot.endpoint,
      waitTimeoutSeconds: input.endpoint.waitTimeoutSeconds,
    });
    if (restore) specs.push(restore);
  }
  const steps: PlannedStep[] = specs.map((s, i) => ({ id: `${i + 1}:${s.spec.kind}`, spec: s.spec, precondition: s.pre, postcondition: s.post, description: s.text }));
  const header = { model: input.model, from: input.environment, to: input.environment, mode: input.mode };
  return {
    operation: 'rollback',
    ...header,
    source: { registry: input.registry, name: input.modelName, version: choice.to, source: target.source, runId: target.runId },
    destination: { registry: input.registry, model: input.modelName },
    aliases: input.aliases,
    previousChampion: choice.from,
    steps,
    hash: planHash(header, steps, 'rollback'),
  };
}
