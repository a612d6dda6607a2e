// Canonical JSON (sorted keys, no whitespace) and sha256, so a plan's hash depends only on its
// content: not on key order, timestamps or the machine that made it.

import { createHash } from 'node:crypto';

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const hashOf = (value: unknown): string => `sha256:${sha256Hex(canonicalJson(value))}`;

/** `--expect-plan` accepts the full `sha256:<hex>` or a unique prefix of the hex (≥ 12 chars). */
export function hashMatches(expected: string, actual: string): boolean {
  const want = expected.trim().toLowerCase().replace(/^sha256:/, '');
  const have = actual.toLowerCase().replace(/^sha256:/, '');
  return want.length >= 12 && have.startsWith(want);
}
