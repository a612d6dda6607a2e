// Progress lines, compacted for logs: a wait or a pause reports every few seconds, but a reader
// needs the first line and each change, not "IN_PROGRESS (1 s)… (2 s)… (5 s)…". Consecutive lines
// that differ only in their elapsed or remaining seconds are dropped.

/** The line without its clock: `(12 s)`, `pausing 240 s`. */
const withoutClock = (line: string): string => line.replace(/\(\d+ s\)/g, '(… s)').replace(/\b(pausing|waiting) \d+ s\b/g, '$1 … s');

/** A progress sink that passes on the first line of each run of lines that differ only in seconds. */
export function compactProgress(sink: (line: string) => void): (line: string) => void {
  let last: string | null = null;
  return (line: string) => {
    const key = withoutClock(line.trim());
    if (key === last) return;
    last = key;
    sink(line);
  };
}
