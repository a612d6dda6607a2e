// The two emulator modes every product suite runs in (src/emulator/core/strict.ts,
// docs/emulator.md "Strict mode"): `default` answers each unconfirmed behaviour with one plausible
// reading, `strict` with the stricter (or the other) one. Code that talks to Databricks must be
// correct under both, so the UC, serving and monitor suites, the fault matrix and the chaos run
// are parameterised over EMULATOR_MODES.

import { ALL_STRICT_BEHAVIOURS, type StrictBehaviour } from '../../src/emulator/core/strict.js';

/**
 * Strict behaviours the product suites do NOT run with yet, each with what must happen before it
 * can leave this list. Empty since issue 19 (journal keys within the tag rules, health on per-minute
 * gauges, monitors correct under both readings): the product suites run with every strict reading.
 * A behaviour added later that the product cannot meet yet goes here with its `until`.
 */
export const PRODUCT_STRICT_EXCLUSIONS: readonly { readonly behaviour: StrictBehaviour; readonly until: string }[] = [];

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
