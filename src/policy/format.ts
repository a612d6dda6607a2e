// Number formatting for gate messages: short, but never so short that two different numbers
// being compared print the same.

const SIGNIFICANT_DIGITS = 6;

export const formatNumber = (n: number): string => {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n)) return String(n);
  return String(Number.parseFloat(n.toPrecision(SIGNIFICANT_DIGITS)));
};

/** Format two numbers that are compared with each other; full precision when the short forms collide. */
export const formatPair = (a: number, b: number): [string, string] => {
  const [fa, fb] = [formatNumber(a), formatNumber(b)];
  return fa === fb && a !== b ? [String(a), String(b)] : [fa, fb];
};

/** 0.042 → "4.2%". */
export const formatPercent = (fraction: number): string => {
  if (!Number.isFinite(fraction)) return formatNumber(fraction);
  return `${String(Number.parseFloat((fraction * 100).toPrecision(3)))}%`;
};

/** +0.006 / -0.012: an explicit sign for deltas. */
export const formatSigned = (n: number): string => (n > 0 ? `+${formatNumber(n)}` : formatNumber(n));

export const formatSignedPercent = (fraction: number): string =>
  fraction > 0 ? `+${formatPercent(fraction)}` : formatPercent(fraction);

/** "a", "a and b", "a, b and c". */
export const listOf = (items: readonly string[]): string => {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
};

export const plural = (count: number, singular: string, pluralForm = `${singular}s`): string =>
  `${String(count)} ${count === 1 ? singular : pluralForm}`;

export const shortSha = (sha: string): string => (/^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 7) : sha);
