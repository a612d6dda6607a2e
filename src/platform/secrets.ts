// Every secret the process reads or obtains (environment credentials, OAuth access tokens, the
// GitHub OIDC JWT, the GitHub token), in one place: redact() scrubs them out of every text we
// produce, and the action registers each with the runner's masking (core.setSecret) as it appears.

import { isCredentialVariable } from '../util/credentials.js';

const known = new Set<string>();
const listeners = new Set<(secret: string) => void>();

/** Values shorter than this would shred ordinary words in what we print; the runner still masks them. */
export const MIN_SECRET_LENGTH = 6;

/** Adds a secret (and the spellings a server may echo back: lower/upper case, URL-encoded). */
export function registerSecret(value: string | null | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) {
    // Too short to redact without damage, but the runner masks any length.
    if (value) for (const listener of listeners) listener(value);
    return;
  }
  for (const spelling of new Set([value, value.toLowerCase(), value.toUpperCase(), encodeURIComponent(value)])) {
    if (known.has(spelling)) continue;
    known.add(spelling);
    for (const listener of listeners) listener(spelling);
  }
}

/** Calls `listener` for every secret known now and every one registered later. */
export function onSecret(listener: (secret: string) => void): () => void {
  for (const s of known) listener(s);
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export const registeredSecrets = (): ReadonlySet<string> => known;

/** Registers the value of every credential-looking variable of `env`. */
export function registerEnvironmentSecrets(env: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(env)) if (isCredentialVariable(name)) registerSecret(value);
}
