// Pure: a model's `serving:` settings for one environment, with `overrides.<env>` applied. Maps
// (environment_vars, tags) merge key by key; every other field is replaced; `workload_size` and
// `provisioned_concurrency` replace each other (the API takes one or the other). Also the secret
// checks on environment variables (a literal that looks like a secret is flagged, never printed).

import { expandTemplate } from './template.js';
import type { RateLimitConfig, ServingConfig, ServingSettingsLayer } from './types.js';

export interface ResolvedServing {
  readonly workloadType: string | null;
  /** null when sized by provisioned concurrency. */
  readonly workloadSize: string | null;
  readonly provisionedConcurrency: { readonly min: number; readonly max: number } | null;
  readonly provisionedThroughput: { readonly min: number; readonly max: number } | null;
  readonly scaleToZero: boolean;
  readonly environmentVars: Readonly<Record<string, string>> | null;
  readonly instanceProfileArn: string | null;
  /** Endpoint tags mlops-gate sets; null: none managed. */
  readonly tags: Readonly<Record<string, string>> | null;
  readonly rateLimits: readonly RateLimitConfig[] | null;
  readonly usageTracking: boolean | null;
  /** Templates expanded. */
  readonly inferenceTable: { readonly catalog: string; readonly schema: string; readonly prefix: string } | null;
}

export const DEFAULT_WORKLOAD_SIZE = 'Small';

const mergeMaps = (a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> | undefined =>
  a === undefined ? b : b === undefined ? a : { ...a, ...b };

/** The settings of `serving` in `environment` (model id for templates). */
export function resolveServing(serving: ServingConfig, environment: string, modelId: string): ResolvedServing {
  const base: ServingSettingsLayer = serving.base ?? { workloadSize: serving.workloadSize, ...(serving.inferenceTable ? { inferenceTable: serving.inferenceTable } : {}) };
  const over: ServingSettingsLayer = serving.overrides?.[environment] ?? {};
  // Sizing: the environment's choice of mode wins over the model's.
  const overSized = over.workloadSize !== undefined || over.provisionedConcurrency !== undefined;
  const sizing = overSized ? over : base;
  const concurrency = sizing.provisionedConcurrency ?? null;
  const workloadSize = concurrency ? null : (sizing.workloadSize ?? DEFAULT_WORKLOAD_SIZE);
  const pick = <K extends keyof ServingSettingsLayer>(key: K): ServingSettingsLayer[K] => (over[key] !== undefined ? over[key] : base[key]);
  const table = pick('inferenceTable');
  const values = { env: environment, model: modelId };
  return {
    workloadType: pick('workloadType') ?? null,
    workloadSize,
    provisionedConcurrency: concurrency,
    provisionedThroughput: pick('provisionedThroughput') ?? null,
    scaleToZero: over.scaleToZero ?? serving.scaleToZero[environment] ?? serving.scaleToZeroDefault,
    environmentVars: mergeMaps(base.environmentVars, over.environmentVars) ?? null,
    instanceProfileArn: pick('instanceProfileArn') ?? null,
    tags: mergeMaps(base.tags, over.tags) ?? null,
    rateLimits: pick('rateLimits') ?? null,
    usageTracking: pick('usageTracking') ?? null,
    inferenceTable: table
      ? { catalog: expandTemplate(table.catalog, values), schema: expandTemplate(table.schema, values), prefix: expandTemplate(table.prefix, values) }
      : null,
  };
}

/** `{{secrets/<scope>/<key>}}`: a Databricks secret reference (resolved by Databricks when serving). */
export const SECRET_REFERENCE = /^\{\{secrets\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\}\}$/;

/** A value that tries to be a secret reference but is not one (`{{secrets/scope}}`, `{{ secrets/a/b }}`). */
export const malformedSecretReference = (value: string): boolean => /\{\{\s*secrets/i.test(value) && !SECRET_REFERENCE.test(value);

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)/i;
const SECRET_SHAPES = [
  /^dapi[0-9a-f]{32}(-\d+)?$/i, // Databricks personal access token
  /^(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}$/, // GitHub
  /^(AKIA|ASIA)[A-Z0-9]{16}$/, // AWS access key id
  /^sk-[A-Za-z0-9_-]{20,}$/, // OpenAI-style keys
  /^xox[abpr]-[A-Za-z0-9-]{10,}$/, // Slack
  /^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\./, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** Shannon entropy, bits per character. */
const entropy = (s: string): number => {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
};

/**
 * Why a literal environment variable value looks like a secret (to be moved into a secret scope and
 * referenced), or null. The reason never contains the value.
 */
export function secretLikeReason(name: string, value: string): string | null {
  if (value === '' || SECRET_REFERENCE.test(value)) return null;
  if (SECRET_SHAPES.some((re) => re.test(value))) return 'it has the shape of a credential';
  if (SECRET_NAME.test(name) && value.length >= 8) return `its name (${name}) says it holds a secret`;
  if (value.length >= 24 && !/\s/.test(value) && entropy(value) >= 4) return 'it is a long random-looking string';
  return null;
}
