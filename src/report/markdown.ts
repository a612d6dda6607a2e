// Markdown report: PR comments and the job summary. Stays under GitHub's comment limit by folding
// details (passing targets first) and linking to the full report.

import { formatDiagnostic } from '../errors.js';
import type { ResultDocument, TargetReport } from '../result/types.js';
import { OUTCOME_EMOJI, OUTCOME_LABEL, formatMeasured, formatVersion, formatValue } from './format.js';
import { renderPlansMarkdown } from './plans.js';
import type { Renderer } from './renderer.js';
import type { GateReport } from '../policy/types.js';

export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  /** Hidden marker that identifies a sticky comment (first line). */
  readonly marker?: string;
  /** Hard size limit in characters (default: GitHub's comment limit minus a margin). */
  readonly maxChars?: number;
  /** Where the full report lives (job summary / run URL), linked when details are folded. */
  readonly fullReportUrl?: string | null;
}

/** Markdown table cells must not contain raw pipes or newlines. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

const verdictLine = (r: ResultDocument): string => {
  const blocked = r.targets.filter((t) => t.verdict === 'fail' || t.verdict === 'error').length;
  if (r.targets.length === 0) return 'No targets to evaluate.';
  if (blocked === 0) return `${OUTCOME_EMOJI[r.verdict]} **${OUTCOME_LABEL[r.verdict]}**: nothing blocks (${r.targets.length} target(s)).`;
  return `${OUTCOME_EMOJI[r.verdict]} **${OUTCOME_LABEL[r.verdict]}**: ${blocked} of ${r.targets.length} target(s) blocked.`;
};

const summaryTable = (r: ResultDocument): string[] => [
  '| Model | From → To | Candidate | Champion | Verdict |',
  '|---|---|---|---|---|',
  ...r.targets.map(
    (t) =>
      `| ${cell(t.model)} | ${cell(t.from)} → ${cell(t.to)} | ${cell(formatVersion(t.candidate, '—'))} | ${cell(
        formatVersion(t.champion, 'none yet'),
      )} | ${OUTCOME_EMOJI[t.verdict]} ${OUTCOME_LABEL[t.verdict]} |`,
  ),
];

const waiverNote = (g: GateReport): string =>
  g.waiver
    ? `${g.waiver.expired ? '⌛ expired waiver (not applied)' : '🛡️ waived'} by ${g.waiver.owner} until ${g.waiver.expires}: ${g.waiver.reason}`
    : '';

const gateTable = (t: TargetReport): string[] => [
  '| | Gate | Result | Measured | Threshold |',
  '|---|---|---|---|---|',
  ...t.gates.map((g) => {
    const note = waiverNote(g);
    return `| ${OUTCOME_EMOJI[g.outcome]} | \`${cell(g.id)}\` | ${cell(g.message)}${note ? `<br>${cell(note)}` : ''} | ${cell(
      formatMeasured(g.measured),
    )} | ${cell(formatMeasured(g.threshold))} |`;
  }),
];

const metricsLine = (t: TargetReport): string[] => {
  const c = t.candidate?.metrics;
  if (!c || Object.keys(c).length === 0) return [];
  const ch = t.champion?.metrics ?? {};
  const keys = Object.keys(c).sort();
  return [
    '',
    '| Metric | Candidate | Champion |',
    '|---|---|---|',
    ...keys.map((k) => `| ${cell(k)} | ${formatValue(c[k])} | ${formatValue(ch[k])} |`),
  ];
};

function targetDetails(t: TargetReport, open: boolean): string[] {
  const links = [t.candidate?.url ? `[candidate](${t.candidate.url})` : '', t.champion?.url ? `[champion](${t.champion.url})` : '']
    .filter(Boolean)
    .join(' · ');
  return [
    `<details${open ? ' open' : ''}><summary>${OUTCOME_EMOJI[t.verdict]} <b>${escapeHtml(t.model)}</b> ${escapeHtml(t.from)} → ${escapeHtml(
      t.to,
    )}: ${escapeHtml(t.summary)}</summary>`,
    '',
    ...(links ? [links, ''] : []),
    ...(t.gates.length ? gateTable(t) : ['_No gates apply to this target._']),
    ...metricsLine(t),
    '',
    '</details>',
    '',
  ];
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderMarkdown(result: ResultDocument, options: MarkdownOptions = {}): string {
  const limit = Math.min(options.maxChars ?? GITHUB_COMMENT_LIMIT - 1_000, GITHUB_COMMENT_LIMIT - 1_000);
  const head = [
    ...(options.marker ? [options.marker] : []),
    `### mlops-gate ${result.command}: \`${result.config.file}\``,
    '',
    verdictLine(result),
    '',
    ...(result.targets.length ? summaryTable(result) : []),
    '',
  ];
  const diagnostics = result.diagnostics.length
    ? ['**Findings**', '', ...result.diagnostics.map((d) => `- ${formatDiagnostic(d)}`), '']
    : [];
  const foot = [`<sub>config sha256:${result.config.digest.slice(0, 12)} · result schema v${result.schemaVersion} · ${result.generatedAt}</sub>`];

  // Blocked targets are expanded; others are collapsed. When too long, drop details of the least
  // interesting targets first (pass/skipped, then warn/waived), then of blocked ones.
  const rank = (t: TargetReport): number => ({ error: 0, fail: 1, warn: 2, waived: 3, pass: 4, skipped: 5 })[t.verdict];
  const order = result.targets.map((t, i) => ({ t, i })).sort((a, b) => rank(b.t) - rank(a.t));
  const details = result.targets.map((t) => targetDetails(t, t.verdict === 'fail' || t.verdict === 'error').join('\n') + '\n');
  const shown = new Set(result.targets.map((_, i) => i));
  const foldNote = (folded: number): string =>
    folded
      ? `_${folded} target(s) folded to stay under GitHub's comment size limit${
          options.fullReportUrl ? `: see the [full report](${options.fullReportUrl})` : ' (full report in the job summary)'
        }._\n\n`
      : '';
  const fixed = head.join('\n').length + [...diagnostics, ...foot].join('\n').length + 300;
  let size = fixed + details.reduce((n, d) => n + d.length, 0);
  for (const { i } of order) {
    if (size <= limit) break;
    shown.delete(i);
    size -= details[i]!.length;
  }
  let text =
    [head.join('\n'), result.targets.map((_, i) => (shown.has(i) ? details[i] : '')).join('') + foldNote(result.targets.length - shown.size), [...diagnostics, ...foot].join('\n')].join(
      '\n',
    ) + '\n';
  if (text.length > limit) text = text.slice(0, limit - 200) + '\n\n_…truncated: see the full report in the job summary._\n';
  return text;
}

/** The gate report, then the promotion or rollback part. */
export const markdownRenderer: Renderer = { render: (result) => withSection(renderMarkdown(result), renderPlansMarkdown(result)) };

/** `report` then `section` after a blank line, or `report` alone when the section is empty. */
export const withSection = (report: string, section: string): string => (section ? `${report}\n${section}` : report);
