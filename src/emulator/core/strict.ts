// Strict mode: for every behaviour no primary source settles (docs/fidelity.md, status
// "unconfirmed"), the emulator answers with one plausible reading by default and, when that
// behaviour is made strict, with the other: the stricter one where one is stricter (a refusal, an
// error, a failure that comes later), else simply the other reading. Code that talks to Databricks
// must be correct under both, so the product suites run in both modes (docs/emulator.md).
//
// Turn it on per emulator with `startEmulator({ strict })`, the seed fixture's top-level `strict`,
// or the environment variable MLOPS_GATE_EMULATOR_STRICT (read by `startEmulator` when neither is
// given, so `mlops-gate emulator` takes it too). Values: `all`, `none`, or a comma-separated list
// of behaviour ids; `all,-<id>` is every behaviour but those prefixed with `-`.

export const STRICT_ENV = 'MLOPS_GATE_EMULATOR_STRICT';

interface BehaviourInfo {
  /** The row number(s) in docs/fidelity.md this behaviour stands for. */
  readonly ledger: string;
  /** What the emulator does by default. */
  readonly lenient: string;
  /** What it does when the behaviour is strict. */
  readonly strict: string;
}

/** Every behaviour with two readings. Keys are the ids used in options and MLOPS_GATE_EMULATOR_STRICT. */
export const STRICT_BEHAVIOURS = {
  // ---- Unity Catalog registry (MLflow-UC protocol and REST 2.1)
  'uc-alias-on-pending': {
    ledger: '58',
    lenient: 'an alias may point at a PENDING_REGISTRATION version',
    strict: 'setting an alias on a version that is not READY is refused: 400 INVALID_STATE',
  },
  'uc-finalize-not-pending': {
    ledger: '55',
    lenient: 'finalize of a READY version answers the READY version again',
    strict: 'finalize of a version that is not PENDING_REGISTRATION is refused: 400 INVALID_STATE "not in a pending registration state"',
  },
  'uc-tag-rules': {
    ledger: '56',
    lenient: 'tags on registered models and versions are stored as given',
    strict:
      'the documented rules for tags on Unity Catalog securable objects: key at most 255 characters and none of . , - = / : ; value at most 1000 characters; at most 50 tags per object: 400 INVALID_PARAMETER_VALUE',
  },
  'uc-delete-missing': {
    ledger: '105',
    lenient: 'deleting an alias or tag that does not exist succeeds (200 {}), as OSS MLflow does',
    strict: 'deleting an alias or tag that does not exist answers 404 RESOURCE_DOES_NOT_EXIST',
  },
  'uc-search-no-filter': {
    ledger: '44',
    lenient: 'model-versions/search without a filter lists every version',
    strict: 'model-versions/search without a filter is refused: 400 INVALID_PARAMETER_VALUE',
  },
  'uc-search-run-id': {
    ledger: '42',
    lenient: "model-versions/search accepts run_id='…'",
    strict: "model-versions/search accepts only name='…': run_id='…' is refused, 400 INVALID_PARAMETER_VALUE",
  },
  'uc-search-missing-model': {
    ledger: '43',
    lenient: "model-versions/search for a model that does not exist answers 404 RESOURCE_DOES_NOT_EXIST",
    strict: 'the other reading: 200 with no model_versions',
  },
  'uc-not-found-code': {
    ledger: '47, 59',
    lenient: 'a missing model or version answers 404 RESOURCE_DOES_NOT_EXIST',
    strict: 'a missing model or version answers 404 NOT_FOUND',
  },
  'uc-missing-alias-code': {
    ledger: '49',
    lenient: 'get by an alias that does not exist answers 404 RESOURCE_DOES_NOT_EXIST',
    strict: 'get by an alias that does not exist answers 400 INVALID_PARAMETER_VALUE "Registered model alias X not found." (OSS MLflow)',
  },
  'uc-models-files-gated': {
    ledger: '66',
    lenient: 'model version files under /Models/… are served by the Files API whatever is-databricks-sdk-models-artifact-repository-enabled answers',
    strict: 'when that switch is not true, the Files API refuses /Models/…: 403 PERMISSION_DENIED (mlflow then uses cloud credentials instead)',
  },
  'uc-update-no-change': {
    ledger: '106',
    lenient: 'an update with no field to change answers the object unchanged',
    strict: 'an update with no field to change is refused: 400 INVALID_PARAMETER_VALUE "No updated fields defined."',
  },
  // ---- Model Serving
  'serving-missing-version': {
    ledger: '79',
    lenient: 'a config naming a Unity Catalog model version that does not exist or is not READY is refused at the PUT/POST: 400 INVALID_PARAMETER_VALUE',
    strict: 'it is accepted, and the update then ends UPDATE_FAILED, the previous config still served (the error comes later)',
  },
  'serving-not-found-code': {
    ledger: '69',
    lenient: 'a missing endpoint answers 404 RESOURCE_DOES_NOT_EXIST',
    strict: 'a missing endpoint answers 404 NOT_FOUND',
  },
  'serving-duplicate-code': {
    ledger: '76',
    lenient: 'creating an endpoint that exists answers 409 RESOURCE_ALREADY_EXISTS',
    strict: 'it answers 400 RESOURCE_ALREADY_EXISTS (the MLflow convention)',
  },
  'serving-conflict-code': {
    ledger: '78',
    lenient: 'a config PUT while an update is IN_PROGRESS answers 409 RESOURCE_CONFLICT',
    strict: 'it answers 409 ABORTED (another code the SDK maps to ResourceConflict)',
  },
  'serving-traffic-only': {
    ledger: '107',
    lenient: 'a config PUT with traffic_config and no served_entities keeps the current served entities',
    strict: 'a config PUT must name its served_entities: 400 INVALID_PARAMETER_VALUE',
  },
  'serving-pending-config-version': {
    ledger: '74',
    lenient: 'pending_config.config_version is the version being rolled out',
    strict: 'pending_config.config_version is the version still served (its docstring is a copy of the active config\'s)',
  },
  'serving-metrics': {
    ledger: '86, 87',
    lenient:
      'the documented per-minute gauges of the latest whole minute (request_count_total, request_4xx_count_total, request_5xx_count_total; request_latency_ms a histogram of the same minute), every deployed served entity under the label served_entity_name (zero when idle), each line with the minute\'s timestamp',
    strict:
      'the same gauges under the label served_model_name, no series at all for an entity without requests in the minute, no timestamps, and a latency histogram cumulative since the entity was deployed',
  },
  'serving-system-table': {
    ledger: '122',
    lenient: 'system.serving.served_entities lists every served entity, custom models (Unity Catalog model versions) included',
    strict: 'it lists no custom-model entities (the docs describe it for external and foundation models): requests in the inference table cannot be attributed to a served version',
  },
  // ---- SQL Statement Execution API
  'sql-unknown-warehouse': {
    ledger: '129',
    lenient: 'a statement naming a warehouse that does not exist is refused: 404 RESOURCE_DOES_NOT_EXIST',
    strict: 'it is accepted and ends FAILED (HTTP 200, status.error NOT_FOUND)',
  },
  // ---- Lakehouse / Data Quality monitors
  'monitor-metrics-model-id': {
    ledger: '126',
    lenient: "the metric tables of an InferenceLog monitor carry the monitor's model id column, named as configured",
    strict: 'they carry no model id column: a statement filtering on it fails UNRESOLVED_COLUMN',
  },
  'monitor-update-mask-leaf': {
    ledger: '93',
    lenient: 'a Data Quality update_mask may name a whole sub-message (data_profiling_config.schedule)',
    strict: 'only leaf fields may be named (data_profiling_config.schedule.quartz_cron_expression): 400 INVALID_PARAMETER_VALUE',
  },
  'monitor-refresh-conflict-code': {
    ledger: '97',
    lenient: 'a refresh while one is pending or running answers 409 RESOURCE_CONFLICT',
    strict: 'it answers 409 ABORTED',
  },
  'monitor-legacy-put': {
    ledger: '99',
    lenient: 'the legacy monitor PUT keeps the optional fields it leaves out',
    strict: 'the legacy PUT clears the optional fields it leaves out (schedule, slicing_exprs, …); only assets_dir is kept',
  },
  'monitor-legacy-output-schema': {
    ledger: '108',
    lenient: 'the legacy monitor PUT may change output_schema_name',
    strict: 'it refuses to: "Certain configuration fields, such as output asset identifiers, cannot be updated" (400 INVALID_PARAMETER_VALUE)',
  },
  'monitor-codes': {
    ledger: '103, 104',
    lenient: 'a missing monitor answers RESOURCE_DOES_NOT_EXIST, an existing one RESOURCE_ALREADY_EXISTS',
    strict: 'a missing monitor answers NOT_FOUND, an existing one ALREADY_EXISTS',
  },
  'monitor-table-missing-code': {
    ledger: '102',
    lenient: 'the legacy monitor routes answer TABLE_DOES_NOT_EXIST for a table that does not exist',
    strict: 'they answer NOT_FOUND, the same code as a missing monitor',
  },
} as const satisfies Record<string, BehaviourInfo>;

export type StrictBehaviour = keyof typeof STRICT_BEHAVIOURS;

export const ALL_STRICT_BEHAVIOURS = Object.keys(STRICT_BEHAVIOURS) as StrictBehaviour[];

/** How strictness is given: `all`, `none`, a list of ids, or `{ all: true, except: [...] }`. */
export type StrictOption = 'all' | 'none' | boolean | string | readonly StrictBehaviour[] | { readonly all: true; readonly except: readonly StrictBehaviour[] };

const isBehaviour = (s: string): s is StrictBehaviour => Object.prototype.hasOwnProperty.call(STRICT_BEHAVIOURS, s);

const unknown = (id: string, where: string): Error =>
  new Error(`${where}: unknown strict behaviour '${id}'; known: all, none, ${ALL_STRICT_BEHAVIOURS.join(', ')}`);

/** The set of strict behaviours an option names. Throws on an unknown id (a typo must not pass silently). */
export function parseStrict(option: unknown, where = 'strict'): ReadonlySet<StrictBehaviour> {
  if (option === undefined || option === null || option === false || option === 'none' || option === '') return new Set();
  if (option === true || option === 'all') return new Set(ALL_STRICT_BEHAVIOURS);
  if (typeof option === 'string') {
    const parts = option.split(',').map((p) => p.trim()).filter(Boolean);
    const out = new Set<StrictBehaviour>();
    for (const p of parts) {
      if (p === 'all') ALL_STRICT_BEHAVIOURS.forEach((b) => out.add(b));
      else if (p === 'none') continue;
      else if (p.startsWith('-')) {
        const id = p.slice(1);
        if (!isBehaviour(id)) throw unknown(id, where);
        out.delete(id);
      } else if (isBehaviour(p)) out.add(p);
      else throw unknown(p, where);
    }
    return out;
  }
  if (Array.isArray(option)) {
    for (const id of option) if (typeof id !== 'string' || !isBehaviour(id)) throw unknown(String(id), where);
    return new Set(option as StrictBehaviour[]);
  }
  if (typeof option === 'object' && (option as { all?: unknown }).all === true) {
    const except = (option as { except?: unknown }).except ?? [];
    if (!Array.isArray(except)) throw new Error(`${where}.except must be a list of behaviour ids`);
    const out = new Set(ALL_STRICT_BEHAVIOURS);
    for (const id of except) {
      if (typeof id !== 'string' || !isBehaviour(id)) throw unknown(String(id), `${where}.except`);
      out.delete(id);
    }
    return out;
  }
  throw new Error(`${where} must be "all", "none", a comma-separated list or a list of behaviour ids`);
}

/** The strictness an emulator runs with: explicit option, else the seed's `strict`, else the environment. */
export function resolveStrict(option: unknown, seed: unknown, env: Readonly<Record<string, string | undefined>>): ReadonlySet<StrictBehaviour> {
  if (option !== undefined) return parseStrict(option, 'startEmulator({ strict })');
  const fromSeed = seed && typeof seed === 'object' ? (seed as { strict?: unknown }).strict : undefined;
  if (fromSeed !== undefined) return parseStrict(fromSeed, 'seed fixture: strict');
  return parseStrict(env[STRICT_ENV], STRICT_ENV);
}
