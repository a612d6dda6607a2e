// Pure: what Databricks Model Serving would refuse in a model's `serving:` block, and what it may
// refuse, found at `validate` time with the key's file:line:column. Errors are the documented
// limits (docs/fidelity.md, "Serving config"); warnings are rules no source settles (the emulator's
// strict mode refuses them) and literal environment variables that look like secrets.

import type { Diagnostic } from '../errors.js';
import { shorten, ucNamePartProblem } from './name-rules.js';
import { capabilitiesOf } from './registries.js';
import { asRecord } from './raw.js';
import { malformedSecretReference, resolveServing, secretLikeReason } from './serving.js';
import { pointerJoin, positionOf } from './source.js';
import type { SourceDocument } from './source.js';
import { expandTemplate } from './template.js';
import type { Config, ModelConfig, ServingSettingsLayer } from './types.js';

/** "Provisioned concurrency | Per model | 1024 with custom option and route optimization" (model-serving-limits). */
export const MAX_PROVISIONED_CONCURRENCY = 1024;
/** "Environment variables | Per served model | 30" (model-serving-limits). */
export const MAX_ENVIRONMENT_VARS = 30;
/** Endpoint names: "[ 1 .. 63 ] characters", alphanumerics, dashes and underscores; `databricks-` is reserved. */
const ENDPOINT_NAME = /^[A-Za-z0-9_-]{1,63}$/;
/** Unconfirmed limits, answered by the emulator's strict mode (serving-tag-limits, serving-env-var-names, serving-concurrency-step). */
export const TAG_KEY_MAX = 127;
export const TAG_VALUE_MAX = 255;
const POSIX_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkServing(config: Config, model: ModelConfig, doc: SourceDocument): Diagnostic[] {
  const serving = model.serving;
  if (!serving) return [];
  const out: Diagnostic[] = [];
  const base = pointerJoin(pointerJoin('/models', model.id), 'serving');
  const report = (severity: Diagnostic['severity'], code: string, message: string, pointer: string, extra: { hint?: string; which?: 'key' | 'value' } = {}): void => {
    if (out.some((d) => d.code === code && d.path === pointer)) return;
    out.push({ severity, code, message, path: pointer, position: positionOf(doc, pointer, extra.which ?? 'value'), ...(extra.hint ? { hint: extra.hint } : {}) });
  };
  const raw = asRecord(asRecord(asRecord(asRecord(doc.value)?.models)?.[model.id])?.serving) ?? {};
  const rawOverrides = asRecord(raw.overrides) ?? {};

  const layers: { pointer: string; layer: ServingSettingsLayer; raw: Record<string, unknown>; env: string | null }[] = [
    { pointer: base, layer: serving.base ?? {}, raw, env: null },
    ...Object.entries(serving.overrides ?? {}).map(([env, layer]) => ({ pointer: pointerJoin(pointerJoin(base, 'overrides'), env), layer, raw: asRecord(rawOverrides[env]) ?? {}, env })),
  ];

  for (const { pointer, layer, raw: rawLayer, env } of layers) {
    if (env !== null) {
      const environment = config.environments.get(env);
      if (!environment) {
        report('error', 'unknown-environment', `serving.overrides: there is no environment "${shorten(env)}" (environments: ${[...config.environments.keys()].join(', ')})`, pointer, { which: 'key' });
        continue;
      }
      if (!capabilitiesOf(environment.registry).serving || (serving.environments !== null && !serving.environments.includes(env))) {
        report('warning', 'ignored-field', `serving.overrides.${env}: "${env}" has no serving endpoint here, so these settings are never used`, pointer, { which: 'key' });
      }
    }
    // "Do not use if min_provisioned_concurrency and max_provisioned_concurrency are specified" (SDK ServedEntityInput.workload_size).
    if (rawLayer.workload_size !== undefined && rawLayer.provisioned_concurrency !== undefined) {
      report('error', 'exclusive-fields', 'workload_size and provisioned_concurrency cannot both be set: a served entity is sized by one or the other (the API refuses both)', pointerJoin(pointer, 'provisioned_concurrency'), {
        which: 'key',
        hint: 'keep workload_size (Small, Medium, Large) or provisioned_concurrency {min, max}',
      });
    }
    const c = layer.provisionedConcurrency;
    if (c) {
      const at = pointerJoin(pointer, 'provisioned_concurrency');
      if (c.min > c.max) report('error', 'range', `provisioned_concurrency: min ${c.min} is above max ${c.max}`, pointerJoin(at, 'min'));
      if (c.max > MAX_PROVISIONED_CONCURRENCY) report('error', 'range', `provisioned_concurrency: max ${c.max} is above the documented limit of ${MAX_PROVISIONED_CONCURRENCY} per model`, pointerJoin(at, 'max'));
      for (const side of ['min', 'max'] as const) {
        if (c[side] % 4 !== 0) {
          report('warning', 'concurrency-step', `provisioned_concurrency: ${side} ${c[side]} is not a multiple of 4; every documented size is (4, 8-16, 16-64) and Databricks may refuse others`, pointerJoin(at, side));
        }
      }
    }
    const t = layer.provisionedThroughput;
    if (t && t.min > t.max) report('error', 'range', `provisioned_throughput: min ${t.min} is above max ${t.max}`, pointerJoin(pointerJoin(pointer, 'provisioned_throughput'), 'min'));
    for (const [name, value] of Object.entries(layer.environmentVars ?? {})) {
      const at = pointerJoin(pointerJoin(pointer, 'environment_vars'), name);
      if (malformedSecretReference(value)) {
        report('error', 'bad-secret-reference', `environment variable ${shorten(name)}: not a secret reference; write {{secrets/<scope>/<key>}} exactly`, at);
      } else {
        const why = secretLikeReason(name, value);
        if (why) {
          report('warning', 'literal-secret', `environment variable ${shorten(name)} holds a literal value that looks like a secret (${why}); the value is not shown`, at, {
            hint: 'store it in a Databricks secret scope and write {{secrets/<scope>/<key>}}: Databricks resolves it when serving, mlops-gate never sees it',
          });
        }
      }
      if (!POSIX_NAME.test(name)) {
        report('warning', 'env-var-name', `environment variable name "${shorten(name)}" is not letters, digits and _ (not starting with a digit); Databricks may refuse it`, at, { which: 'key' });
      }
    }
    for (const [key, value] of Object.entries(layer.tags ?? {})) {
      const at = pointerJoin(pointerJoin(pointer, 'tags'), key);
      if (key.length > TAG_KEY_MAX) report('warning', 'tag-length', `endpoint tag key "${shorten(key)}" has ${key.length} characters; the limit is not documented and may be ${TAG_KEY_MAX}`, at, { which: 'key' });
      if (value.length > TAG_VALUE_MAX) report('warning', 'tag-length', `endpoint tag ${shorten(key)}: the value has ${value.length} characters; the limit is not documented and may be ${TAG_VALUE_MAX}`, at);
    }
  }

  // Per environment, what promote would send.
  for (const environment of config.environments.values()) {
    if (!capabilitiesOf(environment.registry).serving || (serving.environments !== null && !serving.environments.includes(environment.name))) continue;
    const resolved = resolveServing(serving, environment.name, model.id);
    const count = Object.keys(resolved.environmentVars ?? {}).length;
    if (count > MAX_ENVIRONMENT_VARS) {
      const pointer = Object.keys(serving.overrides?.[environment.name]?.environmentVars ?? {}).length > 0 ? pointerJoin(pointerJoin(pointerJoin(base, 'overrides'), environment.name), 'environment_vars') : pointerJoin(base, 'environment_vars');
      report('error', 'size', `"${environment.name}": ${count} environment variables; the documented limit is ${MAX_ENVIRONMENT_VARS} per served model`, pointer, { which: 'key' });
    }
    const name = expandTemplate(serving.endpoint, { env: environment.name, model: model.id });
    if (!ENDPOINT_NAME.test(name)) {
      report('error', 'bad-name', `serving endpoint name "${shorten(name)}" (in "${environment.name}") must be 1 to 63 letters, digits, "-" and "_"`, pointerJoin(base, 'endpoint'));
    } else if (name.toLowerCase().startsWith('databricks-')) {
      report('error', 'bad-name', `serving endpoint name "${shorten(name)}" (in "${environment.name}"): the databricks- prefix is reserved for Databricks' own endpoints`, pointerJoin(base, 'endpoint'));
    }
    const table = resolved.inferenceTable;
    if (table) {
      for (const [field, value] of [['catalog', table.catalog], ['schema', table.schema], ['prefix', table.prefix]] as const) {
        const problem = ucNamePartProblem(value);
        if (problem) {
          const layerPointer = serving.overrides?.[environment.name]?.inferenceTable ? pointerJoin(pointerJoin(base, 'overrides'), environment.name) : base;
          report('error', 'bad-name', `inference_table ${field} "${shorten(value)}" (in "${environment.name}") ${problem}`, pointerJoin(pointerJoin(layerPointer, 'inference_table'), field));
        }
      }
    }
  }

  if (serving.owner === 'bundle') {
    const managed = ['workload_type', 'workload_size', 'provisioned_concurrency', 'provisioned_throughput', 'environment_vars', 'instance_profile_arn', 'tags', 'ai_gateway', 'inference_table', 'overrides'];
    for (const field of managed) {
      if (raw[field] !== undefined) {
        report('warning', 'ignored-field', `serving.${field} is ignored with owner: bundle (the bundle owns the endpoint's settings; mlops-gate moves versions and traffic only)`, pointerJoin(base, field), {
          which: 'key',
          hint: 'set it in the bundle (databricks.yml), or use owner: mlops-gate and remove the endpoint from the bundle',
        });
      }
    }
  }
  return out;
}
