// Number formatting for gate messages: short, but never so short that two different numbers
// being compared print the same.

const SIGNIFICANT_DIGITS = 6;

export const formatNumber = (n: number): string => {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n)) return String(n);
  return String(Number.parseFloat(n.toPrecision(SIGNIFICANT_DIGITS)));
};

const withDigits = (n: number, digits: number): string => {
  if (!Number.isFinite(n) || Number.isInteger(n)) return formatNumber(n);
  return String(Number.parseFloat(n.toPrecision(digits)));
};

/**
 * Numbers that are compared with each other, all at one precision: the smallest (from `digits`
 * significant digits up to full precision) at which no two different numbers print the same, so
 * a boundary is always visible ("0.94999999 ... needs ≥ 0.95", never "0.95 ... needs ≥ 0.95").
 */
export const formatDistinct = (values: readonly number[], digits = SIGNIFICANT_DIGITS, format = withDigits): string[] => {
  for (let d = digits; d <= 17; d++) {
    const out = values.map((v) => format(v, d));
    const clash = values.some((a, i) => values.some((b, j) => i < j && !Object.is(a, b) && a !== b && out[i] === out[j]));
    if (!clash) return out;
  }
  return values.map((v) => format(v, 17));
};

/** Format two numbers that are compared with each other; more digits when the short forms collide. */
export const formatPair = (a: number, b: number): [string, string] => {
  const [fa = '', fb = ''] = formatDistinct([a, b]);
  return [fa, fb];
};

const percentWithDigits = (fraction: number, digits: number): string => {
  if (!Number.isFinite(fraction)) return formatNumber(fraction);
  return `${String(Number.parseFloat((fraction * 100).toPrecision(digits)))}%`;
};

/** 0.042 → "4.2%". */
export const formatPercent = (fraction: number): string => percentWithDigits(fraction, 3);

/** Fractions compared with each other, as percentages that differ whenever the fractions do. */
export const formatPercentDistinct = (values: readonly number[]): string[] => formatDistinct(values, 3, percentWithDigits);

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
