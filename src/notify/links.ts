// Where a person looks at a model version: the registry kind's own row (src/config/registries.ts).

import { versionPageOf } from '../config/registries.js';
import type { Environment } from '../config/types.js';

export const modelLink = (environment: Environment | undefined, name: string, version: string): string | null => {
  if (!environment) return null;
  const link = versionPageOf(environment.registry, environment as never, name, version);
  return /^https?:\/\//.test(link) ? link : null;
};
