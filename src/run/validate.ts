// `validate`: the config loaded and checked, summarised; nothing is contacted.

import { listTargets } from '../config/targets.js';
import type { Diagnostic } from '../errors.js';
import type { ValidateInvocation } from '../invocation.js';
import { readConfig, type RunDeps } from './plan.js';

export interface ValidationReport {
  /** false only with `--strict` and warnings; errors throw ConfigError before this is built. */
  readonly valid: boolean;
  readonly file: string;
  readonly digest: string;
  readonly environments: readonly string[];
  readonly models: readonly string[];
  readonly policies: readonly string[];
  readonly gates: number;
  readonly targets: readonly { readonly model: string; readonly from: string; readonly to: string }[];
  readonly diagnostics: readonly Diagnostic[];
}

export function validateConfig(inv: ValidateInvocation, deps: Pick<RunDeps, 'env' | 'now' | 'readFile'>): ValidationReport {
  const { config, warnings } = readConfig(inv.configPath, deps);
  const targets = listTargets(config, {});
  return {
    valid: !(inv.strict && warnings.length > 0),
    file: config.file,
    digest: config.digest,
    environments: [...config.environments.keys()],
    models: [...config.models.keys()],
    policies: [...config.policies.keys()],
    gates: [...config.policies.values()].reduce((n, p) => n + p.gates.length, 0),
    targets: targets.map((t) => ({ model: t.model, from: t.from, to: t.to })),
    diagnostics: warnings,
  };
}
