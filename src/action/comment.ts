// The sticky PR comment's body: the hidden marker, the markdown report and the exact promotion
// plans (≤ GitHub's 65,536 characters), then a volatile footer (time, run link) that does not
// count when deciding whether the comment changed. Posting it is src/platform/github/comment.ts.

import { VOLATILE_MARKER } from '../platform/github/comment.js';
import { renderMarkdown, withSection } from '../report/markdown.js';
import { renderPlansMarkdown } from '../report/plans.js';
import type { ResultDocument } from '../result/types.js';

/** The comment body: marker, the report and plans without volatile fields, then the volatile footer. */
export function commentBody(result: ResultDocument, options: { marker: string; runUrl: string | null }): string {
  const stableResult = { ...result, generatedAt: '', requests: null };
  // The exact promotion plans and hashes follow the gate report: `promote --expect-plan` applies exactly them.
  const stable = withSection(renderMarkdown(stableResult, { marker: options.marker, fullReportUrl: options.runUrl }), renderPlansMarkdown(stableResult));
  const runLink = options.runUrl ? ` · full report: [job summary of this workflow run](${options.runUrl})` : '';
  return `${stable}${VOLATILE_MARKER}\n<sub>evaluated ${result.generatedAt}${runLink}</sub>\n`;
}
