// What a promote or rollback did to each target, as the reports lead with it: the outcome in one
// word (applied, blocked, up to date, aborted…), the version change and the endpoint traffic
// before → after. Plain text; renderers escape data (src/report/escape.ts).

import { entityFor } from '../plan/serving.js';
import type { PromotionReport, StepReport, StepStatus } from '../plan/types.js';
import { phasesFor } from '../rollout/phases.js';
import type { ResultDocument, TargetReport } from '../result/types.js';
import type { EndpointConfigSpec } from '../endpoint/serving.js';

export type TargetOutcome =
  | 'applied'
  | 'rolled-back'
  | 'will-apply'
  | 'blocked'
  | 'up-to-date'
  | 'nothing-to-do'
  | 'aborted'
  /** The rollout completed, then the bake found a breach: the previous version serves again, this one is quarantined. */
  | 'reverted'
  | 'failed'
  | 'refused'
  | 'locked'
  | 'drift'
  | 'not-planned';

export const OUTCOME_WORDS: Readonly<Record<TargetOutcome, { readonly mark: string; readonly word: string }>> = {
  applied: { mark: '✅', word: 'applied' },
  'rolled-back': { mark: '✅', word: 'rolled back' },
  'will-apply': { mark: '🔜', word: 'will promote' },
  blocked: { mark: '❌', word: 'blocked' },
  'up-to-date': { mark: '☑️', word: 'up to date' },
  'nothing-to-do': { mark: '☑️', word: 'nothing to do' },
  aborted: { mark: '🛑', word: 'aborted' },
  reverted: { mark: '⏪', word: 'reverted' },
  failed: { mark: '🛑', word: 'failed' },
  refused: { mark: '🛑', word: 'refused' },
  locked: { mark: '⏸️', word: 'locked' },
  drift: { mark: '🛑', word: 'drift' },
  'not-planned': { mark: '⏭️', word: 'not planned' },
};

const blocks = (t: TargetReport): boolean => t.verdict === 'fail' || t.verdict === 'error';

/** The outcome of one target. A target whose gates block is `blocked`, whatever else it carries. */
export function outcomeOf(t: TargetReport): TargetOutcome {
  const p = t.plan;
  if (!p) return blocks(t) ? 'blocked' : t.verdict === 'skipped' ? 'nothing-to-do' : 'not-planned';
  switch (p.status) {
    case 'planned':
      return blocks(t) ? 'blocked' : 'will-apply';
    case 'blocked':
      // Not promoted because there is nothing to promote (no candidate, already champion) is not a block.
      return t.verdict === 'skipped' ? 'nothing-to-do' : 'blocked';
    case 'up-to-date':
      return 'up-to-date';
    case 'applied':
      return p.mode === 'rollback' ? 'rolled-back' : 'applied';
    case 'failed':
      return p.steps.some((s) => /rollout aborted/.test(s.message ?? '')) || /rollout aborted/.test(p.message) ? 'aborted' : 'failed';
    case 'refused':
      return 'refused';
    case 'locked':
      return 'locked';
    case 'drift':
      return 'drift';
    case 'reverted':
      return 'reverted';
  }
}

/** How the target is named: `churn dev → test`, or for a rollback `churn in test`. */
export const targetTitle = (t: TargetReport): string => (t.plan?.mode === 'rollback' ? `${t.model} in ${t.to}` : `${t.model} ${t.from} → ${t.to}`);

/** The version change: `v2 (champion v1)`, `v2, was v1`, or for a rollback `v2 → v1`. */
export function versionChange(t: TargetReport): string {
  const p = t.plan;
  if (p?.mode === 'rollback') {
    const to = p.destination?.version ?? t.candidate?.version ?? null;
    return `${p.previousChampion ? `v${p.previousChampion}` : '?'} → ${to ? `v${to}` : '?'}`;
  }
  const candidate = t.candidate ? `v${t.candidate.version}` : 'no candidate';
  const applied = p && (p.status === 'applied' || p.status === 'up-to-date') && p.destination?.version ? `v${p.destination.version}` : null;
  const was = p?.previousChampion ? `v${p.previousChampion}` : t.champion ? `v${t.champion.version}` : null;
  if (applied) return `${applied}${was && was !== applied ? `, was ${was}` : ''}`;
  return `${candidate}${t.champion ? ` (champion v${t.champion.version})` : ' (no champion yet)'}`;
}

const routesOf = (servedEntities: readonly { name: string; entityVersion: string }[], routes: readonly { servedEntityName: string; percent: number }[]): string =>
  servedEntities
    .map((e) => `v${e.entityVersion} ${routes.find((r) => r.servedEntityName === e.name)?.percent ?? 0}%`)
    .join(', ') || 'nothing';

/** The endpoint's traffic before → after the promotion or rollback, or null when it moves no endpoint. */
export function trafficOf(t: TargetReport): { readonly endpoint: string; readonly before: string; readonly after: string } | null {
  const steps = t.plan?.steps ?? [];
  const moved = (s: StepReport): boolean => s.status === 'done' || s.status === 'satisfied';
  for (const s of steps) {
    if (s.spec.kind === 'serving-rollout') {
      const spec = s.spec;
      const before = spec.expected.kind === 'absent' ? 'no endpoint' : routesOf(spec.expected.servedEntities, spec.expected.routes);
      if (!s.version) return { endpoint: spec.endpoint, before, after: before };
      const base: EndpointConfigSpec | null =
        spec.expected.kind === 'absent'
          ? null
          : { servedEntities: spec.expected.servedEntities.map((e) => ({ ...e, workloadSize: '', scaleToZero: false })), routes: spec.expected.routes };
      const final = phasesFor(spec.strategy, entityFor(spec.entity, s.version), base).at(-1)!.config;
      const after = routesOf(final.servedEntities, final.routes);
      // The bake reverted it: the endpoint serves what it served before the promotion again.
      if (t.plan?.status === 'reverted') return { endpoint: spec.endpoint, before, after: `${before} (${after} reverted)` };
      // Already serving it (a re-run): this run changed nothing, whatever the plan saw before the first run.
      if (s.status === 'satisfied') return { endpoint: spec.endpoint, before: after, after };
      return { endpoint: spec.endpoint, before, after: moved(s) || t.plan?.status === 'planned' ? after : before };
    }
    if (s.spec.kind === 'restore-endpoint') {
      const spec = s.spec;
      const after = routesOf(spec.config.servedEntities, spec.config.routes);
      const before = s.status === 'satisfied' ? after : `v${spec.fromVersion}`;
      return { endpoint: spec.endpoint, before, after: moved(s) || t.plan?.status === 'planned' ? after : before };
    }
  }
  return null;
}

/** Step states in words (with a mark), the same in every format; the legend explains them. */
export const STEP_WORDS: Readonly<Record<StepStatus, { readonly mark: string; readonly word: string }>> = {
  pending: { mark: '🔜', word: 'to do' },
  satisfied: { mark: '☑️', word: 'already done' },
  done: { mark: '✅', word: 'done' },
  failed: { mark: '❌', word: 'failed' },
  'not-run': { mark: '⏸️', word: 'not run' },
};

export const STEP_LEGEND = 'to do: written when applied · already done: no write needed · done: written by this run · failed · not run: stopped before it';

/** "7 steps: 6 to do, 1 already done" — counted from the rows shown. */
export function stepCounts(p: PromotionReport): string {
  const order: StepStatus[] = ['done', 'pending', 'satisfied', 'failed', 'not-run'];
  const parts = order.flatMap((status) => {
    const n = p.steps.filter((s) => s.status === status).length;
    return n ? [`${String(n)} ${STEP_WORDS[status].word}`] : [];
  });
  return `${String(p.steps.length)} ${p.steps.length === 1 ? 'step' : 'steps'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** Outcome counts, worst first: "1 applied, 1 blocked". */
export function outcomeCounts(result: ResultDocument): string {
  const counts = new Map<TargetOutcome, number>();
  for (const t of result.targets) counts.set(outcomeOf(t), (counts.get(outcomeOf(t)) ?? 0) + 1);
  return [...counts].map(([o, n]) => `${String(n)} ${OUTCOME_WORDS[o].word}`).join(', ') || 'no targets';
}

/** Plan hashes, as `expect-plan` takes them: the 12-character prefix is enough (and fits a table cell). */
export const shortHash = (hash: string): string => hash.replace(/^sha256:/, '').slice(0, 12);
