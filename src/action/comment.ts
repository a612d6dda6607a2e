// The sticky PR comment's body: hidden marker, a digest of what it says, then the markdown report
// and the exact promotion plans (≤ GitHub's 65,536 characters). Posting it is
// src/platform/github/comment.ts.

import { createHash } from 'node:crypto';
import { DIGEST_PREFIX } from '../platform/github/comment.js';
import { renderMarkdown } from '../report/markdown.js';
import type { ResultDocument } from '../result/types.js';

/** Digest of what the comment says, ignoring the timestamp and the run link (they change every run). */
export function resultDigest(result: ResultDocument): string {
  const stable = renderMarkdown({ ...result, generatedAt: '', requests: null });
  return createHash('sha256').update(stable).digest('hex').slice(0, 32);
}

/** The comment body: marker, content digest, then the markdown report (≤ GitHub's 65,536 chars). */
export function commentBody(result: ResultDocument, options: { marker: string; runUrl: string | null }): string {
  const markdown = renderMarkdown(result, { marker: options.marker, fullReportUrl: options.runUrl });
  const [first, ...rest] = markdown.split('\n');
  const runLink = options.runUrl ? `<sub>Full report: [job summary of this workflow run](${options.runUrl})</sub>\n` : '';
  return [first, `${DIGEST_PREFIX}${resultDigest(result)} -->`, ...rest].join('\n') + runLink;
}

