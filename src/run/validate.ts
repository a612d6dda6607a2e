// `validate`: the config loaded and checked, summarised; nothing is contacted.

import { listTargets } from '../config/targets.js';
import type { Diagnostic } from '../errors.js';
import type { ValidateInvocation } from '../invocation.js';
import { readConfig, type RunDeps } from './plan.js';
import type { Config } from '../config/types.js';
import { expandTemplate } from '../config/template.js';
import { registeredModelName } from '../config/names.js';

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
  /** The Asset Bundle found, and what it declares for each environment's target. */
  readonly bundle?: BundleSummary | null;
}

export interface BundleSummary {
  readonly file: string;
  readonly name: string;
  readonly files: readonly string[];
  readonly targets: readonly {
    readonly target: string;
    readonly environment: string | null;
    readonly objects: readonly { readonly kind: 'serving endpoint' | 'registered model' | 'quality monitor'; readonly name: string; readonly at: string; readonly owner: string }[];
    readonly unresolved: readonly string[];
  }[];
}

const at = (p: { file: string; line: number; column: number }): string => `${p.file}:${p.line}:${p.column}`;

/** What the bundle declares per target, and who owns each object in mlops.yml terms. */
function summariseBundle(config: Config): BundleSummary | null {
  const binding = config.bundle;
  if (!binding) return null;
  const envOf = new Map(Object.entries(binding.targetOf).map(([env, t]) => [t.name, env] as const));
  const models = [...config.models.values()];
  return {
    file: binding.bundle.file,
    name: binding.bundle.name,
    files: binding.bundle.files,
    targets: binding.bundle.targets.map((t) => {
      const env = envOf.get(t.name) ?? null;
      const ownerOf = (match: (m: (typeof models)[number]) => boolean, owner: (m: (typeof models)[number]) => string | undefined): string => {
        const m = env ? models.find(match) : undefined;
        return m ? `owner: ${owner(m) ?? 'mlops-gate'} (models.${m.id})` : 'not in mlops.yml';
      };
      return {
        target: t.name,
        environment: env,
        objects: [
          ...t.endpoints.map((e) => ({
            kind: 'serving endpoint' as const,
            name: e.name,
            at: at(e.position),
            owner: ownerOf((m) => !!m.serving && expandTemplate(m.serving.endpoint, { env: env!, model: m.id }) === e.name, (m) => m.serving?.owner),
          })),
          ...t.models.map((r) => ({
            kind: 'registered model' as const,
            name: r.fullName,
            at: at(r.position),
            owner: ownerOf((m) => registeredModelName(config, m.id, env!).toLowerCase() === r.fullName, (m) => m.owner),
          })),
          ...t.monitors.map((r) => ({
            kind: 'quality monitor' as const,
            name: r.tableName,
            at: at(r.position),
            owner: ownerOf((m) => !!m.monitor && expandTemplate(m.monitor.table, { env: env!, model: m.id }).toLowerCase() === r.tableName.toLowerCase(), (m) => m.monitor?.owner),
          })),
        ],
        unresolved: t.unresolved,
      };
    }),
  };
}

export function validateConfig(inv: ValidateInvocation, deps: Pick<RunDeps, 'env' | 'now' | 'readFile' | 'listDir'>): ValidationReport {
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
    bundle: summariseBundle(config),
  };
}
