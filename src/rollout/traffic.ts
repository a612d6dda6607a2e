// Traffic arithmetic shared by the strategies: integer splits that always sum to 100.

import type { EndpointConfigSpec, ServedEntitySpec, TrafficRoute } from '../endpoint/serving.js';

/** `catalog.schema.churn v4`, for labels. */
export const versionLabel = (e: ServedEntitySpec): string => `${e.entityName} v${e.entityVersion}`;

/**
 * Splits `100 - candidatePercent` over the other routes in proportion to their current share
 * (largest remainder, so integers still sum to 100).
 */
export function splitTraffic(others: readonly TrafficRoute[], otherNames: readonly string[], candidate: string, candidatePercent: number): TrafficRoute[] {
  const rest = 100 - candidatePercent;
  const weights = otherNames.map((name) => others.find((r) => r.servedEntityName === name)?.percent ?? 0);
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = total > 0 ? weights.map((w) => (w * rest) / total) : otherNames.map((_, i) => (i === 0 ? rest : 0));
  const floors = shares.map(Math.floor);
  let left = rest - floors.reduce((a, b) => a + b, 0);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return [...otherNames.map((name, i) => ({ servedEntityName: name, percent: floors[i]! })), { servedEntityName: candidate, percent: candidatePercent }];
}

/** Only the candidate, at 100%. */
export const only = (candidate: ServedEntitySpec): EndpointConfigSpec => ({
  servedEntities: [candidate],
  routes: [{ servedEntityName: candidate.name, percent: 100 }],
});
