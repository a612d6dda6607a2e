// Classifies a failure while gathering into the evidence error kinds gates report on.

import { ApiError } from '../errors.js';
import type { EvidenceError } from './types.js';

const DENIED_CODES: ReadonlySet<string> = new Set(['PERMISSION_DENIED', 'UNAUTHENTICATED', 'CUSTOMER_UNAUTHORIZED']);
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'TEMPORARILY_UNAVAILABLE',
  'REQUEST_LIMIT_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
  'INTERNAL_ERROR',
]);
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND', 'ENDPOINT_NOT_FOUND']);

/**
 * unavailable: no answer, a timeout, 5xx or 429 (try again later); denied: 401/403 or an auth
 * error code; not_found: the thing is not there; invalid: an answer we cannot use.
 * An error may carry its own `evidenceKind` (set by the gatherer for facts it judged itself).
 */
export const errorKind = (e: unknown): EvidenceError['kind'] => {
  const own = (e as { evidenceKind?: unknown } | null)?.evidenceKind;
  if (own === 'unavailable' || own === 'denied' || own === 'invalid' || own === 'not_found') return own;
  if (!(e instanceof ApiError)) return 'invalid';
  const { status, kind } = e.details;
  const code = e.errorCode;
  if ((code && DENIED_CODES.has(code)) || status === 401 || status === 403) return 'denied';
  if (kind !== 'http' || status === null || status >= 500 || status === 429 || (code && UNAVAILABLE_CODES.has(code))) {
    return 'unavailable';
  }
  if ((code && NOT_FOUND_CODES.has(code)) || status === 404) return 'not_found';
  return 'invalid';
};

/** `host:port` of the server a failed request went to, when the failure is an API error. */
export const errorHost = (e: unknown): string | undefined => {
  if (!(e instanceof ApiError)) return undefined;
  try {
    return new URL(e.details.url).host;
  } catch {
    return undefined;
  }
};
