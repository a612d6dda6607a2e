// The audit journal mlops-gate keeps in registry tags: who promoted what, from where, under which
// plan, and what it replaced (the rollback target, the serving endpoint config). Tags live on the
// destination model version (and, for rollbacks, on the registered model).
//
// Keys follow the strictest documented reading of Unity Catalog's tag rules (docs/fidelity.md #56):
// no `. , - = / :` in a key, at most 255 characters; values at most 1000 characters; at most 50
// tags per object, of which mlops-gate takes few (one record per environment, see TAG_LIMITS):
//
//   mlops_gate_copy_of                 the copy's identity (set in the create call, never changed)
//   mlops_gate_source                  {name, version, registry, uri, run_id} of the source version
//   mlops_gate_artifact_digest         content digest of transferred files
//   mlops_gate_promoted_<env>          {from, plan, by, at, run}: the promotion into <env>
//   mlops_gate_previous_<env>          {champion, aliases, stage, endpoint}: what it replaced
//   mlops_gate_rollback_<env>          {from, to, by, at, run} on the registered model
//   mlops_gate_quarantined_<env>       a sentence: rolled back in <env> (by whom, when, to what); set by
//                                      rollback and by a bake that reverted, carried by copies, read by
//                                      the quarantine gate
//   mlops_gate_bake_<env>              {state, plan, started, checked, windows, reason, ended}: the bake
//                                      of the promoted version after the rollout (src/rollout/bake.ts)
//
// <env> is the environment name encoded into [A-Za-z0-9_] injectively: `_` → `__`, `-` → `_d`
// (`prod-eu` → `prod_deu`, `prod_eu` → `prod__eu`). The record name never contains `_` and comes
// first, so two (record, environment) pairs never share a key.
//
// A record whose JSON is longer than 1000 characters (a large endpoint config) is packed: raw
// deflate, base64, cut into chunks `mlops_gate_<record><i>_<env>` (i = 1…n); the record's own key
// then holds `{"$packed": …, "chunks": n, "sha256": …}`, written last, so a reader sees either the
// old record or the whole new one. A missing chunk or a digest mismatch is reported, never guessed.
//
// Journals written by earlier versions (`mlops_gate.<env>.<field>`, `mlops_gate.copy_of`, …) are
// still read: every reader falls back to them.

import { canonicalJson, sha256Hex } from '../util/hash.js';
import { packText, unpackText, utf8Length } from '../util/pack.js';
import type { RegistryId, SourceVersion } from './types.js';

/** Unity Catalog's documented limits, and mlops-gate's own share of an object's tags. */
export const TAG_LIMITS = {
  keyChars: 255,
  valueChars: 1000,
  /** Tags one object may carry (older Databricks pages say 20; the current one says 50). */
  perObject: 50,
  /** mlops-gate's tags on one object, at most: the rest is the users'. */
  ours: 20,
} as const;

export const TAG_PREFIX = 'mlops_gate_';
/** The prefix of journals written before the keys followed the tag rules. */
export const LEGACY_TAG_PREFIX = 'mlops_gate.';

export const isOurTag = (key: string): boolean => key.startsWith(TAG_PREFIX) || key.startsWith(LEGACY_TAG_PREFIX);

// ---------------------------------------------------------------------------------------------
// Keys

/** `_` → `__`, `-` → `_d`, anything else outside [A-Za-z0-9] → `_x<hex>_`: injective, no reserved character. */
export const encodeEnvironment = (env: string): string =>
  env.replace(/[^A-Za-z0-9]/gu, (c) => (c === '_' ? '__' : c === '-' ? '_d' : `_x${(c.codePointAt(0) ?? 0).toString(16)}_`));

export type EnvRecord = 'promoted' | 'previous' | 'rollback' | 'quarantined' | 'bake';

/** The inverse of encodeEnvironment; null when `text` is not an encoding. */
export function decodeEnvironment(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '_') {
      if (!/[A-Za-z0-9]/u.test(c)) return null;
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '_' || next === 'd') {
      out += next === '_' ? '_' : '-';
      i++;
    } else if (next === 'x') {
      const end = text.indexOf('_', i + 2);
      const hex = end < 0 ? '' : text.slice(i + 2, end);
      if (!/^[0-9a-f]{1,6}$/u.test(hex) || Number.parseInt(hex, 16) > 0x10ffff) return null;
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i = end;
    } else return null;
  }
  return out.length > 0 && encodeEnvironment(out) === text ? out : null;
}

/** `mlops_gate_<record>[<chunk>][_<env>]`. */
export const recordKey = (record: EnvRecord | 'source', env: string | null, chunk?: number): string =>
  `${TAG_PREFIX}${record}${chunk ?? ''}${env === null ? '' : `_${encodeEnvironment(env)}`}`;

/** Identity of a copy: set in the same create call as the version, so a copy is never untagged. */
export const COPY_IDENTITY_KEY = 'mlops_gate_copy_of';
export const LEGACY_COPY_IDENTITY_KEY = 'mlops_gate.copy_of';
export const ARTIFACT_DIGEST_KEY = 'mlops_gate_artifact_digest';
const LEGACY_ARTIFACT_DIGEST_KEY = 'mlops_gate.artifact_digest';

/** The copy identity a version carries (current key, else the key of earlier versions). */
export const copyIdentityOf = (tags: Readonly<Record<string, string>>): string | undefined => tags[COPY_IDENTITY_KEY] ?? tags[LEGACY_COPY_IDENTITY_KEY];
export const artifactDigestOf = (tags: Readonly<Record<string, string>>): string | undefined => tags[ARTIFACT_DIGEST_KEY] ?? tags[LEGACY_ARTIFACT_DIGEST_KEY];

/** Deterministic, quote-free identity value for "the copy of (registry, name, version)". */
export const copyIdentity = (registry: RegistryId, name: string, version: string): string =>
  sha256Hex(`${registry}\n${name}\n${version}`).slice(0, 32);

export const NONE = 'none';

/** `none` ↔ null in legacy tag values. */
export const encodeVersion = (v: string | null): string => v ?? NONE;
export const decodeVersion = (v: string | undefined): string | null | undefined =>
  v === undefined ? undefined : v === NONE || v === '' ? null : v;

// ---------------------------------------------------------------------------------------------
// Records

/** The promotion into one environment (written by the set-tags step, rewritten by every run that applies). */
export interface PromotedRecord {
  readonly from: string;
  /** The plan hash this run applied. */
  readonly plan?: string;
  readonly by?: string;
  readonly at?: string;
  readonly run?: string;
}

/** What one promotion replaced: the rollback target. */
export interface PreviousRecord {
  /** What the champion alias (or the stage) held; null: nothing. */
  readonly champion: string | null;
  /** alias → version it pointed at (null: unset). */
  readonly aliases: Readonly<Record<string, string | null>>;
  /** Stage mode: the versions in the stage before (null: not stage mode). */
  readonly stage?: readonly string[] | null;
  /** The serving endpoint config it replaced, as the planner saved it (src/plan/serving.ts), whole. */
  readonly endpoint?: unknown;
}

/** The last rollback of one environment, on the registered model: makes a re-run a no-op. */
export interface RollbackRecord {
  readonly from: string | null;
  readonly to: string;
  readonly by?: string;
  readonly at?: string;
  readonly run?: string;
}

export interface SourceRecord {
  readonly name: string;
  readonly version: string;
  readonly registry: string;
  readonly uri: string;
  readonly run_id?: string;
}

/** A record read from tags: absent (null), read, or present but unreadable (`problem`). */
export type JournalRead<T> = { readonly ok: true; readonly value: T | null } | { readonly ok: false; readonly problem: string };

interface PackedHeader {
  readonly $packed: 'deflate-raw+base64';
  readonly chunks: number;
  readonly sha256: string;
}

const isPackedHeader = (v: unknown): v is PackedHeader =>
  typeof v === 'object' && v !== null && (v as { $packed?: unknown }).$packed === 'deflate-raw+base64' && Number.isInteger((v as PackedHeader).chunks);

/**
 * The tags that hold `value` under `record` (and `env`): one tag when its JSON fits, else the
 * chunks and a header. Keys in write order: chunks first, the record's own key last.
 */
export function encodeRecord(record: EnvRecord | 'source', env: string | null, value: object): Record<string, string> {
  const json = canonicalJson(value);
  const base = recordKey(record, env);
  if (utf8Length(json) <= TAG_LIMITS.valueChars) return { [base]: json };
  const packed = packText(json);
  const out: Record<string, string> = {};
  const chunks = Math.ceil(packed.length / TAG_LIMITS.valueChars);
  for (let i = 0; i < chunks; i++) out[recordKey(record, env, i + 1)] = packed.slice(i * TAG_LIMITS.valueChars, (i + 1) * TAG_LIMITS.valueChars);
  const header: PackedHeader = { $packed: 'deflate-raw+base64', chunks, sha256: sha256Hex(json) };
  out[base] = canonicalJson(header);
  return out;
}

/** Reads a record written by encodeRecord (legacy keys are the readers' business). */
export function decodeRecord<T>(tags: Readonly<Record<string, string>>, record: EnvRecord | 'source', env: string | null): JournalRead<T> {
  const base = recordKey(record, env);
  const raw = tags[base];
  if (raw === undefined) return { ok: true, value: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, problem: `tag ${base} is not JSON` };
  }
  if (!isPackedHeader(parsed)) return typeof parsed === 'object' && parsed !== null ? { ok: true, value: parsed as T } : { ok: false, problem: `tag ${base} is not a record` };
  let packed = '';
  for (let i = 1; i <= parsed.chunks; i++) {
    const chunk = tags[recordKey(record, env, i)];
    if (chunk === undefined) return { ok: false, problem: `tag ${recordKey(record, env, i)} (chunk ${i} of ${parsed.chunks} of ${base}) is missing` };
    packed += chunk;
  }
  let json: string;
  try {
    json = unpackText(packed);
  } catch {
    return { ok: false, problem: `the chunks of ${base} do not unpack` };
  }
  if (sha256Hex(json) !== parsed.sha256) return { ok: false, problem: `the chunks of ${base} do not match its digest (a partial write?)` };
  try {
    return { ok: true, value: JSON.parse(json) as T };
  } catch {
    return { ok: false, problem: `the chunks of ${base} are not JSON` };
  }
}

/** Every key a record occupies now (its key and the chunks its header names). */
export function recordKeys(tags: Readonly<Record<string, string>>, record: EnvRecord | 'source', env: string | null): string[] {
  const base = recordKey(record, env);
  const raw = tags[base];
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isPackedHeader(parsed)) return [base, ...Array.from({ length: Math.max(0, Math.min(parsed.chunks, 1000)) }, (_, i) => recordKey(record, env, i + 1))];
  } catch {
    // a plain value
  }
  return [base];
}

/** Does the record read from `tags` equal `wanted` (whatever its encoding)? */
export const recordHolds = (tags: Readonly<Record<string, string>>, record: EnvRecord, env: string, wanted: object): boolean => {
  const read = decodeRecord<object>(tags, record, env);
  return read.ok && read.value !== null && canonicalJson(read.value) === canonicalJson(wanted);
};

/** A copy's identity tag and its source record, set with the version in its create call. */
export const copyTags = (from: SourceVersion, identity: string): Record<string, string> => {
  const source: SourceRecord = { name: from.name, version: from.version, registry: from.registry, uri: from.source, ...(from.runId ? { run_id: from.runId } : {}) };
  return { ...encodeRecord('source', null, source), [COPY_IDENTITY_KEY]: identity };
};

// ---------------------------------------------------------------------------------------------
// Quarantine marks (a plain sentence, never chunked: a reader shows it to people)

export const quarantineKey = (env: string): string => recordKey('quarantined', env);
const LEGACY_QUARANTINE = /^mlops_gate\.([^.]+)\.quarantined$/u;
const QUARANTINE = /^mlops_gate_quarantined_(.+)$/u;

/** The environment a quarantine mark was set in when `key` is one (either key scheme); else null. */
export const quarantineEnvOf = (key: string): string | null => {
  const current = QUARANTINE.exec(key)?.[1];
  if (current !== undefined) return decodeEnvironment(current);
  return LEGACY_QUARANTINE.exec(key)?.[1] ?? null;
};

/** Is the version marked quarantined in `env` (either key scheme)? */
export const quarantinedIn = (tags: Readonly<Record<string, string>>, env: string): boolean =>
  tags[quarantineKey(env)] !== undefined || tags[`${LEGACY_TAG_PREFIX}${env}.quarantined`] !== undefined;

/** A version's quarantine marks, to carry over to a copy of it. */
export const quarantineMarks = (tags: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(tags).filter(([key]) => quarantineEnvOf(key) !== null));

// ---------------------------------------------------------------------------------------------
// Readers, with the keys of earlier versions as fallback

const legacy = (env: string, field: string): string => `${LEGACY_TAG_PREFIX}${env}.${field}`;

export function readPromoted(tags: Readonly<Record<string, string>>, env: string): JournalRead<PromotedRecord> {
  const read = decodeRecord<PromotedRecord>(tags, 'promoted', env);
  if (!read.ok || read.value !== null) return read;
  const from = tags[legacy(env, 'promoted_from')];
  if (from === undefined) return { ok: true, value: null };
  const opt = (field: string, key: keyof PromotedRecord) => (tags[legacy(env, field)] !== undefined ? { [key]: tags[legacy(env, field)] } : {});
  return { ok: true, value: { from, ...opt('plan_hash', 'plan'), ...opt('promoted_by', 'by'), ...opt('promoted_at', 'at'), ...opt('run_url', 'run') } };
}

export function readPrevious(tags: Readonly<Record<string, string>>, env: string): JournalRead<PreviousRecord> {
  const read = decodeRecord<PreviousRecord>(tags, 'previous', env);
  if (!read.ok || read.value !== null) return read;
  const champion = decodeVersion(tags[legacy(env, 'previous_champion')]);
  if (champion === undefined) return { ok: true, value: null };
  const aliases: Record<string, string | null> = {};
  const aliasPrefix = legacy(env, 'previous.');
  for (const [key, value] of Object.entries(tags)) {
    if (!key.startsWith(aliasPrefix)) continue;
    const alias = key.slice(aliasPrefix.length);
    if (alias !== 'stage' && alias !== 'endpoint') aliases[alias] = decodeVersion(value) ?? null;
  }
  const stageText = tags[legacy(env, 'previous.stage')];
  const endpointText = tags[legacy(env, 'previous.endpoint')];
  let endpoint: unknown;
  if (endpointText !== undefined) {
    try {
      endpoint = JSON.parse(endpointText);
    } catch {
      return { ok: false, problem: `tag ${legacy(env, 'previous.endpoint')} is not JSON` };
    }
  }
  return {
    ok: true,
    value: {
      champion,
      aliases,
      ...(stageText !== undefined ? { stage: stageText === NONE || stageText === '' ? [] : stageText.split(',').filter(Boolean) } : {}),
      ...(endpoint !== undefined ? { endpoint } : {}),
    },
  };
}

/** The source a copy records (current record, else the keys of earlier versions). */
export function readSource(tags: Readonly<Record<string, string>>): JournalRead<SourceRecord> {
  const read = decodeRecord<SourceRecord>(tags, 'source', null);
  if (!read.ok || read.value !== null) return read;
  const text = tags[`${LEGACY_TAG_PREFIX}source`];
  const slash = text?.lastIndexOf('/') ?? -1;
  if (text === undefined || slash <= 0) return { ok: true, value: null };
  const runId = tags[`${LEGACY_TAG_PREFIX}source_run_id`];
  return {
    ok: true,
    value: {
      name: text.slice(0, slash),
      version: text.slice(slash + 1),
      registry: tags[`${LEGACY_TAG_PREFIX}source_registry`] ?? '',
      uri: tags[`${LEGACY_TAG_PREFIX}source_uri`] ?? '',
      ...(runId !== undefined ? { run_id: runId } : {}),
    },
  };
}

export function readRollback(modelTags: Readonly<Record<string, string>> | undefined, env: string): JournalRead<RollbackRecord> {
  const tags = modelTags ?? {};
  const read = decodeRecord<RollbackRecord>(tags, 'rollback', env);
  if (!read.ok || read.value !== null) return read;
  const m = /^(.+)->(.+)$/.exec(tags[legacy(env, 'last_rollback')] ?? '');
  return { ok: true, value: m ? { from: decodeVersion(m[1]) ?? null, to: m[2]! } : null };
}

/** The legacy keys of one environment's journal on a version or model (left in place; readers prefer the new records). */
export const legacyEnvironmentKeys = (tags: Readonly<Record<string, string>>, env: string): string[] =>
  Object.keys(tags).filter((k) => k.startsWith(`${LEGACY_TAG_PREFIX}${env}.`));

/** The tags of ours on an object, and all its tags. */
export const tagCounts = (tags: Readonly<Record<string, string>>): { readonly ours: number; readonly total: number } => {
  const keys = Object.keys(tags);
  return { ours: keys.filter(isOurTag).length, total: keys.length };
};
