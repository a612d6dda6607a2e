// `command: plan` in the action: on a pull request the rules come from the base commit, never
// from the PR itself; fork PRs without secrets are `skipped`; the verdict goes to one sticky PR
// comment, the job summary, outputs and annotations.

import * as core from '@actions/core';
import { listTargets } from '../config/targets.js';
import { EXIT, UsageError } from '../errors.js';
import type { GitHubEvidenceReader } from '../evidence/ports.js';
import type { PlanInvocation } from '../invocation.js';
import { createGitHubEvidenceReader } from '../platform/github/approvals.js';
import { stickyMarker, upsertStickyComment } from '../platform/github/comment.js';
import type { GitHubContext } from '../platform/github/context.js';
import { forkSkipReason, readTrustedSources, repoPath } from '../platform/github/trusted.js';
import { renderPlansMarkdown } from '../report/plans.js';
import { withSection } from '../report/markdown.js';
import { exitCodeFor } from '../result/exit.js';
import { skippedResult, withPolicyIntegrityFinding } from '../result/findings.js';
import { readConfig } from '../run/plan.js';
import { planWithPromotionPlans } from '../run/promote.js';
import type { CliIO } from '../wiring/io.js';
import { liveDeps } from '../wiring/live.js';
import { commentBody } from './comment.js';
import { configOrNull, githubClientFor, teamsOf } from './github.js';
import type { ActionSettings } from './inputs.js';
import { publishResult } from './publish.js';
import { fillGitHubEvidence } from './replay.js';

export async function actionPlan(inv: PlanInvocation, settings: ActionSettings, context: GitHubContext, io: CliIO): Promise<number> {
  const live = liveDeps(io);
  const github = githubClientFor(settings, context, io.env);
  const pr = context.pullRequest;

  const skip = forkSkipReason(context, github !== null);
  if (skip) {
    const config = configOrNull(inv.configPath, live);
    const targets = config ? listTargets(config, { models: inv.models.length ? [...inv.models] : undefined, to: inv.to ?? undefined }) : [];
    const result = skippedResult({ reason: skip, configFile: inv.configPath, digest: config?.digest ?? '', targets, now: live.now });
    core.warning(skip, { title: 'mlops-gate: not evaluated' });
    await publishResult(result, inv.resultPath, live, io.cwd);
    return exitCodeFor(result, inv.failOn);
  }

  // On a pull request the rules come from the base commit, never from the PR itself.
  let readFile = live.readFile;
  let changedPolicies: readonly string[] = [];
  if (pr && context.repo) {
    if (!github) {
      throw new UsageError(
        'on pull requests mlops-gate reads mlops.yml and its policy files from the base commit through the GitHub API; ' +
          'set the github-token input (the default ${{ github.token }} works with `contents: read`)',
      );
    }
    const trusted = await readTrustedSources({
      github,
      repo: context.repo,
      pullRequest: pr,
      localReadFile: live.readFile,
      discover: (rf) => void readConfig(inv.configPath, { env: io.env, now: live.now, readFile: rf }),
    });
    const configKey = repoPath(inv.configPath);
    if (configKey !== null && trusted.baseFiles.get(configKey) === null) {
      throw new UsageError(
        `${inv.configPath} does not exist on the base branch (${pr.baseRef || pr.baseSha.slice(0, 12)}): a pull request cannot introduce ` +
          'the rules it is judged by; merge the configuration first, then later PRs are checked against it',
      );
    }
    readFile = trusted.readFile;
    changedPolicies = trusted.changed;
    core.info(`Policies read from the base commit ${pr.baseSha.slice(0, 12)}: ${[...trusted.baseFiles.keys()].join(', ')}`);
  }

  let githubReader: GitHubEvidenceReader | undefined;
  if (github && context.repo && (pr || context.runId)) {
    githubReader = createGitHubEvidenceReader({ github, context, teams: teamsOf(inv.configPath, { ...live, readFile }) });
  }
  if (githubReader && inv.evidencePath) {
    const evidenceText = readFile(inv.evidencePath);
    if (evidenceText !== null) {
      const filled = await fillGitHubEvidence(evidenceText, githubReader);
      const evidencePath = inv.evidencePath;
      const inner = readFile;
      readFile = (p) => (p === evidencePath ? filled : inner(p));
    }
  }

  const deps = { ...live, readFile, ...(githubReader ? { github: githubReader } : {}) };
  const result = withPolicyIntegrityFinding(await planWithPromotionPlans(inv, deps), changedPolicies);
  await publishResult(result, inv.resultPath, live, io.cwd);

  if (settings.comment && pr && github && context.repo) {
    const marker = stickyMarker('plan', inv.configPath);
    const outcome = await upsertStickyComment({
      github,
      repo: context.repo,
      issueNumber: pr.number,
      marker,
      // The exact promotion plans and hashes follow the gate report: `promote --expect-plan` applies exactly them.
      body: withSection(commentBody(result, { marker, runUrl: context.runUrl }), renderPlansMarkdown(result)),
    });
    if (outcome.action === 'failed') core.warning(`mlops-gate could not update the PR comment: ${outcome.reason}`);
    else core.info(`PR comment ${outcome.action}${outcome.url ? `: ${outcome.url}` : ''}`);
  }

  const code = exitCodeFor(result, inv.failOn);
  if (code !== EXIT.ok) core.setFailed(`mlops-gate plan: ${result.verdict}`);
  return code;
}
