// Bundle the compiled JavaScript (lib/) into the committed single-file programs in dist/:
//   dist/index.js  the action entry (run by action.yml)
//   dist/cli.js    the CLI entry (`mlops-gate`, package.json "bin")
import ncc from '@vercel/ncc';
import { mkdirSync, writeFileSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

const entries = [
  { input: 'lib/src/main.js', output: 'dist/index.js', shebang: false },
  { input: 'lib/src/cli-main.js', output: 'dist/cli.js', shebang: true },
];

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
for (const entry of entries) {
  const { code, assets } = await ncc(join(process.cwd(), entry.input), {
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2022',
  });
  const extra = Object.keys(assets ?? {}).filter((name) => name !== 'package.json');
  if (extra.length) {
    // Everything must live in one file per entry: a second file would be shared or overwritten.
    throw new Error(`${entry.input}: the bundle emitted extra files (${extra.join(', ')}); avoid dynamic imports and fs assets`);
  }
  const body = code.replace(/^#!.*\n/, '');
  writeFileSync(entry.output, (entry.shebang ? '#!/usr/bin/env node\n' : '') + body);
  if (entry.shebang) chmodSync(entry.output, 0o755);
  console.log(`bundled ${entry.input} → ${entry.output} (${(body.length / 1024).toFixed(0)} KiB)`);
}
// ESM bundles: tell Node how to load them regardless of the consumer's package.json.
writeFileSync('dist/package.json', JSON.stringify({ type: 'module' }, null, 2) + '\n');
console.log(`dist/: ${readdirSync('dist').join(', ')}`);
