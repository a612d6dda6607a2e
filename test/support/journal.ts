// Test helpers: read mlops-gate's journal from a version's or model's tags through the product's
// own readers (src/registry/journal.ts), whatever its encoding (one tag, chunks, or earlier keys).

import { decodeRecord, readPrevious, readPromoted, readRollback, type SourceRecord } from '../../src/registry/journal.js';

type Tags = Readonly<Record<string, string>>;

const must = <T>(read: { ok: true; value: T | null } | { ok: false; problem: string }): T | null => {
  if (!read.ok) throw new Error(read.problem);
  return read.value;
};

/** The previous champion journaled for `env` ('none' when there was none, undefined when nothing is journaled). */
export const previousChampionOf = (tags: Tags, env: string): string | undefined => {
  const r = must(readPrevious(tags, env));
  return r === null ? undefined : r.champion ?? 'none';
};
export const previousOf = (tags: Tags, env: string) => must(readPrevious(tags, env));
export const promotedOf = (tags: Tags, env: string) => must(readPromoted(tags, env));
export const planHashOf = (tags: Tags, env: string): string | undefined => promotedOf(tags, env)?.plan;
export const promotedByOf = (tags: Tags, env: string): string | undefined => promotedOf(tags, env)?.by;
export const rollbackOf = (tags: Tags, env: string) => must(readRollback(tags, env));
export const sourceRecordOf = (tags: Tags): SourceRecord | null => must(decodeRecord<SourceRecord>(tags, 'source', null));
/** `<name>/<version>` of the source version, as earlier versions wrote it in `mlops_gate.source`. */
export const sourceOf = (tags: Tags): string | undefined => {
  const s = sourceRecordOf(tags);
  return s ? `${s.name}/${s.version}` : undefined;
};
