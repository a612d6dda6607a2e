// One place that scrubs secrets out of any text before it is logged or put in an error.
// Two layers: exact known secret values (tokens, passwords the caller knows about) and
// patterns for secret-shaped things we may not know about (auth headers, `?token=`, JWTs,
// credentials embedded in URLs).

import { MIN_SECRET_LENGTH, registeredSecrets } from '../secrets.js';

export const REDACTED = '***';

/** Query-string / form keys whose values are secrets. */
const SECRET_PARAM_KEYS = [
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'subject_token',
  'client_secret',
  'password',
  'secret',
  'api_key',
  'apikey',
  'sig',
  'signature',
  'code',
  // Presigned cloud-storage URLs (S3, GCS): the signature and the credentials it is made with.
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
];

const SECRET_JSON_KEYS = ['access_token', 'refresh_token', 'id_token', 'subject_token', 'client_secret', 'password', 'token'];

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // Header lines or header-ish dumps: `Authorization: Bearer abc`, `proxy-authorization=Basic xyz`.
  [/\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:[A-Za-z]+\s+)?[^\s"',}]+/gi, `$1$2${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${REDACTED}`],
  [new RegExp(`([?&;](?:${SECRET_PARAM_KEYS.join('|')})=)[^&\\s#"']*`, 'gi'), `$1${REDACTED}`],
  [new RegExp(`^((?:${SECRET_PARAM_KEYS.join('|')})=)[^&\\s#"']*`, 'gi'), `$1${REDACTED}`],
  [new RegExp(`("(?:${SECRET_JSON_KEYS.join('|')})"\\s*:\\s*)"[^"]*"`, 'gi'), `$1"${REDACTED}"`],
  // JWTs (GitHub OIDC tokens, Databricks OAuth access tokens) wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // Userinfo in URLs: https://user:pass@proxy:8080
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s:]+:[^/@\s]+@/gi, `$1${REDACTED}@`],
];

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces known secret values (those given and every registered one, src/platform/secrets.ts) and
 * secret-shaped substrings with `***`. Secrets shorter than 4 characters are not replaced verbatim
 * (they would shred ordinary text); the patterns still apply.
 */
export const redact = (text: string, secrets: Iterable<string> = []): string => {
  let out = text;
  // Known values in any letter case: a server may echo a secret lower-cased (Unity Catalog names
  // are), which the runner's case-sensitive masking would miss.
  const known = [...new Set([...secrets, ...registeredSecrets()])].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of known) {
    out = out.replace(new RegExp(escapeRegExp(secret), 'gi'), REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.replace(new RegExp(escapeRegExp(encoded), 'gi'), REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
};

/**
 * The secret values carried by a set of auth headers: the credential after the scheme, and for
 * Basic also the decoded `user:password` and the password alone.
 */
export const secretsInHeaders = (headers: Readonly<Record<string, string>>): string[] => {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'proxy-authorization' && !lower.includes('token') && !lower.includes('secret')) {
      continue;
    }
    found.push(value);
    const match = /^(\S+)\s+(.+)$/.exec(value);
    if (!match) continue;
    const [, scheme, credential] = match as unknown as [string, string, string];
    found.push(credential);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      found.push(decoded);
      const colon = decoded.indexOf(':');
      if (colon >= 0) found.push(decoded.slice(colon + 1));
    }
  }
  return found;
};

/** `path?query` with secret query values redacted; for debug logs. */
export const describeUrlForLog = (url: URL, secrets: Iterable<string> = []): string =>
  redact(`${url.pathname}${url.search}`, secrets);
