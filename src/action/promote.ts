// `command: promote` / `rollback` in the action: only from trusted refs (never on pull request
// events), recorded as GitHub Deployments per environment that names a `github_environment`.

import * as core from '@actions/core';
import { EXIT, UsageError } from '../errors.js';
import type { PromoteInvocation, RollbackInvocation } from '../invocation.js';
import { createGitHubEvidenceReader } from '../platform/github/approvals.js';
import { describeError } from '../platform/github/client.js';
import type { GitHubContext } from '../platform/github/context.js';
import { recordPromotionDeployments } from '../platform/github/deployments.js';
import { exitCodeFor } from '../result/exit.js';
import type { ResultDocument } from '../result/types.js';
import { runPromote } from '../run/promote.js';
import { runRollback } from '../run/rollback.js';
import type { CliIO } from '../wiring/io.js';
import { liveDeps } from '../wiring/live.js';
import { notifyRun } from '../wiring/notify.js';
import { configOrNull, githubClientFor, teamsOf } from './github.js';
import type { ActionSettings } from './inputs.js';
import { publishResult, stepFailure } from './publish.js';

export async function actionPromote(inv: PromoteInvocation | RollbackInvocation, settings: ActionSettings, context: GitHubContext, io: CliIO): Promise<number> {
  if (context.pullRequest) {
    // A PR's checkout carries the PR's own policies; changes to the registry happen only from trusted refs.
    throw new UsageError(
      `${inv.command} does not run on pull request events (${context.eventName}): run it on push, release or workflow_dispatch, ` +
        'after the change is merged; on pull requests use command: plan',
    );
  }
  const github = githubClientFor(settings, context, io.env);
  const live = liveDeps(io, { ...(inv.timeouts ? { timeouts: inv.timeouts } : {}) });
  const reader = github && context.repo && context.runId ? createGitHubEvidenceReader({ github, context, teams: teamsOf(inv.configPath, live) }) : undefined;
  const deps = { ...live, ...(reader ? { github: reader } : {}) };
  // Every target that passes is applied, whatever the others' verdicts: a blocked model never holds
  // another model's release. The exit code (and the failed step) still says that something is blocked.
  const result = inv.command === 'promote' ? await runPromote(inv, deps) : await runRollback(inv, deps);
  await publishResult(result, inv.resultPath, live, io.cwd, { actor: context.actor, runUrl: context.runUrl });

  if (settings.deployments && github && context.repo && context.sha && !inv.dryRun) {
    try {
      const config = configOrNull(inv.configPath, live);
      const recorded = await recordPromotionDeployments({
        github,
        repo: context.repo,
        sha: context.sha,
        runUrl: context.runUrl,
        githubEnvironmentOf: (e) => config?.environments.get(e)?.githubEnvironment ?? null,
        operation: inv.command === 'rollback' ? 'rollback' : 'promotion',
        outcomes: deploymentOutcomes(result),
      });
      for (const r of recorded) {
        if ('deploymentId' in r) core.info(`GitHub deployment ${r.deploymentId} (${r.environment}): ${r.state}${r.written ? '' : ' (already recorded)'}`);
      }
    } catch (e) {
      // The registry change already happened; a missing audit record is a warning, not a failed promotion.
      core.warning(`mlops-gate could not record the GitHub deployment: ${e instanceof Error ? e.message : describeError(e)}`);
    }
  }

  await notifyRun(result, inv.configPath, io, { warn: (m) => core.warning(m), info: (m) => core.info(m), mask: (s) => core.setSecret(s) });
  const code = exitCodeFor(result, inv.command === 'promote' ? inv.failOn : 'fail');
  if (code !== EXIT.ok) core.setFailed(stepFailure(result, inv.dryRun));
  return code;
}

const deploymentOutcomes = (result: ResultDocument) =>
  result.targets.flatMap((t) =>
    t.plan
      ? [
          {
            model: t.model,
            environment: t.to,
            status: t.plan.status,
            message: t.plan.message,
            destination: t.plan.destination,
            previousChampion: t.plan.previousChampion,
            planHash: t.plan.hash,
          },
        ]
      : [],
  );
