// Progress lines, compacted for logs: a wait or a pause reports every few seconds, but a reader
// needs the first line and each change, not "IN_PROGRESS (1 s)… (2 s)… (5 s)…". Consecutive lines
// that differ only in their elapsed or remaining seconds are dropped.

/** The line without its clock: `(12 s)`, `pausing 240 s`. */
const withoutClock = (line: string): string => line.replace(/\(\d+ s\)/g, '(… s)').replace(/\b(pausing|waiting) \d+ s\b/g, '$1 … s');

/** The target a line is about (`[churn dev→test] …`), so concurrent targets are compacted each on its own. */
const subject = (line: string): string => /^\[[^\]]*\]/.exec(line)?.[0] ?? '';

/**
 * A progress sink that passes on the first line of each run of lines that differ only in seconds,
 * per target when lines carry a `[target]` prefix (a release applies several at once).
 */
export function compactProgress(sink: (line: string) => void): (line: string) => void {
  const last = new Map<string, string>();
  return (line: string) => {
    const trimmed = line.trim();
    const key = withoutClock(trimmed);
    const who = subject(trimmed);
    if (last.get(who) === key) return;
    last.set(who, key);
    sink(line);
  };
}
