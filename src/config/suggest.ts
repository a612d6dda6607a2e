// "did you mean X?" for near misses, by edit distance.

export const editDistance = (a: string, b: string): number => {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
};

/** The closest candidate, if it is close enough to be a plausible typo. */
export const closest = (word: string, candidates: Iterable<string>): string | null => {
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
  return best !== null && bestDistance <= tolerance ? best : null;
};

export const didYouMean = (word: string, candidates: Iterable<string>): { hint?: string } => {
  const match = closest(word, candidates);
  return match === null ? {} : { hint: `did you mean "${match}"?` };
};
