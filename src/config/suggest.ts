// "did you mean X?" for near misses, by edit distance.

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export const editDistance = (a: string, b: string): number => {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
};

/** The closest candidate, if it is close enough to be a plausible typo. */
export const closest = (word: string, candidates: readonly string[]): string | null => {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(word.length / 3));
  if (best !== null && bestDistance <= tolerance) return best;
  // An abbreviation ("prod" for "production") is a near miss too.
  return lower.length >= 3 ? (candidates.find((c) => c.toLowerCase().startsWith(lower)) ?? null) : null;
};

export const didYouMean = (word: string, candidates: readonly string[]): { hint?: string } => {
  const match = closest(word, candidates);
  return match === null ? {} : { hint: `did you mean "${match}"?` };
};
