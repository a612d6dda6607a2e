// User-tunable HTTP settings, read from the environment once at the edge.

import { UsageError } from '../../errors.js';

export interface HttpSettings {
  /** Per-request timeout (headers and body), ms. */
  readonly timeoutMs?: number;
  /** Largest JSON/text answer accepted, bytes. */
  readonly maxResponseBytes?: number;
  /** The command's overall deadline, seconds from its start. */
  readonly deadlineSeconds?: number;
}

/**
 * `MLOPS_GATE_HTTP_TIMEOUT_SECONDS` (per request, default 20), `MLOPS_GATE_HTTP_MAX_RESPONSE_MB`
 * (default 64), `MLOPS_GATE_DEADLINE_SECONDS` (the whole command; default none).
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
  return {
    ...(seconds !== null ? { timeoutMs: Math.round(seconds * 1000) } : {}),
    ...(deadline !== null ? { deadlineSeconds: deadline } : {}),
    ...(mib !== null ? { maxResponseBytes: Math.round(mib * 1024 * 1024) } : {}),
  };
}
