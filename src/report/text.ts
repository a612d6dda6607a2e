// Plain-text report for terminals and logs.

import { formatDiagnostic } from '../errors.js';
import type { ResultDocument, TargetReport } from '../result/types.js';
import { OUTCOME_LABEL, formatMeasured, formatVersion } from './format.js';
import { renderPlansText } from './plans.js';
import type { Renderer } from './renderer.js';

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function renderTarget(t: TargetReport): string[] {
  const lines = [
    `${pad(OUTCOME_LABEL[t.verdict], 8)}${t.model}  ${t.from} → ${t.to}`,
    `        candidate ${formatVersion(t.candidate, '(none)')} · champion ${formatVersion(t.champion, '(none yet)')}`,
    `        ${t.summary}`,
  ];
  const idWidth = Math.min(48, Math.max(0, ...t.gates.map((g) => g.id.length)) + 2);
  for (const g of t.gates) {
    lines.push(`    ${pad(OUTCOME_LABEL[g.outcome], 8)}${pad(g.id, idWidth)}${g.message}`);
    const details = [
      Object.keys(g.measured).length ? `measured: ${formatMeasured(g.measured)}` : '',
      Object.keys(g.threshold).length ? `threshold: ${formatMeasured(g.threshold)}` : '',
    ].filter(Boolean);
    if (details.length) lines.push(`${' '.repeat(12 + idWidth)}${details.join(' · ')}`);
    if (g.waiver) {
      const state = g.waiver.expired ? 'EXPIRED waiver (not applied)' : 'waived';
      lines.push(`${' '.repeat(12 + idWidth)}${state} by ${g.waiver.owner} until ${g.waiver.expires}: ${g.waiver.reason}`);
    }
  }
  return lines;
}

export function renderText(result: ResultDocument): string {
  const out: string[] = [`mlops-gate ${result.command} — ${result.config.file} (sha256:${result.config.digest.slice(0, 12)})`, ''];
  if (result.targets.length === 0) out.push('No targets: no model has an environment to promote to (check promote_from).');
  for (const t of result.targets) out.push(...renderTarget(t), '');
  for (const d of result.diagnostics) out.push(formatDiagnostic(d));
  if (result.diagnostics.length) out.push('');
  const blocked = result.targets.filter((t) => t.verdict === 'fail' || t.verdict === 'error').length;
  out.push(`Verdict: ${OUTCOME_LABEL[result.verdict]} (${blocked} of ${result.targets.length} target(s) blocked)`);
  if (result.requests) {
    out.push(`Requests: ${result.requests.total} (${result.requests.retries} retries) in ${result.requests.wallMs} ms`);
  }
  return out.join('\n') + '\n';
}

/** The gate report, then the promotion or rollback part. */
export const textRenderer: Renderer = { render: (result) => `${renderText(result)}\n${renderPlansText(result)}` };
