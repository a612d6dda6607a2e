// A long list of problems is cut: the first LIMITS.diagnostics errors (and warnings) in file order,
// then one line saying how many more there are. Printing 40,000 errors helps nobody and costs
// time and memory; the first ones are what to fix.

import type { Diagnostic } from '../errors.js';
import { formatCount, LIMITS } from './limits.js';

export interface CappedDiagnostics {
  readonly shown: Diagnostic[];
  /** Errors found in all, including those cut. */
  readonly errors: number;
}

/** Longest message or hint printed: a value pasted into a message (a 500 KB name) is cut. */
const MAX_TEXT = 1_000;
const clipText = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${formatCount(text.length - MAX_TEXT)} more characters)` : text);
const clip = (d: Diagnostic): Diagnostic =>
  d.message.length > MAX_TEXT || (d.hint?.length ?? 0) > MAX_TEXT || d.path.length > MAX_TEXT
    ? { ...d, message: clipText(d.message), path: clipText(d.path), ...(d.hint ? { hint: clipText(d.hint) } : {}) }
    : d;

/** Keep the first `max` errors and `max` warnings of `sorted`, plus one summary line per kind cut. */
export const capDiagnostics = (sorted: readonly Diagnostic[], max: number = LIMITS.diagnostics): CappedDiagnostics => {
  const shown: Diagnostic[] = [];
  const cut = { error: [] as Diagnostic[], warning: [] as Diagnostic[] };
  const kept = { error: 0, warning: 0 };
  for (const d of sorted) {
    if (kept[d.severity] < max) {
      kept[d.severity]++;
      shown.push(clip(d));
    } else {
      cut[d.severity].push(d);
    }
  }
  for (const severity of ['error', 'warning'] as const) {
    const first = cut[severity][0];
    if (!first) continue;
    const count = cut[severity].length;
    shown.push({
      severity,
      code: severity === 'error' ? 'more-errors' : 'more-warnings',
      message: `${formatCount(count)} more ${severity}${count === 1 ? '' : 's'} not shown (the first ${max} are listed above), starting here`,
      path: first.path,
      position: first.position,
      hint: severity === 'error' ? 'fix these and run validate again' : 'run validate again after fixing these',
    });
  }
  return { shown, errors: kept.error + cut.error.length };
};

/** "a, b, c" or, for a long list, its first ten and how many more. */
export const listSome = (items: readonly string[], none = 'none'): string =>
  items.length === 0 ? none : items.length <= 10 ? items.join(', ') : `${items.slice(0, 10).join(', ')} and ${formatCount(items.length - 10)} more`;
