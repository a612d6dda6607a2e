// Tag keys of the audit journal. Tags live on the destination model version (and, for
// rollbacks, on the registered model), so the registry itself records who promoted what, from
// where, under which plan, and what it replaced. Keys are namespaced `mlops_gate.`; per-environment
// keys carry the environment because in alias mode one version serves several environments.

import { sha256Hex } from '../util/hash.js';
import type { RegistryId } from './types.js';

export const TAG_PREFIX = 'mlops_gate.';

/** Identity of a copy: set in the same create call as the version, so a copy is never untagged. */
export const COPY_IDENTITY_KEY = 'mlops_gate.copy_of';

export const SOURCE_TAGS = {
  /** `<name>/<version>` of the source version. */
  source: 'mlops_gate.source',
  sourceRegistry: 'mlops_gate.source_registry',
  /** The source version's artifact URI, or the content digest when artifacts were transferred. */
  sourceUri: 'mlops_gate.source_uri',
  sourceRunId: 'mlops_gate.source_run_id',
  artifactDigest: 'mlops_gate.artifact_digest',
} as const;

export const envTag = (env: string, field: string): string => `mlops_gate.${env}.${field}`;

export const JOURNAL = {
  planHash: (env: string) => envTag(env, 'plan_hash'),
  promotedFrom: (env: string) => envTag(env, 'promoted_from'),
  promotedBy: (env: string) => envTag(env, 'promoted_by'),
  promotedAt: (env: string) => envTag(env, 'promoted_at'),
  runUrl: (env: string) => envTag(env, 'run_url'),
  /** The rollback target: what the champion alias (or stage) held before. `none` when unset. */
  previousChampion: (env: string) => envTag(env, 'previous_champion'),
  previousOfAlias: (env: string, alias: string) => envTag(env, `previous.${alias}`),
  previousInStage: (env: string) => envTag(env, 'previous.stage'),
  /** The serving endpoint config this promotion replaced (canonical JSON of a SavedEndpoint), for rollback. */
  previousEndpoint: (env: string) => envTag(env, 'previous.endpoint'),
  /** On the registered model: `<from>-><to>` of the last rollback, to make a re-run a no-op. */
  lastRollback: (env: string) => envTag(env, 'last_rollback'),
  rolledBackBy: (env: string) => envTag(env, 'rolled_back_by'),
  rolledBackAt: (env: string) => envTag(env, 'rolled_back_at'),
  /** On the version rolled back from (and its same-registry source): it must not be promoted again without a waiver. */
  quarantined: (env: string) => envTag(env, 'quarantined'),
} as const;

/** The environment a quarantine mark was set in, when `key` is one (`JOURNAL.quarantined(env)`); else null. */
export const quarantineEnvOf = (key: string): string | null => {
  const env = /^mlops_gate\.([^.]+)\.quarantined$/.exec(key)?.[1];
  return env !== undefined && JOURNAL.quarantined(env) === key ? env : null;
};

export const NONE = 'none';

/** Deterministic, quote-free identity value for "the copy of (registry, name, version)". */
export const copyIdentity = (registry: RegistryId, name: string, version: string): string =>
  sha256Hex(`${registry}\n${name}\n${version}`).slice(0, 32);

/** `none` ↔ null in tag values. */
export const encodeVersion = (v: string | null): string => v ?? NONE;
export const decodeVersion = (v: string | undefined): string | null | undefined =>
  v === undefined ? undefined : v === NONE || v === '' ? null : v;
