// The two emulator modes every product suite runs in (src/emulator/core/strict.ts,
// docs/emulator.md "Strict mode"): `default` answers each unconfirmed behaviour with one plausible
// reading, `strict` with the stricter (or the other) one. Code that talks to Databricks must be
// correct under both, so the UC, serving and monitor suites, the fault matrix and the chaos run
// are parameterised over EMULATOR_MODES.

import { ALL_STRICT_BEHAVIOURS, type StrictBehaviour } from '../../src/emulator/core/strict.js';

/**
 * Strict behaviours the product suites do NOT run with yet, each with what must happen before it
 * can leave this list. Empty this list as the product catches up; nothing else needs to change.
 */
export const PRODUCT_STRICT_EXCLUSIONS: readonly { readonly behaviour: StrictBehaviour; readonly until: string }[] = [
  {
    behaviour: 'uc-tag-rules',
    until: 'journal and lock tag keys use no . , - = / : and stay within 50 tags per object (issue 19 item 7); today every key is mlops_gate.<…>',
  },
  {
    behaviour: 'monitor-legacy-output-schema',
    until:
      'a legacy-API monitor whose output schema differs is reported (or re-created) instead of updated with a PUT (src/endpoint/monitor.ts, src/platform/monitoring); today the PUT changes it',
  },
  {
    behaviour: 'monitor-table-missing-code',
    until:
      'the monitoring client tells a missing inference table from a missing monitor without TABLE_DOES_NOT_EXIST (e.g. by reading the table first, or reading a NOT_FOUND on create as a missing table) (src/platform/monitoring/client.ts)',
  },
  {
    behaviour: 'serving-metrics',
    until:
      'canary / blue-green health reads per-minute gauges without a per-entity label and refuses to pass on no evidence (issue 19 item 4); today it subtracts cumulative per-entity counters',
  },
];

const excluded = new Set(PRODUCT_STRICT_EXCLUSIONS.map((e) => e.behaviour));

/** Every strict behaviour the product suites run with in strict mode. */
export const PRODUCT_STRICT: readonly StrictBehaviour[] = ALL_STRICT_BEHAVIOURS.filter((b) => !excluded.has(b));

export type EmulatorMode = 'default' | 'strict';

export const EMULATOR_MODES: readonly EmulatorMode[] = ['default', 'strict'];

/** The `strict` option of `startEmulator` for a product suite in this mode. */
export const strictFor = (mode: EmulatorMode): readonly StrictBehaviour[] => (mode === 'strict' ? PRODUCT_STRICT : []);

/**
 * The mode of the running vitest project (vitest.config.ts sets MLOPS_GATE_EMULATOR_STRICT: `none`
 * for `e2e`, the PRODUCT_STRICT list for `e2e-strict`) and the behaviours an emulator started
 * without a `strict` option must then run with. Suites assert it, so a broken wiring cannot pass
 * the strict run off as a default one.
 */
export function projectMode(): { readonly mode: EmulatorMode; readonly strict: readonly StrictBehaviour[] } {
  const raw = process.env.MLOPS_GATE_EMULATOR_STRICT ?? 'none';
  const strict = raw === 'none' || raw === '' ? [] : raw.split(',').map((s) => s.trim()).filter(Boolean) as StrictBehaviour[];
  return { mode: strict.length > 0 ? 'strict' : 'default', strict: [...strict].sort() };
}
