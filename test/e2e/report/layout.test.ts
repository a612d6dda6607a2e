// Layout rules of what reviewers see on GitHub, asserted on the demo's real results (the same
// documents scripts/render-images.mjs renders to docs/images/): GitHub's comment column is 860 px,
// and a table wider than it scrolls sideways. Measured on the markdown, as GitHub parses it (GFM):
// columns per table, cell length, the longest run a browser cannot break, code-block line length,
// the comment size limit, and the order of the parts (verdicts, On merge, gates, footer last).

import { beforeAll, describe, expect, it } from 'vitest';
import { commentBody } from '../../../src/action/comment.js';
import { summaryMarkdown } from '../../../src/action/publish.js';
import { runCli } from '../../../src/cli.js';
import type { DemoReport } from '../../../src/demo/run.js';
import { GITHUB_COMMENT_LIMIT } from '../../../src/report/markdown.js';
import { codeLines, htmlOf, tablesOf } from '../../support/markdown-layout.js';

/** What fits the 860 px column (16 px padding, 14–16 px type): measured with scripts/render-images.mjs. */
const MAX_COLUMNS = 4;
const MAX_CELL = 200;
const MAX_UNBREAKABLE = 40;
const MAX_CODE_LINE = 88;

let report: DemoReport;
const documents: Record<string, string> = {};
const runUrl = 'https://github.com/acme/models/actions/runs/4242';
const pr = { headSha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', baseSha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d', runUrl, applyWorkflow: { name: 'release-promote.yml', url: 'https://github.com/acme/models/actions/workflows/release-promote.yml' } };

beforeAll(async () => {
  let stdout = '';
  const code = await runCli(['demo', '--format', 'json'], { stdout: (s) => (stdout += s), stderr: () => undefined, env: { GITHUB_ACTOR: 'release-bot' }, cwd: process.cwd() });
  expect(code).toBe(0);
  report = JSON.parse(stdout) as DemoReport;
  documents['pr-comment'] = commentBody(report.plan, { marker: '<!-- mlops-gate:plan:demo/mlops.yml -->', runUrl, context: pr });
  documents['summary-plan'] = summaryMarkdown(report.plan, pr, '/tmp/r.json');
  documents['summary-promote'] = summaryMarkdown(report.promote, { actor: 'release-bot', runUrl }, '/tmp/r.json');
  documents['summary-promote-again'] = summaryMarkdown(report.promoteAgain, { actor: 'release-bot', runUrl }, '/tmp/r.json');
  documents['summary-rollback'] = summaryMarkdown(report.rollback, { actor: 'release-bot', runUrl }, '/tmp/r.json');
}, 120_000);

describe('the demo as GitHub shows it', () => {
  it.each(['pr-comment', 'summary-plan', 'summary-promote', 'summary-promote-again', 'summary-rollback'])('%s: no table or code block wider than the column', (name) => {
    const md = documents[name]!;
    const tables = tablesOf(md);
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) {
      expect(t.columns, t.header.join(' | ')).toBeLessThanOrEqual(MAX_COLUMNS);
      expect(Math.max(...t.maxCell), t.header.join(' | ')).toBeLessThanOrEqual(MAX_CELL);
      expect(t.longestRun, t.longestRunText).toBeLessThanOrEqual(MAX_UNBREAKABLE);
    }
    for (const line of codeLines(md)) expect([...line].length, line).toBeLessThanOrEqual(MAX_CODE_LINE);
    expect(md.length).toBeLessThanOrEqual(name === 'pr-comment' ? GITHUB_COMMENT_LIMIT : 1_048_576);
  });

  it('the PR comment: verdicts with a why, On merge with the hash expect-plan enforces and the workflow, gates, footer last; nothing internal', () => {
    const md = documents['pr-comment']!;
    const [top, onMerge, gates] = tablesOf(md);
    expect(top!.header).toEqual(['Model', 'Change', 'Verdict', 'Why']);
    expect(top!.cells.slice(1).map((r) => [r[0], r[2]])).toEqual([
      ['churn', '✅\u00a0PASS'],
      ['fraud', '❌\u00a0FAIL'],
    ]);
    expect(top!.cells[2]![3]).toBe('3 fail: baseline/signature, release/required_tags, release/metric_delta:roc_auc; 2 warn: baseline/description, release/metric_delta:latency_p95_ms');
    expect(onMerge!.header).toEqual(['Model', 'On merge', 'Plan']);
    const hash = report.plan.targets[0]!.plan!.hash!;
    expect(onMerge!.cells[1]).toEqual(['churn dev → test', '🔜 will promote v2 (7 steps: 6 to do, 1 already done)', hash.slice(7, 19)]);
    expect(onMerge!.cells[2]).toEqual(['fraud dev → test', '❌ blocked: nothing is promoted', '—']);
    expect(md).toContain(`plan \`${hash}\``);
    expect(md).toContain('Applied after merge by [release-promote.yml](https://github.com/acme/models/actions/workflows/release-promote.yml)');
    expect(md).toContain('· head 9f8e7d6 · rules from base 1a2b3c4');
    expect(gates!.header).toEqual(['', 'Gate', 'Result']);
    // Each gate in one phrase: value vs champion, change, limit, direction; nothing unset, no run id per row.
    const rows = Object.fromEntries(tablesOf(md).slice(2).flatMap((t) => t.cells.slice(1).map((r) => [`${r[1]}`, r[2]])));
    expect(rows['release/metric_delta:latency_p95_ms']).toBeDefined();
    const fraudGates = tablesOf(md)[3]!.cells.slice(1);
    expect(fraudGates.map((r) => r[0])).toEqual(['❌', '❌', '❌', '⚠️', '⚠️', '✅', '✅', '✅']); // blockers first
    expect(fraudGates.find((r) => r[1] === 'baseline/quarantine')?.[0]).toBe('✅'); // the baseline pack's quarantine gate, passing on a never-rolled-back version
    expect(fraudGates.find((r) => r[1] === 'release/metric_delta:roc_auc')![2]).toBe('0.902 vs champion 0.931: -3.11% (worse); limit: at most 1% worse; higher is better');
    expect(md).not.toMatch(/=—|min_absolute_change|run_id=/);
    expect(md).not.toMatch(/precondition|postcondition|before: |after: /);
    // Order: verdicts, On merge, gates, footer last.
    const at = (s: string) => md.indexOf(s);
    expect(at('| Model | Change |')).toBeLessThan(at('#### On merge'));
    expect(at('#### On merge')).toBeLessThan(at('#### Gates'));
    expect(md.trimEnd().split('\n').at(-1)).toMatch(/^<sub>mlops-gate .* · config sha256:[0-9a-f]{12} · .*marks: ✅ pass/);
    expect(htmlOf(md).elements.filter((e) => e === 'details')).toHaveLength(3);
  });

  it('the promote summary leads with what changed, the rollback summary speaks of a rollback', () => {
    const [promote] = tablesOf(documents['summary-promote']!);
    expect(promote!.cells).toEqual([
      ['Model', 'Outcome', 'Version', 'Endpoint traffic'],
      ['churn dev → test', '✅\u00a0applied', 'v2, was v1', 'churn-test: v1 100% → v2 100%'],
      ['fraud dev → test', '❌\u00a0blocked', 'v2 (champion v1)', '—'],
    ]);
    expect(documents['summary-promote']).toMatch(/^### ❌ mlops-gate promote: 1 applied, 1 blocked\n\n`demo\/mlops.yml` · by release-bot · \[workflow run\]/);
    const [again] = tablesOf(documents['summary-promote-again']!);
    expect(again!.cells[1]).toEqual(['churn dev → test', '☑️\u00a0up to date', 'v2, was v1', 'churn-test: v2 100% (unchanged)']);
    const rollback = documents['summary-rollback']!;
    expect(rollback).toMatch(/^### ✅ mlops-gate rollback: churn in test, v2 → v1/);
    expect(tablesOf(rollback)[0]!.cells[1]).toEqual(['churn in test', '✅\u00a0rolled back', 'v2 → v1', 'churn-test: v2 → v1 100%']);
    expect(rollback).not.toMatch(/test → test|No gates apply/);
  });

  it('the job summary folds the text report after the markdown, wrapped, with the footer last', () => {
    const md = documents['summary-plan']!;
    expect(md.indexOf('<details><summary>Text report</summary>')).toBeGreaterThan(md.indexOf('#### Gates'));
    expect(md.trimEnd().split('\n').at(-1)).toMatch(/^<sub>mlops-gate /);
    const text = codeLines(md);
    expect(text.length).toBeGreaterThan(20);
    expect(Math.max(...text.map((l) => l.length))).toBeLessThanOrEqual(MAX_CODE_LINE);
  });
});
