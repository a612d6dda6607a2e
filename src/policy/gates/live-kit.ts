// Shared pieces of the gates that judge live evidence (soak, drift): reading the gathered facts,
// durations in options, and times and durations in messages (UTC, from the facts' own timestamps:
// the gates never read a clock).

import { liveNeedKey, type LiveFacts, type LiveNeed } from '../../evidence/live.js';
import { GateOptionError, type RawOptions } from '../options.js';
import type { GateContext } from '../types.js';
import { read, type Read } from './kit.js';

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds from `30s`, `10m`, `24h`, `7d`, `1d12h` or a number of seconds; undefined when absent. */
export const readDuration = (raw: RawOptions, key: string): number | undefined => {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const m = typeof value === 'string' && value !== '' ? DURATION.exec(value) : null;
  if (!m) throw new GateOptionError(`option "${key}" must be a duration such as 30m, 24h or 7d (or seconds), got ${JSON.stringify(value)}`, key);
  return Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
};

/** 90061 → "1 d 1 h 1 min"; at most the two largest units. */
export const humanDuration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  const units: [number, string][] = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, name] of units) {
    if (parts.length === 2) break;
    const n = Math.floor(rest / size);
    if (n > 0 || (parts.length > 0 && size > 1)) {
      if (n > 0) parts.push(`${n} ${name}`);
      rest -= n * size;
    }
  }
  return parts.length > 0 ? parts.join(' ') : '0 s';
};

/** 1765101600000 → "2025-12-07 10:00 UTC". */
export const utc = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, ' UTC');

/** The facts gathered for `need`, or the error result that explains why they are not there. */
export const readLive = <K extends LiveFacts['kind']>(ctx: GateContext, need: LiveNeed, kind: K, what: string): Read<Extract<LiveFacts, { kind: K }>> => {
  const fact = read(ctx.evidence.live?.[liveNeedKey(need)], what);
  if (!fact.ok) return fact;
  if (fact.value.kind !== kind) return read(undefined, what);
  return { ok: true, value: fact.value as Extract<LiveFacts, { kind: K }> };
};

/** "1,234". */
export const count = (n: number): string => n.toLocaleString('en-US');
