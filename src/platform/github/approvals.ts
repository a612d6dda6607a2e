// GitHub evidence for the approvals and provenance gates: PR reviews (latest decisive review per
// reviewer), the PR author and head, team membership, environment deployment approvals of this
// run, and whether commits exist. The gate applies the rules (author, stale, dismissed); this
// adapter only reports facts, and says plainly when it could not read something.

import type { GitHubEvidenceReader } from '../../evidence/ports.js';
import type { Approval, ApprovalsEvidence, ReviewState } from '../../evidence/types.js';
import { ApiError } from '../../errors.js';
import { describeError, statusOf, type GitHub } from './client.js';
import type { GitHubContext } from './context.js';

export interface GitHubEvidenceOptions {
  readonly github: GitHub;
  readonly context: GitHubContext;
  /** Team slugs the approvals gates name: `team` (in the repository owner's org) or `org/team`. */
  readonly teams: readonly string[];
}

interface RawReview {
  readonly id: number;
  readonly user?: { readonly login?: string; readonly type?: string } | null;
  readonly author_association?: string;
  readonly state: string;
  readonly commit_id?: string | null;
  readonly submitted_at?: string | null;
}

const DECISIVE = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);
const KNOWN: ReadonlySet<string> = new Set<ReviewState>(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']);

/**
 * One review per reviewer: the latest that approved, requested changes or was dismissed (a later
 * plain comment does not undo an approval, as on GitHub); a reviewer who only commented keeps
 * their latest comment. Unsubmitted (PENDING) reviews are ignored.
 */
export function latestReviewPerUser(reviews: readonly RawReview[]): Approval[] {
  const submitted = reviews
    .filter((r) => r.user?.login && KNOWN.has(r.state) && r.state !== 'PENDING')
    .sort((a, b) => (a.submitted_at ?? '').localeCompare(b.submitted_at ?? '') || a.id - b.id);
  const byUser = new Map<string, RawReview>();
  for (const r of submitted) {
    const login = r.user!.login!;
    const previous = byUser.get(login);
    if (!previous || DECISIVE.has(r.state) || !DECISIVE.has(previous.state)) byUser.set(login, r);
  }
  return [...byUser.values()].map((r) => ({
    user: r.user!.login!,
    state: r.state as ReviewState,
    submittedAt: r.submitted_at ?? null,
    commitId: r.commit_id ?? null,
    source: 'pull_request_review',
    reviewer: { writeAccess: null, bot: isBot(r.user), via: 'unknown' },
  }));
}

const isBot = (user: RawReview['user']): boolean => user?.type === 'Bot' || (user?.login ?? '').endsWith('[bot]');

/** author_association values that come with write access when the permission API cannot be read. */
const WRITING_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

const asApiError = (what: string, e: unknown): ApiError =>
  new ApiError(`GitHub: cannot read ${what}: ${describeError(e)}`, {
    errorCode: null,
    status: statusOf(e),
    method: 'GET',
    url: what,
    kind: statusOf(e) === null ? 'transport' : 'http',
    attempts: 1,
  });

export function createGitHubEvidenceReader(options: GitHubEvidenceOptions): GitHubEvidenceReader {
  const { github, context } = options;
  const repo = context.repo;
  let approvals: Promise<ApprovalsEvidence> | null = null;
  let changedFiles: Promise<readonly string[]> | null = null;

  /** At most 3,000 files, as GitHub itself lists (pulls/{n}/files stops there). */
  async function listChangedFiles(): Promise<readonly string[]> {
    const pr = context.pullRequest;
    if (!pr || !repo) {
      throw new ApiError('GitHub: there is no pull request in this run, so there are no changed files', {
        errorCode: null, status: null, method: 'GET', url: 'pulls/files', kind: 'http', attempts: 0,
      });
    }
    try {
      const files = (await github.paginate(github.rest.pulls.listFiles, { owner: repo.owner, repo: repo.repo, pull_number: pr.number, per_page: 100 })) as { filename?: string }[];
      return files.flatMap((f) => (typeof f.filename === 'string' ? [f.filename] : [])).slice(0, 3000);
    } catch (e) {
      throw asApiError(`files of pull request #${pr.number}`, e);
    }
  }

  async function reviewsEvidence(): Promise<{ author: string | null; headSha: string | null; approvals: Approval[] }> {
    const pr = context.pullRequest;
    if (!pr || !repo) return { author: context.actor, headSha: context.sha, approvals: [] };
    // The event payload can be stale on re-runs: ask for the PR's current head and author.
    let pull;
    try {
      ({ data: pull } = await github.rest.pulls.get({ owner: repo.owner, repo: repo.repo, pull_number: pr.number }));
    } catch (e) {
      throw asApiError(`pull request #${pr.number}`, e);
    }
    let reviews: RawReview[];
    try {
      reviews = (await github.paginate(github.rest.pulls.listReviews, {
        owner: repo.owner,
        repo: repo.repo,
        pull_number: pr.number,
        per_page: 100,
      })) as RawReview[];
    } catch (e) {
      throw asApiError(`reviews of pull request #${pr.number}`, e);
    }
    const latest = latestReviewPerUser(reviews);
    const association = new Map(reviews.map((r) => [r.user?.login ?? '', r.author_association ?? null] as const));
    // Only approvals can count, so only their authors' access is looked up (one call per person).
    const approvals = await Promise.all(
      latest.map(async (a) =>
        a.state === 'APPROVED' && !a.reviewer?.bot ? { ...a, reviewer: await reviewerAccess(a.user, association.get(a.user) ?? null) } : a,
      ),
    );
    return { author: pull.user?.login ?? pr.author, headSha: pull.head.sha, approvals };
  }

  /** Write access of a reviewer: the collaborator permission, else the review's author_association. */
  async function reviewerAccess(login: string, association: string | null): Promise<NonNullable<Approval['reviewer']>> {
    if (!repo) return { writeAccess: null, bot: false, via: 'unknown' };
    try {
      const { data } = await github.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.repo, username: login });
      const role = (data as { role_name?: string }).role_name ?? data.permission;
      return { writeAccess: ['admin', 'maintain', 'write'].includes(role) || ['admin', 'write'].includes(data.permission), bot: false, via: 'permission' };
    } catch (e) {
      const status = statusOf(e);
      if (status !== 403 && status !== 404 && status !== 401) throw asApiError(`the repository permission of @${login}`, e);
      // The token cannot read permissions: GitHub's own association on the review is the next best fact.
      return association === null
        ? { writeAccess: null, bot: false, via: 'unknown' }
        : { writeAccess: WRITING_ASSOCIATIONS.has(association), bot: false, via: 'author_association' };
    }
  }

  async function environmentApprovals(): Promise<Approval[]> {
    if (!repo || !context.runId) return [];
    try {
      const { data } = await github.rest.actions.getReviewsForRun({ owner: repo.owner, repo: repo.repo, run_id: context.runId });
      return data
        .filter((a) => a.state === 'approved' || a.state === 'rejected')
        .map((a) => ({
          user: a.user.login,
          state: a.state === 'approved' ? ('APPROVED' as const) : ('CHANGES_REQUESTED' as const),
          submittedAt: null,
          commitId: null,
          source: 'environment' as const,
        }));
    } catch (e) {
      // Outside a workflow run (local use) or without actions:read there is simply no such evidence;
      // missing approvals can only make the gate stricter.
      if (statusOf(e) === 404 || statusOf(e) === 403) return [];
      throw asApiError(`environment approvals of run ${context.runId}`, e);
    }
  }

  async function teamMembers(slug: string): Promise<readonly string[] | { readonly unreadable: string }> {
    const [org, team] = slug.includes('/') ? (slug.split('/', 2) as [string, string]) : [repo?.owner ?? '', slug];
    if (!org) return { unreadable: `team "${slug}": no organization (set GITHUB_REPOSITORY or write "org/${slug}")` };
    try {
      const members = await github.paginate(github.rest.teams.listMembersInOrg, { org, team_slug: team, per_page: 100 });
      return members.map((m) => m.login);
    } catch (e) {
      const status = statusOf(e);
      if (status === 403 || status === 404 || status === 401) {
        return {
          unreadable:
            `cannot read members of team ${org}/${team} (${describeError(e)}): the token needs organization read access ` +
            `(members: read for a GitHub App, read:org for a classic PAT); the workflow GITHUB_TOKEN cannot read teams`,
        };
      }
      throw asApiError(`members of team ${org}/${team}`, e);
    }
  }

  async function gatherApprovals(): Promise<ApprovalsEvidence> {
    const uniqueTeams = [...new Set(options.teams)];
    const [reviews, fromEnvironment, teamEntries] = await Promise.all([
      reviewsEvidence(),
      environmentApprovals(),
      Promise.all(uniqueTeams.map(async (slug) => [slug, await teamMembers(slug)] as const)),
    ]);
    return {
      author: reviews.author,
      headSha: reviews.headSha,
      approvals: [...reviews.approvals, ...fromEnvironment],
      teams: Object.fromEntries(teamEntries),
    };
  }

  return {
    approvals() {
      // Many targets share one PR: ask GitHub once per run.
      approvals ??= gatherApprovals();
      return approvals;
    },
    async commitsExist(shas) {
      if (!repo) throw new ApiError('GitHub: GITHUB_REPOSITORY is not set; cannot look commits up', {
        errorCode: null, status: null, method: 'GET', url: 'commits', kind: 'http', attempts: 0,
      });
      const unique = [...new Set(shas)];
      const entries = await Promise.all(
        unique.map(async (sha) => {
          try {
            await github.rest.repos.getCommit({ owner: repo.owner, repo: repo.repo, ref: sha, per_page: 1 });
            return [sha, true] as const;
          } catch (e) {
            // 404: unknown ref; 422: "No commit found for SHA".
            if (statusOf(e) === 404 || statusOf(e) === 422) return [sha, false] as const;
            throw asApiError(`commit ${sha}`, e);
          }
        }),
      );
      return Object.fromEntries(entries);
    },
    changedFiles() {
      changedFiles ??= listChangedFiles();
      return changedFiles;
    },
  };
}

/** Team slugs named by approvals gates (`from.teams`) in the given gate option objects. */
export function teamsNamedBy(gates: Iterable<{ readonly type: string; readonly options: unknown }>): string[] {
  const teams = new Set<string>();
  for (const g of gates) {
    if (g.type !== 'approvals') continue;
    const from = (g.options as { from?: { teams?: unknown } } | null)?.from;
    if (Array.isArray(from?.teams)) for (const t of from.teams) if (typeof t === 'string' && t) teams.add(t);
  }
  return [...teams].sort();
}
