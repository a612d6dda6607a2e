// Targets: one per model × environment that has a `promote_from`, optionally filtered.

import { ConfigError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { closest } from './suggest.js';
import type { Config, Target } from './types.js';

export interface TargetFilter {
  /** Model ids to keep (absent or empty = all). */
  readonly models?: readonly string[];
  /** Keep only transitions into this environment. */
  readonly to?: string;
}

const filterError = (message: string, word: string, known: readonly string[]): Diagnostic => {
  const near = closest(word, known);
  return { severity: 'error', code: 'unknown-filter', message, path: '', position: null, ...(near ? { hint: `did you mean "${near}"?` } : {}) };
};

/** Every transition to plan, models in declaration order, then environments in declaration order. */
export const listTargets = (config: Config, filter: TargetFilter = {}): Target[] => {
  const modelIds = [...config.models.keys()];
  const environmentNames = [...config.environments.keys()];
  const problems: Diagnostic[] = [];
  for (const model of filter.models ?? []) {
    if (!config.models.has(model)) {
      problems.push(filterError(`unknown model "${model}"; models in ${config.file}: ${modelIds.join(', ')}`, model, modelIds));
    }
  }
  if (filter.to !== undefined) {
    const environment = config.environments.get(filter.to);
    if (!environment) {
      problems.push(filterError(`unknown environment "${filter.to}"; environments in ${config.file}: ${environmentNames.join(', ')}`, filter.to, environmentNames));
    } else if (environment.promoteFrom === null) {
      const targets = [...config.environments.values()].filter((e) => e.promoteFrom !== null).map((e) => e.name);
      problems.push({
        severity: 'error',
        code: 'unknown-filter',
        message: `environment "${filter.to}" has no promote_from, so nothing is promoted into it; promotion targets: ${targets.join(', ') || 'none'}`,
        path: '',
        position: null,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const wantedModels = filter.models && filter.models.length > 0 ? new Set(filter.models) : null;
  const targets: Target[] = [];
  for (const model of modelIds) {
    if (wantedModels && !wantedModels.has(model)) continue;
    for (const environment of config.environments.values()) {
      if (environment.promoteFrom === null) continue;
      if (filter.to !== undefined && environment.name !== filter.to) continue;
      targets.push({ model, from: environment.promoteFrom, to: environment.name });
    }
  }
  return targets;
};
