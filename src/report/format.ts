// Small formatting helpers shared by the renderers.

import type { Outcome, Measured } from '../policy/types.js';
import type { VersionSummary } from '../policy/types.js';

export const OUTCOME_LABEL: Readonly<Record<Outcome, string>> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  error: 'ERROR',
  skipped: 'SKIPPED',
  waived: 'WAIVED',
};

export const OUTCOME_EMOJI: Readonly<Record<Outcome, string>> = {
  pass: '✅',
  fail: '❌',
  warn: '⚠️',
  error: '🛑',
  skipped: '⏭️',
  waived: '🛡️',
};

export const formatValue = (v: number | string | boolean | null | undefined): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    const abs = Math.abs(v);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  return String(v);
};

export const formatMeasured = (m: Measured): string =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(', ');

export const formatVersion = (v: VersionSummary | null, none: string): string => (v ? `${v.name} v${v.version}` : none);
