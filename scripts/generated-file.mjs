// Shared by the generators (gen-builtin-packs, gen-validators): a generated source is committed,
// so a generator writes it only when it changed, `--check` fails when it is stale, and `--print`
// writes it to stdout (for tests that compare in memory).

import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import console from 'node:console';

export function emitGenerated(target, wanted, script) {
  const current = (() => {
    try {
      return readFileSync(target, 'utf8');
    } catch {
      return null;
    }
  })();
  if (process.argv.includes('--print')) {
    process.stdout.write(wanted);
  } else if (process.argv.includes('--check')) {
    if (current !== wanted) {
      console.error(`${target} is stale: run node ${script}`);
      process.exit(1);
    }
  } else if (current !== wanted) {
    writeFileSync(target, wanted);
    console.log(`wrote ${target}`);
  }
}
