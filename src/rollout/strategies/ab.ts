// ab: a fixed split between the current version(s) and the candidate, kept as the end state.

import { splitTraffic, versionLabel } from '../traffic.js';
import type { Strategy } from './types.js';

export const ab: Strategy<'ab'> = {
  label: (s) => `A/B ${100 - s.candidatePercent}/${s.candidatePercent}`,
  alone: (_s, final) => [final],
  phases: (s, e) => {
    const p = Math.max(0, Math.min(100, Math.round(s.candidatePercent)));
    if (p === 100) return [e.final];
    return [
      {
        label: `A/B split ${100 - p}/${p} with ${versionLabel(e.candidate)}`,
        config: e.withCandidate(splitTraffic(e.base.routes, e.otherNames, e.candidate.name, p)),
        healthCheck: false,
        smoke: false,
        pauseSeconds: 0,
      },
    ];
  },
};
