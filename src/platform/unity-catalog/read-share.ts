// What a read-only run (`plan`) has already read of Unity Catalog model versions, shared by the
// evidence reader and the promotion preview: a version gathering read (by alias or by number) is
// not read again when the preview looks at the destination's copies. `registered-models/alias` and
// `model-versions/get` answer the same `ModelVersion` message (docs/fidelity.md #178), so either
// answer stands for the other. Never used by a run that writes.

import type { WireUcVersion } from './wire.js';

export interface UcReadShare {
  remember(wire: WireUcVersion | undefined): void;
  /** The version as read earlier in this run, or undefined. */
  recall(name: string, version: string): WireUcVersion | undefined;
}

export const createUcReadShare = (): UcReadShare => {
  const seen = new Map<string, WireUcVersion>();
  const key = (name: string, version: string): string => `${name.toLowerCase()}\u0000${version}`;
  return {
    remember(wire) {
      if (!wire || typeof wire.name !== 'string' || wire.version === undefined) return;
      seen.set(key(wire.name, String(wire.version)), wire);
    },
    recall: (name, version) => seen.get(key(name, version)),
  };
};
