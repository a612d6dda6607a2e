// `merge-results` at the edge: the legs' result files (paths, or directories searched for `*.json`,
// as actions/download-artifact lays them out) read and merged into one result document.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listTargets } from '../config/targets.js';
import { targetKey } from '../config/types.js';
import { UsageError } from '../errors.js';
import { mergeResults, parseResultDocument } from '../result/merge.js';
import type { ResultDocument } from '../result/types.js';
import { readConfig } from '../run/plan.js';
import { fileAccess, resolvePath } from './io.js';

/** Every `*.json` under a directory, sorted, or the file itself. */
function expand(cwd: string, path: string): string[] {
  const full = resolvePath(cwd, path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(full).isDirectory();
  } catch {
    throw new UsageError(`merge-results: ${path} does not exist`);
  }
  if (!isDirectory) return [path];
  const found = (readdirSync(full, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => f.endsWith('.json')).sort();
  if (found.length === 0) throw new UsageError(`merge-results: no *.json result file under ${path}`);
  return found.map((f) => join(path, f));
}

export function mergeResultFiles(
  paths: readonly string[],
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string | undefined>>; readonly now: Date; readonly orderConfig: string | null },
): ResultDocument {
  const files = fileAccess(options.cwd);
  const legs = paths.flatMap((p) => expand(options.cwd, p)).map((name) => {
    const text = files.readFile(name);
    if (text === null) throw new UsageError(`merge-results: cannot read ${name}`);
    return { name, doc: parseResultDocument(name, text) };
  });
  const order = options.orderConfig ? listTargets(readConfig(options.orderConfig, { ...files, env: options.env, now: options.now }).config).map(targetKey) : undefined;
  return mergeResults(legs, order);
}
