// Every CLI command, one row each: invocation in, exit code out. The parse is src/invocation.ts;
// failures (exceptions) become exit codes in src/cli.ts through exitCodeForError.

import { EXIT, type ExitCode } from '../errors.js';
import { USAGE, type Invocation } from '../invocation.js';
import { TOOL_VERSION } from '../version.js';
import type { CliIO } from '../wiring/io.js';
import { emulatorCommand } from './emulator.js';
import { bumpCommand } from './bump.js';
import { doctorCommand } from './doctor.js';
import { relayCommand } from './relay.js';
import { targetCommand } from './run.js';
import { validateCommand } from './validate.js';

type CommandName = Invocation['command'];
type Command<C extends CommandName> = (inv: Extract<Invocation, { readonly command: C }>, io: CliIO) => ExitCode | Promise<ExitCode>;

export const COMMANDS: { readonly [C in CommandName]: Command<C> } = {
  help: (_inv, io) => {
    io.stdout(USAGE);
    return EXIT.ok;
  },
  version: (_inv, io) => {
    io.stdout(`mlops-gate ${TOOL_VERSION}\n`);
    return EXIT.ok;
  },
  validate: validateCommand,
  plan: targetCommand,
  promote: targetCommand,
  rollback: targetCommand,
  doctor: doctorCommand,
  emulator: emulatorCommand,
  relay: relayCommand,
  bump: bumpCommand,
  // The demo (and the emulator inside it) is loaded only when it runs.
  demo: async (inv, io) => (await import(/* webpackMode: "eager" */ '../demo/run.js')).runDemo(io, inv.format),
};

export const runCommand = <C extends CommandName>(inv: Extract<Invocation, { readonly command: C }>, io: CliIO): ExitCode | Promise<ExitCode> =>
  (COMMANDS[inv.command as C] as Command<C>)(inv, io);
