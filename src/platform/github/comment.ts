// The sticky PR comment: one per (command, config file), found by a hidden marker and edited in
// place. A run makes at most one content-creating request (POST). Concurrent runs converge on a
// single comment: after creating, a run re-lists; the oldest marked comment wins, newer copies
// are deleted and the survivor carries the latest body.

import { describeError, statusOf, type GitHub } from './client.js';
import type { RepoRef } from './context.js';

export const stickyMarker = (command: string, configPath: string): string =>
  `<!-- mlops-gate:${command}:${configPath.replace(/^\.\//, '').replace(/-->/g, '')} -->`;

/** The hidden line that carries a digest of what the comment says. */
export const DIGEST_PREFIX = '<!-- mlops-gate:digest:';

export const digestOf = (body: string): string | null => {
  const at = body.indexOf(DIGEST_PREFIX);
  if (at < 0) return null;
  const end = body.indexOf(' -->', at);
  return end < 0 ? null : body.slice(at + DIGEST_PREFIX.length, end);
};

export interface StickyCommentRequest {
  readonly github: GitHub;
  readonly repo: RepoRef;
  readonly issueNumber: number;
  readonly marker: string;
  readonly body: string;
}

export type StickyOutcome =
  | { readonly action: 'created' | 'updated' | 'unchanged'; readonly commentId: number; readonly deletedDuplicates: number; readonly url: string | null }
  | { readonly action: 'failed'; readonly reason: string };

interface ListedComment {
  readonly id: number;
  readonly body?: string | null;
  readonly html_url?: string;
}

async function markedComments(req: StickyCommentRequest): Promise<ListedComment[]> {
  const all = await req.github.paginate(req.github.rest.issues.listComments, {
    owner: req.repo.owner,
    repo: req.repo.repo,
    issue_number: req.issueNumber,
    per_page: 100,
  });
  return (all as ListedComment[]).filter((c) => (c.body ?? '').includes(req.marker)).sort((a, b) => a.id - b.id);
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
  if (digestOf(keep.body ?? '') === digestOf(req.body) && digestOf(req.body) !== null) {
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
      after.push({ id: mine.id, body: req.body, html_url: mine.html_url });
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
