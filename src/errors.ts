// The small, closed set of errors the program can end with. Each maps to one exit code.
// Gate outcomes are NOT errors: they are data in the result (see result/types.ts).

/** A position in a source file, 1-based line and column. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One problem found in a config file (or an input), with where it is and what was expected. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  /** Stable machine code, e.g. `unknown-key`, `type`, `dangling-reference`, `cycle`, `unset-variable`. */
  readonly code: string;
  readonly message: string;
  /** JSON path into the document, e.g. `/models/churn/candidate/alias`. Empty for the root. */
  readonly path: string;
  readonly position: SourcePosition | null;
  /** e.g. `did you mean "promote_from"?` */
  readonly hint?: string;
}

export const formatDiagnostic = (d: Diagnostic): string => {
  const where = d.position ? `${d.position.file}:${d.position.line}:${d.position.column}: ` : '';
  const path = d.path ? ` (at ${d.path})` : '';
  const hint = d.hint ? ` — ${d.hint}` : '';
  return `${where}${d.severity}: ${d.message}${path}${hint}`;
};

/** Config or CLI usage is invalid. Exit code 2. Always raised before any network call. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Errors found, counting those a long list leaves out of `diagnostics` (config/diagnostics.ts). */
  readonly total: number;
  constructor(readonly diagnostics: readonly Diagnostic[], total?: number) {
    super(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
    this.total = total ?? diagnostics.filter((d) => d.severity === 'error').length;
  }
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A remote API answered with an error or could not be reached. Decoded from the body's
 * `error_code` when there is one; `status` is kept for reporting only.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly details: {
      readonly errorCode: string | null;
      readonly status: number | null;
      readonly method: string;
      readonly url: string;
      /** transport = no HTTP answer (reset, refused, timeout); too-large = the answer passed the size limit. */
      readonly kind: 'http' | 'transport' | 'timeout' | 'too-large';
      readonly attempts: number;
    },
  ) {
    super(message);
  }
  get errorCode(): string | null {
    return this.details.errorCode;
  }
}

/** True when `e` is an ApiError whose decoded `error_code` is one of `codes` (never judged by status). */
export const hasErrorCode = (e: unknown, ...codes: readonly string[]): e is ApiError =>
  e instanceof ApiError && e.errorCode !== null && codes.includes(e.errorCode);

/** The value of `work`, or null when it fails with one of `codes` (a "does not exist" answer). */
export const nullOnErrorCode = async <T>(codes: readonly string[], work: Promise<T>): Promise<T | null> => {
  try {
    return await work;
  } catch (e) {
    if (hasErrorCode(e, ...codes)) return null;
    throw e;
  }
};

/** A promotion step could not reach its postcondition, or the world drifted from the plan. */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
}

export const EXIT = {
  ok: 0,
  blocked: 1,
  invalid: 2,
  evidence: 3,
  /** A bug in mlops-gate itself. */
  internal: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The one mapping from how a run ended (an exception) to its exit code. */
export const exitCodeForError = (e: unknown): ExitCode =>
  e instanceof ConfigError || e instanceof UsageError ? EXIT.invalid : e instanceof ApiError ? EXIT.evidence : EXIT.internal;

/** What kind of problem a ConfigError is, in words (a missing file or missing credentials are not "errors in the configuration"). */
export const configFailureSummary = (e: ConfigError): string => {
  const codes = new Set(e.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code));
  if (codes.size === 1 && codes.has('missing-credential')) return 'credentials are missing or incomplete';
  if (codes.size === 1 && codes.has('missing-file') && e.diagnostics.every((d) => d.position === null)) return 'the config file could not be read';
  return `${e.total.toLocaleString('en-US')} error(s) in the configuration`;
};
