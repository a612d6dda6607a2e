// `mlops-gate emulator`: the built-in Databricks + MLflow emulator as a long-running server.
// The emulator and the demo seed are loaded only when this command runs (eager dynamic imports keep
// them inside the one bundle file; ncc would split a lazy chunk).

import { parse } from 'yaml';
import { EXIT, UsageError, type ExitCode } from '../errors.js';
import type { EmulatorInvocation } from '../invocation.js';
import { fileAccess, resolvePath, type CliIO } from '../wiring/io.js';

export async function emulatorCommand(inv: EmulatorInvocation, io: CliIO): Promise<ExitCode> {
  let seed: unknown = undefined;
  if (inv.seedPath === 'demo') {
    seed = (await import(/* webpackMode: "eager" */ '../demo/scenario.js')).DEMO_SEED; // the demo's workspace (examples/demo/mlops.yml plans against it)
  } else if (inv.seedPath) {
    const text = fileAccess(io.cwd).readFile(inv.seedPath);
    if (text === null) throw new UsageError(`seed file not found: ${inv.seedPath}`);
    try {
      seed = parse(text);
    } catch (e) {
      throw new UsageError(`${inv.seedPath}: cannot parse seed file: ${(e as Error).message}`);
    }
  }
  const { startEmulator, defaultModules, DEFAULT_TOKEN } = await import(/* webpackMode: "eager" */ '../emulator/index.js');
  const emulator = await startEmulator({
    port: inv.port,
    host: inv.host,
    statePath: inv.statePath ? resolvePath(io.cwd, inv.statePath) : undefined,
    // Large files live beside the state file, so a restarted emulator finds them.
    ...(inv.statePath ? { blobDir: `${resolvePath(io.cwd, inv.statePath)}.blobs` } : {}),
    seed,
    modules: defaultModules(),
  });
  io.stderr(`mlops-gate emulator listening on ${emulator.url} (token ${DEFAULT_TOKEN}; Ctrl-C to stop)\n`);
  await (io.untilStopped ?? (() => new Promise<void>(() => undefined)))();
  await emulator.close();
  return EXIT.ok;
}
