// User-tunable HTTP settings, read from the environment once at the edge.

import { UsageError } from '../../errors.js';

export interface HttpSettings {
  /** Per-request timeout (headers and body), ms. */
  readonly timeoutMs?: number;
  /** Largest JSON/text answer accepted, bytes. */
  readonly maxResponseBytes?: number;
  /** The command's overall deadline, seconds from its start. */
  readonly deadlineSeconds?: number;
  /** Ceiling of the adaptive in-flight window per host. */
  readonly maxConcurrentPerHost?: number;
}

/**
 * `MLOPS_GATE_HTTP_TIMEOUT_SECONDS` (per request, default 20), `MLOPS_GATE_HTTP_MAX_RESPONSE_MB`
 * (default 64), `MLOPS_GATE_DEADLINE_SECONDS` (the whole command; default none),
 * `MLOPS_GATE_HTTP_MAX_CONCURRENCY` (ceiling of the adaptive in-flight requests per host; default 64).
 */
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
  const deadline = positive('MLOPS_GATE_DEADLINE_SECONDS');
  const concurrency = positive('MLOPS_GATE_HTTP_MAX_CONCURRENCY');
  if (concurrency !== null && !Number.isInteger(concurrency)) throw new UsageError(`MLOPS_GATE_HTTP_MAX_CONCURRENCY must be a whole number (got "${env.MLOPS_GATE_HTTP_MAX_CONCURRENCY}")`);
  return {
    ...(seconds !== null ? { timeoutMs: Math.round(seconds * 1000) } : {}),
    ...(deadline !== null ? { deadlineSeconds: deadline } : {}),
    ...(mib !== null ? { maxResponseBytes: Math.round(mib * 1024 * 1024) } : {}),
    ...(concurrency !== null ? { maxConcurrentPerHost: concurrency } : {}),
  };
}
