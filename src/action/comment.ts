// The sticky PR comment's body: the hidden marker, then the markdown report in its comment form
// (≤ GitHub's 65,536 characters): verdicts with their reason, what happens on merge, the gates,
// the commits evaluated, footer; then a volatile line (time, this run's link) that does not count
// when deciding whether the comment changed. Posting it is src/platform/github/comment.ts.

import { VOLATILE_MARKER } from '../platform/github/comment.js';
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

export interface CommentOptions {
  readonly marker: string;
  readonly runUrl: string | null;
  /** Head/base commits, apply workflow (`commentContext`); its runUrl defaults to `runUrl`. */
  readonly context?: RunContext;
}

/**
 * The comment body: the report without volatile fields, then — after the volatile marker — the
 * footer with the time and this run's link (footer last, as in every report).
 */
export function commentBody(result: ResultDocument, options: CommentOptions): string {
  const context: RunContext = { ...options.context, runUrl: options.context?.runUrl ?? options.runUrl };
  // Everything but the time and this run's link: a comment whose content did not change is not rewritten.
  const stable = renderMarkdown({ ...result, generatedAt: '', requests: null }, { marker: options.marker, detail: 'comment', context: { ...context, runUrl: null } });
  const full = renderMarkdown(result, { marker: options.marker, detail: 'comment', context });
  const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';
  const body = stable.trimEnd();
  return `${body.slice(0, body.length - lastLine(stable).length)}${VOLATILE_MARKER}\n${lastLine(full)}\n`;
}
