// replace: the candidate takes 100% in one config update.

import type { Strategy } from './types.js';

export const replace: Strategy<'replace'> = {
  label: () => 'replace',
  alone: (_s, final) => [final],
  phases: (_s, e) => [e.final],
};
