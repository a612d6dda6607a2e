// The contract of an output format: one result document in, one text out.

import type { ResultDocument } from '../result/types.js';

export interface Renderer {
  /** The whole result: the gates and, when targets carry one, their promotion or rollback plan. */
  render(result: ResultDocument): string;
}
