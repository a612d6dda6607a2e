// How each registry spells a registered-model name: what Unity Catalog and MLflow refuse. Used by
// the registry kinds' rows (src/config/registries.ts) and the monitor checks.

/** Shortens a value for a message (names can be made arbitrarily long). */
export const shorten = (text: string): string => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

/** Why `part` cannot be one part of a Unity Catalog name (a catalog, schema or model), or null. */
export const ucNamePartProblem = (part: string): string | null => {
  if (part === '') return 'is empty';
  if (part.length > 255) return `has ${part.length} characters (at most 255)`;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
  const bad = /[\u0000-\u001F\u007F]/.exec(part);
  if (bad) return `contains a control character (U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  if (part.includes(' ')) return 'contains a space';
  if (part.includes('/')) return 'contains "/"';
  if (part.includes('.')) return 'contains "."';
  return null;
};

/** Why `name` is not a `levels`-level Unity Catalog name, or null. */
export const ucNameProblem = (name: string, levels = 3): string | null => {
  const parts = name.split('.');
  if (parts.length !== levels) return `it has ${parts.length} dot-separated part${parts.length === 1 ? '' : 's'}, not ${levels}`;
  for (const [i, part] of parts.entries()) {
    const problem = ucNamePartProblem(part);
    if (problem) return `part ${i + 1}${part ? ` ("${shorten(part)}")` : ''} ${problem}`;
  }
  return null;
};

export const UC_NAME_HINT = 'Unity Catalog names have no " ", "/" or control characters, and at most 255 characters per part';

/** Why MLflow would refuse `name` as a registered-model name (mlflow/utils/validation.py), or null. */
export const mlflowNameProblem = (name: string): string | null => {
  if (name.trim() === '') return 'it is blank';
  if (name.includes('/') || name.includes(':')) return 'MLflow names cannot contain "/" or ":"';
  if (name === '.' || name.startsWith('..')) return 'MLflow refuses names that read as relative paths ("." or starting with "..")';
  return null;
};

