// Entry of dist/index.js, run by action.yml. Inputs are read once into an Invocation; results
// go to the job summary, step outputs and annotations.

import * as core from '@actions/core';
import { readActionInputs } from './action/inputs.js';
import { fileDeps, liveDeps, renderResult } from './cli.js';
import { ConfigError, UsageError, ApiError, EXIT, formatDiagnostic } from './errors.js';
import { renderMarkdown } from './report/markdown.js';
import { exitCodeFor } from './result/exit.js';
import { readConfig, runPlan } from './run/plan.js';

async function run(): Promise<number> {
  const io = {
    stdout: (s: string) => process.stdout.write(s),
    stderr: (s: string) => process.stderr.write(s),
    env: process.env,
    cwd: process.env.GITHUB_WORKSPACE ?? process.cwd(),
  };
  try {
    const { invocation } = readActionInputs(process.env);
    switch (invocation.command) {
      case 'validate': {
        const { config, warnings } = readConfig(invocation.configPath, { ...fileDeps(io), env: io.env, now: new Date() });
        for (const w of warnings) core.warning(w.message, annotation(w.position));
        core.info(`✓ ${config.file} is valid`);
        core.setOutput('verdict', 'pass');
        return EXIT.ok;
      }
      case 'plan': {
        const deps = liveDeps(io);
        const { result } = await runPlan(invocation, deps);
        core.info(renderResult(result, 'text'));
        const resultPath = `${process.env.RUNNER_TEMP ?? io.cwd}/mlops-gate-result.json`;
        deps.writeFile(resultPath, JSON.stringify(result, null, 2) + '\n');
        await core.summary.addRaw(renderMarkdown(result)).write();
        core.setOutput('verdict', result.verdict);
        core.setOutput('result-json', resultPath);
        for (const w of result.diagnostics) core.warning(w.message, annotation(w.position));
        const code = exitCodeFor(result, invocation.failOn);
        if (code !== EXIT.ok) core.setFailed(`mlops-gate plan: ${result.verdict}`);
        return code;
      }
      default:
        throw new UsageError(`command "${invocation.command}" is not available in the action`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) {
        const props = annotation(d.position);
        if (d.severity === 'error') core.error(formatDiagnostic(d), props);
        else core.warning(formatDiagnostic(d), props);
      }
      core.setFailed(`mlops-gate: invalid configuration (${e.diagnostics.filter((d) => d.severity === 'error').length} error(s))`);
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
    return EXIT.internal;
  }
}

const annotation = (p: { file: string; line: number; column: number } | null): core.AnnotationProperties =>
  p ? { file: p.file, startLine: p.line, startColumn: p.column, title: 'mlops-gate' } : { title: 'mlops-gate' };

process.exit(await run());
