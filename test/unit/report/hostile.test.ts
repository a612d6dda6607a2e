// Text that mlops-gate did not write — registry names, descriptions, tag values, server messages,
// waiver reasons, config values — can say anything. Rendered into the PR comment, the job summary,
// a terminal, SARIF or JUnit, it must stay text: no HTML, no markup, no mention that pings, no
// reference or link, nothing that closes our <details> or table, no "✅ PASS" that looks like ours,
// no terminal escape or runner command. Each result is rendered twice, with benign and with hostile
// data of the same shape, and the two must have the same structure.

/* eslint-disable no-control-regex -- this test looks for control characters on purpose */
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { readFileSync } from 'node:fs';
import { commentBody } from '../../../src/action/comment.js';
import { summaryMarkdown } from '../../../src/action/publish.js';
import { md, safeUrl, term } from '../../../src/report/escape.js';
import { renderResult } from '../../../src/report/renderers.js';
import type { GateEntry, ResultDocument, TargetReport } from '../../../src/result/types.js';
import type { PromotionReport } from '../../../src/plan/types.js';
import { ALLOWED_ATTRIBUTES, ALLOWED_ELEMENTS, htmlOf, tablesOf } from '../../support/markdown-layout.js';

const PAYLOADS = [
  '</details></td></tr></table><img src=x onerror=alert(1)><script>alert(1)</script>',
  '@octocat and @acme/admins, see #1 and GH-2',
  ':white_check_mark: ✅ **PASS** ✅ PASS',
  '| fake | cell | [click](javascript:alert(1)) https://evil.example/x www.evil.example',
  '<!-- mlops-gate:plan:mlops.yml --> $x^2$ `code` ~~gone~~ \\ &amp; &lt;b&gt;',
  '\u001b[31mred\u001b[0m \u202ereversed\u202c\n### heading\n- item\n::error::injected\r\n::add-mask::x',
];

/** `s` as given (benign), or with the i-th payload (hostile). */
type Data = (s: string, i: number) => string;
const benign: Data = (s) => s;
/** Benign too, but different: a cell that differs between `benign` and `other` shows data. */
const other: Data = (s) => `${s} zz`;
const hostile: Data = (s, i) => `${s} ${PAYLOADS[i % PAYLOADS.length]!}`;

const URL = 'https://registry.example/models/churn/versions/7';
const RUN = 'https://github.com/acme/models/actions/runs/42';

function gate(d: Data, n: number, outcome: GateEntry['outcome'], extra: Partial<GateEntry> = {}): GateEntry {
  return {
    id: `release/required_tags${n}`,
    type: 'approvals',
    policy: 'release',
    severity: 'fail',
    outcome,
    rawOutcome: outcome === 'waived' ? 'fail' : outcome,
    message: d(`Gate message ${n}`, n),
    measured: { owner: d('team', n + 1), count: 3 },
    threshold: { owner: d('.+', n + 2) },
    waiver: null,
    position: { file: 'policies/release.yml', line: 3 + n, column: 5 },
    ...extra,
  };
}

function plan(d: Data): PromotionReport {
  return {
    mode: 'copy',
    hash: `sha256:${'b'.repeat(64)}`,
    status: 'applied',
    message: d('promoted: 2 steps applied', 1),
    source: { registry: d('http://reg', 2), name: d('ml_dev.churn', 3), version: '7', source: 'runs:/r/model', runId: 'r7' },
    destination: { registry: d('http://reg', 4), model: d('ml_test.churn', 5), version: '8' },
    previousChampion: '6',
    steps: [0, 1].map((i) => ({
      id: `${i + 1}:move-alias`,
      kind: 'move-alias' as const,
      spec: { kind: 'move-alias' as const, registry: 'r', model: 'm', alias: 'champion', target: { kind: 'existing' as const, name: 'm', version: '8' }, expectedCurrent: '6' },
      description: d(`move alias ${i}`, i),
      precondition: d(`alias points at v6 ${i}`, i + 1),
      postcondition: d(`alias points at v8 ${i}`, i + 2),
      status: i === 0 ? ('done' as const) : ('satisfied' as const),
      writes: 1,
      message: d('note', i + 3),
    })),
    writes: 2,
  };
}

function target(d: Data, model: string, verdict: TargetReport['verdict'], withPlan: boolean): TargetReport {
  return {
    model: d(model, 0),
    from: 'dev',
    to: 'test',
    candidate: { name: d('ml_dev.churn', 1), version: '7', url: URL, runId: d('run-7', 2), metrics: { auc: 0.9 } },
    champion: { name: d('ml_test.churn', 3), version: '6', url: URL, runId: 'r6', metrics: { auc: 0.91 } },
    verdict,
    summary: d('summary', 4),
    gates: [
      gate(d, 0, verdict === 'fail' ? 'fail' : 'pass'),
      gate(d, 1, 'warn'),
      gate(d, 2, 'waived', { waiver: { owner: d('jane', 5), reason: d('tracked elsewhere', 5), expires: '2099-01-01', expired: false } }),
      gate(d, 3, 'pass', { type: 'metric_delta', measured: { candidate: 0.9, champion: 0.91, delta: -0.01 }, threshold: { greater_is_better: true, max_regression_relative: 0.05 } }),
    ],
    ...(withPlan ? { plan: plan(d) } : {}),
  };
}

function result(d: Data, command: ResultDocument['command']): ResultDocument {
  return {
    schemaVersion: 1,
    tool: { name: 'mlops-gate', version: '0.1.0' },
    command,
    generatedAt: '2026-01-02T03:04:05.000Z',
    config: { file: 'mlops.yml', digest: 'c'.repeat(64) },
    verdict: 'fail',
    targets: [target(d, 'churn', 'pass', command !== 'plan' || true), target(d, 'fraud', 'fail', false)],
    diagnostics: [{ severity: 'warning', code: 'expired-waiver', message: d('waiver expired', 2), path: '/waivers/0', position: { file: 'mlops.yml', line: 9, column: 3 } }],
    requests: null,
  };
}

const count = (s: string, needle: string | RegExp): number => (typeof needle === 'string' ? s.split(needle).length - 1 : (s.match(needle) ?? []).length);

function expectInert(markdown: string, benignMarkdown: string, otherMarkdown: string): void {
  const h = htmlOf(markdown);
  const b = htmlOf(benignMarkdown);
  // Data added no element, no attribute, no link: the same structure as with benign data.
  expect(h.elements).toEqual(b.elements);
  expect(h.attributes).toEqual(b.attributes);
  expect(h.hrefs).toEqual(b.hrefs);
  expect(new Set(h.elements).size).toBeGreaterThan(5);
  for (const e of h.elements) expect(ALLOWED_ELEMENTS).toContain(e.replace(/^\//, ''));
  for (const a of h.attributes) expect(ALLOWED_ATTRIBUTES).toContain(a);
  for (const href of h.hrefs) expect(href.startsWith('https://registry.example/') || href.startsWith('https://github.com/acme/')).toBe(true);
  expect(tablesOf(markdown).map((t) => [t.columns, t.rows])).toEqual(tablesOf(benignMarkdown).map((t) => [t.columns, t.rows]));
  // A cell without data (marks, verdicts, hashes) reads the same whatever the data: data stays in its own cell.
  const [hostileTables, benignTables, otherTables] = [markdown, benignMarkdown, otherMarkdown].map(tablesOf);
  let fixedCells = 0;
  benignTables!.forEach((table, i) =>
    table.cells.forEach((row, r) =>
      row.forEach((cell, c) => {
        if (otherTables![i]!.cells[r]![c] !== cell) return;
        fixedCells++;
        expect(hostileTables![i]!.cells[r]![c]).toBe(cell);
      }),
    ),
  );
  expect(fixedCells).toBeGreaterThan(4);
  // What a reader sees: the hostile text, literally, but nothing GitHub would act on.
  expect(h.text).toContain('onerror=alert(1)');
  expect(h.text).not.toMatch(/@[A-Za-z0-9]/); // a working mention
  expect(h.text).not.toMatch(/#\d/); // an issue reference
  expect(h.text).not.toMatch(/\bGH-\d/i);
  expect(h.text).not.toMatch(/:[a-z0-9_+-]+:/); // an emoji shortcode
  expect(h.text).not.toMatch(/https?:\/\/|www\./i); // an autolink
  expect(h.text).not.toMatch(/[\u001b\u202a-\u202e\u2066-\u2069]/);
  // Our marks and verdict words appear exactly as often as with benign data.
  for (const mark of ['✅', '❌', '⚠️', '🛡️', '✅ PASS', '❌ FAIL']) expect([mark, count(h.text, mark)]).toEqual([mark, count(b.text, mark)]);
  // Only our own hidden marker lines, never one from data.
  expect(count(markdown, '<!-- mlops-gate:')).toBe(count(benignMarkdown, '<!-- mlops-gate:'));
}

describe('hostile text in every renderer', () => {
  const marker = '<!-- mlops-gate:plan:mlops.yml -->';
  const context = { headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), actor: 'alice', runUrl: RUN, applyWorkflow: { name: 'release (release.yml)', url: 'https://github.com/acme/models/actions/workflows/release.yml' } };

  it.each(['plan', 'promote', 'rollback'] as const)('the PR comment and the job summary of %s stay inert', (command) => {
    const h = result(hostile, command);
    const b = result(benign, command);
    const o = result(other, command);
    const summary = (r: ResultDocument) => summaryMarkdown(r, context, 'result.json').split('<details><summary>Text report')[0]!;
    const comment = (r: ResultDocument) => commentBody(r, { marker, runUrl: RUN, context });
    expectInert(comment(h), comment(b), comment(o));
    expectInert(summary(h), summary(b), summary(o));
    expectInert(renderResult(h, 'markdown'), renderResult(b, 'markdown'), renderResult(o, 'markdown'));
  });

  it('the text report in the job summary cannot end its code block', () => {
    const h = summaryMarkdown(result((s, i) => `${s} \`\`\`\n</details>`.repeat(i % 2) + s, 'plan'), {}, 'r.json');
    const fences = h.split('\n').filter((l) => l.startsWith('```'));
    expect(fences).toEqual(['```text', '```']);
  });

  it.each(['plan', 'promote', 'rollback'] as const)('text (%s): no control character, no reordering, no runner command, no extra line', (command) => {
    const h = renderResult(result(hostile, command), 'text', { verbose: true });
    const b = renderResult(result(benign, command), 'text', { verbose: true });
    expect(h).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
    expect(h.split('\n').filter((l) => l.trim().startsWith('::'))).toEqual([]);
    expect(h).not.toContain('::error::');
    expect(h.split('\n')).toHaveLength(b.split('\n').length);
    expect(h).toContain('onerror=alert(1)');
  });

  it('SARIF stays valid JSON with the text as data', () => {
    const sarif = JSON.parse(renderResult(result(hostile, 'plan'), 'sarif')) as { runs: { results: { message: { text: string } }[] }[] };
    const texts = sarif.runs[0]!.results.map((r) => r.message.text).join('\n');
    expect(texts).toContain('onerror=alert(1)');
    expect(texts).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202a-\u202e]/);
  });

  it('JUnit stays well-formed and schema-valid', async () => {
    const xml = renderResult(result(hostile, 'promote'), 'junit');
    const { valid, errors } = await validateXML({ xml: [{ fileName: 'hostile.xml', contents: xml }], schema: [readFileSync('test/fixtures/report/junit-10.xsd', 'utf8')] });
    expect(errors).toEqual([]);
    expect(valid).toBe(true);
  });

  it('links only to http(s) URLs, encoded so they cannot end the link or split a cell', () => {
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,<script>')).toBeNull();
    expect(safeUrl('https://user:pw@example.com/')).toBeNull();
    expect(safeUrl('https://example.com/a b)|[c]<d>"e"')).toBe('https://example.com/a%20b%29%7C%5Bc%5D%3Cd%3E%22e%22');
  });

  it('escapes one line the same way in every context', () => {
    expect(md('a\nb\r\nc')).toBe('a b c');
    expect(md('- item')).toBe('&#45; item');
    expect(md('# heading')).toBe('&#35; heading');
    expect(md('a | b')).toBe('a &#124; b');
    expect(md('1. item')).toBe('1&#46; item');
    expect(md('0.884')).toBe('0.884');
    expect(md('ml_test.churn_payload')).toBe('ml_test.churn_payload');
    expect(md('_emph_')).toBe('&#95;emph&#95;');
    expect(md('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(term('ok::warning::x\u001b[2J')).toBe('ok:\u2060:warning:\u2060:x[2J');
  });
});
