// blue_green: deploy the candidate at 0%, switch all traffic to it (smoke request; with `health:`,
// a pause and a health check too), then remove the previous version. The old version stays
// deployed at 0% during the switch, so switching back is one fast traffic change.

import { splitTraffic, versionLabel } from '../traffic.js';
import type { Strategy } from './types.js';

export const blueGreen: Strategy<'blue_green'> = {
  label: (s) => (s.healthCheck ? 'blue-green, health-checked' : 'blue-green'),
  alone: (s, final) => [{ ...final, smoke: s.smokeRequest }],
  phases: (s, e) => [
    {
      label: `deploy ${versionLabel(e.candidate)} at 0%`,
      config: e.withCandidate(splitTraffic(e.base.routes, e.otherNames, e.candidate.name, 0)),
      healthCheck: false,
      smoke: false,
      pauseSeconds: 0,
    },
    {
      label: `switch 100% to ${versionLabel(e.candidate)} (previous kept at 0%)`,
      config: e.withCandidate(e.otherNames.map((n) => ({ servedEntityName: n, percent: 0 })).concat({ servedEntityName: e.candidate.name, percent: 100 })),
      healthCheck: s.healthCheck,
      smoke: s.smokeRequest,
      pauseSeconds: s.healthCheck ? s.pauseSeconds : 0,
    },
    { ...e.final, label: `remove the previous version, ${versionLabel(e.candidate)} only` },
  ],
};
