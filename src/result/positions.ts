// Where each gate of a verdict is configured: the policy engine reports outcomes, the config knows
// lines. Joined here so annotations, SARIF and JUnit can point at the gate's line.

import type { GateSpec, SourcePosition } from '../config/types.js';
import type { TargetVerdict } from '../policy/types.js';
import type { GateEntry, TargetReport } from './types.js';

/** Positions of built-in packs name no file of the repository (`builtin:<pack>`). */
const inRepository = (p: SourcePosition): boolean => !/^builtin:/.test(p.file);

/**
 * The verdict with each gate's position: the gate's entry in mlops.yml or its policy file, or, for
 * a built-in pack's gate, `modelPosition` (the model that uses the pack).
 */
export function withGatePositions(verdict: TargetVerdict, specs: readonly GateSpec[], modelPosition: SourcePosition | null): TargetReport {
  const byId = new Map(specs.map((s) => [s.id, s.position] as const));
  const gates: GateEntry[] = verdict.gates.map((g) => {
    const p = byId.get(g.id);
    return { ...g, position: p === undefined ? null : inRepository(p) ? p : modelPosition };
  });
  return { ...verdict, gates };
}
