// The registry kinds an environment can name (`registry:` in mlops.yml), as the core knows them:
// the environment fields each reads from the config, how a plan names the registry, how a model
// name is qualified there, and what it can do. The adapters that connect to each kind are the
// matching rows of REGISTRY_CONNECTORS (src/wiring/registries.ts). Adding a kind: one row here,
// one row there, the adapter folder under src/platform/, and its fields in the schema.

import { mlflowNameProblem, shorten, UC_NAME_HINT, ucNameProblem, ucNamePartProblem } from './name-rules.js';
import { asString, type RawRecord } from './raw.js';

export interface RegistryCapabilities {
  /** Legacy registry stages (Staging / Production), for `promotion: stage`. */
  readonly stages: boolean;
  /** Model Serving endpoints (`serving:`). */
  readonly serving: boolean;
  /** Lakehouse / Data Quality monitors (`monitor:`). */
  readonly monitors: boolean;
  /** SQL warehouses (`sql_warehouse_id:`): the live evidence of the soak and drift gates. */
  readonly sql: boolean;
  /** Tags one registered model or version may carry (null: no documented limit). */
  readonly tagsPerObject: number | null;
}

interface RegistryKindInfo<Fields> {
  /** For messages: "an MLflow server", "Unity Catalog". */
  readonly label: string;
  /** The kind's environment fields, from a schema-valid environment entry. */
  readonly fields: (raw: RawRecord) => Fields;
  /** How a plan names this registry: stable, safe to log and to tag (no credentials). */
  readonly id: (fields: Fields) => string;
  /** A configured model name → the name the registry knows. */
  readonly qualify: (name: string, fields: Fields) => string;
  /** Where a person looks at a model version (no credentials). */
  readonly versionPage: (fields: Fields, name: string, version: string) => string;
  readonly capabilities: RegistryCapabilities;
  /** Why the registry would refuse this (qualified) registered-model name, or null. */
  readonly modelNameProblem: (name: string) => { readonly message: string; readonly hint?: string } | null;
  /** The kind's own environment fields the registry would refuse. */
  readonly fieldProblems: (fields: Fields) => readonly { readonly field: string; readonly problem: string; readonly hint?: string }[];
  /** One key per registered model a name reaches (two configs on one key share versions and journals). */
  readonly modelIdentity: (fields: Fields, name: string) => string;
  /**
   * Whether this registry's writer (registry id `own`) reaches versions of registry id `other` by
   * name: the same MLflow server; on Databricks, another catalog of the same workspace.
   */
  readonly reaches: (own: string, other: string) => boolean;
}

/** The tracking URI without credentials, query, fragment or trailing slash. */
const withoutCredentials = (uri: string): string => {
  try {
    const url = new URL(uri);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return uri.replace(/\/+$/, '');
  }
};

const enc = encodeURIComponent;

const kind = <Fields>(info: RegistryKindInfo<Fields>): RegistryKindInfo<Fields> => info;

export const REGISTRY_KINDS = {
  mlflow: kind({
    label: 'an MLflow server',
    fields: (raw) => ({ trackingUri: String(raw.tracking_uri) }),
    id: (f) => withoutCredentials(f.trackingUri),
    qualify: (name) => name,
    versionPage: (f, name, version) => `${withoutCredentials(f.trackingUri)}/#/models/${enc(name)}/versions/${enc(version)}`,
    capabilities: { stages: true, serving: false, monitors: false, sql: false, tagsPerObject: null },
    modelNameProblem: (name) => {
      const problem = mlflowNameProblem(name);
      return problem ? { message: `which MLflow refuses: ${problem}` } : null;
    },
    fieldProblems: () => [],
    modelIdentity: (f, name) => `${withoutCredentials(f.trackingUri)}|${name}`,
    reaches: (own, other) => own === other,
  }),
  'databricks-uc': kind({
    label: 'Unity Catalog',
    // sql_warehouse_id: where the soak and drift gates run their statements (not part of the registry id).
    fields: (raw) => ({ host: String(raw.host), catalog: String(raw.catalog), schema: String(raw.schema), sqlWarehouseId: asString(raw.sql_warehouse_id) }),
    id: (f) => `${f.host.replace(/\/+$/, '')}#${f.catalog}.${f.schema}`,
    // Unity Catalog names are `<catalog>.<schema>.<name>` unless the configured name already is.
    qualify: (name, f) => (name.split('.').length === 3 ? name : `${f.catalog}.${f.schema}.${name}`),
    versionPage: (f, name, version) => {
      const [catalog, schema, model] = name.split('.');
      return `${f.host.replace(/\/+$/, '')}/explore/data/models/${enc(catalog ?? '')}/${enc(schema ?? '')}/${enc(model ?? '')}/version/${enc(version)}`;
    },
    // "You can assign a maximum of 50 tags to a single securable object" (docs/fidelity.md #56).
    capabilities: { stages: false, serving: true, monitors: true, sql: true, tagsPerObject: 50 },
    modelNameProblem: (name) => {
      const problem = ucNameProblem(name);
      return problem ? { message: `not a three-level Unity Catalog name <catalog>.<schema>.<model>: ${problem}`, hint: `a name without "." gets the environment's catalog and schema; ${UC_NAME_HINT}` } : null;
    },
    fieldProblems: (f) =>
      (['catalog', 'schema'] as const).flatMap((field) => {
        const problem = ucNamePartProblem(f[field]);
        return problem ? [{ field, problem: `${field} "${shorten(f[field])}" is not a Unity Catalog name: it ${problem}`, hint: UC_NAME_HINT }] : [];
      }),
    // Unity Catalog stores names in lower case: the workspace and the full name, case-insensitively.
    modelIdentity: (f, name) => `${f.host.replace(/\/+$/, '').toLowerCase()}|${name.toLowerCase()}`,
    // Ids are `<host>#<catalog>.<schema>`: one workspace, one client, any catalog by full name.
    reaches: (own, other) => own.split('#')[0]!.toLowerCase() === other.split('#')[0]!.toLowerCase(),
  }),
};

export type RegistryKind = keyof typeof REGISTRY_KINDS;

/** The fields an environment of kind K carries besides the common ones. */
export type EnvironmentFields<K extends RegistryKind> = ReturnType<(typeof REGISTRY_KINDS)[K]['fields']>;

export const REGISTRY_KIND_NAMES = Object.keys(REGISTRY_KINDS) as RegistryKind[];

export const isRegistryKind = (value: unknown): value is RegistryKind => typeof value === 'string' && value in REGISTRY_KINDS;

/** Row access that keeps the kind's field type (the table's rows differ in their Fields). */
const rowOf = <K extends RegistryKind>(k: K): RegistryKindInfo<EnvironmentFields<K>> => REGISTRY_KINDS[k] as unknown as RegistryKindInfo<EnvironmentFields<K>>;

export const registryFields = <K extends RegistryKind>(k: K, raw: RawRecord): EnvironmentFields<K> => rowOf(k).fields(raw);
export const registryIdOfFields = <K extends RegistryKind>(k: K, fields: EnvironmentFields<K>): string => rowOf(k).id(fields);
export const qualifyName = <K extends RegistryKind>(k: K, name: string, fields: EnvironmentFields<K>): string => rowOf(k).qualify(name, fields);
export const versionPageOf = <K extends RegistryKind>(k: K, fields: EnvironmentFields<K>, name: string, version: string): string => rowOf(k).versionPage(fields, name, version);
/** Environment-level accessors (the row's functions take the kind's own fields). */
type AnyEnvironment = { readonly registry: RegistryKind };
export const modelNameProblemOf = (e: AnyEnvironment, name: string) => REGISTRY_KINDS[e.registry].modelNameProblem(name);
export const environmentFieldProblems = (e: AnyEnvironment) => rowOf(e.registry).fieldProblems(e as never);
export const modelIdentityOf = (e: AnyEnvironment, name: string): string => rowOf(e.registry).modelIdentity(e as never, name);
export const capabilitiesOf = (k: RegistryKind): RegistryCapabilities => REGISTRY_KINDS[k].capabilities;
export const registryReaches = (k: RegistryKind, own: string, other: string): boolean => REGISTRY_KINDS[k].reaches(own, other);
export const registryLabel = (k: RegistryKind): string => REGISTRY_KINDS[k].label;

/** The registry kind named by a raw environment entry (the schema has checked it). */
export const rawRegistryKind = (raw: RawRecord): RegistryKind | null => {
  const value = asString(raw.registry);
  return isRegistryKind(value) ? value : null;
};
