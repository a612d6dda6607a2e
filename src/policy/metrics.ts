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
 * Extension, relative non-inferiority margin: regression = −improvement ≤ m. When the champion is
 * 0 a relative margin is 0 wide, so the candidate must be at least as good as the champion.
 */
export const withinRelativeRegression = (
  candidate: number,
  champion: number,
  maxRegression: number,
  greaterIsBetter: boolean,
  base: RelativeBase,
): boolean => {
  const improvement = relativeImprovement(candidate, champion, greaterIsBetter, base);
  if (improvement === null) return withinAbsoluteRegression(candidate, champion, 0, greaterIsBetter);
  return -improvement <= maxRegression;
};
