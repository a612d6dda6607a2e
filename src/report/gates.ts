// Gates in one phrase each, and a target's "why" in one line: shared by every renderer so a gate
// reads (and is spelled) the same in the PR comment, the job summary, text, SARIF and JUnit.
// Everything here is plain text; renderers escape it (src/report/escape.ts).

import { formatNumber, formatPercent, formatSigned, formatSignedPercent, shortSha } from '../policy/format.js';
import type { GateReport, Measured, Outcome, TargetVerdict } from '../policy/types.js';

/** How a gate reads in one phrase, from its measured values; null → its message. */
type Phrase = (g: GateReport) => string | null;

const num = (m: Measured, key: string): number | null => {
  const v = m[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const str = (m: Measured, key: string): string | null => {
  const v = m[key];
  return typeof v === 'string' && v.length > 0 ? v : null;
};

/** The part of a gate message after `marker` (its list of problems), or null. */
const tail = (message: string, marker: RegExp): string | null => {
  const m = marker.exec(message);
  return m ? message.slice(m.index + m[0].length).replace(/\.$/, '') : null;
};

const metricDelta: Phrase = (g) => {
  const c = num(g.measured, 'candidate');
  const b = num(g.measured, 'champion');
  if (c === null || b === null) return null;
  const higher = g.threshold.greater_is_better === true;
  const change = b !== 0 ? formatSignedPercent((c - b) / Math.abs(b)) : formatSigned(c - b);
  const direction = c === b ? 'same' : (higher ? c > b : c < b) ? 'better' : 'worse';
  const limits: string[] = [];
  const t = g.threshold;
  const r = num(t, 'max_regression_relative');
  const a = num(t, 'max_regression_absolute');
  const mr = num(t, 'min_relative_change');
  const ma = num(t, 'min_absolute_change');
  if (r !== null) limits.push(`at most ${formatPercent(r)} worse`);
  if (a !== null) limits.push(`at most ${formatNumber(a)} worse`);
  if (mr !== null) limits.push(`at least ${formatPercent(mr)} better`);
  if (ma !== null) limits.push(`at least ${formatNumber(ma)} better`);
  return `${formatNumber(c)} vs champion ${formatNumber(b)}: ${change} (${direction}); limit: ${limits.join(', ') || 'none'}; ${higher ? 'higher' : 'lower'} is better`;
};

const metricThreshold: Phrase = (g) => {
  const c = num(g.measured, 'candidate');
  const t = num(g.threshold, 'threshold');
  if (c === null || t === null) return null;
  return `${formatNumber(c)}; limit: ${g.threshold.greater_is_better === false ? '≤' : '≥'} ${formatNumber(t)}`;
};

const requiredTags: Phrase = (g) => {
  if (g.outcome === 'pass') {
    const keys = Object.keys(g.threshold);
    return keys.length ? `set: ${keys.join(', ')}` : null;
  }
  return tail(g.message, / fail on [^:]+: /);
};

const signature: Phrase = (g) => {
  const compatibility = str(g.measured, 'compatibility');
  if (compatibility === 'incompatible') return tail(g.message, /incompatible with champion [^:]+: /);
  const inputs = num(g.measured, 'inputs');
  if (compatibility === 'compatible' && inputs !== null) return `compatible with the champion (${formatNumber(inputs)} inputs)`;
  return null;
};

const description: Phrase = (g) => {
  const length = num(g.measured, 'length');
  const min = num(g.threshold, 'min_length');
  if (length === null || min === null) return null;
  const card = str(g.measured, 'model_card');
  return `${formatNumber(length)} characters; limit: ≥ ${formatNumber(min)}${card ? '; model card tag set' : ''}`;
};

const provenance: Phrase = (g) => {
  if (g.outcome !== 'pass') return tail(g.message, / is incomplete: /);
  const run = str(g.measured, 'run_id');
  const status = str(g.measured, 'run_status');
  const commit = str(g.measured, 'git_commit');
  if (!run) return null;
  return `run ${run.length > 12 ? `${run.slice(0, 8)}…` : run} ${status ?? ''}${commit ? `, commit ${shortSha(commit).slice(0, 12)}` : ''}`.replace(/ ,/, ',');
};

/** `2026-12-04T10:00:00.000Z` → `12-04 10:00`. */
const shortTime = (iso: string): string => iso.slice(5, 16).replace('T', ' ');

/** soak: the window's evidence (requests, 5xx rate, p95) against the limits; the message when it never got that far. */
const soak: Phrase = (g) => {
  const m = g.measured;
  const t = g.threshold;
  const requests = num(m, 'requests');
  const start = str(m, 'window_start');
  const end = str(m, 'window_end');
  const soaked = num(m, 'soaked_s');
  const minDuration = num(t, 'min_duration_s');
  if (g.outcome === 'error' || requests === null || !start || !end || soaked === null || minDuration === null || soaked < minDuration) return null;
  const minRequests = num(t, 'min_requests');
  const parts = [`${requests.toLocaleString('en-US')} requests${minRequests !== null && requests < minRequests ? ` < ${minRequests.toLocaleString('en-US')}` : ''} ${shortTime(start)} → ${shortTime(end)} UTC`];
  const errors = num(m, 'errors_5xx');
  const maxRate = num(t, 'max_error_rate');
  if (errors !== null && requests > 0) {
    const rate = errors / requests;
    parts.push(`5xx ${formatPercent(rate)}${maxRate !== null ? ` ${rate > maxRate ? '>' : '≤'} ${formatPercent(maxRate)}` : ''}`);
  }
  const p95 = num(m, 'p95_ms');
  const maxP95 = num(t, 'max_p95_latency_ms');
  if (p95 !== null) parts.push(`p95 ${formatNumber(p95)} ms${maxP95 !== null ? ` ${p95 > maxP95 ? '>' : '≤'} ${formatNumber(maxP95)} ms` : ''}`);
  return parts.join(', ');
};

/** Gate types with a phrase of their own; the others (approvals, findings) read as their message. */
const PHRASES: Readonly<Record<string, Phrase>> = {
  metric_delta: metricDelta,
  metric_threshold: metricThreshold,
  required_tags: requiredTags,
  signature,
  description,
  provenance,
  soak,
};

/** The gate in one phrase: value vs champion, change, limit, direction; or its message. */
export function gatePhrase(g: GateReport): string {
  const own = g.outcome === 'error' || g.outcome === 'skipped' ? null : (PHRASES[g.type]?.(g) ?? null);
  return own ?? g.message.replace(/\.$/, '');
}

/** The waiver on a gate, in one phrase, or null. */
export const waiverPhrase = (g: GateReport): string | null =>
  g.waiver
    ? `${g.waiver.expired ? 'expired waiver (not applied)' : 'waived'} by ${g.waiver.owner} until ${g.waiver.expires}: ${g.waiver.reason}`
    : null;

/** Every gate got the same outcome and message (no candidate, unreadable candidate, already champion). */
export const uniformGates = (t: TargetVerdict): boolean =>
  t.gates.length > 1 && t.gates.every((g) => g.outcome === t.gates[0]!.outcome && g.message === t.gates[0]!.message);

const WHY_GROUPS: readonly (readonly [Outcome, string])[] = [
  ['error', 'could not be evaluated'],
  ['fail', 'fail'],
  ['warn', 'warn'],
  ['waived', 'waived'],
];

/** Names in a list, the first `max` of them, then "+N more". */
export const someOf = (names: readonly string[], max = 3): string =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} +${String(names.length - max)} more`;

/** Why, in parts: the failing/warning gates by outcome, or a sentence when gates do not tell it. */
export type WhyParts =
  | { readonly kind: 'sentence'; readonly text: string }
  | { readonly kind: 'gates'; readonly groups: readonly { readonly verb: string; readonly ids: readonly string[] }[] };

export function whyParts(t: TargetVerdict): WhyParts {
  if (t.gates.length === 0 || (uniformGates(t) && t.gates[0]!.outcome !== 'pass') || (t.gates.length === 1 && t.gates[0]!.outcome === 'skipped')) {
    return { kind: 'sentence', text: t.summary };
  }
  const groups = WHY_GROUPS.flatMap(([outcome, verb]) => {
    const ids = t.gates.filter((g) => g.outcome === outcome).map((g) => g.id);
    return ids.length ? [{ verb, ids }] : [];
  });
  if (groups.length) return { kind: 'gates', groups };
  const skipped = t.gates.filter((g) => g.outcome === 'skipped').length;
  const n = t.gates.length;
  if (skipped === 0) return { kind: 'sentence', text: n === 1 ? 'the 1 gate passes' : `all ${String(n)} gates pass` };
  return { kind: 'sentence', text: `${String(n - skipped)} of ${String(n)} gates pass, ${String(skipped)} skipped` };
}

/** Why the target's verdict is what it is, in one line, with gate ids spelled as everywhere else. */
export function why(t: TargetVerdict, render: (id: string) => string = (id) => id, max = 3): string {
  const parts = whyParts(t);
  if (parts.kind === 'sentence') return parts.text;
  return parts.groups
    .map(({ verb, ids }) => `${String(ids.length)} ${verb}: ${ids.length <= max ? ids.map(render).join(', ') : `${ids.slice(0, max).map(render).join(', ')} +${String(ids.length - max)} more`}`)
    .join('; ');
}

/** A gate worth a reader's attention (and an annotation): it blocks, warns, errs or is waived. */
export const isNotable = (g: GateReport): boolean => g.outcome === 'fail' || g.outcome === 'warn' || g.outcome === 'error' || g.outcome === 'waived';
