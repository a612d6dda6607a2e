// `mlops-gate merge-results FILE|DIR...`: the result files of a release split across a GitHub
// Actions matrix (`--shard I/N`) as one result: the chosen format on stdout, `--result FILE`, and
// the exit code the whole release earns (docs/github.md, "Splitting a release across a matrix").

import type { ExitCode } from '../errors.js';
import type { MergeResultsInvocation } from '../invocation.js';
import { renderJson } from '../report/json.js';
import { renderResult } from '../report/renderers.js';
import { exitCodeFor } from '../result/exit.js';
import { fileAccess, type CliIO } from '../wiring/io.js';
import { mergeResultFiles } from '../wiring/merge.js';

export function mergeResultsCommand(inv: MergeResultsInvocation, io: CliIO): ExitCode {
  const result = mergeResultFiles(inv.files, { cwd: io.cwd, env: io.env, now: io.now ?? new Date(), orderConfig: inv.orderConfig });
  io.stdout(renderResult(result, inv.format));
  if (inv.resultPath) fileAccess(io.cwd).writeFile(inv.resultPath, renderJson(result));
  return exitCodeFor(result, inv.failOn);
}
