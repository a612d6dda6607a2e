// Entry of dist/index.js, run by action.yml. Inputs and the run context are read once; results go
// to the job summary, step outputs, annotations and (on pull requests) one sticky PR comment.

import * as core from '@actions/core';
import { readInputFile } from './platform/files.js';
import { readActionInputs, type ActionSettings } from './action/inputs.js';
import { fillGitHubEvidence } from './action/replay.js';
import { fileDeps, livePromoteDeps, renderPromotion, type CliIO } from './cli.js';
import { listTargets } from './config/targets.js';
import type { Target } from './config/types.js';
import { ConfigError, UsageError, ApiError, EXIT, formatDiagnostic, type Diagnostic } from './errors.js';
import type { GitHubEvidenceReader } from './evidence/ports.js';
import type { PlanInvocation, PromoteInvocation, RollbackInvocation } from './invocation.js';
import { createGitHubEvidenceReader, teamsNamedBy } from './platform/github/approvals.js';
import { createGitHubClient, describeError, type GitHub } from './platform/github/client.js';
import { recordPromotionDeployments } from './platform/github/deployments.js';
import { commentBody, stickyMarker, upsertStickyComment } from './platform/github/comment.js';
import { readGitHubContext, type GitHubContext } from './platform/github/context.js';
import { forkSkipReason, readTrustedSources, repoPath, skippedResult, withPolicyIntegrityFinding } from './platform/github/trusted.js';
import { renderMarkdown } from './report/markdown.js';
import { renderText } from './report/text.js';
import { exitCodeFor } from './result/exit.js';
import type { ResultDocument } from './result/types.js';
import { readConfig, runPlan, type RunDeps } from './run/plan.js';
import { promoteExitCode, runPromote, withPromotionPlans } from './run/promote.js';
import { renderPlansMarkdown } from './report/plans.js';
import { rollbackExitCode, runRollback } from './run/rollback.js';

/** The job summary allows 1 MiB; keep a margin for the markdown part. */
const SUMMARY_TEXT_LIMIT = 800_000;

const readAbsolute = (path: string): string | null => {
  try {
    return readInputFile(path);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return null;
  }
};

async function run(): Promise<number> {
  const now = new Date();
  const io: CliIO = {
    stdout: (s: string) => process.stdout.write(s),
    stderr: (s: string) => process.stderr.write(s),
    env: process.env,
    cwd: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    now,
  };
  try {
    const settings = readActionInputs(process.env);
    // Mask the token in anything the runner prints, whatever prints it.
    if (settings.githubToken) core.setSecret(settings.githubToken);
    const context = readGitHubContext(process.env, readAbsolute);
    const { invocation } = settings;
    switch (invocation.command) {
      case 'validate': {
        const { config, warnings } = readConfig(invocation.configPath, { ...fileDeps(io), env: io.env, now });
        for (const w of warnings) core.warning(formatDiagnostic(w), annotation(w.position));
        core.info(`✓ ${config.file} is valid`);
        core.setOutput('verdict', 'pass');
        return EXIT.ok;
      }
      case 'plan':
        return await plan(invocation, settings, context, io, now);
      case 'promote':
      case 'rollback':
        return await promoteOrRollback(invocation, settings, context, io, now);
      default:
        throw new UsageError(`command "${invocation.command}" is not available in the action`);
    }
  } catch (e) {
    return failure(e);
  }
}

async function plan(inv: PlanInvocation, settings: ActionSettings, context: GitHubContext, io: CliIO, now: Date): Promise<number> {
  // Promote deps: the plan also computes each passing target's promotion plan (read-only).
  const live = livePromoteDeps(io);
  const github: GitHub | null = settings.githubToken
    ? createGitHubClient({ token: settings.githubToken, apiUrl: context.apiUrl, env: io.env, onRetry: (m) => core.info(m) })
    : null;
  const pr = context.pullRequest;

  const skip = forkSkipReason(context, github !== null);
  if (skip) {
    const result = skippedResult({ reason: skip, configFile: inv.configPath, ...namedTargets(inv, live, io, now), now });
    core.warning(skip, { title: 'mlops-gate: not evaluated' });
    await publish(result, inv, live, io);
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
      discover: (rf) => void readConfig(inv.configPath, { env: io.env, now, readFile: rf }),
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
    githubReader = createGitHubEvidenceReader({ github, context, teams: teamsOf(inv.configPath, readFile, io, now) });
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
  const { result: gated, evidence } = await runPlan(inv, deps);
  const planned = await withPromotionPlans(inv, gated, evidence, deps);
  const result = withPolicyIntegrityFinding(planned, changedPolicies);
  await publish(result, inv, live, io);

  if (settings.comment && pr && github && context.repo) {
    const marker = stickyMarker('plan', inv.configPath);
    const outcome = await upsertStickyComment({
      github,
      repo: context.repo,
      issueNumber: pr.number,
      marker,
      // The exact promotion plans and hashes follow the gate report: `promote --expect-plan` applies exactly them.
      body: commentBody(result, { marker, runUrl: context.runUrl }) + withLeadingBreak(renderPlansMarkdown(result)),
    });
    if (outcome.action === 'failed') core.warning(`mlops-gate could not update the PR comment: ${outcome.reason}`);
    else core.info(`PR comment ${outcome.action}${outcome.url ? `: ${outcome.url}` : ''}`);
  }

  const code = exitCodeFor(result, inv.failOn);
  if (code !== EXIT.ok) core.setFailed(`mlops-gate plan: ${result.verdict}`);
  return code;
}

async function promoteOrRollback(
  inv: PromoteInvocation | RollbackInvocation,
  settings: ActionSettings,
  context: GitHubContext,
  io: CliIO,
  now: Date,
): Promise<number> {
  if (context.pullRequest) {
    // A PR's checkout carries the PR's own policies; changes to the registry happen only from trusted refs.
    throw new UsageError(
      `${inv.command} does not run on pull request events (${context.eventName}): run it on push, release or workflow_dispatch, ` +
        'after the change is merged; on pull requests use command: plan',
    );
  }
  const github: GitHub | null = settings.githubToken
    ? createGitHubClient({ token: settings.githubToken, apiUrl: context.apiUrl, env: io.env, onRetry: (m) => core.info(m) })
    : null;
  const live = livePromoteDeps(io);
  const reader =
    github && context.repo && context.runId
      ? createGitHubEvidenceReader({ github, context, teams: teamsOf(inv.configPath, live.readFile, io, now) })
      : undefined;
  const deps = { ...live, ...(context.runUrl ? { runUrl: context.runUrl } : {}), ...(reader ? { github: reader } : {}) };
  const result = inv.command === 'promote' ? await runPromote(inv, deps) : await runRollback(inv, deps);

  core.info(renderPromotion(result, 'text'));
  await publishResult(result, inv.resultPath, renderPromotion(result, 'markdown'), live, io);

  if (settings.deployments && github && context.repo && context.sha && !inv.dryRun) {
    try {
      const { config } = readConfig(inv.configPath, { env: io.env, now, readFile: live.readFile });
      const recorded = await recordPromotionDeployments({
        github,
        repo: context.repo,
        sha: context.sha,
        runUrl: context.runUrl,
        githubEnvironmentOf: (e) => config.environments.get(e)?.githubEnvironment ?? null,
        outcomes: result.targets.flatMap((t) =>
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
        ),
      });
      for (const r of recorded) {
        if ('deploymentId' in r) core.info(`GitHub deployment ${r.deploymentId} (${r.environment}): ${r.state}${r.written ? '' : ' (already recorded)'}`);
      }
    } catch (e) {
      // The registry change already happened; a missing audit record is a warning, not a failed promotion.
      core.warning(`mlops-gate could not record the GitHub deployment: ${e instanceof Error ? e.message : describeError(e)}`);
    }
  }

  const code = inv.command === 'promote' ? promoteExitCode(result, inv.failOn) : rollbackExitCode(result);
  if (code !== EXIT.ok) core.setFailed(`mlops-gate ${inv.command}: ${result.verdict}`);
  return code;
}

/** Targets of the workspace config, only to name what a skipped run did not evaluate. */
function namedTargets(inv: PlanInvocation, live: RunDeps, io: CliIO, now: Date): { digest: string; targets: readonly Target[] } {
  try {
    const { config } = readConfig(inv.configPath, { env: io.env, now, readFile: live.readFile });
    return { digest: config.digest, targets: listTargets(config, { models: inv.models.length ? [...inv.models] : undefined, to: inv.to ?? undefined }) };
  } catch {
    return { digest: '', targets: [] };
  }
}

/** Team slugs the approvals gates name (config errors surface later, from runPlan). */
function teamsOf(configPath: string, readFile: RunDeps['readFile'], io: CliIO, now: Date): string[] {
  try {
    const { config } = readConfig(configPath, { env: io.env, now, readFile });
    return teamsNamedBy([...config.policies.values()].flatMap((p) => p.gates));
  } catch {
    return [];
  }
}

async function publish(result: ResultDocument, inv: PlanInvocation, live: RunDeps, io: CliIO): Promise<void> {
  core.info(renderPromotion(result, 'text'));
  await publishResult(result, inv.resultPath, renderMarkdown(result) + withLeadingBreak(renderPlansMarkdown(result)), live, io);
}

const withLeadingBreak = (section: string): string => (section ? `\n${section}` : '');

/** Result JSON file, job summary (markdown report + complete text report), step outputs, annotations. */
async function publishResult(result: ResultDocument, resultPathInput: string | null, markdown: string, live: RunDeps, io: CliIO): Promise<void> {
  const resultPath = resultPathInput ?? `${process.env.RUNNER_TEMP ?? io.cwd}/mlops-gate-result.json`;
  live.writeFile(resultPath, JSON.stringify(result, null, 2) + '\n');

  // The markdown folds details to fit a PR comment; the summary also carries the complete text report.
  const text = renderText(result);
  const full = text.length > SUMMARY_TEXT_LIMIT ? `${text.slice(0, SUMMARY_TEXT_LIMIT)}\n… (truncated; see ${resultPath})\n` : text;
  await core.summary
    .addRaw(markdown)
    .addRaw(`\n<details><summary>Full report</summary>\n\n\`\`\`text\n${full.replace(/```/g, '`\u200b``')}\n\`\`\`\n</details>\n`)
    .write();

  core.setOutput('verdict', result.verdict);
  core.setOutput('result-json', resultPath);
  // One reviewed plan can be pinned with expect-plan; several are pinned through the result file.
  const hashes = result.targets.map((t) => t.plan?.hash).filter((h): h is string => typeof h === 'string' && h.length > 0);
  if (hashes.length === 1) core.setOutput('plan-hash', hashes[0]);
  for (const d of result.diagnostics) annotate(d);
}

function annotate(d: Diagnostic): void {
  if (d.severity === 'error') core.error(formatDiagnostic(d), annotation(d.position));
  else core.warning(formatDiagnostic(d), annotation(d.position));
}

function failure(e: unknown): number {
  if (e instanceof ConfigError) {
    for (const d of e.diagnostics) annotate(d);
    core.setFailed(`mlops-gate: invalid configuration (${e.total.toLocaleString('en-US')} error(s))`);
    return EXIT.invalid;
  }
  if (e instanceof UsageError) {
    core.setFailed(`mlops-gate: ${e.message}`);
    return EXIT.invalid;
  }
  if (e instanceof ApiError) {
    core.setFailed(`mlops-gate: ${e.message}`);
    return EXIT.evidence;
  }
  core.setFailed(`mlops-gate internal error (please report): ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.MLOPS_GATE_DEBUG && e instanceof Error && e.stack) core.debug(e.stack);
  return EXIT.internal;
}

const annotation = (p: { file: string; line: number; column: number } | null): core.AnnotationProperties =>
  p ? { file: p.file, startLine: p.line, startColumn: p.column, title: 'mlops-gate' } : { title: 'mlops-gate' };

process.exit(await run());
