// Entry of dist/index.js, run by action.yml. Inputs and the run context are read once; results go
// to the job summary, step outputs, annotations and (on pull requests) one sticky PR comment.

import * as core from '@actions/core';
import { actionDoctor } from './action/doctor.js';
import { actionMergeResults } from './action/merge.js';
import { readActionInputs } from './action/inputs.js';
import { actionPlan } from './action/plan.js';
import { actionPromote } from './action/promote.js';
import { annotate, annotation } from './action/publish.js';
import { ApiError, ConfigError, EXIT, UsageError, configFailureSummary, exitCodeForError, formatDiagnostic } from './errors.js';
import { readGitHubContext } from './platform/github/context.js';
import { redact } from './platform/http/redact.js';
import { onSecret, registerEnvironmentSecrets, registerSecret } from './platform/secrets.js';
import { validateConfig } from './run/validate.js';
import { fileAccess, type CliIO } from './wiring/io.js';

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
    // Every secret read or obtained (environment credentials, OAuth and OIDC tokens, the GitHub
    // token) is masked by the runner from the moment it is known.
    onSecret((secret) => core.setSecret(secret));
    registerEnvironmentSecrets(process.env);
    const settings = readActionInputs(process.env);
    registerSecret(settings.githubToken);
    const files = fileAccess(io.cwd);
    const context = readGitHubContext(process.env, files.readFile);
    const { invocation } = settings;
    switch (invocation.command) {
      case 'validate': {
        const report = validateConfig(invocation, { ...files, env: io.env, now });
        for (const w of report.diagnostics) core.warning(formatDiagnostic(w), annotation(w.position));
        core.info(`✓ ${report.file} is valid`);
        core.setOutput('verdict', 'pass');
        return EXIT.ok;
      }
      case 'plan':
        return await actionPlan(invocation, settings, context, io);
      case 'promote':
      case 'rollback':
        return await actionPromote(invocation, settings, context, io);
      case 'doctor':
        return await actionDoctor(invocation, io);
      case 'merge-results':
        return await actionMergeResults(invocation, io);
      default:
        throw new UsageError(`command "${invocation.command}" is not available in the action`);
    }
  } catch (e) {
    return failure(e);
  }
}

function failure(e: unknown): number {
  if (e instanceof ConfigError) {
    for (const d of e.diagnostics) annotate(d);
    core.setFailed(`mlops-gate: ${configFailureSummary(e)}`);
  } else if (e instanceof UsageError || e instanceof ApiError) {
    core.setFailed(redact(`mlops-gate: ${e.message}`));
  } else {
    core.setFailed(redact(`mlops-gate internal error (please report): ${e instanceof Error ? e.message : String(e)}`));
    if (process.env.MLOPS_GATE_DEBUG && e instanceof Error && e.stack) core.debug(e.stack);
  }
  return exitCodeForError(e);
}

process.exit(await run());
