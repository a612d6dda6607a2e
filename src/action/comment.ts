// The sticky PR comment's body: the hidden marker, then the markdown report in its comment form
// (≤ GitHub's 65,536 characters): verdicts with their reason, what happens on merge, the gates,
// the commits evaluated, footer; then a volatile line (time, this run's link) that does not count
// when deciding whether the comment changed. Posting it is src/platform/github/comment.ts.

import { VOLATILE_MARKER } from '../platform/github/comment.js';
import type { GitHubContext } from '../platform/github/context.js';
import { link } from '../report/escape.js';
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

export interface CommentOptions {
  readonly marker: string;
  readonly runUrl: string | null;
  /** Head/base commits, apply workflow (`commentContext`); its runUrl defaults to `runUrl`. */
  readonly context?: RunContext;
}

/** The comment body: the report without volatile fields, then the volatile line. */
export function commentBody(result: ResultDocument, options: CommentOptions): string {
  const runUrl = options.context?.runUrl ?? options.runUrl;
  // Everything but the time and this run's link: a comment whose content did not change is not rewritten.
  const stable = renderMarkdown({ ...result, generatedAt: '', requests: null }, { marker: options.marker, detail: 'comment', context: { ...options.context, runUrl: null } });
  const when = `${result.generatedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const run = runUrl ? ` · ${link('workflow run and full report', runUrl)}` : '';
  return `${stable}${VOLATILE_MARKER}\n<sub>evaluated ${when}${run}</sub>\n`;
}
