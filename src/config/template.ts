// String templates in mlops.yml.
//
// Two kinds of placeholders share the `${...}` syntax:
//   - `${VAR}`: an environment variable, replaced when the file is loaded (interpolateVariables);
//   - `${env}` and `${model}`: reserved, left in place at load time and replaced per target later
//     (expandTemplate).
// `$${` escapes a literal `${`. An escaped reserved placeholder (`$${env}`) survives loading as is,
// so that expandTemplate can still turn it into the literal text `${env}`.

import { isCredentialVariable } from '../util/credentials.js';

export const RESERVED_PLACEHOLDERS: ReadonlySet<string> = new Set(['env', 'model']);

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)\}?/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type InterpolationProblem =
  | { readonly kind: 'unset'; readonly variable: string; readonly offset: number }
  /** A credential-looking variable: never substituted (it would be shown in reports, comments and tags). */
  | { readonly kind: 'credential'; readonly variable: string; readonly offset: number }
  | { readonly kind: 'malformed'; readonly text: string; readonly offset: number };

export interface InterpolationResult {
  readonly value: string;
  readonly problems: readonly InterpolationProblem[];
}

/** Replace `${VAR}` from `env`; keep `${env}`/`${model}`; `$${` becomes `${` (except before a reserved name). */
export const interpolateVariables = (
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): InterpolationResult => {
  const problems: InterpolationProblem[] = [];
  const value = text.replace(PLACEHOLDER, (match: string, name: string | undefined, offset: number) => {
    if (match === '$${') {
      const rest = text.slice(offset + 3);
      const reserved = [...RESERVED_PLACEHOLDERS].some((r) => rest.startsWith(`${r}}`));
      return reserved ? match : '${';
    }
    if (!match.endsWith('}') || name === undefined || !VARIABLE_NAME.test(name)) {
      problems.push({ kind: 'malformed', text: match, offset });
      return match;
    }
    if (RESERVED_PLACEHOLDERS.has(name)) return match;
    if (isCredentialVariable(name)) {
      problems.push({ kind: 'credential', variable: name, offset });
      return match;
    }
    const replacement = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
    if (replacement === undefined) {
      problems.push({ kind: 'unset', variable: name, offset });
      return match;
    }
    return replacement;
  });
  return { value, problems };
};

/** Replace the reserved placeholders `${env}` and `${model}`; `$${` becomes a literal `${`. */
export const expandTemplate = (text: string, values: { readonly env: string; readonly model: string }): string =>
  text.replace(PLACEHOLDER, (match: string, name: string | undefined) => {
    if (match === '$${') return '${';
    if (name === 'env') return values.env;
    if (name === 'model') return values.model;
    return match;
  });
