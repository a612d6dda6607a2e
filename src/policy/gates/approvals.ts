// approvals: enough distinct, eligible people approved this change, and nobody blocks it.
// Review semantics follow GitHub's: the latest decisive review (APPROVED, CHANGES_REQUESTED,
// DISMISSED) of each person wins; COMMENTED and PENDING reviews neither count nor override.

import type { Approval } from '../../evidence/types.js';
import { listOf, plural, shortSha } from '../format.js';
import { GateOptionError, readBoolean, readNumber, readObject, readStringArray, type RawOptions } from '../options.js';
import type { GateType, Measured } from '../types.js';
import { read, result } from './kit.js';

export type ApprovalSource = Approval['source'];
const ALL_SOURCES: readonly ApprovalSource[] = ['pull_request_review', 'environment', 'registry_tag'];
const DEFAULT_SOURCES: readonly ApprovalSource[] = ['pull_request_review', 'environment'];

export interface ApprovalsOptions {
  readonly min: number;
  /** Team slugs; empty together with `users` = anyone counts. */
  readonly teams: readonly string[];
  readonly users: readonly string[];
  /** Always true: separation of duties is not optional. */
  readonly excludeAuthor: true;
  readonly dismissStale: boolean;
  readonly sources: readonly ApprovalSource[];
  readonly blockOnChangesRequested: boolean;
}

const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const at = (login: string): string => `@${login}`;

const isLater = (next: Approval, previous: Approval): boolean => {
  // Unknown times: trust the order the evidence lists them in (chronological).
  if (next.submittedAt === null || previous.submittedAt === null) return true;
  const [a, b] = [Date.parse(next.submittedAt), Date.parse(previous.submittedAt)];
  return Number.isNaN(a) || Number.isNaN(b) ? true : a >= b;
};

/** The latest decisive review per person (case-insensitive login). */
export const latestDecisiveReviews = (approvals: readonly Approval[]): Approval[] => {
  const latest = new Map<string, Approval>();
  for (const approval of approvals) {
    if (approval.state === 'COMMENTED' || approval.state === 'PENDING') continue;
    const key = approval.user.toLowerCase();
    const previous = latest.get(key);
    if (previous === undefined || isLater(approval, previous)) latest.set(key, approval);
  }
  return [...latest.values()];
};

const parseSources = (raw: RawOptions): readonly ApprovalSource[] => {
  const sources = readStringArray(raw, 'sources');
  if (sources === undefined) return DEFAULT_SOURCES;
  for (const source of sources) {
    if (!(ALL_SOURCES as readonly string[]).includes(source)) {
      throw new GateOptionError(`option "sources" has unknown source "${source}" (expected ${ALL_SOURCES.join(', ')})`, 'sources');
    }
  }
  return sources as ApprovalSource[];
};

export const approvalsGate: GateType<ApprovalsOptions> = {
  type: 'approvals',
  schemaRef: '#/$defs/gate_approvals',

  parse(raw) {
    const from = readObject(raw, 'from') ?? {};
    if (readBoolean(raw, 'exclude_author', true) !== true) {
      throw new GateOptionError('option "exclude_author" cannot be false: an author never approves their own change', 'exclude_author');
    }
    const min = readNumber(raw, 'min') ?? 1;
    if (!Number.isInteger(min) || min < 1) throw new GateOptionError('option "min" must be an integer ≥ 1', 'min');
    return {
      min,
      teams: readStringArray(from, 'teams') ?? [],
      users: readStringArray(from, 'users') ?? [],
      excludeAuthor: true,
      dismissStale: readBoolean(raw, 'dismiss_stale', true),
      sources: parseSources(raw),
      blockOnChangesRequested: readBoolean(raw, 'block_on_changes_requested', true),
    };
  },

  needs: () => ({ approvals: true }),

  evaluate(o, ctx) {
    const threshold: Measured = {
      min: o.min,
      teams: o.teams.join(', ') || null,
      users: o.users.join(', ') || null,
      dismiss_stale: o.dismissStale,
      sources: o.sources.join(', '),
      block_on_changes_requested: o.blockOnChangesRequested,
    };
    const fact = read(ctx.evidence.approvals, 'approvals from GitHub');
    if (!fact.ok) return { ...fact.result, threshold };
    const { author, headSha, approvals, teams } = fact.value;

    const restricted = o.teams.length > 0 || o.users.length > 0;
    const readableTeams = new Map<string, readonly string[]>();
    const unreadableTeams = new Map<string, string>();
    for (const slug of o.teams) {
      const membership = teams[slug];
      if (membership === undefined) unreadableTeams.set(slug, 'membership was not gathered');
      else if ('unreadable' in membership) unreadableTeams.set(slug, membership.unreadable);
      else readableTeams.set(slug, membership);
    }
    const eligibility = (login: string): 'yes' | 'no' | 'unknown' => {
      if (!restricted) return 'yes';
      if (o.users.some((u) => sameLogin(u, login))) return 'yes';
      for (const members of readableTeams.values()) if (members.some((m) => sameLogin(m, login))) return 'yes';
      return unreadableTeams.size > 0 ? 'unknown' : 'no';
    };

    const counted: Approval[] = [];
    const undetermined: Approval[] = [];
    const notCounted: string[] = [];
    const changesRequested: string[] = [];
    const considered = approvals.filter((a) => o.sources.includes(a.source));
    for (const review of latestDecisiveReviews(considered)) {
      // Separation of duties: the author's own reviews never count, whatever they say.
      if (author !== null && sameLogin(review.user, author)) {
        if (review.state === 'APPROVED') notCounted.push(`${at(review.user)} (author)`);
        continue;
      }
      if (review.state === 'CHANGES_REQUESTED') {
        changesRequested.push(at(review.user));
        continue;
      }
      if (review.state === 'DISMISSED') {
        notCounted.push(`${at(review.user)} (review dismissed)`);
        continue;
      }
      const stale =
        o.dismissStale &&
        review.source === 'pull_request_review' &&
        headSha !== null &&
        review.commitId !== headSha;
      if (stale) {
        const on = review.commitId === null ? 'an unknown commit' : shortSha(review.commitId);
        notCounted.push(`${at(review.user)} (stale: approved ${on}, head is ${shortSha(headSha)})`);
        continue;
      }
      // Pull request approvals count only from people with write access, never from bots unless named.
      if (review.source === 'pull_request_review') {
        const access = review.reviewer;
        const named = o.users.some((u) => sameLogin(u, review.user));
        if (access?.bot && !named) {
          notCounted.push(`${at(review.user)} (a bot account; name it in from.users to count it)`);
          continue;
        }
        if (!access?.bot && access?.writeAccess !== true) {
          notCounted.push(`${at(review.user)} (${access?.writeAccess === false ? 'no write access to the repository' : 'write access could not be verified'})`);
          continue;
        }
      }
      const eligible = eligibility(review.user);
      if (eligible === 'yes') counted.push(review);
      else if (eligible === 'unknown') undetermined.push(review);
      else notCounted.push(`${at(review.user)} (not in the allowed teams or users)`);
    }

    const weak = counted.filter((a) => a.source === 'registry_tag');
    const measured: Measured = {
      approvals: counted.length,
      approvers: counted.map((a) => a.user).join(', ') || null,
      registry_tag_approvals: weak.length,
      changes_requested_by: changesRequested.join(', ') || null,
      not_counted: notCounted.join('; ') || null,
      undetermined: undetermined.map((a) => a.user).join(', ') || null,
      author,
    };
    const who = counted.length > 0 ? `: ${listOf(counted.map((a) => at(a.user)))}` : '';
    const weakNote =
      weak.length > 0
        ? ` (${String(weak.length)} from a registry tag, weaker evidence: anyone with write access to the model can set it)`
        : '';
    const tally = `${String(counted.length)} of ${String(o.min)} required ${o.min === 1 ? 'approval' : 'approvals'}${who}${weakNote}`;
    const notCountedNote = notCounted.length > 0 ? `; not counted: ${notCounted.join(', ')}` : '';

    if (o.blockOnChangesRequested && changesRequested.length > 0) {
      return result(
        'fail',
        `Changes requested by ${listOf(changesRequested)} (their latest review); ${tally}.`,
        measured,
        threshold,
      );
    }
    if (counted.length >= o.min) return result('pass', `${tally}.`, measured, threshold);
    // Unreadable team membership only matters if it could change the answer.
    if (undetermined.length > 0 && counted.length + undetermined.length >= o.min) {
      const teamsWhy = [...unreadableTeams].map(([slug, why]) => `team ${slug} (${why})`);
      return result(
        'error',
        `Could not read the membership of ${listOf(teamsWhy)}, so ${plural(undetermined.length, 'approval')} by ${listOf(
          undetermined.map((a) => at(a.user)),
        )} cannot be checked; ${tally}.`,
        measured,
        threshold,
      );
    }
    return result('fail', `${tally}${notCountedNote}.`, measured, threshold);
  },
};
