// The words Slack and Teams messages share: one headline per event, the versions involved, the
// gates that stopped a promotion, the links. Plain text; each channel escapes for its own markup.

import type { NotificationDocument, NotifyEvent } from './types.js';

export const ICONS: { readonly [E in NotifyEvent]: string } = {
  blocked: '⛔',
  applied: '✅',
  aborted: '⚠️',
  rolled_back: '↩️',
  reverted: '⏪',
};

export function headline(d: NotificationDocument): string {
  switch (d.event) {
    case 'blocked':
      return `${d.model}: promotion ${d.from} → ${d.to} blocked`;
    case 'applied':
      return `${d.model}: promoted ${d.from} → ${d.to}`;
    case 'aborted':
      return d.command === 'rollback' ? `${d.model}: rollback in ${d.to} aborted (${d.status ?? 'failed'})` : `${d.model}: promotion ${d.from} → ${d.to} aborted (${d.status ?? 'failed'})`;
    case 'rolled_back':
      return `${d.model}: rolled back in ${d.to}`;
    case 'reverted':
      return `${d.model}: reverted in ${d.to} after the bake found a breach`;
  }
}

/** "churn-dev v7 → churn-prod v3, replacing v2" and the like; null when no version is known. */
export function versionLine(d: NotificationDocument): string | null {
  const c = d.candidate;
  const dest = d.destination;
  const previous = d.previous_version;
  switch (d.event) {
    case 'applied':
      if (!c) return null;
      return `${c.name} v${c.version}${dest?.version ? ` → ${dest.name} v${dest.version}` : ''}${previous ? `, replacing v${previous}` : ''}`;
    case 'reverted': {
      // The promoted version (destination) went out, baked, breached and was reverted.
      const name = dest?.name ?? c?.name;
      const version = dest?.version ?? c?.version;
      return name && version ? `${name} v${version} reverted${previous ? `, back to v${previous}` : ''}; v${version} is quarantined` : null;
    }
    case 'rolled_back': {
      const restored = dest?.version ?? c?.version;
      const name = dest?.name ?? c?.name;
      return restored && name ? `${name} back to v${restored}${previous ? ` (from v${previous})` : ''}` : null;
    }
    default:
      return c ? `candidate ${c.name} v${c.version}${previous ? ` (champion v${previous})` : ''}` : null;
  }
}

/** The gates that did not pass, as "id (outcome): message" lines, at most `max`. */
export const gateLines = (d: NotificationDocument, max = 5): string[] => {
  const lines = d.gates.slice(0, max).map((g) => `${g.id} (${g.outcome}): ${g.message}`);
  if (d.gates.length > max) lines.push(`… and ${d.gates.length - max} more`);
  return lines;
};

/** The document's links that are http(s) URLs, with their labels. */
export const linksOf = (d: NotificationDocument): { readonly label: string; readonly url: string }[] =>
  (
    [
      ['Pull request', d.links.pull_request],
      ['Run', d.links.run],
      ['Model', d.links.model],
      ['Commit', d.links.commit],
    ] as const
  ).flatMap(([label, url]) => (url && /^https?:\/\/[^\s]+$/.test(url) ? [{ label, url }] : []));

export const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
