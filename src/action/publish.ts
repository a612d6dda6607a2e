// What every action run leaves behind: the result JSON file (and the same result as SARIF and
// JUnit XML beside it), the job summary (the markdown report and the text report, folded and
// wrapped), step outputs, and annotations: one per finding and one per failing or warning gate,
// at the gate's line in mlops.yml or its policy file.

import * as core from '@actions/core';
import { formatDiagnostic, type Diagnostic } from '../errors.js';
import { readInputFile } from '../platform/files.js';
import { redact } from '../platform/http/redact.js';
import { readGitHubContext } from '../platform/github/context.js';
import { term } from '../report/escape.js';
import { gatePhrase, waiverPhrase, why } from '../report/gates.js';
import { renderJson } from '../report/json.js';
import { renderMarkdown, type RunContext } from '../report/markdown.js';
import { OUTCOME_WORDS, outcomeOf, targetTitle, type TargetOutcome } from '../report/promotion.js';
import { renderResult } from '../report/renderers.js';
import { wrapText } from '../report/text.js';
import type { GateEntry, ResultDocument, TargetReport } from '../result/types.js';
import type { FileAccess } from '../wiring/io.js';
import { findApplyWorkflow } from './workflows.js';

/** The job summary allows 1 MiB (1,048,576 characters): the whole summary stays under this… */
const SUMMARY_LIMIT = 1_000_000;
/** …of which the text report takes at most this. */
const SUMMARY_TEXT_LIMIT = 600_000;
/** Text report lines in the summary are wrapped to this width (a code block never scrolls sideways). */
const SUMMARY_TEXT_WIDTH = 88;

/** The run's context from the runner's environment: actor, run link, and on pull requests the commits. */
export function runContextFromEnv(_files: FileAccess, workDir: string, env: Readonly<Record<string, string | undefined>> = process.env): RunContext {
  // The event payload lives in the runner's temp directory, outside the repository: read it as is.
  const context = readGitHubContext(env, (p) => readInputFile(p));
  return {
    headSha: context.pullRequest?.headSha || null,
    baseSha: context.pullRequest?.baseSha || null,
    actor: context.actor,
    runUrl: context.runUrl,
    applyWorkflow: context.pullRequest ? findApplyWorkflow(workDir, context) : null,
  };
}

/** The job summary: the markdown report, then the text report folded in a wrapped code block. */
export function summaryMarkdown(result: ResultDocument, context: RunContext, resultPath: string): string {
  const text = wrapText(renderResult(result, 'text', { verbose: true }), SUMMARY_TEXT_WIDTH);
  const full = text.length > SUMMARY_TEXT_LIMIT ? `${text.slice(0, SUMMARY_TEXT_LIMIT)}\n… (truncated; see ${term(resultPath)})\n` : text;
  const appendix = `<details><summary>Text report</summary>\n\n\`\`\`text\n${full.replace(/```/g, '`\u200b``')}\n\`\`\`\n</details>\n`;
  return renderMarkdown(result, { detail: 'summary', context, maxChars: SUMMARY_LIMIT, appendix });
}

/** Model ids whose targets ended in one of `outcomes`, comma-separated (step outputs). */
const modelsWith = (result: ResultDocument, outcomes: readonly TargetOutcome[]): string =>
  [...new Set(result.targets.filter((t) => outcomes.includes(outcomeOf(t))).map((t) => t.model))].join(',');

export async function publishResult(
  result: ResultDocument,
  resultPathInput: string | null,
  files: FileAccess,
  workDir: string,
  context: RunContext = runContextFromEnv(files, workDir),
): Promise<void> {
  // Every sink gets the same redaction: server texts inside the result may echo a secret.
  core.info(redact(renderResult(result, 'text')));
  const resultPath = resultPathInput ?? `${process.env.RUNNER_TEMP ?? workDir}/mlops-gate-result.json`;
  files.writeFile(resultPath, redact(renderJson(result)));
  // The same result for code scanning (upload-sarif) and test-report UIs, next to it.
  const base = resultPath.replace(/\.json$/, '');
  const sarifPath = `${base}.sarif`;
  const junitPath = `${base}.junit.xml`;
  files.writeFile(sarifPath, redact(renderResult(result, 'sarif')));
  files.writeFile(junitPath, redact(renderResult(result, 'junit')));
  await core.summary.addRaw(redact(summaryMarkdown(result, context, resultPath))).write();

  core.setOutput('verdict', result.verdict);
  core.setOutput('result-json', resultPath);
  core.setOutput('sarif', sarifPath);
  core.setOutput('junit', junitPath);
  // One reviewed plan can be pinned with expect-plan; several are pinned through the result file.
  const hashes = result.targets.filter((t) => !blocks(t)).map((t) => t.plan?.hash).filter((h): h is string => typeof h === 'string' && h.length > 0);
  if (hashes.length === 1) core.setOutput('plan-hash', hashes[0]);
  // Which models: a release workflow promotes the promotable ones even when another is blocked.
  core.setOutput('promotable', modelsWith(result, ['will-apply', 'applied', 'up-to-date']));
  core.setOutput('promoted', modelsWith(result, ['applied', 'rolled-back']));
  core.setOutput('blocked', modelsWith(result, ['blocked']));
  core.setOutput('failed', modelsWith(result, ['aborted', 'reverted', 'failed', 'refused', 'locked', 'drift']));
  for (const d of result.diagnostics) annotate(d);
  for (const t of result.targets) for (const g of t.gates) annotateGate(t, g);
}

const blocks = (t: TargetReport): boolean => t.verdict === 'fail' || t.verdict === 'error';

const EXPLAINED: readonly TargetOutcome[] = ['aborted', 'reverted', 'failed', 'refused', 'locked', 'drift'];

/**
 * The failed step's message, by target, instead of a bare verdict: "mlops-gate promote: churn dev →
 * test applied; fraud dev → test blocked (1 fail: release/required_tags)".
 */
export function stepFailure(result: ResultDocument, dryRun = false): string {
  const parts = result.targets.map((t) => {
    const o = outcomeOf(t);
    const reason = o === 'blocked' ? ` (${why(t)})` : EXPLAINED.includes(o) ? ` (${t.plan?.message ?? t.summary})` : '';
    // plan: the gate verdict is what the step is about.
    const what = result.command === 'plan' && o !== 'blocked' ? t.verdict : OUTCOME_WORDS[o].word;
    return `${targetTitle(t)} ${what}${reason}`;
  });
  return redact(term(`mlops-gate ${result.command}${dryRun ? ' (dry run)' : ''}: ${parts.join('; ') || result.verdict}`, 2000));
}

export function annotate(d: Diagnostic): void {
  if (d.severity === 'error') core.error(redact(formatDiagnostic(d)), annotation(d.position));
  else core.warning(redact(formatDiagnostic(d)), annotation(d.position));
}

/** A failing, erring or warning gate with a line: an annotation there, titled with model and gate. */
export function annotateGate(t: TargetReport, g: GateEntry): void {
  if (!g.position || (g.outcome !== 'fail' && g.outcome !== 'error' && g.outcome !== 'warn')) return;
  const waiver = waiverPhrase(g);
  const message = redact(term(`${gatePhrase(g)}${waiver ? ` (${waiver})` : ''} — ${g.message}`, 1000));
  const props: core.AnnotationProperties = {
    file: g.position.file,
    startLine: g.position.line,
    startColumn: g.position.column,
    title: term(`mlops-gate: ${t.model} ${t.from} → ${t.to}: ${g.id} ${g.outcome === 'error' ? 'could not be evaluated' : g.outcome === 'warn' ? 'warns' : 'fails'}`, 200),
  };
  if (g.outcome === 'warn') core.warning(message, props);
  else core.error(message, props);
}

export const annotation = (p: { file: string; line: number; column: number } | null): core.AnnotationProperties =>
  p ? { file: p.file, startLine: p.line, startColumn: p.column, title: 'mlops-gate' } : { title: 'mlops-gate' };
