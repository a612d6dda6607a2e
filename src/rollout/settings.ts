// Pure: the endpoint-level part of a rollout (tags, AI Gateway: rate limits, usage tracking, the
// inference table), set once traffic has moved, and how it is described.

import { settingsHold } from '../endpoint/compare.js';
import type { EndpointSettingsSpec, EndpointView } from '../endpoint/serving.js';

/** Does the live endpoint hold the settings a rollout sets (only what they name)? */
export const settingsMatch = (live: EndpointView, wanted: EndpointSettingsSpec): boolean =>
  settingsHold({ tags: live.tags, ...(live.aiGateway ? { aiGateway: live.aiGateway } : {}) }, wanted);

/** `tags team, cost_center; AI Gateway: 2 rate limits, usage tracking on, inference table ml.logs.churn*`. */
export function describeSettings(s: EndpointSettingsSpec): string {
  const parts: string[] = [];
  if (s.tags && Object.keys(s.tags).length > 0) parts.push(`tags ${Object.keys(s.tags).join(', ')}`);
  const g = s.aiGateway;
  if (g) {
    const bits: string[] = [];
    if (g.rateLimits !== undefined) bits.push(g.rateLimits.length === 0 ? 'no rate limits' : `${g.rateLimits.length} rate limit(s)`);
    if (g.usageTracking !== undefined) bits.push(`usage tracking ${g.usageTracking ? 'on' : 'off'}`);
    if (g.inferenceTable !== undefined) bits.push(g.inferenceTable?.enabled ? `inference table ${g.inferenceTable.catalog}.${g.inferenceTable.schema}.${g.inferenceTable.prefix}*` : 'no inference table');
    parts.push(`AI Gateway: ${bits.join(', ')}`);
  }
  return parts.join('; ') || 'no endpoint settings';
}
