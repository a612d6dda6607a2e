// Metric values as the registries store them. MLflow cannot store an infinite double: its stores
// write +inf as 1.7976931348623157e308 and -inf as -1.7976931348623157e308 (±Number.MAX_VALUE),
// and return those. A metric of exactly ±MAX_VALUE is therefore read as ±Infinity here, where
// metrics enter the policy engine, so that "non-finite values never pass" holds for them too.

/** MLflow's stored form of ±infinity. */
export const MLFLOW_INFINITY = Number.MAX_VALUE;

/** A metric value as the gates see it: ±MAX_VALUE → ±Infinity; anything that is not a number → NaN. */
export const metricValue = (stored: unknown): number => {
  if (typeof stored !== 'number') return Number.NaN;
  if (stored >= MLFLOW_INFINITY) return Number.POSITIVE_INFINITY;
  if (stored <= -MLFLOW_INFINITY) return Number.NEGATIVE_INFINITY;
  return stored;
};

/** How a non-finite metric reads in a message, saying where an infinity came from. */
export const describeNonFinite = (stored: unknown): string => {
  if (typeof stored !== 'number') return `${stored === null ? 'null' : typeof stored} (not a number)`;
  if (Number.isNaN(stored)) return 'NaN (not a number)';
  const sign = stored > 0 ? '+' : '-';
  return Number.isFinite(stored)
    ? `${sign}Infinity (stored as ${String(stored)}, the largest double, which is how MLflow records infinity)`
    : `${sign}Infinity`;
};
