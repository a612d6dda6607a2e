// Pure: what changed between a reviewed plan and the plan the world gives now, in words.

import { canonicalJson } from '../util/hash.js';
import type { PlannedStep, TargetPlan } from './types.js';

const v = (x: string | null): string => (x === null ? '(none)' : `v${x}`);

export function describePlan(plan: TargetPlan): string[] {
  return [
    `candidate ${plan.source.name} v${plan.source.version} (${plan.source.source}) from ${plan.source.registry}`,
    `destination "${plan.destination.model}" on ${plan.destination.registry}`,
    `previous champion ${v(plan.previousChampion)}`,
    ...plan.steps.map((s) => `step ${s.id}: ${s.description}`),
  ];
}

export function diffPlans(reviewed: TargetPlan, now: TargetPlan): string[] {
  const changes: string[] = [];
  const a = reviewed.source;
  const b = now.source;
  if (a.name !== b.name || a.version !== b.version) changes.push(`candidate changed: ${a.name} v${a.version} → ${b.name} v${b.version}`);
  if (a.source !== b.source) changes.push(`candidate artifacts changed: ${a.source} → ${b.source}`);
  if (a.registry !== b.registry) changes.push(`source registry changed: ${a.registry} → ${b.registry}`);
  if (reviewed.destination.model !== now.destination.model || reviewed.destination.registry !== now.destination.registry) {
    changes.push(`destination changed: "${reviewed.destination.model}" → "${now.destination.model}"`);
  }
  if (reviewed.mode !== now.mode) changes.push(`promotion mode changed: ${reviewed.mode} → ${now.mode}`);
  if (reviewed.previousChampion !== now.previousChampion) {
    changes.push(`champion changed since review: it was ${v(reviewed.previousChampion)}, now ${v(now.previousChampion)}`);
  }
  const key = (s: PlannedStep) => canonicalJson(s.spec);
  const max = Math.max(reviewed.steps.length, now.steps.length);
  for (let i = 0; i < max; i++) {
    const r = reviewed.steps[i];
    const n = now.steps[i];
    if (r && !n) changes.push(`step ${r.id} no longer planned: ${r.description}`);
    else if (!r && n) changes.push(`new step ${n.id}: ${n.description}`);
    else if (r && n && key(r) !== key(n)) changes.push(`step ${n.id} changed: "${r.description}" → "${n.description}"`);
  }
  return changes;
}
