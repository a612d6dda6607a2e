// `plan`, `promote`, `rollback` from the CLI: live adapters, the use case, the chosen format on
// stdout, the result file, and the exit code computed from the result.

import type { ExitCode } from '../errors.js';
import type { PlanInvocation, PromoteInvocation, RollbackInvocation } from '../invocation.js';
import { renderResult } from '../report/renderers.js';
import { renderJson } from '../report/json.js';
import { exitCodeFor } from '../result/exit.js';
import type { ResultDocument } from '../result/types.js';
import { planWithPromotionPlans, runPromote, type PromoteDeps } from '../run/promote.js';
import { runRollback } from '../run/rollback.js';
import type { CliIO } from '../wiring/io.js';
import { liveDeps } from '../wiring/live.js';
import { notifyRun } from '../wiring/notify.js';

type TargetInvocation = PlanInvocation | PromoteInvocation | RollbackInvocation;

const run = (inv: TargetInvocation, deps: PromoteDeps): Promise<ResultDocument> => {
  switch (inv.command) {
    case 'plan':
      return planWithPromotionPlans(inv, deps);
    case 'promote':
      return runPromote(inv, deps);
    case 'rollback':
      return runRollback(inv, deps);
  }
};

export async function targetCommand(inv: TargetInvocation, io: CliIO, deps: PromoteDeps = liveDeps(io, { ...(inv.timeouts ? { timeouts: inv.timeouts } : {}), readOnly: inv.command === 'plan' })): Promise<ExitCode> {
  const result = await run(inv, deps);
  io.stdout(renderResult(result, inv.format, { verbose: inv.command !== 'rollback' && inv.verbose === true }));
  if (inv.resultPath) deps.writeFile(inv.resultPath, renderJson(result));
  await notifyRun(result, inv.configPath, io);
  return exitCodeFor(result, inv.command === 'rollback' ? 'fail' : inv.failOn);
}
