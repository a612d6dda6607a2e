// Pure types: a Databricks Asset Bundle as src/config/bundle.ts reads it (no imports from the config
// modules, so src/config/types.ts can name it without a cycle).

import type { SourcePosition } from '../errors.js';

type Raw = Record<string, unknown>;

/** Where a declaration is written. */
export interface Declared {
  /** The resource key (`resources.model_serving_endpoints.<key>`). */
  readonly key: string;
  readonly position: SourcePosition;
}

export interface BundleEndpoint extends Declared {
  /** Resolved; `dev_<short_name>_`-prefixed names keep that part unresolved. */
  readonly name: string;
  /** The endpoint as declared for the target, `${…}` resolved where known (the API create body). */
  readonly body: Raw;
}

export interface BundleModel extends Declared {
  /** `catalog.schema.name`, lower-case as Unity Catalog stores it. */
  readonly fullName: string;
  readonly grants: Readonly<Record<string, readonly string[]>>;
}

export interface BundleMonitor extends Declared {
  readonly tableName: string;
}

export interface BundleTarget {
  readonly name: string;
  readonly mode: string | null;
  readonly endpoints: readonly BundleEndpoint[];
  readonly models: readonly BundleModel[];
  readonly monitors: readonly BundleMonitor[];
  /** `${…}` references that could not be resolved here (lookups, deploy-time values). */
  readonly unresolved: readonly string[];
}

export interface Bundle {
  /** The root file, as given. */
  readonly file: string;
  readonly name: string;
  /** Every file read (root first). */
  readonly files: readonly string[];
  readonly targets: readonly BundleTarget[];
}
