// Cross-field checks on a schema-valid config: everything `plan`, `promote` or `rollback` would
// refuse without the network, refused here at the offending key, so that `validate` ✓ means the
// release accepts the config. Pure: positions come from the parsed document.
//
// The runtime keeps its own refusals as a safety net; these are the functions they mirror:
//   - registry kinds across promote_from, copy into the same model, alias/stage across models:
//     planInputFor (src/plan/inputs.ts)
//   - promotion: stage on Unity Catalog: stageModeRefusal (src/plan/inputs.ts), refuseUnpromotable
//     (src/run/promote.ts), runRollback (src/run/rollback.ts)
//   - monitor table, output schema and granularities: desiredMonitor (src/endpoint/monitor.ts)
// and these are refused by the registries or the Databricks APIs (Unity Catalog and MLflow names,
// aliases, two models on one registered model, serving/monitor where there is no Databricks, cron).

import type { Diagnostic } from '../errors.js';
import { checkQuartzCron } from './cron.js';
import { liveGateProblems } from './live.js';
import { championAlias, gatesFor, registeredModelName, registryIdOf } from './names.js';
import { shorten, ucNameProblem } from './name-rules.js';
import { capabilitiesOf, environmentFieldProblems, modelIdentityOf, modelNameProblemOf, registryLabel } from './registries.js';
import { asRecord } from './raw.js';
import { pointerJoin, positionOf, positionWithin } from './source.js';
import type { SourceDocument } from './source.js';
import { expandTemplate } from './template.js';
import type { Config, Environment, ModelConfig } from './types.js';

/** Why a registry would refuse `alias` as a model alias, or null (MLflow's rules; Unity Catalog's are alike). */
const aliasProblem = (alias: string): string | null => {
  if (alias.length > 255) return `it is ${alias.length} characters long (at most 255)`;
  if (!/^[\p{L}\p{N}_-]+$/u.test(alias)) return 'an alias is letters, digits, "_" and "-"';
  if (alias.toLowerCase() === 'latest') return '"latest" is reserved';
  if (/^v\d+$/i.test(alias)) return 'names like v1, v2 are reserved for versions';
  return null;
};

const GRANULARITIES = ['5 minutes', '30 minutes', '1 hour', '1 day', '1 week', '2 weeks', '3 weeks', '4 weeks', '1 month', '1 year'];

/** The same normalisation as src/endpoint/monitor.ts normalizeGranularity. */
const granularityOk = (raw: string): boolean => {
  const m = /^(\d+) (minute|hour|day|week|month|year)s?$/.exec(raw.trim().toLowerCase().replace(/\s+/g, ' '));
  if (!m) return false;
  const n = Number(m[1]);
  return GRANULARITIES.includes(`${n} ${m[2]}${n === 1 ? '' : 's'}`);
};

export const checkConfig = (config: Config, doc: SourceDocument): Diagnostic[] => new ConfigChecks(config, doc).run();

class ConfigChecks {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly reported = new Set<string>();
  private readonly root: Readonly<Record<string, unknown>>;

  constructor(
    private readonly config: Config,
    private readonly doc: SourceDocument,
  ) {
    this.root = asRecord(doc.value) ?? {};
  }

  run(): Diagnostic[] {
    this.registryKinds();
    for (const model of this.config.models.values()) {
      this.modelNames(model);
      this.promotionMode(model);
      this.aliases(model);
      this.serving(model);
      this.monitor(model);
      this.liveGates(model);
    }
    this.sharedModels();
    return this.diagnostics;
  }

  /** One error per code and key: a name wrong in every environment is one mistake, reported once. */
  private error(code: string, message: string, pointer: string, extra: { hint?: string; which?: 'key' | 'value'; index?: number } = {}): void {
    const key = `${code}|${pointer}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const position = extra.index !== undefined ? positionWithin(this.doc, pointer, extra.index) : positionOf(this.doc, pointer, extra.which ?? 'value');
    this.diagnostics.push({ severity: 'error', code, message, path: pointer, position, ...(extra.hint ? { hint: extra.hint } : {}) });
  }

  private targetsOf(): { from: Environment; to: Environment }[] {
    const edges: { from: Environment; to: Environment }[] = [];
    for (const to of this.config.environments.values()) {
      const from = to.promoteFrom === null ? undefined : this.config.environments.get(to.promoteFrom);
      if (from) edges.push({ from, to });
    }
    return edges;
  }

  private modelPointer(model: ModelConfig, ...segments: string[]): string {
    return segments.reduce(pointerJoin, pointerJoin('/models', model.id));
  }

  /** Where a model's name for `env` is written: `names.<env>` if set, else `name`. */
  private namePointer(model: ModelConfig, env: string): string {
    return model.nameByEnvironment[env] !== undefined ? this.modelPointer(model, 'names', env) : this.modelPointer(model, 'name');
  }

  /** Where a model's promotion mode comes from: its own key, `defaults.promotion`, or the model. */
  private promotionPointer(model: ModelConfig): { pointer: string; which: 'key' | 'value' } {
    const raw = asRecord(asRecord(this.root.models)?.[model.id]);
    if (raw?.promotion !== undefined) return { pointer: this.modelPointer(model, 'promotion'), which: 'value' };
    if (asRecord(this.root.defaults)?.promotion !== undefined) return { pointer: '/defaults/promotion', which: 'value' };
    return { pointer: pointerJoin('/models', model.id), which: 'key' };
  }

  private registryKinds(): void {
    for (const { from, to } of this.targetsOf()) {
      if (from.registry === to.registry) continue;
      this.error(
        'registry-mismatch',
        `environment "${to.name}" (${to.registry}) promotes from "${from.name}" (${from.registry}): promotion between an MLflow server and Unity Catalog is not supported`,
        pointerJoin(pointerJoin('/environments', to.name), 'promote_from'),
        { hint: 'use the same registry kind in both environments' },
      );
    }
    for (const environment of this.config.environments.values()) {
      const base = pointerJoin('/environments', environment.name);
      for (const { field, problem, hint } of environmentFieldProblems(environment)) this.error('bad-name', problem, pointerJoin(base, field), { hint });
    }
  }

  private modelNames(model: ModelConfig): void {
    for (const environment of this.config.environments.values()) {
      const name = registeredModelName(this.config, model.id, environment.name);
      const written = expandTemplate(model.nameByEnvironment[environment.name] ?? model.name, { env: environment.name, model: model.id });
      // A name that takes its qualification from the environment (UC: catalog and schema) is not
      // reported again when the environment's own fields are the broken part.
      if (written === name || environmentFieldProblems(environment).length === 0) {
        const problem = modelNameProblemOf(environment, name);
        if (problem) this.error('bad-name', `model "${model.id}" in "${environment.name}" is "${shorten(name)}", ${problem.message}`, this.namePointer(model, environment.name), problem.hint ? { hint: problem.hint } : {});
      }
    }
  }

  private promotionMode(model: ModelConfig): void {
    const where = this.promotionPointer(model);
    if (model.promotion === 'stage') {
      const uc = [...this.config.environments.values()].find((e) => !capabilitiesOf(e.registry).stages);
      if (uc) {
        this.error(
          'unsupported-promotion',
          `model "${model.id}": promotion: stage needs legacy registry stages, which ${registryLabel(uc.registry)} ("${uc.name}", ${uc.registry}) does not have`,
          where.pointer,
          { which: where.which, hint: 'use promotion: copy (another catalog/schema) or alias' },
        );
        return;
      }
    }
    for (const { from, to } of this.targetsOf()) {
      if (from.registry !== to.registry) continue; // reported once, at promote_from
      const source = { registry: registryIdOf(from), name: registeredModelName(this.config, model.id, from.name) };
      const destination = { registry: registryIdOf(to), name: registeredModelName(this.config, model.id, to.name) };
      // As planInputFor decides it (same registry id, same name) ...
      const sameModel = source.registry === destination.registry && source.name === destination.name;
      // ... and, for copy, also the same model reached through another catalog's registry id.
      const sameTarget = modelIdentity(from, source.name) === modelIdentity(to, destination.name);
      if (model.promotion === 'copy' && (sameModel || sameTarget)) {
        this.error(
          'same-model',
          `model "${model.id}": promotion: copy needs a different model for "${to.name}", but "${from.name}" and "${to.name}" both use "${shorten(destination.name)}" on ${destination.registry}`,
          this.namePointer(model, to.name),
          { hint: `put \${env} in the name, set names.${to.name}, or use promotion: alias` },
        );
      } else if (model.promotion !== 'copy' && !sameModel) {
        this.error(
          'unsupported-promotion',
          `model "${model.id}": promotion: ${model.promotion} moves ${model.promotion === 'alias' ? 'aliases' : 'stages'} within one model, but "${from.name}" uses "${shorten(source.name)}" on ${source.registry} and "${to.name}" uses "${shorten(destination.name)}" on ${destination.registry}`,
          where.pointer,
          { which: where.which, hint: 'use promotion: copy, or give both environments the same model (same server and name)' },
        );
      }
    }
  }

  private aliases(model: ModelConfig): void {
    const raw = asRecord(asRecord(this.root.models)?.[model.id]);
    const pointer = raw?.champion_alias !== undefined ? this.modelPointer(model, 'champion_alias') : asRecord(this.root.defaults)?.champion_alias !== undefined ? '/defaults/champion_alias' : null;
    if (pointer === null) return;
    for (const environment of this.config.environments.values()) {
      const alias = championAlias(this.config, model.id, environment.name);
      const problem = aliasProblem(alias);
      if (problem) this.error('bad-alias', `model "${model.id}": champion alias "${shorten(alias)}" (in "${environment.name}") cannot be set: ${problem}`, pointer);
    }
  }

  /** Environments a serving/monitor block reaches; an explicit MLflow one is an error at its item. */
  private databricksOnly(model: ModelConfig, block: 'serving' | 'monitor', listed: readonly string[] | null, what: string): void {
    const base = this.modelPointer(model, block);
    if (listed !== null) {
      listed.forEach((name, index) => {
        const environment = this.config.environments.get(name);
        if (environment && !capabilitiesOf(environment.registry)[block === 'serving' ? 'serving' : 'monitors']) {
          this.error('registry-capability', `${block}: "${name}" is ${registryLabel(environment.registry)} (${environment.registry}); ${what} exist on Databricks (databricks-uc) only`, pointerJoin(pointerJoin(base, 'environments'), index), {
            hint: 'list only databricks-uc environments',
          });
        }
      });
      return;
    }
    const any = [...this.config.environments.values()].some((e) => capabilitiesOf(e.registry)[block === 'serving' ? 'serving' : 'monitors']);
    if (!any) {
      this.error('registry-capability', `${block}: every environment is an MLflow server; ${what} exist on Databricks (databricks-uc) only`, base, {
        which: 'key',
        hint: `remove ${block}:, or add a databricks-uc environment`,
      });
    }
  }

  private serving(model: ModelConfig): void {
    if (model.serving) this.databricksOnly(model, 'serving', model.serving.environments, 'Model Serving endpoints');
    const bake = model.serving?.bake;
    if (!model.serving || !bake) return;
    const pointer = this.modelPointer(model, 'serving', 'bake');
    const health = model.serving.health;
    if (health.maxErrorRate === null && health.maxP95LatencyMs === null) {
      this.error('bake-health', `model "${model.id}": serving.bake checks the new version's health after the rollout, but serving.health sets no threshold (max_error_rate, max_p95_latency_ms)`, pointer, {
        which: 'key',
        hint: 'add serving.health: { max_error_rate: …, max_p95_latency_ms: … }',
      });
    }
    if (bake.durationSeconds < 60 || bake.intervalSeconds < 60) {
      this.error('bake-health', `model "${model.id}": a bake and each of its health windows last at least 1m (the metrics export is read a minute apart)`, pointer, { which: 'key' });
    }
  }

  private monitor(model: ModelConfig): void {
    const monitor = model.monitor;
    if (!monitor) return;
    this.databricksOnly(model, 'monitor', monitor.environments, 'monitors');
    const base = this.modelPointer(model, 'monitor');
    // What promote would build for each Databricks environment it promotes into (desiredMonitor).
    for (const { to } of this.targetsOf()) {
      if (!capabilitiesOf(to.registry).monitors || (monitor.environments !== null && !monitor.environments.includes(to.name))) continue;
      const values = { env: to.name, model: model.id };
      const table = expandTemplate(monitor.table, values);
      const tableProblem = ucNameProblem(table, 3);
      if (tableProblem) this.error('bad-name', `monitor table "${shorten(table)}" (in "${to.name}") is not a three-level name catalog.schema.table: ${tableProblem}`, pointerJoin(base, 'table'));
      const schema = expandTemplate(monitor.outputSchema, values);
      const schemaProblem = ucNameProblem(schema, 2);
      if (schemaProblem) this.error('bad-name', `monitor output_schema "${shorten(schema)}" (in "${to.name}") is not catalog.schema: ${schemaProblem}`, pointerJoin(base, 'output_schema'));
    }
    monitor.inferenceLog.granularities.forEach((g, index) => {
      if (!granularityOk(g)) {
        this.error('enum', `monitor granularity "${shorten(g)}" is not supported; use one of ${GRANULARITIES.map((x) => `"${x}"`).join(', ')}`, pointerJoin(pointerJoin(pointerJoin(base, 'inference_log'), 'granularities'), index));
      }
    });
    if (monitor.schedule) {
      const cron = checkQuartzCron(monitor.schedule.cron);
      if (!cron.ok) {
        this.error('bad-cron', `invalid cron expression "${shorten(monitor.schedule.cron)}": ${cron.message}`, pointerJoin(pointerJoin(base, 'schedule'), 'cron'), {
          index: cron.index,
          ...(cron.hint ? { hint: cron.hint } : {}),
        });
      }
    }
  }

  /**
   * Gates that read live evidence (soak, drift) need the source environment's SQL warehouse and the
   * model's endpoint or monitor there: refused at the gate's line (which may be in a policy file).
   */
  private liveGates(model: ModelConfig): void {
    for (const { from, to } of this.targetsOf()) {
      for (const gate of gatesFor(this.config, { model: model.id, from: from.name, to: to.name })) {
        for (const { message, hint } of liveGateProblems(gate.type, model, from)) {
          const text = `gate ${gate.id} (model "${model.id}", ${from.name} → ${to.name}): ${message}`;
          const key = `live-evidence|${gate.position.file}:${gate.position.line}:${gate.position.column}|${message}`;
          if (this.reported.has(key)) continue;
          this.reported.add(key);
          this.diagnostics.push({ severity: 'error', code: 'live-evidence', message: text, path: '', position: gate.position, hint });
        }
      }
    }
  }

  /** Two models on one registered model would share versions, aliases and journals. */
  private sharedModels(): void {
    const owners = new Map<string, { model: string; env: string }>();
    for (const model of this.config.models.values()) {
      for (const environment of this.config.environments.values()) {
        const name = registeredModelName(this.config, model.id, environment.name);
        const key = modelIdentity(environment, name);
        const owner = owners.get(key);
        if (owner === undefined) {
          owners.set(key, { model: model.id, env: environment.name });
        } else if (owner.model !== model.id) {
          this.error(
            'duplicate-model',
            `models "${owner.model}" (in "${owner.env}") and "${model.id}" (in "${environment.name}") both resolve to the registered model "${shorten(name)}" on ${registryIdOf(environment)}`,
            this.namePointer(model, environment.name),
            { hint: 'give each model its own name, e.g. with ${model} or ${env} in the name template' },
          );
        }
      }
    }
  }
}

const modelIdentity = (environment: Environment, name: string): string => modelIdentityOf(environment, name);
