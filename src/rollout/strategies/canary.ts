// canary: the candidate's share grows step by step (e.g. 10 → 50 → 100%), each step settled,
// paused and health-checked before the next.

import { splitTraffic, versionLabel } from '../traffic.js';
import type { RolloutPhase } from '../types.js';
import type { Strategy } from './types.js';

export const canary: Strategy<'canary'> = {
  label: (s) => `canary ${s.steps.join(' → ')}%`,
  alone: (_s, final) => [final],
  phases: (s, e) => [
    ...s.steps
      .filter((step) => step < 100)
      .map(
        (step): RolloutPhase => ({
          label: `canary ${step}% to ${versionLabel(e.candidate)}`,
          config: e.withCandidate(splitTraffic(e.base.routes, e.otherNames, e.candidate.name, step)),
          healthCheck: true,
          smoke: false,
          pauseSeconds: s.pauseSeconds,
        }),
      ),
    e.final,
  ],
};
