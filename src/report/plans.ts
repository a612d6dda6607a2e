// Text and markdown for the promotion part of a result (the `plan` field of each target). The
// gate part is rendered by src/report; the CLI appends this after it for promote/rollback.

import type { ResultDocument, TargetReport } from '../result/types.js';
import type { PromotionReport, StepStatus } from '../plan/types.js';
import { servingChanges } from '../plan/serving-diff.js';

const STEP_MARK: Record<StepStatus, string> = {
  satisfied: '=',
  done: '✓',
  pending: '·',
  failed: '✗',
  'not-run': '-',
};

const STATUS_LABEL: Record<PromotionReport['status'], string> = {
  planned: 'PLANNED',
  blocked: 'BLOCKED',
  'up-to-date': 'UP-TO-DATE',
  applied: 'APPLIED',
  locked: 'LOCKED',
  drift: 'DRIFT',
  failed: 'FAILED',
  refused: 'REFUSED',
};

const withPlans = (result: ResultDocument): (TargetReport & { plan: PromotionReport })[] =>
  result.targets.filter((t): t is TargetReport & { plan: PromotionReport } => t.plan !== undefined);

const title = (t: TargetReport): string => (t.plan?.mode === 'rollback' ? `${t.model} in ${t.to}` : `${t.model}  ${t.from} → ${t.to}`);

export function renderPlansText(result: ResultDocument): string {
  const targets = withPlans(result);
  if (targets.length === 0) return '';
  const out: string[] = [result.command === 'rollback' ? 'Rollback:' : 'Promotion:'];
  for (const t of targets) {
    const p = t.plan;
    out.push(`  ${STATUS_LABEL[p.status].padEnd(11)}${title(t)}  (${p.mode}${p.hash ? `, plan ${p.hash}` : ''})`);
    out.push(`             ${p.message}`);
    if (p.destination) {
      out.push(`             destination "${p.destination.model}"${p.destination.version ? ` v${p.destination.version}` : ''} on ${p.destination.registry}; previous champion ${p.previousChampion ? `v${p.previousChampion}` : '(none)'}`);
    }
    for (const s of p.steps) {
      out.push(`      ${STEP_MARK[s.status]} ${s.id.padEnd(28)}${s.description}${s.status === 'satisfied' ? ' (already done)' : ''}${s.message ? ` — ${s.message}` : ''}`);
      for (const c of s.status === 'satisfied' ? [] : servingChanges(s.spec)) out.push(`${' '.repeat(37)}${c.field}: ${c.now} → ${c.after}`);
    }
    out.push(`             writes: ${p.writes}`);
  }
  out.push('  legend: ✓ done · = already satisfied (no write) · · to do · ✗ failed · - not run', '');
  return out.join('\n') + '\n';
}

const md = (s: string): string => s.replace(/\|/g, '\\|');

export function renderPlansMarkdown(result: ResultDocument): string {
  const targets = withPlans(result);
  if (targets.length === 0) return '';
  const out: string[] = [`### ${result.command === 'rollback' ? 'Rollback' : 'Promotion plan'}`, ''];
  for (const t of targets) {
    const p = t.plan;
    out.push(`**${STATUS_LABEL[p.status]}** \`${title(t)}\` (${p.mode})${p.hash ? ` — plan \`${p.hash}\`` : ''}`, '', md(p.message), '');
    if (p.steps.length) {
      out.push('| | step | precondition | postcondition |', '|---|---|---|---|');
      for (const s of p.steps) out.push(`| ${STEP_MARK[s.status]} | ${md(s.description)} | ${md(s.precondition)} | ${md(s.postcondition)} |`);
      out.push('');
    }
    for (const s of p.steps) {
      const changes = s.status === 'satisfied' ? [] : servingChanges(s.spec);
      if (changes.length === 0 || s.spec.kind !== 'serving-rollout') continue;
      out.push(`Serving config of \`${md(s.spec.endpoint)}\`, field by field:`, '', '| setting | now | after the rollout |', '|---|---|---|');
      for (const c of changes) out.push(`| \`${md(c.field)}\` | ${md(c.now)} | ${md(c.after)} |`);
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}
