// Metric comparisons. The first three follow MLflow's MetricThreshold exactly
// (mlflow/models/evaluation/validation.py, `_validate`); the rest are documented extensions.
// See docs/gates.md for the formulas and worked examples.

/** MLflow's zero-baseline fallback: "strictly better" means better by at least this much. */
export const ZERO_BASELINE_EPSILON = 1e-10;

export type RelativeBase = 'champion' | 'abs_champion';

/** MLflow `threshold`, inclusive: candidate ≥ t (greater is better) or ≤ t. */
export const meetsThreshold = (candidate: number, threshold: number, greaterIsBetter: boolean): boolean =>
  greaterIsBetter ? candidate >= threshold : candidate <= threshold;

/** MLflow `min_absolute_change`, inclusive: candidate ≥ champion + a (or ≤ champion − a). */
export const meetsMinAbsoluteChange = (
  candidate: number,
  champion: number,
  minChange: number,
  greaterIsBetter: boolean,
): boolean => (greaterIsBetter ? candidate >= champion + minChange : candidate <= champion - minChange);

/**
 * Improvement relative to the champion: (candidate − champion) / base, sign flipped when lower is
 * better, so a positive value always means "better". base = champion (MLflow) or |champion|.
 * null when the champion is 0 (undefined ratio).
 */
export const relativeImprovement = (
  candidate: number,
  champion: number,
  greaterIsBetter: boolean,
  base: RelativeBase,
): number | null => {
  if (champion === 0) return null;
  const denominator = base === 'abs_champion' ? Math.abs(champion) : champion;
  return (greaterIsBetter ? candidate - champion : champion - candidate) / denominator;
};

/**
 * MLflow `min_relative_change`: improvement ≥ r. When the champion is 0, MLflow falls back to
 * "strictly better by 1e-10": candidate ≥ 0 + 1e-10 (or ≤ 0 − 1e-10).
 */
export const meetsMinRelativeChange = (
  candidate: number,
  champion: number,
  minChange: number,
  greaterIsBetter: boolean,
  base: RelativeBase,
): boolean => {
  const improvement = relativeImprovement(candidate, champion, greaterIsBetter, base);
  if (improvement === null) {
    return meetsMinAbsoluteChange(candidate, champion, ZERO_BASELINE_EPSILON, greaterIsBetter);
  }
  return improvement >= minChange;
};

/** Extension, non-inferiority margin: candidate ≥ champion − a (or ≤ champion + a). Inclusive. */
export const withinAbsoluteRegression = (
  candidate: number,
  champion: number,
  maxRegression: number,
  greaterIsBetter: boolean,
): boolean => (greaterIsBetter ? candidate >= champion - maxRegression : candidate <= champion + maxRegression);

/**
 * Extension, relative non-inferiority margin m: the candidate may be at most m × base worse,
 * i.e. candidate ≥ champion − m·base (greater is better) or ≤ champion + m·base, base = champion
 * or |champion|. Written as a product rather than a ratio so a candidate exactly m worse passes
 * despite binary rounding (1 − 0.99 > 0.01 in floating point). With a negative base the
 * inequality flips, exactly as the ratio form would. A zero champion gives a zero-width margin.
 */
export const withinRelativeRegression = (
  candidate: number,
  champion: number,
  maxRegression: number,
  greaterIsBetter: boolean,
  base: RelativeBase,
): boolean => {
  const denominator = base === 'abs_champion' ? Math.abs(champion) : champion;
  const margin = maxRegression * denominator;
  const bound = greaterIsBetter ? champion - margin : champion + margin;
  const noWorseThanBound = greaterIsBetter ? candidate >= bound : candidate <= bound;
  if (denominator >= 0) return noWorseThanBound;
  // Dividing by a negative champion (MLflow's signed base) reverses the comparison.
  return greaterIsBetter ? candidate <= bound : candidate >= bound;
};
