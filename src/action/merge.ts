// `command: merge-results` in the action: the result files of a release's matrix legs
// (`shard: I/N`), downloaded by the job that `needs` them, as one result: one job summary, the
// outputs, and the step fails when the release as a whole did (docs/github.md).

import * as core from '@actions/core';
import { EXIT } from '../errors.js';
import type { MergeResultsInvocation } from '../invocation.js';
import { exitCodeFor } from '../result/exit.js';
import { fileAccess, type CliIO } from '../wiring/io.js';
import { mergeResultFiles } from '../wiring/merge.js';
import { publishResult, stepFailure } from './publish.js';

export async function actionMergeResults(inv: MergeResultsInvocation, io: CliIO): Promise<number> {
  const files = fileAccess(io.cwd);
  // Targets in config order when the job checked the repository out (the input defaults to mlops.yml).
  const orderConfig = inv.orderConfig !== null && files.readFile(inv.orderConfig) !== null ? inv.orderConfig : null;
  const result = mergeResultFiles(inv.files, { cwd: io.cwd, env: io.env, now: io.now ?? new Date(), orderConfig });
  core.info(`merged ${result.targets.length} target(s) of ${result.command} from ${inv.files.join(', ')}`);
  await publishResult(result, inv.resultPath, files, io.cwd);
  const code = exitCodeFor(result, inv.failOn);
  if (code !== EXIT.ok) core.setFailed(stepFailure(result));
  return code;
}
