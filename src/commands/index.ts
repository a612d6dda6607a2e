// Every CLI command, one row each: invocation in, exit code out. The parse is src/invocation.ts;
// failures (exceptions) become exit codes in src/cli.ts through exitCodeForError.

import { statSync } from 'node:fs';
import { ConfigError, EXIT, type ExitCode } from '../errors.js';
import { commandUsage, USAGE, type Invocation } from '../invocation.js';
import { TOOL_VERSION } from '../version.js';
import { resolvePath, type CliIO } from '../wiring/io.js';
import { emulatorCommand } from './emulator.js';
import { bumpCommand } from './bump.js';
import { doctorCommand } from './doctor.js';
import { mergeResultsCommand } from './merge-results.js';
import { relayCommand } from './relay.js';
import { targetCommand } from './run.js';
import { validateCommand } from './validate.js';

type CommandName = Invocation['command'];
type Command<C extends CommandName> = (inv: Extract<Invocation, { readonly command: C }>, io: CliIO) => ExitCode | Promise<ExitCode>;

export const COMMANDS: { readonly [C in CommandName]: Command<C> } = {
  help: (inv, io) => {
    io.stdout(inv.topic ? `mlops-gate ${inv.topic}\n\n${commandUsage(inv.topic) ?? USAGE}` : USAGE);
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
  'merge-results': mergeResultsCommand,
  emulator: emulatorCommand,
  relay: relayCommand,
  bump: bumpCommand,
  // The demo (and the emulator inside it) is loaded only when it runs.
  demo: async (inv, io) => (await import(/* webpackMode: "eager" */ '../demo/run.js')).runDemo(io, inv.format),
};

export const runCommand = <C extends CommandName>(inv: Extract<Invocation, { readonly command: C }>, io: CliIO): ExitCode | Promise<ExitCode> => {
  if ('configPath' in inv) assertConfigFile(inv.command, inv.configPath, io.cwd);
  return (COMMANDS[inv.command as C] as Command<C>)(inv, io);
};

/**
 * A missing config, or a directory given as one, is said plainly (with the fix) before anything
 * else runs; it is not "an error in the configuration".
 */
function assertConfigFile(command: string, configPath: string, cwd: string): void {
  let kind: 'file' | 'directory' | 'missing';
  try {
    kind = statSync(resolvePath(cwd, configPath)).isDirectory() ? 'directory' : 'file';
  } catch {
    kind = 'missing';
  }
  if (kind === 'file') return;
  const fix = (d: string) => `mlops-gate ${command} ${d}`;
  throw new ConfigError([
    kind === 'directory'
      ? { severity: 'error', code: 'missing-file', message: `${configPath} is a directory, not a config file`, path: '', position: null, hint: `pass the file inside it: ${fix(`${configPath.replace(/\/+$/, '')}/mlops.yml`)}` }
      : {
          severity: 'error',
          code: 'missing-file',
          message: `config file not found: ${configPath} (looked in ${cwd})`,
          path: '',
          position: null,
          hint: `run from the repository root, or pass the path: ${fix('path/to/mlops.yml')}`,
        },
  ]);
}
