// The contract of an output format: one result document in, one text out.

import type { ResultDocument } from '../result/types.js';

/** What the run knows besides the result: the commits it evaluated, who ran it, where. */
export interface RunContext {
  /** The pull request's head commit that was evaluated. */
  readonly headSha?: string | null;
  /** The base commit whose mlops.yml and policies judged it. */
  readonly baseSha?: string | null;
  /** Who ran the promotion or rollback (GITHUB_ACTOR). Shown without an @, so nobody is pinged. */
  readonly actor?: string | null;
  /** This workflow run (its job summary holds the full report). */
  readonly runUrl?: string | null;
  /** The workflow that applies the plan after merge (found in .github/workflows). */
  readonly applyWorkflow?: { readonly name: string; readonly url: string | null } | null;
}

export interface RenderOptions {
  /** text: every gate of every target, with measured values (`--verbose`). */
  readonly verbose?: boolean;
  readonly context?: RunContext;
}

export interface Renderer {
  /** The whole result: the gates and, when targets carry one, their promotion or rollback plan. */
  render(result: ResultDocument, options?: RenderOptions): string;
}
