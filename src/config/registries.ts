// The registry kinds an environment can name (`registry:` in mlops.yml), as the core knows them:
// the environment fields each reads from the config, how a plan names the registry, how a model
// name is qualified there, and what it can do. The adapters that connect to each kind are the
// matching rows of REGISTRY_CONNECTORS (src/wiring/registries.ts). Adding a kind: one row here,
// one row there, the adapter folder under src/platform/, and its fields in the schema.

import { asString, type RawRecord } from './raw.js';

export interface RegistryCapabilities {
  /** Legacy registry stages (Staging / Production), for `promotion: stage`. */
  readonly stages: boolean;
  /** Model Serving endpoints (`serving:`). */
  readonly serving: boolean;
  /** Lakehouse / Data Quality monitors (`monitor:`). */
  readonly monitors: boolean;
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
    capabilities: { stages: true, serving: false, monitors: false },
  }),
  'databricks-uc': kind({
    label: 'Unity Catalog',
    fields: (raw) => ({ host: String(raw.host), catalog: String(raw.catalog), schema: String(raw.schema) }),
    id: (f) => `${f.host.replace(/\/+$/, '')}#${f.catalog}.${f.schema}`,
    // Unity Catalog names are `<catalog>.<schema>.<name>` unless the configured name already is.
    qualify: (name, f) => (name.split('.').length === 3 ? name : `${f.catalog}.${f.schema}.${name}`),
    versionPage: (f, name, version) => {
      const [catalog, schema, model] = name.split('.');
      return `${f.host.replace(/\/+$/, '')}/explore/data/models/${enc(catalog ?? '')}/${enc(schema ?? '')}/${enc(model ?? '')}/version/${enc(version)}`;
    },
    capabilities: { stages: false, serving: true, monitors: true },
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
export const capabilitiesOf = (k: RegistryKind): RegistryCapabilities => REGISTRY_KINDS[k].capabilities;
export const registryLabel = (k: RegistryKind): string => REGISTRY_KINDS[k].label;

/** The registry kind named by a raw environment entry (the schema has checked it). */
export const rawRegistryKind = (raw: RawRecord): RegistryKind | null => {
  const value = asString(raw.registry);
  return isRegistryKind(value) ? value : null;
};
