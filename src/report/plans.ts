// The promotion part of a result (each target's `plan`), in text and markdown: what happens on
// merge (plan), what changed (promote, rollback), and the steps. Data is escaped through
// src/report/escape.ts; outcomes, versions and traffic come from src/report/promotion.ts.

import type { ResultDocument, TargetReport } from '../result/types.js';
import type { PromotionReport } from '../plan/types.js';
import { code, link, md, term } from './escape.js';
import { OUTCOME_WORDS, STEP_LEGEND, STEP_WORDS, outcomeOf, shortHash, stepCounts, targetTitle, trafficOf, versionChange, type TargetOutcome } from './promotion.js';

const withPlans = (result: ResultDocument): (TargetReport & { plan: PromotionReport })[] =>
  result.targets.filter((t): t is TargetReport & { plan: PromotionReport } => t.plan !== undefined);

/** Outcomes whose reason the reader needs next to them. */
const EXPLAINED: ReadonlySet<TargetOutcome> = new Set<TargetOutcome>(['aborted', 'reverted', 'failed', 'refused', 'locked', 'drift']);

const outcomeCell = (t: TargetReport): string => {
  const o = outcomeOf(t);
  const { mark, word } = OUTCOME_WORDS[o];
  return `${mark}&nbsp;${word}${EXPLAINED.has(o) && t.plan ? `: ${md(t.plan.message, 120)}` : ''}`;
};

const trafficCell = (t: TargetReport): string => {
  const traffic = trafficOf(t);
  if (!traffic) return '—';
  return md(traffic.before === traffic.after ? `${traffic.endpoint}: ${traffic.after} (unchanged)` : `${traffic.endpoint}: ${traffic.before} → ${traffic.after}`, 100);
};

/** promote / rollback: what changed, one row per target. */
export function outcomeTable(result: ResultDocument): string[] {
  return [
    '| Model | Outcome | Version | Endpoint traffic |',
    '|---|---|---|---|',
    ...result.targets.map((t) => `| ${md(targetTitle(t), 60)} | ${outcomeCell(t)} | ${md(versionChange(t), 40)} | ${trafficCell(t)} |`),
  ];
}

function onMergeCell(t: TargetReport): string {
  const o = outcomeOf(t);
  const { mark } = OUTCOME_WORDS[o];
  switch (o) {
    case 'will-apply':
      return `${mark} will promote ${md(t.candidate ? `v${t.candidate.version}` : 'the candidate', 20)} (${md(stepCounts(t.plan!), 80)})`;
    case 'blocked':
      return `${mark} blocked: nothing is promoted`;
    case 'nothing-to-do':
      return `${mark} nothing to do: ${md(t.summary, 100)}`;
    case 'up-to-date':
      return `${mark} nothing to do: already promoted`;
    case 'not-planned':
      return `${mark} planned by the release run (evidence was replayed offline)`;
    default:
      return `${mark} cannot be planned: ${md(t.plan?.message ?? t.summary, 120)}`;
  }
}

/** plan: every target's fate on merge, the workflow that applies it and the hashes it enforces. */
export function onMergeSection(
  result: ResultDocument,
  options: { readonly applyWorkflow: { readonly name: string; readonly url: string | null } | null; readonly detail: 'comment' | 'summary'; readonly compact?: boolean },
): string[] {
  if (result.targets.length === 0) return [];
  if (options.compact) return onMergeCounts(result);
  const planned = result.targets.filter((t) => outcomeOf(t) === 'will-apply' && t.plan?.hash);
  const workflow = options.applyWorkflow
    ? options.applyWorkflow.url
      ? link(options.applyWorkflow.name, options.applyWorkflow.url)
      : code(options.applyWorkflow.name)
    : 'the release workflow';
  const out = [
    '#### On merge',
    '',
    '| Model | On merge | Plan |',
    '|---|---|---|',
    ...result.targets.map((t) => {
      const hash = outcomeOf(t) === 'will-apply' && t.plan?.hash ? `\`${shortHash(t.plan.hash)}\`` : '—';
      return `| ${md(targetTitle(t), 60)} | ${onMergeCell(t)} | ${hash} |`;
    }),
    '',
    planned.length
      ? `Applied after merge by ${workflow} (\`command: promote\` with \`expect-plan\`): it applies exactly the plan with this hash and refuses any other.`
      : result.targets.some((t) => outcomeOf(t) === 'not-planned')
        ? `Planned and applied after merge by ${workflow} (\`command: promote\`): this run replayed evidence offline, so it computed no plan.`
        : `Nothing will be promoted by ${workflow} from this change.`,
    '',
  ];
  if (planned.length === 0) return out;
  return [
    ...out,
    `<details><summary>Steps and full plan hashes</summary>`,
    '',
    ...planned.flatMap((t) => [...stepsMarkdown(t, options.detail), '']),
    `<sub>${STEP_LEGEND}</sub>`,
    '',
    '</details>',
    '',
  ];
}

/** Too many targets for a table within the size limit: counts by outcome, the rest in the job summary. */
function onMergeCounts(result: ResultDocument): string[] {
  const counts = new Map<TargetOutcome, number>();
  for (const t of result.targets) counts.set(outcomeOf(t), (counts.get(outcomeOf(t)) ?? 0) + 1);
  const line = [...counts].map(([o, n]) => `${OUTCOME_WORDS[o].mark} ${n} ${o === 'will-apply' ? 'will be promoted' : OUTCOME_WORDS[o].word}`).join(' · ');
  return ['#### On merge', '', `${line}. Every target, its plan and hash: see the job summary of this run.`, ''];
}

/** One target's steps as a numbered list; the summary adds each step's pre- and postcondition. */
export function stepsMarkdown(t: TargetReport, detail: 'comment' | 'summary'): string[] {
  const p = t.plan;
  if (!p) return [];
  const hash = p.hash ? ` · plan \`${p.hash.replace(/[^a-z0-9:]/gi, '')}\`` : '';
  const destination =
    detail === 'summary' && p.destination
      ? [`Destination ${md(p.destination.model, 80)}${p.destination.version ? ` v${md(p.destination.version, 12)}` : ''} on ${md(p.destination.registry, 80)}; previous champion ${p.previousChampion ? `v${md(p.previousChampion, 12)}` : 'none'}.`, '']
      : [];
  return [
    `**${md(targetTitle(t), 60)}**${hash} · ${md(stepCounts(p), 80)}`,
    '',
    ...destination,
    ...p.steps.flatMap((s, i) => {
      const { mark, word } = STEP_WORDS[s.status];
      const line = `${i + 1}. ${mark} ${word} · ${md(s.description, 240)}${s.message ? ` — ${md(s.message, 240)}` : ''}`;
      return detail === 'summary' ? [line, `   - before: ${md(s.precondition, 400)}`, `   - after: ${md(s.postcondition, 400)}`] : [line];
    }),
  ];
}

/**
 * Kept for callers that still append the plans after the report: the plans are part of
 * `renderMarkdown` now (On merge section, step lists), so there is nothing left to append.
 * @deprecated render the whole comment with `commentBody` / `renderMarkdown`.
 */
export const renderPlansMarkdown = (_result: ResultDocument): string => '';

const TEXT_STATUS: Readonly<Record<TargetOutcome, string>> = {
  applied: 'APPLIED',
  'rolled-back': 'ROLLED BACK',
  'will-apply': 'PLANNED',
  blocked: 'BLOCKED',
  'up-to-date': 'UP TO DATE',
  'nothing-to-do': 'NOTHING TO DO',
  aborted: 'ABORTED',
  reverted: 'REVERTED',
  failed: 'FAILED',
  refused: 'REFUSED',
  locked: 'LOCKED',
  drift: 'DRIFT',
  'not-planned': 'NOT PLANNED',
};

/** Text: per target, the outcome, versions, traffic and (when planned or applied) the steps. */
export function renderPlansText(result: ResultDocument): string {
  const targets = withPlans(result);
  if (targets.length === 0) return '';
  const out: string[] = [result.command === 'rollback' ? 'Rollback:' : 'Promotion:'];
  for (const t of targets) {
    const p = t.plan;
    const o = outcomeOf(t);
    out.push(`  ${TEXT_STATUS[o].padEnd(13)} ${term(targetTitle(t))}  ${term(versionChange(t))}${p.hash ? `  (plan ${p.hash})` : ''}`);
    const pad = ' '.repeat(16);
    if (o === 'blocked') {
      out.push(`${pad}nothing promoted: the gates block it`);
      continue;
    }
    out.push(`${pad}${term(p.message)}`);
    const traffic = trafficOf(t);
    if (traffic) out.push(`${pad}endpoint ${term(traffic.endpoint)}: ${traffic.before === traffic.after ? `${term(traffic.after)} (unchanged)` : `${term(traffic.before)} → ${term(traffic.after)}`}`);
    if (p.steps.length) out.push(`${pad}${stepCounts(p)}; ${p.writes} write(s)`);
    for (const s of p.steps) {
      out.push(`    ${STEP_WORDS[s.status].word.padEnd(13)}${term(s.description, 200)}${s.message ? ` — ${term(s.message, 300)}` : ''}`);
    }
  }
  out.push(`  steps: ${STEP_LEGEND}`, '');
  return out.join('\n') + '\n';
}
