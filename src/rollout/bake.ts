// The bake after a rollout: the promoted version's health is checked window after window for the
// bake's duration, with the canary's rule (src/rollout/health.ts: per-minute samples, min_requests,
// on_insufficient_traffic, missing families = error). Progress is a record the executor journals on
// the version before the first window and after every window (BakeRecord, `mlops_gate_bake_<env>`),
// so a run killed mid-bake is resumed by the next one: the time already checked counts, the time
// nobody watched does not (the export holds the latest minute only, so an unwatched minute cannot
// be judged later). A crash never shortens or skips the bake, and never restarts it from zero: at
// most the window it interrupted is watched again.

import type { EndpointView, WaitProgress } from '../endpoint/serving.js';
import type { ServingClient, ServingClock } from '../endpoint/ports.js';
import type { BakeConfig, HealthCheck } from '../config/types.js';
import { judgeHealth, type HealthVerdict } from './health.js';

export type BakeState = 'baking' | 'passed' | 'reverting' | 'reverted';

/** What the journal holds about one plan's bake (`mlops_gate_bake_<env>` on the promoted version). */
export interface BakeRecord {
  readonly state: BakeState;
  /** The plan it belongs to (its hash): a record of another plan is ignored. */
  readonly plan: string;
  /** When the bake started (the first run that reached it). */
  readonly started: string;
  /** Health-checked time so far, in seconds. */
  readonly checked: number;
  /** Windows judged healthy so far. */
  readonly windows: number;
  /** Why it reverts (reverting, reverted). */
  readonly reason?: string;
  /** When it ended (passed, reverted). */
  readonly ended?: string;
}

const STATES: readonly BakeState[] = ['baking', 'passed', 'reverting', 'reverted'];

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** The record as journaled: the reason clipped so the record stays one tag (≤ 1000 characters). */
export const bakeRecordValue = (r: BakeRecord): BakeRecord => (r.reason !== undefined ? { ...r, reason: clip(r.reason, 500) } : r);

/** A journaled record of this plan's bake, or null (absent, unreadable, or another plan's). */
export function bakeRecordOf(value: unknown, planHash: string): BakeRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const o = value as Record<string, unknown>;
  if (!STATES.includes(o.state as BakeState) || o.plan !== planHash) return null;
  if (typeof o.started !== 'string' || typeof o.checked !== 'number' || !Number.isFinite(o.checked) || o.checked < 0 || typeof o.windows !== 'number') return null;
  return {
    state: o.state as BakeState,
    plan: o.plan,
    started: o.started,
    checked: o.checked,
    windows: o.windows,
    ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
    ...(typeof o.ended === 'string' ? { ended: o.ended } : {}),
  };
}

export const minutesText = (seconds: number): string => (seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

/** The next window: how long, and its words. Null when the bake has checked its whole duration. */
export function nextWindow(bake: BakeConfig, record: Pick<BakeRecord, 'checked' | 'windows'>): { readonly seconds: number; readonly label: string } | null {
  const left = bake.durationSeconds - record.checked;
  if (left <= 0) return null;
  const seconds = Math.min(bake.intervalSeconds, left);
  return { seconds, label: `bake window ${record.windows + 1} (${minutesText(record.checked)}–${minutesText(record.checked + seconds)} of ${minutesText(bake.durationSeconds)})` };
}

/** Pure: the record after a window's verdict, and whether the bake goes on, passed or breached. */
export function afterWindow(
  bake: BakeConfig,
  record: BakeRecord,
  window: { readonly seconds: number; readonly label: string },
  verdict: Pick<HealthVerdict, 'outcome' | 'reason'>,
  now: string,
): { readonly next: 'continue' | 'passed' | 'breach'; readonly record: BakeRecord } {
  if (verdict.outcome !== 'pass') {
    const why = verdict.outcome === 'fail' ? 'health check failed' : 'health could not be judged';
    return { next: 'breach', record: { ...record, state: 'reverting', reason: `${why} in ${window.label}: ${verdict.reason}` } };
  }
  const checked = record.checked + window.seconds;
  const moved: BakeRecord = { ...record, checked, windows: record.windows + 1 };
  return checked >= bake.durationSeconds ? { next: 'passed', record: { ...moved, state: 'passed', ended: now } } : { next: 'continue', record: moved };
}

export interface BakeInput {
  readonly endpoint: string;
  /** The promoted version's served entity: its name (`churn-4`), model and version. */
  readonly candidate: { readonly name: string; readonly entityName: string; readonly entityVersion: string };
  readonly health: HealthCheck;
  readonly bake: BakeConfig;
  readonly planHash: string;
  /** This plan's record from an earlier (killed) run, if any. */
  readonly resumeFrom: BakeRecord | null;
}

export interface BakeDeps {
  readonly serving: ServingClient;
  readonly clock: ServingClock;
  readonly now: () => Date;
  /** Journals the record (a tag on the version); called before the first window and after each one. */
  readonly save: (record: BakeRecord) => Promise<void>;
  readonly onProgress?: (progress: WaitProgress) => void | Promise<void>;
  /** Called after each window was journaled (the executor's crash seam for tests). */
  readonly afterWindow?: (window: number, record: BakeRecord, verdict: HealthVerdict) => Promise<void>;
}

export type BakeOutcome =
  | { readonly outcome: 'passed'; readonly record: BakeRecord; readonly verdicts: readonly HealthVerdict[] }
  /** A window failed or could not judge: the caller reverts (the record says `reverting` and why). */
  | { readonly outcome: 'breach'; readonly reason: string; readonly record: BakeRecord; readonly verdicts: readonly HealthVerdict[] }
  /** The endpoint no longer serves the version alone: someone else changed it; nothing to revert here. */
  | { readonly outcome: 'drift'; readonly reason: string; readonly record: BakeRecord; readonly verdicts: readonly HealthVerdict[] };

/** Does the endpoint serve the candidate, and only it, with all the traffic? */
export const servesAlone = (live: EndpointView | null, c: BakeInput['candidate']): boolean => {
  const config = live?.config;
  if (!config || live?.configUpdate === 'IN_PROGRESS') return false;
  const entity = config.servedEntities.find((e) => e.name === c.name && e.entityName.toLowerCase() === c.entityName.toLowerCase() && e.entityVersion === c.entityVersion);
  return entity !== undefined && config.routes.some((r) => r.servedEntityName === entity.name && r.percent === 100);
};

export async function runBake(input: BakeInput, deps: BakeDeps): Promise<BakeOutcome> {
  const total = input.bake.durationSeconds;
  let record: BakeRecord = input.resumeFrom ?? { state: 'baking', plan: input.planHash, started: deps.now().toISOString(), checked: 0, windows: 0 };
  // The start is journaled before the first window: a re-run after a crash finds it and resumes.
  if (!input.resumeFrom) await deps.save(record);
  const verdicts: HealthVerdict[] = [];
  for (let window = nextWindow(input.bake, record); window !== null; window = nextWindow(input.bake, record)) {
    const live = await deps.serving.getEndpoint(input.endpoint);
    if (!live || !servesAlone(live, input.candidate)) {
      return {
        outcome: 'drift',
        reason: `serving endpoint "${input.endpoint}" no longer serves ${input.candidate.name} (${input.candidate.entityName} v${input.candidate.entityVersion}) with all its traffic: it was changed during the bake (after ${minutesText(record.checked)} of ${minutesText(total)})`,
        record,
        verdicts,
      };
    }
    const verdict = await judgeHealth(
      { endpoint: input.endpoint, entity: input.candidate.name, health: input.health, pauseSeconds: window.seconds, at: live, pausing: `in ${window.label}` },
      { serving: deps.serving, clock: deps.clock, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) },
    );
    verdicts.push(verdict);
    const step = afterWindow(input.bake, record, window, verdict, deps.now().toISOString());
    record = step.record;
    if (step.next === 'breach') return { outcome: 'breach', reason: record.reason ?? verdict.reason, record, verdicts };
    await deps.save(record);
    await deps.afterWindow?.(record.windows, record, verdict);
  }
  if (record.state !== 'passed') {
    // Resumed with nothing left to check (killed between the last window and its journal entry).
    record = { ...record, state: 'passed', ended: deps.now().toISOString() };
    await deps.save(record);
  }
  return { outcome: 'passed', record, verdicts };
}
