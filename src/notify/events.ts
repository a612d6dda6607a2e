// Which targets of a run are worth a notification, and the event document for each.
//   plan:     blocked (gate verdict fail or error), only to channels with `plans: true`
//   promote:  blocked · applied · reverted (the bake found a breach) · aborted (failed, drift, locked, refused)
//   rollback: rolled_back · aborted
// Nothing for up-to-date re-runs, dry-run plans, or passing plans.

import type { NotifyChannel, NotifyEvent } from '../config/notify-types.js';
import type { Config } from '../config/types.js';
import type { PromotionStatus } from '../plan/types.js';
import type { ResultDocument, TargetReport } from '../result/types.js';
import { TOOL_VERSION } from '../version.js';
import { modelLink } from './links.js';
import { NOTIFICATION_TYPE, type NotificationDocument, type RunContext } from './types.js';

export interface TargetEvent {
  readonly event: NotifyEvent;
  readonly command: NotificationDocument['command'];
  readonly target: TargetReport;
}

const ABORTED: ReadonlySet<PromotionStatus> = new Set<PromotionStatus>(['failed', 'drift', 'locked', 'refused']);

const eventOf = (command: ResultDocument['command'], t: TargetReport): NotifyEvent | null => {
  const status = t.plan?.status;
  if (command === 'plan') return t.verdict === 'fail' || t.verdict === 'error' ? 'blocked' : null;
  if (status === undefined) return null;
  if (command === 'rollback') return status === 'applied' ? 'rolled_back' : ABORTED.has(status) ? 'aborted' : null;
  if (status === 'blocked') return 'blocked';
  if (status === 'applied') return 'applied';
  if (status === 'reverted') return 'reverted';
  return ABORTED.has(status) ? 'aborted' : null;
};

export const targetEvents = (result: ResultDocument): TargetEvent[] =>
  result.targets.flatMap((target) => {
    const event = eventOf(result.command, target);
    return event ? [{ event, command: result.command, target }] : [];
  });

export const selects = (channel: NotifyChannel, e: TargetEvent): boolean =>
  channel.events.includes(e.event) &&
  (channel.environments === null || channel.environments.includes(e.target.to)) &&
  (channel.models === null || channel.models.includes(e.target.model)) &&
  (e.command !== 'plan' || channel.plans);

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

const LANDED: ReadonlySet<NotifyEvent> = new Set<NotifyEvent>(['applied', 'rolled_back', 'reverted']);

export function documentFor(e: TargetEvent, config: Config, ctx: RunContext, id: string, occurredAt: string): NotificationDocument {
  const t = e.target;
  const plan = t.plan;
  const destination = plan?.destination ? { registry: plan.destination.registry, name: plan.destination.model, version: plan.destination.version } : null;
  const candidate = t.candidate ? { name: t.candidate.name, version: t.candidate.version } : null;
  const model =
    LANDED.has(e.event) && destination?.version
      ? modelLink(config.environments.get(t.to), destination.name, destination.version)
      : (t.candidate?.url ?? (candidate ? modelLink(config.environments.get(t.from), candidate.name, candidate.version) : null));
  return {
    type: NOTIFICATION_TYPE,
    version: 1,
    id,
    event: e.event,
    command: e.command,
    occurred_at: occurredAt,
    model: t.model,
    from: t.from,
    to: t.to,
    verdict: t.verdict,
    status: plan?.status ?? null,
    summary: clip(plan && plan.status !== 'blocked' ? plan.message : t.summary, 1_000),
    candidate,
    destination,
    previous_version: plan?.previousChampion ?? null,
    plan_hash: plan?.hash ?? null,
    gates: t.gates
      .filter((g) => g.outcome !== 'pass' && g.outcome !== 'skipped')
      .slice(0, 20)
      .map((g) => ({ id: g.id, outcome: g.outcome, message: clip(g.message, 500) })),
    links: { run: ctx.runUrl, pull_request: ctx.pullRequestUrl, commit: ctx.commitUrl, model },
    repository: ctx.repository,
    actor: ctx.actor,
    tool: { name: 'mlops-gate', version: TOOL_VERSION },
  };
}
