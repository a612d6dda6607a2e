// requirements: the model's logged requirements.txt (written by MLflow beside MLmodel) pins every
// package with `==` (or `===`), and names only allowed packages and no denied one. Names compare
// as pip does (PEP 503: lower case, runs of `-`, `_`, `.` are one `-`). Parsing is line by line,
// linear in the file, with no regular expression that can backtrack badly.

import type { RequirementsFile } from '../../evidence/types.js';
import { readBoolean, readStringArray } from '../options.js';
import type { GateResult, GateType, Measured } from '../types.js';
import { read, readCandidate, result, versionLabel } from './kit.js';

export interface RequirementsOptions {
  readonly requirePinned: boolean;
  /** Normalised names; null: any package. */
  readonly allow: ReadonlySet<string> | null;
  readonly deny: ReadonlySet<string>;
}

/** PEP 503 normalisation, as pip compares names: `Scikit_Learn` → `scikit-learn`. */
export const normalizePackage = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

export interface Requirement {
  /** Normalised name. */
  readonly name: string;
  /** The line as written (trimmed, at most 200 characters), for messages. */
  readonly line: string;
  readonly pinned: boolean;
}

export interface ParsedRequirements {
  readonly requirements: readonly Requirement[];
  /** Lines that are not a requirement we can judge: includes (-r, -c), editables, unparseable lines. */
  readonly unjudged: readonly string[];
}

/** pip options that change where packages come from, not which: they do not need pinning. */
const GLOBAL_OPTIONS = /^(?:-i|--index-url|--extra-index-url|--no-index|-f|--find-links|--trusted-host|--pre|--prefer-binary|--no-binary|--only-binary|--use-feature|--require-hashes)(?:[\s=]|$)/;
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,200}[A-Za-z0-9])?/;

const clip = (line: string): string => (line.length > 200 ? `${line.slice(0, 200)}…` : line);

/** One requirement line (comments, markers and per-requirement options removed) → its name and pin. */
const parseLine = (line: string): Requirement | null => {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  let rest = line.slice(name.length).trimStart();
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return null;
    rest = rest.slice(close + 1).trimStart();
  }
  const marker = rest.indexOf(';');
  if (marker >= 0) rest = rest.slice(0, marker);
  const option = rest.search(/\s--?[a-z]/);
  if (option >= 0) rest = rest.slice(0, option);
  rest = rest.trim();
  if (rest.startsWith('@')) return { name: normalizePackage(name), line: clip(line), pinned: false };
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1).trim();
  const clauses = rest === '' ? [] : rest.split(',').map((c) => c.trim());
  const pinned =
    clauses.length === 1 &&
    (/^===\s*\S+$/.test(clauses[0]!) || (/^==\s*[^=\s*]+$/.test(clauses[0]!) && !clauses[0]!.includes('*')));
  return { name: normalizePackage(name), line: clip(line), pinned };
};

/** requirements.txt → requirements and the lines that cannot be judged. */
export const parseRequirements = (text: string): ParsedRequirements => {
  const requirements: Requirement[] = [];
  const unjudged: string[] = [];
  // Continuations (`\` at the end of a line) join before anything else, as pip does.
  const logical = text.replace(/\r\n?/g, '\n').replace(/\\\n/g, ' ').split('\n');
  for (const raw of logical) {
    // A comment starts at `#` at the start of a line or after whitespace.
    const hash = raw.search(/(?:^|\s)#/);
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === '') continue;
    if (line.startsWith('-')) {
      if (GLOBAL_OPTIONS.test(line)) continue;
      unjudged.push(clip(line));
      continue;
    }
    const requirement = parseLine(line);
    if (requirement === null) unjudged.push(clip(line));
    else requirements.push(requirement);
  }
  return { requirements, unjudged };
};

const SHOWN = 8;
const some = (items: readonly string[]): string =>
  items.length <= SHOWN ? items.join(', ') : `${items.slice(0, SHOWN).join(', ')} and ${String(items.length - SHOWN)} more`;

export const requirementsGate: GateType<RequirementsOptions> = {
  type: 'requirements',
  schemaRef: '#/$defs/gate_requirements',

  parse: (raw) => {
    const allow = readStringArray(raw, 'allow');
    return {
      requirePinned: readBoolean(raw, 'require_pinned', true),
      allow: allow === undefined ? null : new Set(allow.map(normalizePackage)),
      deny: new Set((readStringArray(raw, 'deny') ?? []).map(normalizePackage)),
    };
  },

  needs: () => ({ candidateRequirements: true }),

  evaluate(o, ctx): GateResult {
    const threshold: Measured = {
      require_pinned: o.requirePinned,
      allow: o.allow === null ? null : [...o.allow].join(', '),
      deny: [...o.deny].join(', ') || null,
    };
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const label = versionLabel(candidate.value);
    const fact = read<RequirementsFile | null>(candidate.value.requirements, `the requirements.txt of candidate ${label}`);
    if (!fact.ok) return { ...fact.result, threshold };
    if (fact.value === null) {
      return result('fail', `Candidate ${label} has no requirements.txt beside its MLmodel, so its dependencies are unknown; log the model with pip_requirements.`, { packages: null }, threshold);
    }
    const { requirements, unjudged } = parseRequirements(fact.value.text);
    const unpinned = o.requirePinned ? requirements.filter((r) => !r.pinned).map((r) => r.line) : [];
    const denied = requirements.filter((r) => o.deny.has(r.name)).map((r) => r.name);
    const notAllowed = o.allow === null ? [] : requirements.filter((r) => !o.allow!.has(r.name)).map((r) => r.name);
    const measured: Measured = {
      packages: requirements.length,
      unpinned: unpinned.length,
      denied: [...new Set(denied)].join(', ') || null,
      not_allowed: [...new Set(notAllowed)].join(', ') || null,
      unjudged: unjudged.length,
    };
    const problems = [
      ...(unpinned.length ? [`not pinned with ==: ${some(unpinned)}`] : []),
      ...(o.requirePinned && unjudged.length ? [`cannot be checked (includes, editables or unreadable lines): ${some(unjudged)}`] : []),
      ...(denied.length ? [`denied: ${some([...new Set(denied)])}`] : []),
      ...(notAllowed.length ? [`not in the allowed list: ${some([...new Set(notAllowed)])}`] : []),
    ];
    if (problems.length > 0) {
      return result('fail', `Candidate ${label}'s requirements.txt (${String(requirements.length)} packages) fails: ${problems.join('; ')}.`, measured, threshold);
    }
    const what = o.requirePinned ? 'all pinned with ==' : 'checked';
    return result('pass', `Candidate ${label}'s ${String(requirements.length)} requirements are ${what}${o.deny.size || o.allow ? ', none denied or outside the allowed list' : ''}.`, measured, threshold);
  },
};
