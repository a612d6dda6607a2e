// The sticky PR comment's body: hidden marker, a digest of what it says, then the markdown report
// in its comment form (≤ GitHub's 65,536 characters): verdicts with their reason, what happens on
// merge, the gates, the commits evaluated, footer last. Posting it is src/platform/github/comment.ts.

import { createHash } from 'node:crypto';
import { DIGEST_PREFIX } from '../platform/github/comment.js';
import type { GitHubContext } from '../platform/github/context.js';
import { renderMarkdown, type RunContext } from '../report/markdown.js';
import type { ResultDocument } from '../result/types.js';
import { findApplyWorkflow } from './workflows.js';

/**
 * What the comment shows besides the result, from the run: the PR's head and base commits, this
 * run's link, and the workflow that applies the plan after merge (read from `workspace`).
 */
export function commentContext(context: GitHubContext, workspace: string): RunContext {
  return {
    headSha: context.pullRequest?.headSha || null,
    baseSha: context.pullRequest?.baseSha || null,
    runUrl: context.runUrl,
    applyWorkflow: findApplyWorkflow(workspace, context),
  };
}

/**
 * Digest of what the comment says: the verdicts, plans and the commits they were evaluated at;
 * not the timestamp or the run link (they change every run).
 */
export function resultDigest(result: ResultDocument, context: RunContext = {}): string {
  const stable = renderMarkdown({ ...result, generatedAt: '', requests: null }, { detail: 'comment', context: { ...context, runUrl: null, actor: null } });
  return createHash('sha256').update(stable).digest('hex').slice(0, 32);
}

export interface CommentOptions {
  readonly marker: string;
  readonly runUrl: string | null;
  /** Head/base commits, apply workflow (`commentContext`); its runUrl defaults to `runUrl`. */
  readonly context?: RunContext;
}

/** The comment body: marker, content digest, then the markdown report (≤ GitHub's 65,536 chars). */
export function commentBody(result: ResultDocument, options: CommentOptions): string {
  const context: RunContext = { ...options.context, runUrl: options.context?.runUrl ?? options.runUrl };
  const markdown = renderMarkdown(result, { marker: options.marker, detail: 'comment', context });
  const [first, ...rest] = markdown.split('\n');
  return [first, `${DIGEST_PREFIX}${resultDigest(result, context)} -->`, ...rest].join('\n');
}
