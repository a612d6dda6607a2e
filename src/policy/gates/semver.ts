// semver: a version tag holds a Semantic Version (semver.org 2.0.0), never lower than the
// champion's, and a breaking input change against the champion (signature.ts's comparison) comes
// with a major bump (a minor bump while the champion is 0.y.z, where anything may change).

import type { VersionEvidence } from '../../evidence/types.js';
import { listOf } from '../format.js';
import { readBoolean, readString } from '../options.js';
import type { GateResult, GateType, Measured } from '../types.js';
import { read, readCandidate, result, versionLabel } from './kit.js';
import { diffInputs } from './signature.js';

export interface SemverOptions {
  /** Version tag holding the semantic version. */
  readonly tag: string;
  /** The version must not be lower than the champion's. */
  readonly noDowngrade: boolean;
  /** A breaking input change against the champion needs a major bump. */
  readonly majorForBreaking: boolean;
}

export interface SemVer {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly prerelease: readonly string[];
  readonly text: string;
}

// semver.org's regular expression (numbered groups), anchored; bounded input (≤ 256 characters).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const parseSemver = (text: string): SemVer | null => {
  if (text.length > 256) return null;
  const m = SEMVER.exec(text);
  if (!m) return null;
  return { major: BigInt(m[1]!), minor: BigInt(m[2]!), patch: BigInt(m[3]!), prerelease: m[4] ? m[4].split('.') : [], text };
};

const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** semver.org §11 precedence (build metadata ignored). */
export const compareSemver = (a: SemVer, b: SemVer): number => {
  const core = cmpBig(a.major, b.major) || cmpBig(a.minor, b.minor) || cmpBig(a.patch, b.patch);
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return Math.sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    const c = xn && yn ? cmpBig(BigInt(x), BigInt(y)) : xn ? -1 : yn ? 1 : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
};

/** Whether `to` bumps what semver calls the breaking part of `from`: major, or minor while major is 0. */
export const isBreakingBump = (from: SemVer, to: SemVer): boolean =>
  to.major > from.major || (from.major === 0n && to.major === 0n && to.minor > from.minor);

const shown = (value: string): string => (value.length > 60 ? `${JSON.stringify(value.slice(0, 40))}… (${String(value.length)} characters)` : JSON.stringify(value));

export const semverGate: GateType<SemverOptions> = {
  type: 'semver',
  schemaRef: '#/$defs/gate_semver',

  parse: (raw) => ({
    tag: readString(raw, 'tag') ?? 'version',
    noDowngrade: readBoolean(raw, 'no_downgrade', true),
    majorForBreaking: readBoolean(raw, 'major_for_breaking', true),
  }),

  needs: (o) => ({ candidateSignature: o.majorForBreaking, championSignature: o.majorForBreaking }),

  evaluate(o, ctx): GateResult {
    const threshold: Measured = { tag: o.tag, no_downgrade: o.noDowngrade, major_for_breaking: o.majorForBreaking };
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const label = versionLabel(candidate.value);
    const tagOf = (v: VersionEvidence): string | undefined => (Object.hasOwn(v.version.tags, o.tag) ? v.version.tags[o.tag] : undefined);
    const raw = tagOf(candidate.value);
    if (raw === undefined) return result('fail', `Candidate ${label} has no ${o.tag} tag holding its semantic version (e.g. 1.4.0).`, { candidate: null }, threshold);
    const mine = parseSemver(raw);
    if (mine === null) {
      return result('fail', `Candidate ${label}'s ${o.tag} tag ${shown(raw)} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.0 or 2.0.0-rc.1; no "v" prefix).`, { candidate: raw.slice(0, 256) }, threshold);
    }
    const measured: Measured = { candidate: mine.text };
    if (!o.noDowngrade && !o.majorForBreaking) return result('pass', `Candidate ${label} is version ${mine.text}.`, measured, threshold);

    const championFact = read(ctx.evidence.champion, `the champion in ${ctx.target.to}`);
    if (!championFact.ok) return { ...championFact.result, measured, threshold };
    const champion = championFact.value;
    if (champion === null) return result('pass', `Candidate ${label} is version ${mine.text}; ${ctx.target.to} has no champion yet to compare with.`, { ...measured, champion: null }, threshold);
    const championLabel = versionLabel(champion);
    const theirRaw = tagOf(champion);
    const theirs = theirRaw === undefined ? null : parseSemver(theirRaw);
    if (theirs === null) {
      const why = theirRaw === undefined ? `has no ${o.tag} tag` : `has ${o.tag} ${shown(theirRaw)}, not a semantic version`;
      return result('pass', `Candidate ${label} is version ${mine.text}; champion ${championLabel} ${why}, so nothing was compared.`, { ...measured, champion: null }, threshold);
    }
    const withChampion: Measured = { ...measured, champion: theirs.text, champion_version: champion.version.version };
    const order = compareSemver(mine, theirs);
    if (o.noDowngrade && order < 0) {
      return result('fail', `Candidate ${label}'s version ${mine.text} is lower than champion ${championLabel}'s ${theirs.text}.`, withChampion, threshold);
    }
    if (!o.majorForBreaking) return result('pass', `Candidate ${label}'s version ${mine.text} is not lower than champion ${championLabel}'s ${theirs.text}.`, withChampion, threshold);

    const mySignature = read(candidate.value.signature, `the MLmodel signature of candidate ${label}`);
    if (!mySignature.ok) return { ...mySignature.result, measured: withChampion, threshold };
    const theirSignature = read(champion.signature, `the MLmodel signature of champion ${championLabel}`);
    if (!theirSignature.ok) return { ...theirSignature.result, measured: withChampion, threshold };
    const before = theirSignature.value?.inputs ?? null;
    const after = mySignature.value?.inputs ?? null;
    if (before === null || after === null) {
      return result('pass', `Candidate ${label}'s version ${mine.text} follows ${theirs.text}; ${before === null ? `champion ${championLabel}` : `candidate ${label}`} has no input schema, so breaking changes were not checked.`, { ...withChampion, breaking: null }, threshold);
    }
    const diff = diffInputs(before, after);
    const changes = [
      ...(diff.removed.length ? [`removed input ${listOf(diff.removed)}`] : []),
      ...(diff.retyped.length ? [`retyped ${listOf(diff.retyped)}`] : []),
      ...(diff.newlyRequired.length ? [`newly required ${listOf(diff.newlyRequired)}`] : []),
    ];
    const breaking: Measured = { ...withChampion, breaking: changes.join('; ') || null };
    if (changes.length > 0 && !isBreakingBump(theirs, mine)) {
      const needed = theirs.major === 0n ? `${String(theirs.major)}.${String(theirs.minor + 1n)}.0 or 1.0.0` : `${String(theirs.major + 1n)}.0.0`;
      return result(
        'fail',
        `Candidate ${label} breaks callers of champion ${championLabel} (${changes.join('; ')}) but its version ${mine.text} is not a major bump from ${theirs.text}; it needs at least ${needed}.`,
        breaking,
        threshold,
      );
    }
    return result(
      'pass',
      changes.length > 0
        ? `Candidate ${label}'s breaking input changes come with a major bump: ${theirs.text} → ${mine.text}.`
        : `Candidate ${label}'s version ${mine.text} follows ${theirs.text} and its inputs stay compatible.`,
      breaking,
      threshold,
    );
  },
};
