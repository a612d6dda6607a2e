// `command: plan` in the action. On a pull request every input of the verdict comes from the base
// commit (config, policy files), registry evidence is read live (never replayed from a file the PR
// could write), a PR that changes the policies or the workflows running the check is blocked, and
// plans are derived only after every finding. Fork PRs without secrets are `skipped`.

import * as core from '@actions/core';
import { listTargets } from '../config/targets.js';
import { EXIT, UsageError } from '../errors.js';
import type { GitHubEvidenceReader } from '../evidence/ports.js';
import type { PlanInvocation } from '../invocation.js';
import { createGitHubEvidenceReader } from '../platform/github/approvals.js';
import { commentAuthor, stickyMarker, upsertStickyComment } from '../platform/github/comment.js';
import type { GitHubContext } from '../platform/github/context.js';
import { forkSkipReason, readTrustedSources } from '../platform/github/trusted.js';
import { redact } from '../platform/http/redact.js';
import { exitCodeFor } from '../result/exit.js';
import { skippedResult, withPolicyIntegrityFinding, withWorkflowIntegrityFinding } from '../result/findings.js';
import { readConfig, runPlan } from '../run/plan.js';
import { previewEach, withPromotionPlans } from '../run/promote.js';
import type { CliIO } from '../wiring/io.js';
import { liveDeps } from '../wiring/live.js';
import { notifyRun } from '../wiring/notify.js';
import { commentBody, commentContext } from './comment.js';
import { configOrNull, githubClientFor, teamsOf } from './github.js';
import type { ActionSettings } from './inputs.js';
import { publishResult, stepFailure } from './publish.js';
import { fillGitHubEvidence } from './replay.js';
import { repoRelativePath, repositoryFiles } from './workspace.js';

export async function actionPlan(given: PlanInvocation, settings: ActionSettings, context: GitHubContext, io: CliIO): Promise<number> {
  // Only files of this repository, whatever the event: `config: /elsewhere/mlops.yml` or `../` is refused.
  const inv: PlanInvocation = { ...given, configPath: repoRelativePath(io.cwd, given.configPath) };
  const live = { ...liveDeps(io, { ...(inv.timeouts ? { timeouts: inv.timeouts } : {}), readOnly: true }), ...repositoryFiles(io.cwd) };
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

  let readFile = live.readFile;
  let listDir = live.listDir;
  let changedPolicies: readonly string[] = [];
  let changedWorkflows: readonly string[] = [];
  if (pr && context.repo) {
    if (inv.evidencePath) {
      throw new UsageError(
        'evidence: replaying evidence from a file is refused on pull request events: the pull request could write that file; ' +
          'registry facts are read live (use evidence only on trusted events such as workflow_dispatch)',
      );
    }
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
      toRepoPath: (p) => repoRelativePath(io.cwd, p),
      discover: (rf, ld) => void readConfig(inv.configPath, { env: io.env, now: live.now, readFile: rf, listDir: ld }),
    });
    if (trusted.baseFiles.get(inv.configPath) === null) {
      throw new UsageError(
        `${inv.configPath} does not exist on the base branch (${pr.baseRef || pr.baseSha.slice(0, 12)}): a pull request cannot introduce ` +
          'the rules it is judged by; merge the configuration first, then later PRs are checked against it',
      );
    }
    readFile = trusted.readFile;
    listDir = trusted.listDir;
    // Asset Bundle files are read from the base commit too, but they are not rules: a PR that edits the
    // bundle (a job, the endpoint's size) is planned against the base bundle and is not blocked for it.
    const baseConfig = configOrNull(inv.configPath, { env: io.env, now: live.now, readFile, listDir });
    const bundleFiles = new Set((baseConfig?.bundle?.bundle.files ?? []).map((f) => repoRelativePath(io.cwd, f)));
    changedPolicies = trusted.changed.filter((p) => !bundleFiles.has(p));
    changedWorkflows = trusted.changedWorkflowFiles;
    core.info(`Policies read from the base commit ${pr.baseSha.slice(0, 12)}: ${[...trusted.baseFiles.keys()].join(', ')}`);
    const changedBundle = trusted.changed.filter((p) => bundleFiles.has(p));
    if (changedBundle.length > 0) {
      core.info(`This PR changes Asset Bundle files (${changedBundle.join(', ')}): planned with their base versions; the change counts once merged`);
    }
  }

  let githubReader: GitHubEvidenceReader | undefined;
  if (github && context.repo && (pr || context.runId)) {
    githubReader = createGitHubEvidenceReader({ github, context, teams: teamsOf(inv.configPath, { ...live, readFile }) });
  }
  if (githubReader && inv.evidencePath) {
    // Trusted events only (refused on PRs above); GitHub facts are always read live over the file's.
    const evidenceText = readFile(inv.evidencePath);
    if (evidenceText !== null) {
      const filled = await fillGitHubEvidence(evidenceText, githubReader);
      const evidencePath = inv.evidencePath;
      const inner = readFile;
      readFile = (p) => (p === evidencePath ? filled : inner(p));
    }
  }

  const deps = { ...live, readFile, ...(listDir ? { listDir } : {}), ...(githubReader ? { github: githubReader } : {}) };
  // Findings first, plans after: a target a finding blocks is never planned, hashed or pinned. A
  // finding blocks every target, so without one each target's plan starts as soon as its own gates
  // are decided; with one, no target is planned.
  const blockedByFinding = changedPolicies.length > 0 || changedWorkflows.length > 0;
  const { result: gated, evidence } = await runPlan(inv, deps, blockedByFinding ? {} : { then: previewEach(inv, deps) });
  const judged = withWorkflowIntegrityFinding(withPolicyIntegrityFinding(gated, changedPolicies), changedWorkflows);
  const result = blockedByFinding ? await withPromotionPlans(inv, judged, evidence, deps) : judged;
  await publishResult(result, inv.resultPath, live, io.cwd);

  if (settings.comment && pr && github && context.repo) {
    const marker = stickyMarker('plan', inv.configPath, { models: inv.models, to: inv.to });
    const outcome = await upsertStickyComment({
      github,
      repo: context.repo,
      issueNumber: pr.number,
      marker,
      author: await commentAuthor(github, settings.commentAuthor),
      body: redact(commentBody(result, { marker, runUrl: context.runUrl, context: commentContext(context, io.cwd) })),
    });
    if (outcome.action === 'failed') core.warning(`mlops-gate could not update the PR comment: ${outcome.reason}`);
    else core.info(`PR comment ${outcome.action}${outcome.url ? `: ${outcome.url}` : ''}`);
  }

  // Channels come from the config as judged (on a PR: the base commit's), never from the PR itself.
  await notifyRun(result, inv.configPath, io, { warn: (m) => core.warning(m), info: (m) => core.info(m), mask: (s) => core.setSecret(s), readFile });

  const code = exitCodeFor(result, inv.failOn);
  if (code !== EXIT.ok) core.setFailed(stepFailure(result));
  return code;
}
