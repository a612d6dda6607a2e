// User-tunable HTTP settings, read from the environment once at the edge.

import { UsageError } from '../../errors.js';

export interface HttpSettings {
  /** Per-request timeout (headers and body), ms. */
  readonly timeoutMs?: number;
}

/** `MLOPS_GATE_HTTP_TIMEOUT_SECONDS` (default 60, like the Databricks SDKs' http_timeout_seconds). */
export function httpSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): HttpSettings {
  const raw = env.MLOPS_GATE_HTTP_TIMEOUT_SECONDS?.trim();
  if (!raw) return {};
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`MLOPS_GATE_HTTP_TIMEOUT_SECONDS must be a positive number of seconds (got "${raw}")`);
  }
  return { timeoutMs: Math.round(seconds * 1000) };
}
