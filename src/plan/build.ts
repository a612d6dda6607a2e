// Pure: (what to promote, what the destination looks like) → ordered, hashed steps.
// No I/O, no clock. The destination snapshot is read by src/apply/observe.ts and passed in.

import type { PromotionMode } from '../config/types.js';
import { hashOf } from '../util/hash.js';
import { COPY_IDENTITY_KEY, copyIdentity, readPrevious, recordKey, type PreviousRecord } from '../registry/journal.js';
import type { PlannedStep, StepSpec, TargetPlan, VersionRef } from './types.js';

import type { Check } from '../util/check.js';
import type { EndpointView } from '../endpoint/serving.js';
import { bakeStep, monitorStep, previousEndpoint, servingStep, type ServingPlanInput } from './serving.js';
import type { ObservedVersion, RegistryId, SourceVersion } from '../registry/types.js';
import type { EnsureMonitorRequest } from '../endpoint/ports.js';

/** What one promotion must achieve; computed from config + evidence by `planInputFor`. */
export interface PlanInput {
  readonly model: string;
  readonly from: string;
  readonly to: string;
  readonly mode: PromotionMode;
  readonly source: SourceVersion;
  readonly destination: { readonly registry: RegistryId; readonly model: string };
  /** Aliases to move on the destination model, champion alias first. */
  readonly aliases: readonly string[];
  /** Stage mode: the stage of the target environment (`Staging`, `Production`). */
  readonly stage: string | null;
  /** Tags the destination registry allows on one object (null or absent: no limit). */
  readonly tagsPerObject?: number | null;
  /** Roll the environment's serving endpoint forward after the registry steps (Unity Catalog only). */
  readonly serving?: ServingPlanInput | null;
  /** Ensure the environment's inference-table monitor, last. */
  readonly monitor?: EnsureMonitorRequest | null;
  /** Tags of the source version a copy carries over: its quarantine marks (quarantineMarks). */
  readonly carriedTags?: Readonly<Record<string, string>>;
}

const isUnfinished = (v: ObservedVersion): boolean => v.status === 'PENDING_REGISTRATION' || v.status === 'FAILED_REGISTRATION';
const isUnused = (v: ObservedVersion): boolean => v.aliases.length === 0 && (v.stage === null || v.stage.toLowerCase() === 'none');

/**
 * The versions carrying a copy's identity tag, split into the copies (READY, lowest first; the
 * lowest is the one the plan uses) and the strays that lost or late writes left beside it: unfinished
 * versions (a create the server applied after the client gave up) and READY duplicates nothing
 * points at. Strays exist only once a READY copy does; before that an unfinished version is the
 * copy's own work in progress, which the next create finishes.
 */
export function splitCopies(tagged: readonly ObservedVersion[]): { copies: ObservedVersion[]; strays: ObservedVersion[] } {
  const sorted = [...tagged].sort((a, b) => Number(a.version) - Number(b.version));
  const copies = sorted.filter((v) => v.status === 'READY');
  const used = copies[0];
  if (!used) return { copies, strays: [] };
  const strays = sorted.filter((v) => v !== used && (isUnfinished(v) || (v.status === 'READY' && isUnused(v))));
  return { copies, strays };
}

/** The facts about the destination that the plan depends on. */
export interface DestinationSnapshot {
  readonly modelExists: boolean;
  /** READY versions carrying this promotion's copy identity tag, lowest version first (copy mode). */
  readonly copies: readonly ObservedVersion[];
  /** Versions with the copy's identity that a lost or late write left beside the copy (see splitCopies). */
  readonly strays: readonly ObservedVersion[];
  /** alias → version on the destination model. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Versions the plan looked at (alias holders, the target), by version. */
  readonly versions: Readonly<Record<string, ObservedVersion>>;
  /** Versions currently in `stage` (stage mode), ascending. */
  readonly inStage: readonly string[];
  /** Tags of the destination registered model. */
  readonly modelTags?: Readonly<Record<string, string>>;
  /** The serving endpoint (null: absent; undefined: not read, the plan has no serving step). */
  readonly endpoint?: EndpointView | null;
  /** Whether the monitor already matches (undefined: not read). */
  readonly monitor?: Check;
}

export const EMPTY_SNAPSHOT: DestinationSnapshot = { modelExists: false, copies: [], strays: [], aliases: {}, versions: {}, inStage: [] };

export const identityFor = (source: SourceVersion): { key: string; value: string } => ({
  key: COPY_IDENTITY_KEY,
  value: copyIdentity(source.registry, source.name, source.version),
});

/** The destination version the plan promotes: the copy (copy mode) or the candidate itself. */
export function targetRefFor(input: PlanInput): VersionRef {
  if (input.mode === 'copy') {
    const id = identityFor(input.source);
    return { kind: 'copy-of', name: input.destination.model, identityKey: id.key, identityValue: id.value };
  }
  return { kind: 'existing', name: input.source.name, version: input.source.version };
}

/** The version a ref points at in this snapshot; null when the copy does not exist yet. */
export function resolveRef(ref: VersionRef, snapshot: DestinationSnapshot): string | null {
  if (ref.kind === 'existing') return ref.version;
  return snapshot.copies[0]?.version ?? null;
}

const numeric = (a: string, b: string): number => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);

/**
 * What each alias held before this promotion. When the alias already points at the target (a
 * re-run after the move), the answer comes from the journal the first run wrote, so a finished
 * promotion re-plans to the same steps and the same hash.
 */
function previousState(input: PlanInput, snapshot: DestinationSnapshot, target: string | null) {
  const journal = target !== null ? snapshot.versions[target]?.tags ?? {} : {};
  // An unreadable record (a chunk lost) counts as none: the live state answers instead.
  const read = readPrevious(journal, input.to);
  const recorded: PreviousRecord | null = read.ok ? read.value : null;
  const previous: Record<string, string | null> = {};
  for (const alias of input.aliases) {
    const current = snapshot.aliases[alias] ?? null;
    previous[alias] = target !== null && current === target ? recorded?.aliases[alias] ?? null : current;
  }
  let previousInStage: string[] = [];
  if (input.stage !== null) {
    previousInStage = target !== null && snapshot.inStage.includes(target) ? [...(recorded?.stage ?? [])] : [...snapshot.inStage];
    previousInStage.sort(numeric);
  }
  const champion = input.aliases[0];
  const previousChampion = (champion !== undefined ? previous[champion] : null) ?? previousInStage.at(-1) ?? null;
  return { previous, previousInStage, previousChampion };
}

const describeRef = (ref: VersionRef): string =>
  ref.kind === 'existing' ? `${ref.name} v${ref.version}` : `the copy in ${ref.name} (tag ${ref.identityKey}=${ref.identityValue.slice(0, 12)}…)`;

export function buildPlan(input: PlanInput, snapshot: DestinationSnapshot): TargetPlan {
  const dest = input.destination;
  const target = targetRefFor(input);
  const resolved = resolveRef(target, snapshot);
  const { previous, previousInStage, previousChampion } = previousState(input, snapshot, resolved);
  const specs: { spec: StepSpec; pre: string; post: string; text: string }[] = [];

  if (input.mode === 'copy') {
    const id = identityFor(input.source);
    specs.push({
      spec: { kind: 'ensure-model', registry: dest.registry, model: dest.model },
      pre: 'none',
      post: `registered model "${dest.model}" exists`,
      text: `ensure registered model "${dest.model}" exists`,
    });
    const sameServer = input.source.registry === dest.registry;
    // A copy of a quarantined version is quarantined too (promoted under a waiver, it still needs one further on).
    const carried = input.carriedTags ?? {};
    specs.push({
      spec: {
        kind: 'copy-version',
        registry: dest.registry,
        model: dest.model,
        from: input.source,
        identityKey: id.key,
        identityValue: id.value,
        artifacts: sameServer ? 'reuse-source' : 'transfer',
        ...(Object.keys(carried).length > 0 ? { carriedTags: carried } : {}),
      },
      pre: `source version ${input.source.name} v${input.source.version} is the reviewed candidate`,
      post: `exactly one READY version of "${dest.model}" carries ${id.key}=${id.value} (created with the tag in one call; reused if present; unfinished or unused duplicates that lost writes left are deleted)`,
      text: `copy ${input.source.name} v${input.source.version} → "${dest.model}"${sameServer ? '' : ' (artifacts transferred)'}`,
    });
  }

  specs.push({
    spec: { kind: 'set-tags', registry: dest.registry, target, environment: input.to, promotedFrom: input.from },
    pre: `${describeRef(target)} exists`,
    post: `${recordKey('promoted', input.to)} names ${input.from} and this plan's hash (who, when and the run URL written with it)`,
    text: `journal the promotion on ${describeRef(target)}`,
  });

  // The endpoint config this promotion replaces, journaled before any traffic moves (rollback restores it).
  const journal = resolved !== null ? snapshot.versions[resolved]?.tags ?? {} : {};
  const savedEndpoint = input.serving ? previousEndpoint(input.serving, dest.model, snapshot.endpoint, resolved, journal, input.to) : null;
  const record: PreviousRecord = {
    champion: previousChampion,
    aliases: previous,
    ...(input.stage !== null ? { stage: previousInStage } : {}),
    ...(savedEndpoint ? { endpoint: savedEndpoint } : {}),
  };
  specs.push({
    spec: { kind: 'record-previous-champion', registry: dest.registry, target, environment: input.to, previous, record },
    pre: `${describeRef(target)} exists`,
    post: `${recordKey('previous', input.to)} holds the previous champion (${previousChampion ?? 'none'})${savedEndpoint ? ' and the endpoint config it replaces' : ''}`,
    text: `record previous champion ${previousChampion ? `v${previousChampion}` : '(none)'} for ${input.to}`,
  });

  // Traffic moves before the aliases: an aborted canary leaves the champion alias where it was, so
  // the alias always names what the endpoint fully serves.
  if (input.serving && savedEndpoint) specs.push(servingStep(input.serving, input.to, dest.model, target, resolved, savedEndpoint));

  if (input.stage !== null) {
    specs.push({
      spec: {
        kind: 'transition-stage',
        registry: dest.registry,
        model: dest.model,
        target,
        stage: input.stage,
        archiveExisting: true,
        expectedInStage: previousInStage,
      },
      pre: `stage ${input.stage} holds ${previousInStage.length ? previousInStage.map((v) => `v${v}`).join(', ') : 'no version'} (or already the target)`,
      post: `${describeRef(target)} is in ${input.stage} and no other version is`,
      text: `transition to ${input.stage}, archiving ${previousInStage.length ? previousInStage.map((v) => `v${v}`).join(', ') : 'nothing'}`,
    });
  }

  for (const alias of input.aliases) {
    const expected = previous[alias] ?? null;
    specs.push({
      spec: { kind: 'move-alias', registry: dest.registry, model: dest.model, alias, target, expectedCurrent: expected },
      pre: `alias "${alias}" ${expected ? `points at v${expected}` : 'is unset'} (or already at the target)`,
      post: `alias "${alias}" points at ${describeRef(target)}`,
      text: `move alias "${alias}" ${expected ? `v${expected}` : '(unset)'} → ${resolved ? `v${resolved}` : 'the new copy'}`,
    });
  }

  if (input.monitor) specs.push(monitorStep(input.monitor, input.to));

  // Last: the bake, once the endpoint serves the version and the aliases point at it.
  const bake = input.serving?.bake;
  if (input.serving && bake && savedEndpoint) {
    const source = input.mode === 'copy' && input.serving.sourceReachable ? { name: input.source.name, version: input.source.version } : null;
    specs.push(
      bakeStep({
        serving: { ...input.serving, bake },
        registry: dest.registry,
        model: dest.model,
        environment: input.to,
        target,
        resolved,
        previous: savedEndpoint,
        previousAliases: previous,
        previousChampion,
        source,
      }),
    );
  }

  const steps: PlannedStep[] = specs.map((s, i) => ({
    id: `${i + 1}:${s.spec.kind}`,
    spec: s.spec,
    precondition: s.pre,
    postcondition: s.post,
    description: s.text,
  }));
  return {
    operation: 'promote',
    model: input.model,
    from: input.from,
    to: input.to,
    mode: input.mode,
    source: input.source,
    destination: dest,
    aliases: input.aliases,
    previousChampion,
    steps,
    hash: planHash(input, steps),
  };
}

/**
 * The hash covers what the plan will do (target, mode, every step's kind and inputs, including the
 * expected current state), never statuses, timestamps, actors or wording of the conditions.
 */
export const planHash = (
  input: Pick<PlanInput, 'model' | 'from' | 'to' | 'mode'>,
  steps: readonly PlannedStep[],
  operation: TargetPlan['operation'] = 'promote',
): string =>
  hashOf({
    ...(operation === 'promote' ? {} : { operation }),
    target: { model: input.model, from: input.from, to: input.to, mode: input.mode },
    steps: steps.map((s) => s.spec),
  });
