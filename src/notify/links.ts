// Where a person looks at a model version, per registry kind: one row per kind (a missing row is a
// compile error). No credentials: MLflow links use the tracking URI without user info.

import { registryIdOf } from '../config/names.js';
import type { RegistryKind } from '../config/registries.js';
import type { Environment, EnvironmentOf } from '../config/types.js';

type LinkOf<K extends RegistryKind> = (environment: EnvironmentOf<K>, name: string, version: string) => string;

const enc = encodeURIComponent;

export const MODEL_LINKS: { readonly [K in RegistryKind]: LinkOf<K> } = {
  mlflow: (environment, name, version) => `${registryIdOf(environment)}/#/models/${enc(name)}/versions/${enc(version)}`,
  'databricks-uc': (environment, name, version) => {
    const [catalog, schema, model] = name.split('.');
    return `${environment.host.replace(/\/+$/, '')}/explore/data/models/${enc(catalog ?? '')}/${enc(schema ?? '')}/${enc(model ?? '')}/version/${enc(version)}`;
  },
};

export const modelLink = (environment: Environment | undefined, name: string, version: string): string | null => {
  if (!environment) return null;
  const link = (MODEL_LINKS[environment.registry] as LinkOf<RegistryKind>)(environment as never, name, version);
  return /^https?:\/\//.test(link) ? link : null;
};
