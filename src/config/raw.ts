// Defensive readers for not-yet-validated YAML values: cross-field checks run even when the
// schema found problems (so users see every error at once), and must never crash on odd shapes.

export type RawRecord = Readonly<Record<string, unknown>>;

export const asRecord = (value: unknown): RawRecord | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as RawRecord) : null;

export const asArray = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

export const asString = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export const entriesOf = (value: unknown): [string, unknown][] => Object.entries(asRecord(value) ?? {});

/** A list of strings, or null when absent; non-strings are dropped (the schema reports them). */
export const asStringList = (value: unknown): string[] | null =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
