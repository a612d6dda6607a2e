// The sticky PR comment: one per (command, config file), found by a hidden marker and edited in
// place. A run makes at most one content-creating request (POST). Concurrent runs converge on a
// single comment: after creating, a run re-lists; the oldest marked comment wins, newer copies
// are deleted and the survivor carries the latest body.

import { describeError, statusOf, type GitHub } from './client.js';
import type { RepoRef } from './context.js';

/**
 * The hidden first line that identifies a sticky comment: one per command, config file and filter
 * (a run with `models: churn` keeps its own comment and never overwrites the full one).
 */
export const stickyMarker = (command: string, configPath: string, filter: { readonly models?: readonly string[]; readonly to?: string | null } = {}): string => {
  const clean = (s: string) => s.replace(/-->/g, '').replace(/[\r\n]/g, ' ');
  const parts = [
    ...(filter.models && filter.models.length ? [`models=${[...filter.models].sort().join(',')}`] : []),
    ...(filter.to ? [`to=${filter.to}`] : []),
  ];
  return `<!-- mlops-gate:${clean(command)}:${clean(configPath.replace(/^\.\//, ''))}${parts.length ? `:${clean(parts.join(';'))}` : ''} -->`;
};

/** Who wrote a comment, as the REST API reports it. */
interface CommentUser {
  readonly login?: string;
  readonly type?: string;
}

/**
 * Everything after this line is volatile (run link, time): it changes every run without the
 * comment saying anything new. "Unchanged" compares the whole body before it.
 */
export const VOLATILE_MARKER = '<!-- mlops-gate:volatile -->';

export const stablePart = (body: string): string => {
  const at = body.indexOf(VOLATILE_MARKER);
  return at < 0 ? body : body.slice(0, at);
};

export interface StickyCommentRequest {
  readonly github: GitHub;
  readonly repo: RepoRef;
  readonly issueNumber: number;
  readonly marker: string;
  readonly body: string;
  /**
   * The login the token writes as. Only its own comments are ever adopted, edited or deleted: a
   * comment anyone else wrote (quoting the marker, or forging a verdict) is left alone.
   */
  readonly author: string;
}

export type StickyOutcome =
  | { readonly action: 'created' | 'updated' | 'unchanged'; readonly commentId: number; readonly deletedDuplicates: number; readonly url: string | null }
  | { readonly action: 'failed'; readonly reason: string };

interface ListedComment {
  readonly id: number;
  readonly body?: string | null;
  readonly html_url?: string;
  readonly user?: CommentUser | null;
}

async function markedComments(req: StickyCommentRequest): Promise<ListedComment[]> {
  const all = await req.github.paginate(req.github.rest.issues.listComments, {
    owner: req.repo.owner,
    repo: req.repo.repo,
    issue_number: req.issueNumber,
    per_page: 100,
  });
  const mine = (c: ListedComment): boolean => (c.user?.login ?? '').toLowerCase() === req.author.toLowerCase();
  // The marker must be the comment's first line, as we write it: quoting it elsewhere does not make a comment ours.
  return (all as ListedComment[]).filter((c) => mine(c) && (c.body ?? '').split('\n', 1)[0] === req.marker).sort((a, b) => a.id - b.id);
}

async function deleteQuietly(req: StickyCommentRequest, id: number): Promise<boolean> {
  try {
    await req.github.rest.issues.deleteComment({ owner: req.repo.owner, repo: req.repo.repo, comment_id: id });
    return true;
  } catch (e) {
    if (statusOf(e) === 404) return false; // another run removed it already
    throw e;
  }
}

async function converge(req: StickyCommentRequest, marked: ListedComment[], created: boolean): Promise<StickyOutcome> {
  const [keep, ...duplicates] = marked as [ListedComment, ...ListedComment[]];
  let deleted = 0;
  for (const d of duplicates) if (await deleteQuietly(req, d.id)) deleted++;
  // The whole body (up to the volatile footer), not a digest: an edited comment is always put back.
  if (stablePart(keep.body ?? '') === stablePart(req.body)) {
    return { action: created ? 'created' : 'unchanged', commentId: keep.id, deletedDuplicates: deleted, url: keep.html_url ?? null };
  }
  const { data } = await req.github.rest.issues.updateComment({
    owner: req.repo.owner,
    repo: req.repo.repo,
    comment_id: keep.id,
    body: req.body,
  });
  return { action: 'updated', commentId: keep.id, deletedDuplicates: deleted, url: data.html_url ?? null };
}

/** Create or update the sticky comment. Never throws for GitHub errors: returns `failed` with a reason. */
export async function upsertStickyComment(req: StickyCommentRequest): Promise<StickyOutcome> {
  try {
    const existing = await markedComments(req);
    if (existing.length > 0) return await converge(req, existing, false);

    const { data: mine } = await req.github.rest.issues.createComment({
      owner: req.repo.owner,
      repo: req.repo.repo,
      issue_number: req.issueNumber,
      body: req.body,
    });
    // Another run may have created its own copy meanwhile: the oldest one wins.
    const after = await markedComments(req);
    if (after.length === 0 || (after.length === 1 && after[0]!.id === mine.id)) {
      return { action: 'created', commentId: mine.id, deletedDuplicates: 0, url: mine.html_url ?? null };
    }
    // A listing that lags behind our own write still must not leave our copy behind.
    if (!after.some((c) => c.id === mine.id)) {
      after.push({ id: mine.id, body: req.body, html_url: mine.html_url, user: { login: req.author } });
      after.sort((a, b) => a.id - b.id);
    }
    return await converge(req, after, after[0]!.id === mine.id);
  } catch (e) {
    const status = statusOf(e);
    const hint =
      status === 403
        ? ' (the token cannot write comments: grant `pull-requests: write`, or expect this on pull requests from forks)'
        : status === 404
          ? ' (pull request not found, or the token cannot see the repository)'
          : '';
    return { action: 'failed', reason: `${describeError(e)}${hint}` };
  }
}

/**
 * The login the token writes comments as: GET /user for user tokens; an installation token (the
 * workflow's GITHUB_TOKEN, a GitHub App) cannot read /user, and then `fallback` (the
 * `comment-author` input, default `github-actions[bot]`) names it.
 */
export async function commentAuthor(github: GitHub, fallback: string): Promise<string> {
  try {
    const { data } = await github.rest.users.getAuthenticated();
    return data.login || fallback;
  } catch (e) {
    const status = statusOf(e);
    if (status === 401 || status === 403 || status === 404) return fallback;
    throw e;
  }
}
