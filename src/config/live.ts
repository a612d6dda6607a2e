// The gates that read live evidence from the environment a candidate comes from (src/policy/gates
// soak.ts and drift.ts), and what each needs configured there: a SQL warehouse, and the model's
// serving endpoint (soak) or monitor (drift) in that environment. Checked at load (checks.ts), so a
// gate that could never gather its evidence is refused at its line before any request.

import { capabilitiesOf, registryLabel } from './registries.js';
import type { Environment, ModelConfig } from './types.js';

export interface LiveGateNeeds {
  /** The model's `serving:` must cover the source environment (the endpoint the candidate is served on). */
  readonly serving: boolean;
  /** The model's `monitor:` must cover the source environment (its metric tables). */
  readonly monitor: boolean;
}

/** Gate types that read live evidence through the SQL Statement Execution API. */
export const LIVE_GATES: Readonly<Record<string, LiveGateNeeds>> = {
  soak: { serving: true, monitor: false },
  drift: { serving: false, monitor: true },
};

/** The SQL warehouse id of an environment, or null (MLflow environments have none). */
export const sqlWarehouseOf = (environment: Environment): string | null =>
  'sqlWarehouseId' in environment ? environment.sqlWarehouseId : null;

const covers = (environments: readonly string[] | null, name: string): boolean => environments === null || environments.includes(name);

/** Why a live gate of `type` cannot gather its evidence in `from` for `model`, with the fix; [] when it can. */
export function liveGateProblems(type: string, model: ModelConfig, from: Environment): { message: string; hint: string }[] {
  const needs = LIVE_GATES[type];
  if (!needs) return [];
  if (!capabilitiesOf(from.registry).sql) {
    return [
      {
        message: `a ${type} gate reads what the candidate did in "${from.name}", which is ${registryLabel(from.registry)} (${from.registry}): its evidence lives in Databricks (serving endpoints, inference and monitor tables, a SQL warehouse)`,
        hint: `scope the policy to Databricks targets with applies_to.environments, or promote from a databricks-uc environment`,
      },
    ];
  }
  const problems: { message: string; hint: string }[] = [];
  if (sqlWarehouseOf(from) === null) {
    problems.push({
      message: `a ${type} gate runs SQL statements in "${from.name}" (where the candidate comes from), which has no sql_warehouse_id`,
      hint: `add sql_warehouse_id: <warehouse id> to environments.${from.name}`,
    });
  }
  if (needs.serving && (model.serving === null || !covers(model.serving.environments, from.name))) {
    problems.push({
      message: `a soak gate measures model "${model.id}" on its serving endpoint in "${from.name}", but the model has no serving: for "${from.name}"`,
      hint: model.serving === null ? 'add serving: (endpoint, …) to the model' : `add "${from.name}" to serving.environments`,
    });
  }
  if (needs.monitor && (model.monitor === null || !covers(model.monitor.environments, from.name))) {
    problems.push({
      message: `a drift gate reads the metric tables of model "${model.id}"'s monitor in "${from.name}", but the model has no monitor: for "${from.name}"`,
      hint: model.monitor === null ? 'add monitor: (table, output_schema, inference_log) to the model' : `add "${from.name}" to monitor.environments`,
    });
  }
  return problems;
}
