// `mlops-gate doctor`: what one check found, and the report of a run. Pure data, no I/O: the HTTP
// probes are src/platform/*/probe.ts, the orchestration src/wiring/doctor.ts.

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  /** The environment of mlops.yml the check is about. */
  readonly environment: string;
  /** e.g. `reachable`, `privileges on ml_prod.models`, `probe: alias on a pending version`. */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was seen (never a secret). */
  readonly detail: string;
  /** What to do about a warn or a fail; null when there is nothing to do. */
  readonly fix: string | null;
  /** docs/fidelity.md rows the check stands for. */
  readonly ledger?: readonly number[];
}

export interface DoctorReport {
  readonly tool: string;
  readonly config: string;
  /** The scratch schema of `--probe-writes`, null when only reads were made. */
  readonly probeWrites: string | null;
  readonly checks: readonly DoctorCheck[];
  readonly summary: Readonly<Record<CheckStatus, number>>;
}

/** One HTTP answer, as data: a probe never throws. */
export type Answer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | {
      readonly ok: false;
      /** null: no HTTP answer (transport failure, timeout, or credentials missing before any request). */
      readonly status: number | null;
      readonly errorCode: string | null;
      readonly message: string;
    };

export const summarise = (checks: readonly DoctorCheck[]): Record<CheckStatus, number> => ({
  pass: checks.filter((c) => c.status === 'pass').length,
  warn: checks.filter((c) => c.status === 'warn').length,
  fail: checks.filter((c) => c.status === 'fail').length,
});

/** How a failed answer reads in a row: the client's message names the route, the status and the code. */
export const describeFailure = (a: Extract<Answer<unknown>, { ok: false }>): string =>
  a.status === null || a.message.includes(`${a.status}`) ? a.message : `${a.status}${a.errorCode ? ` ${a.errorCode}` : ''}: ${a.message}`;

/** The answer came back, but refused (or not at all). */
export const refusedWith = (a: Answer<unknown>, ...codes: string[]): boolean => !a.ok && a.errorCode !== null && codes.includes(a.errorCode);
