// Plain-text report for terminals and logs. Data goes through `term` (src/report/escape.ts): no
// control characters, no line breaks, no `::command::` a CI runner would obey.

import { formatDiagnostic } from '../errors.js';
import type { Measured } from '../policy/types.js';
import type { ResultDocument, TargetReport } from '../result/types.js';
import { term } from './escape.js';
import { OUTCOME_LABEL, formatMeasured } from './format.js';
import { gatePhrase, uniformGates, waiverPhrase, why } from './gates.js';
import { renderPlansText } from './plans.js';
import { outcomeCounts, versionChange } from './promotion.js';
import type { Renderer, RenderOptions } from './renderer.js';

const pad = (s: string, n: number): string => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));

/** Only values that were set: `min_absolute_change=—` says nothing. */
const setValues = (m: Measured): Measured => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null && v !== undefined));

/**
 * Gates of a target are listed by `plan` (it is the review), and by `promote` only for targets
 * that do not simply pass (the reviewed plan already showed the rest), or with `--verbose`.
 */
const showsGates = (r: ResultDocument, t: TargetReport, verbose: boolean): boolean =>
  verbose || r.command === 'plan' || (t.verdict !== 'pass' && t.verdict !== 'skipped');

function renderTarget(r: ResultDocument, t: TargetReport, verbose: boolean): string[] {
  const lines = [`${pad(OUTCOME_LABEL[t.verdict], 8)}${term(t.model)}  ${term(t.from)} → ${term(t.to)}  ${term(versionChange(t))}`, `        ${term(why(t))}`];
  if (!showsGates(r, t, verbose) || t.gates.length === 0) return lines;
  if (uniformGates(t) && !verbose) return [...lines, `    ${pad(OUTCOME_LABEL[t.gates[0]!.outcome], 8)}all ${t.gates.length} gates: ${term(t.gates[0]!.message)}`];
  const idWidth = Math.min(40, Math.max(0, ...t.gates.map((g) => g.id.length)) + 2);
  for (const g of t.gates) {
    lines.push(`    ${pad(OUTCOME_LABEL[g.outcome], 8)}${pad(term(g.id, 80), idWidth)}${term(gatePhrase(g))}`);
    const indent = ' '.repeat(12 + idWidth);
    const waiver = waiverPhrase(g);
    if (waiver) lines.push(`${indent}${term(waiver)}`);
    if (verbose) {
      lines.push(`${indent}${term(g.message, 1000)}`);
      const measured = setValues(g.measured);
      const threshold = setValues(g.threshold);
      const details = [
        Object.keys(measured).length ? `measured: ${formatMeasured(measured)}` : '',
        Object.keys(threshold).length ? `threshold: ${formatMeasured(threshold)}` : '',
      ].filter(Boolean);
      if (details.length) lines.push(`${indent}${term(details.join(' · '), 1000)}`);
    }
  }
  return lines;
}

function verdictLine(r: ResultDocument): string {
  if (r.command !== 'plan') return `Verdict: ${OUTCOME_LABEL[r.verdict]} — ${outcomeCounts(r)}`;
  const blocked = r.targets.filter((t) => t.verdict === 'fail' || t.verdict === 'error').length;
  const n = r.targets.length;
  return `Verdict: ${OUTCOME_LABEL[r.verdict]} (${blocked} of ${n} ${n === 1 ? 'target' : 'targets'} blocked)`;
}

export function renderText(result: ResultDocument, options: RenderOptions = {}): string {
  const verbose = options.verbose === true;
  const out: string[] = [`mlops-gate ${result.command} — ${term(result.config.file)} (sha256:${result.config.digest.slice(0, 12)})`, ''];
  if (result.targets.length === 0) out.push('No targets: no model has an environment to promote to (check promote_from).', '');
  // A rollback has no gates: its part below says everything.
  if (result.command !== 'rollback') for (const t of result.targets) out.push(...renderTarget(result, t, verbose), '');
  for (const d of result.diagnostics) out.push(term(formatDiagnostic(d), 1000));
  if (result.diagnostics.length) out.push('');
  out.push(verdictLine(result));
  if (result.requests) {
    out.push(`Requests: ${result.requests.total} (${result.requests.retries} retries) in ${result.requests.wallMs} ms`);
  }
  return out.join('\n') + '\n';
}

/**
 * Lines longer than `width` wrapped at spaces, continuation lines indented like the line they
 * continue (+4); a word longer than a line is cut. For the job summary's text report.
 */
export function wrapText(text: string, width = 100): string {
  return text
    .split('\n')
    .flatMap((line) => {
      if ([...line].length <= width) return [line];
      const indent = ' '.repeat(Math.min((/^ */.exec(line)?.[0].length ?? 0) + 4, Math.floor(width / 2)));
      const out: string[] = [];
      let current = '';
      for (const word of line.trimStart().split(/ +/)) {
        let w = word;
        const prefix = out.length === 0 && current === '' ? (/^ */.exec(line)?.[0] ?? '') : '';
        const lead = current === '' ? (out.length === 0 ? prefix : indent) : `${current} `;
        if ([...lead].length + [...w].length <= width) {
          current = lead + w;
          continue;
        }
        if (current !== '') out.push(current);
        current = '';
        const room = width - indent.length;
        while ([...w].length > room) {
          out.push(indent + [...w].slice(0, room).join(''));
          w = [...w].slice(room).join('');
        }
        current = indent + w;
      }
      if (current !== '') out.push(current);
      return out;
    })
    .join('\n');
}

/** The gate report, then the promotion or rollback part. */
export const textRenderer: Renderer = {
  render: (result, options = {}) => {
    const plans = renderPlansText(result);
    return plans ? `${renderText(result, options)}\n${plans}` : renderText(result, options);
  },
};
