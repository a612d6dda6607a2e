// Markdown for GitHub: the sticky PR comment (`detail: 'comment'`) and the job summary / `--format
// markdown` (`detail: 'summary'`). Laid out for GitHub's 860 px comment column: no table wider
// than four short columns, data cells capped and given break opportunities, long things (plan
// hashes, pre/postconditions) in lists rather than cells. Every piece of data goes through
// src/report/escape.ts. Stays under GitHub's comment limit by folding target details, passing
// targets first, and linking the full report.

import { formatDiagnostic } from '../errors.js';
import type { ResultDocument, TargetReport, GateEntry } from '../result/types.js';
import { code, link, md } from './escape.js';
import { OUTCOME_EMOJI, OUTCOME_LABEL, formatValue } from './format.js';
import { gatePhrase, uniformGates, waiverPhrase, why, whyParts } from './gates.js';
import { onMergeSection, outcomeTable, stepsMarkdown } from './plans.js';
import { STEP_LEGEND, outcomeCounts, targetTitle, versionChange } from './promotion.js';
import type { Renderer, RenderOptions, RunContext } from './renderer.js';

export type { RunContext };

export const GITHUB_COMMENT_LIMIT = 65_536;

/** Characters of data in one table cell (before escaping). */
export const CELL_MAX = 160;

export interface MarkdownOptions {
  /** Hidden marker that identifies a sticky comment (first line). */
  readonly marker?: string;
  /** Hard size limit in characters (default: GitHub's comment limit minus a margin; a job summary allows 1 MiB). */
  readonly maxChars?: number;
  /** Where the full report lives, linked when details are folded (default: `context.runUrl`). */
  readonly fullReportUrl?: string | null;
  readonly context?: RunContext;
  /** `comment`: what a reviewer needs; `summary`: everything (pre/postconditions, metrics). Default summary. */
  readonly detail?: 'comment' | 'summary';
  /** Markdown placed after everything but the footer (the job summary's text report). */
  readonly appendix?: string;
}

const blocks = (t: TargetReport): boolean => t.verdict === 'fail' || t.verdict === 'error';

const sha = (s: string | null | undefined): string | null => (s && /^[0-9a-f]{40}$/i.test(s) ? s.slice(0, 7) : s ? md(s, 40) : null);

function headline(r: ResultDocument): string {
  const mark = OUTCOME_EMOJI[r.verdict];
  if (r.command === 'plan') {
    const n = r.targets.length;
    const blocked = r.targets.filter(blocks).length;
    const warned = r.targets.filter((t) => t.verdict === 'warn').length;
    const what =
      n === 0 ? 'no targets' : blocked ? `${blocked} of ${n} blocked` : `nothing blocks (${n} ${n === 1 ? 'target' : 'targets'}${warned ? `, ${warned} with warnings` : ''})`;
    return `### ${mark} mlops-gate plan: ${what}`;
  }
  if (r.command === 'rollback' && r.targets.length === 1) {
    const t = r.targets[0]!;
    return `### ${mark} mlops-gate rollback: ${md(targetTitle(t))}, ${md(versionChange(t))}`;
  }
  return `### ${mark} mlops-gate ${r.command}: ${md(outcomeCounts(r))}`;
}

function contextLine(r: ResultDocument, c: RunContext): string {
  const parts = [code(r.config.file)];
  const head = sha(c.headSha);
  const base = sha(c.baseSha);
  if (head) parts.push(`head ${head}`);
  if (base) parts.push(`rules from base ${base}`);
  if (c.actor && r.command !== 'plan') parts.push(`by ${md(c.actor, 60)}`);
  if (c.runUrl) parts.push(link('workflow run', c.runUrl));
  return parts.join(' · ');
}

/** plan: one row per target with the reason; promote/rollback: the outcome table (src/report/plans.ts). */
function topTable(r: ResultDocument): string[] {
  if (r.targets.length === 0) return ['_No targets: no model has an environment to promote to (check `promote_from`)._'];
  if (r.command !== 'plan') return outcomeTable(r);
  return [
    '| Model | Change | Verdict | Why |',
    '|---|---|---|---|',
    ...r.targets.map(
      (t) =>
        `| ${md(t.model, 40)} | ${md(`${t.from} → ${t.to}: ${versionChange(t)}`, 80)} | ${OUTCOME_EMOJI[t.verdict]}&nbsp;${OUTCOME_LABEL[t.verdict]} | ${whyMarkdown(t)} |`,
    ),
  ];
}

/** The why, with gate ids as code (copied exactly, e.g. into a waiver) and the sentence escaped. */
const whyMarkdown = (t: TargetReport): string => {
  const parts = whyParts(t);
  return parts.kind === 'sentence' ? md(parts.text, CELL_MAX) : why(t, (id) => code(id));
};

const GATE_ORDER = { error: 0, fail: 1, warn: 2, waived: 3, pass: 4, skipped: 5 } as const;

function gateRows(t: TargetReport): string[] {
  if (t.gates.length === 0) return [`_${md(t.summary, CELL_MAX)}._`];
  if (uniformGates(t)) return [`${OUTCOME_EMOJI[t.gates[0]!.outcome]} All ${t.gates.length} gates: ${md(t.gates[0]!.message, 300)}`];
  const gates = [...t.gates].sort((a, b) => GATE_ORDER[a.outcome] - GATE_ORDER[b.outcome]);
  return [
    '| | Gate | Result |',
    '|---|---|---|',
    ...gates.map((g: GateEntry) => {
      const waiver = waiverPhrase(g);
      return `| ${OUTCOME_EMOJI[g.outcome]} | ${code(g.id)} | ${md(gatePhrase(g), CELL_MAX)}${waiver ? `<br>🛡️ ${md(waiver, CELL_MAX)}` : ''} |`;
    }),
  ];
}

function metricsTable(t: TargetReport): string[] {
  const c = t.candidate?.metrics;
  if (!c || Object.keys(c).length === 0) return [];
  const ch = t.champion?.metrics ?? {};
  return [
    '',
    '| Metric | Candidate | Champion |',
    '|---|---|---|',
    ...Object.keys(c)
      .sort()
      .map((k) => `| ${md(k, 60)} | ${md(formatValue(c[k]), 30)} | ${md(formatValue(ch[k]), 30)} |`),
  ];
}

function versionsLine(t: TargetReport): string {
  const v = (x: TargetReport['candidate'], label: string) => (x ? link(`${x.name} v${x.version}`, x.url) : `no ${label}`);
  return `Candidate ${v(t.candidate, 'candidate')} · champion ${t.champion ? v(t.champion, 'champion') : 'none yet'}`;
}

function targetDetails(r: ResultDocument, t: TargetReport, detail: 'comment' | 'summary'): string {
  const open = blocks(t) ? ' open' : '';
  const rollback = t.plan?.mode === 'rollback';
  // promote: the reviewed plan showed the gates; here only those of targets that do not simply pass.
  const gates = r.command === 'plan' || (t.verdict !== 'pass' && t.verdict !== 'skipped') ? [...gateRows(t), ...(detail === 'summary' ? metricsTable(t) : [])] : [`${whyMarkdown(t)}.`];
  const body = rollback ? [] : [versionsLine(t), '', ...gates];
  // plan: the steps are in the On merge section; promote/rollback: with the target, in the summary.
  const steps = detail === 'summary' && t.plan && t.plan.steps.length && r.command !== 'plan' ? ['', ...stepsMarkdown(t, 'summary'), '', `<sub>${STEP_LEGEND}</sub>`] : [];
  if (body.length === 0 && steps.length === 0) return '';
  return [
    `<details${open}><summary>${OUTCOME_EMOJI[t.verdict]} <b>${md(t.model, 60)}</b> ${md(rollback ? `in ${t.to}` : `${t.from} → ${t.to}`, 60)}</summary>`,
    '',
    ...body,
    ...steps,
    '',
    '</details>',
    '',
  ].join('\n');
}

function findings(r: ResultDocument): string[] {
  if (r.diagnostics.length === 0) return [];
  return ['**Findings**', '', ...r.diagnostics.map((d) => `- ${d.severity === 'error' ? '❌' : '⚠️'} ${md(formatDiagnostic(d), 300)}`), ''];
}

function footer(r: ResultDocument, c: RunContext, detail: 'comment' | 'summary'): string {
  const when = r.generatedAt ? `${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC` : null;
  const parts = [
    `mlops-gate ${md(r.tool.version, 20)}`,
    `config sha256:${r.config.digest.slice(0, 12).replace(/[^0-9a-f]/gi, '')}`,
    ...(when && /^[0-9-]+ [0-9:]+ UTC$/.test(when) ? [when] : []),
    ...(c.runUrl && detail === 'comment' ? [link('full report: job summary', c.runUrl)] : []),
    'marks: ✅ pass · ❌ fail · ⚠️ warn · 🛑 error · 🛡️ waived · ⏭️ skipped',
  ];
  return `<sub>${parts.join(' · ')}</sub>`;
}

/** The whole report, folded to `maxChars`: least interesting target details go first. */
export function renderMarkdown(result: ResultDocument, options: MarkdownOptions = {}): string {
  const limit = options.maxChars ?? GITHUB_COMMENT_LIMIT - 1_000;
  const detail = options.detail ?? 'summary';
  const c = options.context ?? {};
  const fullReportUrl = options.fullReportUrl ?? c.runUrl ?? null;
  const top = [...(options.marker ? [options.marker] : []), headline(result), '', contextLine(result, c), '', ...topTable(result), ''].join('\n');
  const tail = [...findings(result), ...(options.appendix ? [options.appendix] : []), '---', footer(result, c, detail)].join('\n');
  const onMerge = (compact: boolean): string =>
    result.command === 'plan' ? onMergeSection(result, { applyWorkflow: c.applyWorkflow ?? null, detail, compact }).join('\n') : '';
  // Many targets: the On merge table gives way to counts before anything is cut.
  let head = `${top}\n${onMerge(false)}`;
  if (head.length + tail.length > limit - 2_000) head = `${top}\n${onMerge(true)}`;

  const rank = (t: TargetReport): number => GATE_ORDER[t.verdict];
  const details = result.targets.map((t) => targetDetails(result, t, detail));
  const order = result.targets.map((t, i) => ({ t, i })).sort((a, b) => rank(b.t) - rank(a.t));
  const shown = new Set(result.targets.map((_, i) => i));
  let size = head.length + tail.length + 400 + details.reduce((n, d) => n + d.length + 1, 0);
  for (const { i } of order) {
    if (size <= limit) break;
    if (!details[i]) continue;
    shown.delete(i);
    size -= details[i]!.length + 1;
  }
  const folded = details.filter((d, i) => d && !shown.has(i)).length;
  const foldNote = folded
    ? `_${folded} target(s) folded to stay under GitHub's comment size limit${
        fullReportUrl ? `: see the ${link('full report', fullReportUrl)}` : ' (full report in the job summary)'
      }._\n`
    : '';
  const body = details.filter((d, i) => d && shown.has(i));
  const gatesHeading = body.length && result.command !== 'rollback' ? `#### ${result.command === 'plan' ? 'Gates' : 'Details'}\n\n` : '';
  let text = `${head}\n${gatesHeading}${body.join('\n')}${foldNote}\n${tail}\n`;
  if (text.length > limit) text = text.slice(0, limit - 200) + '\n\n_…truncated: see the full report in the job summary._\n';
  return text;
}

/** `--format markdown` and the job summary: everything, laid out for GitHub. */
export const markdownRenderer: Renderer = {
  render: (result: ResultDocument, options: RenderOptions = {}) => renderMarkdown(result, { detail: 'summary', ...(options.context ? { context: options.context } : {}) }),
};

/** `report` then `section` after a blank line, or `report` alone when the section is empty. */
export const withSection = (report: string, section: string): string => (section ? `${report}\n${section}` : report);
