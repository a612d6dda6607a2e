// required_tags: tags on the candidate version (or its run) whose values fully match a pattern.
// Patterns run on a linear-time engine (RE2 semantics, config/patterns.ts) and values longer than
// LIMITS.matchedValueLength are not matched at all: a registry tag value cannot stall a check.

import { LIMITS } from '../../config/limits.js';
import { compilePattern, type CompiledPattern } from '../../config/patterns.js';
import type { RunInfo } from '../../evidence/types.js';
import { listOf } from '../format.js';
import { GateOptionError, readEnum, readObject, type RawOptions } from '../options.js';
import type { GateResult, GateType, Measured } from '../types.js';
import { read, readCandidate, result, versionLabel } from './kit.js';

export type TagLocation = 'version' | 'run' | 'version_or_run' | 'model';

export interface RequiredTag {
  readonly key: string;
  /** The pattern as written, for messages. */
  readonly pattern: string;
  /** Anchored: the whole value must match. */
  readonly regex: CompiledPattern;
}

export interface RequiredTagsOptions {
  readonly tags: readonly RequiredTag[];
  readonly on: TagLocation;
}

const compile = (key: string, pattern: unknown): RequiredTag => {
  if (typeof pattern !== 'string') throw new GateOptionError(`tag "${key}" must map to a regular expression string`, `tags.${key}`);
  const compiled = compilePattern(pattern);
  if (!compiled.ok) throw new GateOptionError(`tag "${key}": invalid regular expression ${JSON.stringify(pattern)}: ${compiled.message}`, `tags.${key}`);
  return { key, pattern, regex: compiled.pattern };
};

/** Too long to be matched: such a value never satisfies a pattern (and costs nothing). */
const tooLong = (value: string): boolean => value.length > LIMITS.matchedValueLength;

const shown = (value: string): string => (value.length > 80 ? `${JSON.stringify(value.slice(0, 60))}... (${value.length.toLocaleString('en-US')} characters)` : JSON.stringify(value));

export const requiredTagsGate: GateType<RequiredTagsOptions> = {
  type: 'required_tags',
  schemaRef: '#/$defs/gate_required_tags',

  parse(raw: RawOptions) {
    const tags = readObject(raw, 'tags');
    if (tags === undefined || Object.keys(tags).length === 0) throw new GateOptionError('option "tags" needs at least one tag', 'tags');
    return {
      tags: Object.entries(tags).map(([key, pattern]) => compile(key, pattern)),
      on: readEnum(raw, 'on', ['version', 'run', 'version_or_run', 'model'] as const, 'version'),
    };
  },

  needs: (o) => (o.on === 'model' ? { candidateModelTags: true } : { candidateRun: o.on !== 'version' }),

  evaluate(o, ctx): GateResult {
    const threshold: Measured = Object.fromEntries(o.tags.map((t) => [t.key, t.pattern]));
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const version = candidate.value;
    const label = versionLabel(version);
    const where =
      o.on === 'version' ? `candidate ${label}` : o.on === 'run' ? `the source run of ${label}` : o.on === 'model' ? `registered model ${version.version.name}` : `${label} or its run`;
    let modelTags: Readonly<Record<string, string>> = {};
    if (o.on === 'model') {
      const fact = read(version.modelTags, `the tags of registered model ${version.version.name}`);
      if (!fact.ok) return { ...fact.result, threshold };
      modelTags = fact.value;
    }

    const versionValue = (key: string): string | undefined => version.version.tags[key];
    const ok = (tag: RequiredTag, value: string | undefined): boolean => value !== undefined && !tooLong(value) && tag.regex.matches(value);

    // The run is read only when it can matter: always for `run`, for `version_or_run` only if a
    // version tag is missing or wrong. An unreadable run is then an error, not a failed tag.
    let run: RunInfo | null = null;
    const needRun = o.on === 'run' || (o.on === 'version_or_run' && o.tags.some((t) => !ok(t, versionValue(t.key))));
    if (needRun) {
      const fact = read(version.run, `the source run of candidate ${label}`);
      if (!fact.ok) return { ...fact.result, threshold };
      run = fact.value;
      if (run === null && o.on === 'run') {
        return result('fail', `Candidate ${label} has no source run, so its run tags cannot be checked.`, {}, threshold);
      }
    }

    const valueOf = (tag: RequiredTag): string | undefined => {
      if (o.on === 'model') return Object.hasOwn(modelTags, tag.key) ? modelTags[tag.key] : undefined;
      if (o.on === 'run') return run?.tags[tag.key];
      const fromVersion = versionValue(tag.key);
      if (o.on === 'version' || ok(tag, fromVersion)) return fromVersion;
      return run?.tags[tag.key] ?? fromVersion;
    };

    const measured: Record<string, string | null> = {};
    const missing: string[] = [];
    const mismatched: string[] = [];
    for (const tag of o.tags) {
      const value = valueOf(tag);
      measured[tag.key] = value === undefined ? null : value.length > 1000 ? `${value.slice(0, 1000)}…` : value;
      if (value === undefined) missing.push(tag.key);
      else if (tooLong(value)) mismatched.push(`${tag.key}=${shown(value)} is longer than the ${LIMITS.matchedValueLength.toLocaleString('en-US')} characters a tag value may have to be matched`);
      else if (!tag.regex.matches(value)) mismatched.push(`${tag.key}=${shown(value)} does not match ${tag.pattern}`);
    }
    if (missing.length === 0 && mismatched.length === 0) {
      const keys = listOf(o.tags.map((t) => t.key));
      const sentence = o.tags.length === 1 ? `Required tag ${keys} is set on ${where}.` : `All ${String(o.tags.length)} required tags are set on ${where}: ${keys}.`;
      return result('pass', sentence, measured, threshold);
    }
    const problems = [...(missing.length ? [`missing ${listOf(missing)}`] : []), ...mismatched];
    const failing = missing.length + mismatched.length;
    return result(
      'fail',
      `${String(failing)} of ${String(o.tags.length)} required tags fail on ${where}: ${problems.join('; ')}.`,
      measured,
      threshold,
    );
  },
};
