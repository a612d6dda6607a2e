// Pure: the serving-endpoint and monitor part of a promotion plan, and what the journal records
// about the endpoint so a rollback can put it back. No I/O: the endpoint as read by the executor is
// part of the destination snapshot.

import type { BakeConfig, HealthCheck, RolloutStrategy } from '../config/types.js';

import type { EndpointConfigSpec, EndpointView, InferenceTableSpec, ServedEntitySpec } from '../endpoint/serving.js';
import { describeConfig, expectationOf, servedEntityName } from '../rollout/phases.js';
import { strategyLabel } from '../rollout/strategies/index.js';
import { readPrevious, recordKey } from '../registry/journal.js';
import type { StepSpec, VersionRef } from './types.js';
import type { EnsureMonitorRequest } from '../endpoint/ports.js';

/** The serving part of a promotion, from the model's `serving:` config for the target environment. */
export interface ServingPlanInput {
  readonly endpoint: string;
  readonly strategy: RolloutStrategy;
  readonly health: HealthCheck;
  readonly workloadSize: string;
  readonly scaleToZero: boolean;
  readonly inferenceTable: InferenceTableSpec | null;
  readonly waitTimeoutSeconds: number;
  /** Keep checking health after the rollout (null: no bake). */
  readonly bake?: BakeConfig | null;
  /** Whether the destination registry reaches the candidate's source (its quarantine mark on a revert). */
  readonly sourceReachable?: boolean;
}

/**
 * An endpoint's config as journaled before a promotion changed it (null config: there was no
 * endpoint). Stored whole in the `previous` record (src/registry/journal.ts packs and chunks it when
 * it is large): every field of the config, served entities' fields this version does not manage
 * included, comes back exactly as it was saved.
 */
export interface SavedEndpoint {
  readonly endpoint: string;
  readonly configVersion: number | null;
  readonly config: EndpointConfigSpec | null;
}

/** The saved endpoint in a journal record (the object, or the JSON text earlier versions wrote). */
export function decodeSavedEndpoint(value: unknown): SavedEndpoint | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const saved = parsed as SavedEndpoint;
  if (typeof saved.endpoint !== 'string') return null;
  const config = saved.config;
  if (config !== null && (typeof config !== 'object' || !Array.isArray(config.servedEntities) || !Array.isArray(config.routes))) return null;
  return saved;
}

/** The endpoint config journaled for `environment` on a version (current record, else the keys of earlier versions). */
export function journaledEndpoint(tags: Readonly<Record<string, string>>, environment: string): SavedEndpoint | null {
  const read = readPrevious(tags, environment);
  return read.ok && read.value ? decodeSavedEndpoint(read.value.endpoint) : null;
}

/** Input form of a live config: no config version, entities as PUT /config takes them. */
export const configOf = (view: EndpointView | null | undefined): EndpointConfigSpec | null =>
  view?.config ? { servedEntities: view.config.servedEntities.map((e) => ({ ...e })), routes: view.config.routes.map((r) => ({ ...r })) } : null;

const servesVersion = (config: EndpointConfigSpec | null | undefined, entityName: string, version: string | null): boolean =>
  version !== null && !!config?.servedEntities.some((e) => e.entityName === entityName && e.entityVersion === version);

/**
 * What the endpoint held before this promotion. Once the endpoint serves the promoted version (a
 * re-run, or a resume mid-canary), the live config is no longer "before": the journal the first run
 * wrote answers instead, so a finished promotion re-plans to the same hash.
 */
export function previousEndpoint(
  serving: ServingPlanInput,
  entityName: string,
  live: EndpointView | null | undefined,
  target: string | null,
  journal: Readonly<Record<string, string>>,
  environment: string,
): SavedEndpoint {
  const recorded = journaledEndpoint(journal, environment);
  if (recorded && recorded.endpoint === serving.endpoint && servesVersion(live?.config, entityName, target)) return recorded;
  return { endpoint: serving.endpoint, configVersion: live?.config?.configVersion ?? null, config: configOf(live) };
}

export interface DraftStep {
  readonly spec: StepSpec;
  readonly pre: string;
  readonly post: string;
  readonly text: string;
}

export function servingStep(
  serving: ServingPlanInput,
  environment: string,
  entityName: string,
  target: VersionRef,
  resolved: string | null,
  previous: SavedEndpoint,
): DraftStep {
  const expected = expectationOf(previous.config, previous.configVersion);
  const was = previous.config ? describeConfig(previous.config) : 'no endpoint';
  const version = resolved ? `v${resolved}` : 'the new version';
  return {
    spec: {
      kind: 'serving-rollout',
      environment,
      target,
      endpoint: serving.endpoint,
      strategy: serving.strategy,
      health: serving.health,
      entity: { entityName, workloadSize: serving.workloadSize, scaleToZero: serving.scaleToZero },
      inferenceTable: serving.inferenceTable,
      expected,
      waitTimeoutSeconds: serving.waitTimeoutSeconds,
    },
    pre: `serving endpoint "${serving.endpoint}" serves ${was} (or is part-way through this rollout, or done)`,
    post: `"${serving.endpoint}" serves ${entityName} ${version} at 100%, settled and READY${serving.inferenceTable ? ', inference table on' : ''}`,
    text: `roll serving endpoint "${serving.endpoint}" forward to ${version} (${strategyLabel(serving.strategy)}); now: ${was}`,
  };
}

/** The bake after the rollout (and the alias moves): health checked for its duration, revert on a breach. */
export function bakeStep(input: {
  readonly serving: ServingPlanInput & { readonly bake: BakeConfig };
  readonly registry: string;
  readonly model: string;
  readonly environment: string;
  readonly target: VersionRef;
  readonly resolved: string | null;
  readonly previous: SavedEndpoint;
  readonly previousAliases: Readonly<Record<string, string | null>>;
  readonly previousChampion: string | null;
  readonly source: { readonly name: string; readonly version: string } | null;
}): DraftStep {
  const { serving, previous } = input;
  const version = input.resolved ? `v${input.resolved}` : 'the new version';
  const minutes = (s: number): string => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);
  const back = previous.config ? describeConfig(previous.config) : 'nothing (the promotion creates the endpoint)';
  return {
    spec: {
      kind: 'bake',
      registry: input.registry,
      model: input.model,
      environment: input.environment,
      target: input.target,
      endpoint: serving.endpoint,
      entity: { entityName: input.model, workloadSize: serving.workloadSize, scaleToZero: serving.scaleToZero },
      health: serving.health,
      bake: serving.bake,
      restore: previous.config,
      previousAliases: input.previousAliases,
      previousChampion: input.previousChampion,
      source: input.source,
      waitTimeoutSeconds: serving.waitTimeoutSeconds,
    },
    pre: `"${serving.endpoint}" serves ${input.model} ${version} at 100% (the rollout is done)`,
    post: `${recordKey('bake', input.environment)} says the bake of this plan passed (${minutes(serving.bake.durationSeconds)} of health checks)`,
    text: `bake ${version} on "${serving.endpoint}" for ${minutes(serving.bake.durationSeconds)} (health every ${minutes(serving.bake.intervalSeconds)}); on a breach revert to ${back} and quarantine it`,
  };
}

export const monitorStep = (request: EnsureMonitorRequest, environment: string): DraftStep => ({
  spec: { kind: 'ensure-monitor', environment, request },
  pre: `table ${request.monitor.table} and schema ${request.monitor.outputSchema} exist`,
  post: `a ${request.api} monitor on ${request.monitor.table} matches the config`,
  text: `ensure the monitor on ${request.monitor.table} (${request.api}, output ${request.monitor.outputSchema})`,
});

/** The served entity for one version, from a step's version-less entity. */
export const entityFor = (entity: { entityName: string; workloadSize: string; scaleToZero: boolean }, version: string): ServedEntitySpec => ({
  name: servedEntityName(entity.entityName, version),
  entityName: entity.entityName,
  entityVersion: version,
  workloadSize: entity.workloadSize,
  scaleToZero: entity.scaleToZero,
});

/**
 * Rollback of the endpoint: the config journaled on the version rolled back from. When the
 * promotion created the endpoint (nothing to put back), the rolled-back-to version takes the
 * rolled-back-from entity's place at 100%. null: nothing to restore (no endpoint involved).
 */
export function restoreStep(input: {
  readonly endpoint: string;
  readonly environment: string;
  readonly entityName: string;
  readonly from: string | null;
  readonly to: string;
  readonly fromJournal: Readonly<Record<string, string>>;
  readonly live: EndpointView | null | undefined;
  readonly waitTimeoutSeconds: number;
}): DraftStep | null {
  if (input.from === null) return null;
  const saved = journaledEndpoint(input.fromJournal, input.environment);
  if (!saved || saved.endpoint !== input.endpoint) return null;
  let config = saved.config;
  if (config === null) {
    const live = configOf(input.live);
    const fromEntity = live?.servedEntities.find((e) => e.entityName === input.entityName && e.entityVersion === input.from);
    if (fromEntity) {
      const name = servedEntityName(input.entityName, input.to);
      config = { servedEntities: [{ ...fromEntity, name, entityVersion: input.to }], routes: [{ servedEntityName: name, percent: 100 }] };
    } else if (live && live.servedEntities.length === 1 && live.servedEntities[0]!.entityVersion === input.to) {
      config = live; // already done by an earlier run
    } else {
      return null;
    }
  }
  return {
    spec: {
      kind: 'restore-endpoint',
      environment: input.environment,
      endpoint: input.endpoint,
      entityName: input.entityName,
      fromVersion: input.from,
      config,
      waitTimeoutSeconds: input.waitTimeoutSeconds,
    },
    pre: `serving endpoint "${input.endpoint}" serves ${input.entityName} v${input.from} (or already the restored config)`,
    post: `"${input.endpoint}" serves ${describeConfig(config)}, settled`,
    text: `restore serving endpoint "${input.endpoint}" to ${describeConfig(config)}`,
  };
}
