// Diagnostics speak in the file's own terms: a value that came from `${VAR}` is shown as `${VAR}`,
// never as what the variable held (it may be sensitive even when its name does not say so).

import type { Diagnostic } from '../errors.js';

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Shorter values would rewrite ordinary words. */
const MIN_LENGTH = 4;

export function inVariableTerms(diagnostics: readonly Diagnostic[], text: string, env: Readonly<Record<string, string | undefined>>): Diagnostic[] {
  const values = new Map<string, string>();
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    const value = env[name];
    if (value !== undefined && value.length >= MIN_LENGTH && !values.has(value)) values.set(value, `\${${name}}`);
  }
  if (values.size === 0) return [...diagnostics];
  const longestFirst = [...values].sort((a, b) => b[0].length - a[0].length);
  const rewrite = (s: string): string => longestFirst.reduce((out, [value, form]) => out.split(value).join(form), s);
  return diagnostics.map((d) => ({ ...d, message: rewrite(d.message), ...(d.hint ? { hint: rewrite(d.hint) } : {}) }));
}
