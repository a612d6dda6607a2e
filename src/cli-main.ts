// Entry of dist/cli.js: binds runCli to the real process.
import { runCli } from './cli.js';

const flush = (stream: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => stream.write('', () => resolve()));

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  untilStopped: () =>
    new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }),
});
await Promise.all([flush(process.stdout), flush(process.stderr)]);
// Exit explicitly: keep-alive sockets of HTTP agents must not hold the process open.
process.exit(code);
