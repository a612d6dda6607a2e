// User-tunable HTTP settings, read from the environment once at the edge.

import { UsageError } from '../../errors.js';

export interface HttpSettings {
  /** Per-request timeout (headers and body), ms. */
  readonly timeoutMs?: number;
  /** Largest JSON/text answer accepted, bytes. */
  readonly maxResponseBytes?: number;
}

/** `MLOPS_GATE_HTTP_TIMEOUT_SECONDS` (default 60, like the Databricks SDKs' http_timeout_seconds). */
export function httpSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): HttpSettings {
  const positive = (name: string): number | null => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number (got "${raw}")`);
    return n;
  };
  const seconds = positive('MLOPS_GATE_HTTP_TIMEOUT_SECONDS');
  const mib = positive('MLOPS_GATE_HTTP_MAX_RESPONSE_MB');
  return {
    ...(seconds !== null ? { timeoutMs: Math.round(seconds * 1000) } : {}),
    ...(mib !== null ? { maxResponseBytes: Math.round(mib * 1024 * 1024) } : {}),
  };
}
