// The CLI: argv → Invocation → command → exit code. `runCli` is the testable core; the bundle's
// entry (cli-main.ts) binds it to the real process. Commands live in src/commands/, adapters are
// built by src/wiring/.

import { ApiError, ConfigError, UsageError, configFailureSummary, exitCodeForError, formatDiagnostic, type ExitCode } from './errors.js';
import { parseCliArgs, USAGE } from './invocation.js';
import { runCommand } from './commands/index.js';
import { redact } from './platform/http/redact.js';
import { registerEnvironmentSecrets } from './platform/secrets.js';
import type { CliIO } from './wiring/io.js';

export type { CliIO };

/** Run one CLI invocation; never throws, always returns an exit code. */
export async function runCli(argv: readonly string[], given: CliIO): Promise<number> {
  // Credentials in the environment are secrets from the start; nothing printed may carry one.
  registerEnvironmentSecrets(given.env);
  const io: CliIO = { ...given, stdout: (s) => given.stdout(redact(s)), stderr: (s) => given.stderr(redact(s)) };
  try {
    return await runCommand(parseCliArgs(argv), io);
  } catch (e) {
    return reportFailure(e, io);
  }
}

function reportFailure(e: unknown, io: CliIO): ExitCode {
  if (e instanceof ConfigError) {
    for (const d of e.diagnostics) io.stderr(formatDiagnostic(d) + '\n');
    io.stderr(`✗ ${configFailureSummary(e)}; nothing was contacted.\n`);
  } else if (e instanceof UsageError) {
    io.stderr(`error: ${e.message}\n\n${USAGE}`);
  } else if (e instanceof ApiError) {
    io.stderr(`error: ${e.message}\n`);
  } else {
    // A bug, not a user error: say so plainly; the stack only on request.
    const err = e instanceof Error ? e : new Error(String(e));
    io.stderr(`internal error (please report): ${err.message}\n`);
    if (io.env.MLOPS_GATE_DEBUG) io.stderr(`${err.stack ?? ''}\n`);
  }
  return exitCodeForError(e);
}
