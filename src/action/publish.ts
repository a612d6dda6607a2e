// What every action run leaves behind: the result JSON file, the job summary (markdown report and
// the complete text report), step outputs and annotations.

import * as core from '@actions/core';
import { formatDiagnostic, type Diagnostic } from '../errors.js';
import { renderJson } from '../report/json.js';
import { renderResult } from '../report/renderers.js';
import { renderText } from '../report/text.js';
import type { ResultDocument } from '../result/types.js';
import { redact } from '../platform/http/redact.js';
import type { FileAccess } from '../wiring/io.js';

/** The job summary allows 1 MiB; keep a margin for the markdown part. */
const SUMMARY_TEXT_LIMIT = 800_000;

export async function publishResult(result: ResultDocument, resultPathInput: string | null, files: FileAccess, workDir: string): Promise<void> {
  // Every sink gets the same redaction: server texts inside the result may echo a secret.
  core.info(redact(renderResult(result, 'text')));
  const resultPath = resultPathInput ?? `${process.env.RUNNER_TEMP ?? workDir}/mlops-gate-result.json`;
  files.writeFile(resultPath, redact(renderJson(result)));

  // The markdown folds details to fit a PR comment; the summary also carries the complete text report.
  const text = renderText(result);
  const full = text.length > SUMMARY_TEXT_LIMIT ? `${text.slice(0, SUMMARY_TEXT_LIMIT)}\n… (truncated; see ${resultPath})\n` : text;
  await core.summary
    .addRaw(redact(renderResult(result, 'markdown')))
    .addRaw(redact(`\n<details><summary>Full report</summary>\n\n\`\`\`text\n${full.replace(/```/g, '`\u200b``')}\n\`\`\`\n</details>\n`))
    .write();

  core.setOutput('verdict', result.verdict);
  core.setOutput('result-json', resultPath);
  // One reviewed plan can be pinned with expect-plan; several are pinned through the result file.
  const hashes = result.targets.map((t) => t.plan?.hash).filter((h): h is string => typeof h === 'string' && h.length > 0);
  if (hashes.length === 1) core.setOutput('plan-hash', hashes[0]);
  for (const d of result.diagnostics) annotate(d);
}

export function annotate(d: Diagnostic): void {
  if (d.severity === 'error') core.error(redact(formatDiagnostic(d)), annotation(d.position));
  else core.warning(redact(formatDiagnostic(d)), annotation(d.position));
}

export const annotation = (p: { file: string; line: number; column: number } | null): core.AnnotationProperties =>
  p ? { file: p.file, startLine: p.line, startColumn: p.column, title: 'mlops-gate' } : { title: 'mlops-gate' };
