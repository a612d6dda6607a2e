// Pure: an Asset Bundle's objects against mlops.yml. Each serving endpoint, registered model and
// monitor that both declare needs one owner, chosen in mlops.yml (`owner: bundle` or
// `owner: mlops-gate`); two owners are flagged at both places (the bundle's file:line and the
// mlops.yml key): the bundle's next deploy would put back what mlops-gate changed (a canary's
// traffic, its settings, grants), or mlops-gate would refuse the bundle's changes as drift.

import type { Diagnostic } from '../errors.js';
import type { Bundle, BundleTarget } from './bundle.js';
import { registeredModelName } from './names.js';
import { capabilitiesOf } from './registries.js';
import { asRecord, entriesOf } from './raw.js';
import { pointerJoin, positionOf, type SourceDocument } from './source.js';
import { expandTemplate } from './template.js';
import type { BundleBinding, Config, ModelConfig, SourcePosition } from './types.js';

/** Bundle targets → environments: the `bundle.targets` map, else each target is the environment of its name. */
export function bindBundle(bundle: Bundle, mapping: Readonly<Record<string, unknown>> | null, environments: readonly string[]): BundleBinding {
  const targetOf: Record<string, BundleTarget> = {};
  for (const target of bundle.targets) {
    const env = mapping ? (typeof mapping[target.name] === 'string' ? (mapping[target.name] as string) : null) : environments.includes(target.name) ? target.name : null;
    if (env && environments.includes(env)) targetOf[env] = target;
  }
  return { bundle, targetOf };
}

const where = (p: SourcePosition): string => `${p.file}:${p.line}:${p.column}`;

/** A `dev_<short_name>_` prefix the bundle adds in development mode (the user is not known here). */
const withoutPrefix = (name: string): string => name.replace('dev_${workspace.current_user.short_name}_', '');

export function checkBundle(config: Config, binding: BundleBinding, doc: SourceDocument, mapping: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = (message: string, path: string, position: SourcePosition, hint?: string): void => {
    out.push({ severity: 'error', code: 'bundle-ownership', message, path, position, ...(hint ? { hint } : {}) });
  };
  const warn: Report = (message, path, position) => void out.push({ severity: 'warning', code: 'bundle-ownership', message, path, position });
  for (const [target, env] of entriesOf(asRecord(mapping))) {
    if (!binding.bundle.targets.some((t) => t.name === target)) {
      out.push({ severity: 'error', code: 'bundle-target', message: `bundle.targets: the bundle has no target "${target}" (targets: ${binding.bundle.targets.map((t) => t.name).join(', ') || 'none'})`, path: pointerJoin('/bundle/targets', target), position: positionOf(doc, pointerJoin('/bundle/targets', target), 'key') });
    } else if (!config.environments.has(String(env))) {
      out.push({ severity: 'error', code: 'unknown-environment', message: `bundle.targets.${target}: there is no environment "${String(env)}"`, path: pointerJoin('/bundle/targets', target), position: positionOf(doc, pointerJoin('/bundle/targets', target)) });
    }
  }
  for (const model of config.models.values()) {
    checkModel(config, binding, doc, model, error, warn);
  }
  return out;
}

type Report = (message: string, path: string, position: SourcePosition, hint?: string) => void;
interface Double {
  readonly env: string;
  readonly label: string;
  readonly name: string;
  readonly position: SourcePosition;
}

function checkModel(config: Config, binding: BundleBinding, doc: SourceDocument, model: ModelConfig, error: Report, warn: Report): void {
  const base = pointerJoin('/models', model.id);
  const rawModel = asRecord(asRecord(asRecord(doc.value)?.models)?.[model.id]);
  const ownerPointer = (block: string | null): string => (block ? pointerJoin(pointerJoin(base, block), 'owner') : pointerJoin(base, 'owner'));
  /** The mlops.yml key a finding points at: the owner key when written, else the object's own key. */
  const mlopsAt = (block: string | null, field: string): { pointer: string; position: SourcePosition; chosen: boolean } => {
    const written = block ? asRecord(rawModel?.[block])?.owner : rawModel?.owner;
    const pointer = written !== undefined ? ownerPointer(block) : block ? pointerJoin(pointerJoin(base, block), field) : pointerJoin(base, field);
    return { pointer, position: positionOf(doc, pointer), chosen: written === 'mlops-gate' };
  };
  const declaredAnywhere = { serving: false, model: false, monitor: false };
  // `mode: development` deploys a copy per user (`dev_<short_name>_<name>`): another object, so no double ownership, and said so.
  const notSame = (theirs: string, ours: string, position: SourcePosition, label: string): void =>
    warn(`the bundle's ${label} is in development mode: it deploys ${theirs} per user (${where(position)}), not mlops.yml's ${ours}; ownership is not checked there`, '', position);
  /** Objects both declare, gathered over every mapped environment: one finding per mlops.yml key, one per bundle declaration. */
  const doubles = { serving: [] as Double[], model: [] as Double[], monitor: [] as Double[] };

  for (const [env, target] of Object.entries(binding.targetOf)) {
    const environment = config.environments.get(env);
    // Only environments promoted into: mlops-gate never writes to the first environment of a chain.
    if (!environment || environment.promoteFrom === null || !capabilitiesOf(environment.registry).serving) continue;
    const label = `target ${target.name}${target.name === env ? '' : ` (environment ${env})`}`;

    if (model.serving && (model.serving.environments === null || model.serving.environments.includes(env))) {
      const name = expandTemplate(model.serving.endpoint, { env, model: model.id });
      const found = target.endpoints.find((e) => e.name === name);
      const personal = found ? undefined : target.endpoints.find((e) => withoutPrefix(e.name) === name);
      if (personal) notSame(`serving endpoint "${personal.name}"`, `"${name}"`, personal.position, label);
      if (found) {
        declaredAnywhere.serving = true;
        if (model.serving.owner !== 'bundle') doubles.serving.push({ env, label, name, position: found.position });
      }
    }

    const fullName = registeredModelName(config, model.id, env).toLowerCase();
    const bundleModel = target.models.find((m) => m.fullName === fullName);
    const personalModel = bundleModel ? undefined : target.models.find((m) => withoutPrefix(m.fullName) === fullName);
    if (personalModel) notSame(`registered model "${personalModel.fullName}"`, `"${fullName}"`, personalModel.position, label);
    if (bundleModel) {
      declaredAnywhere.model = true;
      if (model.owner !== 'bundle') doubles.model.push({ env, label, name: fullName, position: bundleModel.position });
      else if (model.grants?.[env] !== undefined) {
        const pointer = pointerJoin(pointerJoin(base, 'grants'), env);
        error(
          `grants on "${fullName}" (in "${env}"): the bundle owns this model and its grants (${where(bundleModel.position)}); two sets of grants would undo each other`,
          pointer,
          positionOf(doc, pointer, 'key'),
          'declare the grants in the bundle (resources.registered_models.<key>.grants), or take the model out of the bundle',
        );
      }
    }

    if (model.monitor && (model.monitor.environments === null || model.monitor.environments.includes(env))) {
      const table = expandTemplate(model.monitor.table, { env, model: model.id }).toLowerCase();
      const monitor = target.monitors.find((m) => m.tableName.toLowerCase() === table);
      if (monitor) {
        declaredAnywhere.monitor = true;
        if (model.monitor.owner !== 'bundle') doubles.monitor.push({ env, label, name: table, position: monitor.position });
      }
    }
  }

  const report = (found: readonly Double[], block: string | null, field: string, what: (d: Double) => string, consequence: string, hint: string, mlopsKey: string): void => {
    if (found.length === 0) return;
    const at = mlopsAt(block, field);
    const list = found.map((d) => `${what(d)} (in "${d.env}") at ${where(d.position)} (${d.label})`).join('; ');
    error(`the bundle declares this too — ${list}${at.chosen ? ', and mlops.yml says owner: mlops-gate' : ''}: ${consequence}`, at.pointer, at.position, hint);
    // One finding per place in the bundle (a base resource is often what every target declares).
    const byPlace = new Map<string, Double[]>();
    for (const d of found) byPlace.set(where(d.position), [...(byPlace.get(where(d.position)) ?? []), d]);
    for (const ds of byPlace.values()) {
      error(`the bundle declares ${ds.map((d) => `${what(d)} (${d.label})`).join(', ')}, which mlops.yml ${mlopsKey} also manages (${where(at.position)})`, '', ds[0]!.position);
    }
  };
  report(
    doubles.serving,
    'serving',
    'endpoint',
    (d) => `serving endpoint "${d.name}"`,
    "two owners — the bundle's next deploy would put back what a rollout changes (traffic, settings)",
    'set serving.owner: bundle (mlops-gate then moves versions and traffic only), or remove the endpoint from the bundle and keep owner: mlops-gate',
    `models.${model.id}.serving`,
  );
  report(
    doubles.model,
    null,
    'name',
    (d) => `registered model "${d.name}"`,
    'choose its owner in mlops.yml — the bundle would put back its comment and grants, mlops-gate would create and grant it too',
    "set owner: bundle on the model (mlops-gate then moves versions, aliases and tags only; its comment and grants stay the bundle's), or remove it from the bundle",
    `models.${model.id}`,
  );
  report(
    doubles.monitor,
    'monitor',
    'table',
    (d) => `the quality monitor on "${d.name}"`,
    "two owners would overwrite each other's settings",
    'set monitor.owner: bundle, or remove the quality monitor from the bundle',
    `models.${model.id}.monitor`,
  );

  const notDeclared = (what: string, block: string | null): void => {
    const pointer = ownerPointer(block);
    error(
      `${block ? `${block}.` : ''}owner: bundle, but the bundle (${binding.bundle.file}) declares no ${what} for any environment of this config (targets mapped: ${Object.entries(binding.targetOf).map(([e, t]) => `${t.name} → ${e}`).join(', ') || 'none'})`,
      pointer,
      positionOf(doc, pointer),
      'check the name in the bundle, or the bundle.targets mapping',
    );
  };
  if (model.serving?.owner === 'bundle' && !declaredAnywhere.serving) notDeclared(`serving endpoint named like "${model.serving.endpoint}"`, 'serving');
  if (model.owner === 'bundle' && !declaredAnywhere.model) notDeclared(`registered model "${model.name}"`, null);
  if (model.monitor?.owner === 'bundle' && !declaredAnywhere.monitor) notDeclared(`quality monitor on "${model.monitor.table}"`, 'monitor');
}
