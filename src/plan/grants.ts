// Pure: grants on the promoted registered model (Unity Catalog), per environment. The step makes
// each listed principal hold exactly its listed privileges on the model (others' grants are left
// alone); what they held before is journaled with the previous champion, so a rollback puts it back.

import { readPrevious } from '../registry/journal.js';
import type { Grants } from '../registry/ports.js';
import type { RegistryId } from '../registry/types.js';
import type { DraftStep } from './serving.js';

const normal = (g: Grants): Record<string, string[]> =>
  Object.fromEntries(
    Object.keys(g)
      .sort()
      .map((p) => [p, [...new Set(g[p])].sort()]),
  );

/** The grants journaled in the environment's previous record on a version (null: none, or unreadable). */
export function journaledGrants(tags: Readonly<Record<string, string>>, env: string): Grants | null {
  const read = readPrevious(tags, env);
  const parsed: unknown = read.ok ? read.value?.grants : undefined;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const out: Record<string, string[]> = {};
  for (const [p, privs] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Array.isArray(privs) || !privs.every((x) => typeof x === 'string')) return null;
    out[p] = privs as string[];
  }
  return out;
}

/** Does every listed principal hold exactly its privileges? */
export const grantsHold = (live: Grants, wanted: Grants): boolean =>
  Object.entries(wanted).every(([p, privs]) => {
    const have = [...new Set(live[p] ?? [])].sort();
    const want = [...new Set(privs)].sort();
    return have.length === want.length && have.every((x, i) => x === want[i]);
  });

/** The changes that make `live` hold `wanted` (one entry per principal that differs). */
export function grantChanges(live: Grants, wanted: Grants): { principal: string; add: string[]; remove: string[] }[] {
  return Object.keys(wanted)
    .sort()
    .map((principal) => {
      const have = new Set(live[principal] ?? []);
      const want = new Set(wanted[principal]);
      return { principal, add: [...want].filter((p) => !have.has(p)).sort(), remove: [...have].filter((p) => !want.has(p)).sort() };
    })
    .filter((c) => c.add.length > 0 || c.remove.length > 0);
}

/**
 * What the listed principals held before this promotion. Once journaled on the promoted version
 * (a re-run, or grants changed by hand since), the journal answers: it is what they held before this
 * version was promoted, which a rollback puts back, and a finished promotion re-plans to the same hash.
 */
export function previousGrants(wanted: Grants, live: Grants | undefined, journal: Readonly<Record<string, string>>, env: string): Grants {
  const recorded = journaledGrants(journal, env);
  if (recorded) return recorded;
  const now = live ?? {};
  return Object.fromEntries(Object.keys(wanted).map((p) => [p, [...(now[p] ?? [])].sort()]));
}

const describe = (g: Grants): string =>
  Object.keys(g)
    .sort()
    .map((p) => `${p}: ${g[p]!.length ? g[p]!.join(', ') : 'nothing'}`)
    .join('; ') || 'nothing';

export function grantsStep(registry: RegistryId, model: string, environment: string, grants: Grants, before: Grants | null): DraftStep {
  const normalised = normal(grants);
  return {
    spec: { kind: 'ensure-grants', registry, model, environment, grants: normalised },
    pre: `registered model "${model}" exists`,
    post: `on "${model}": ${describe(normalised)} (exactly, for these principals)`,
    text: `grant on "${model}": ${describe(normalised)}${before ? ` (now: ${describe(before)})` : ''}`,
  };
}
