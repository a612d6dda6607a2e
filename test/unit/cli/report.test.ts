import { describe, expect, it } from 'vitest';
import { renderMarkdown, GITHUB_COMMENT_LIMIT } from '../../../src/report/markdown.js';
import { renderText } from '../../../src/report/text.js';
import { exitCodeFor } from '../../../src/result/exit.js';
import { worst as worstOf } from '../../../src/policy/outcome.js';
import type { ResultDocument, TargetReport } from '../../../src/result/types.js';
import type { Outcome } from '../../../src/policy/types.js';
import type { GateReport } from '../../../src/policy/types.js';

const gate = (id: string, outcome: Outcome, extra: Partial<GateReport> = {}): GateReport => ({
  id,
  type: id.split('/')[1]?.split(':')[0] ?? 'required_tags',
  policy: id.split('/')[0] ?? 'p',
  severity: 'fail',
  outcome,
  rawOutcome: outcome,
  message: `${id} is ${outcome}`,
  measured: { value: 0.81 },
  threshold: { min: 0.8 },
  waiver: null,
  ...extra,
});

const target = (model: string, verdict: Outcome, gates: GateReport[]): TargetReport => ({
  model,
  from: 'dev',
  to: 'prod',
  candidate: { name: `${model}-dev`, version: '3', url: null, runId: 'r1', metrics: { roc_auc: 0.84 } },
  champion: { name: `${model}-prod`, version: '2', url: null, runId: 'r0', metrics: { roc_auc: 0.83 } },
  verdict,
  summary: `${gates.filter((g) => g.outcome === 'fail').length} gate(s) fail`,
  gates,
});

const result = (targets: TargetReport[]): ResultDocument => ({
  schemaVersion: 1,
  tool: { name: 'mlops-gate', version: '0.0.0' },
  command: 'plan',
  generatedAt: '2026-11-23T00:00:00.000Z',
  config: { file: 'mlops.yml', digest: 'a'.repeat(64) },
  verdict: worstOf(targets.map((t) => t.verdict)),
  targets,
  diagnostics: [],
  requests: null,
});

describe('exit codes', () => {
  it.each<[Outcome[], 'fail' | 'warn', number]>([
    [['pass', 'skipped'], 'fail', 0],
    [['pass', 'warn'], 'fail', 0],
    [['pass', 'warn'], 'warn', 1],
    [['waived'], 'warn', 0],
    [['pass', 'fail'], 'fail', 1],
    [['fail', 'error'], 'fail', 3],
    [[], 'fail', 0],
  ])('verdicts %j with fail-on %s → %i', (verdicts, failOn, code) => {
    expect(exitCodeFor(result(verdicts.map((v, i) => target(`m${i}`, v, []))), failOn)).toBe(code);
  });

  it('worst wins in the fixed order', () => {
    expect(worstOf(['pass', 'waived', 'skipped'])).toBe('waived');
    expect(worstOf(['warn', 'fail', 'pass'])).toBe('fail');
    expect(worstOf(['fail', 'error'])).toBe('error');
    expect(worstOf([])).toBe('skipped');
  });
});

describe('renderers', () => {
  const doc = result([
    target('churn', 'fail', [gate('production/metric_delta:roc_auc', 'fail'), gate('production/signature', 'pass')]),
    target('fraud', 'waived', [
      gate('production/metric_delta:latency', 'waived', { waiver: { owner: '@jane', reason: 'tracked in #1', expires: '2026-12-31', expired: false } }),
    ]),
  ]);

  it('markdown has the marker, a summary row per target with its reason, blocked details open, and escapes data', () => {
    const md = renderMarkdown(result([target('a|b', 'fail', [gate('p/required_tags', 'fail')])]), { marker: '<!-- mlops-gate:plan:mlops.yml -->' });
    expect(md.startsWith('<!-- mlops-gate:plan:mlops.yml -->\n')).toBe(true);
    expect(md).toContain('| a&#124;b | dev → prod: v3 (champion v2) | ❌&nbsp;FAIL | 1 fail: `p/required_tags` |');
    expect(md).toContain('<details open>');
  });

  it('markdown shows waivers with owner and expiry, without pinging anyone or linking an issue', () => {
    const md = renderMarkdown(doc);
    expect(md).toContain('🛡️ waived by @\u2060jane until 2026-12-31: tracked in &#35;\u20601');
  });

  it('markdown folds details of passing targets first to stay under the limit', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      target(`model-${i}`, i === 7 ? 'fail' : 'pass', Array.from({ length: 8 }, (_, g) => gate(`policy/gate-${g}-${'x'.repeat(30)}`, i === 7 && g === 0 ? 'fail' : 'pass'))),
    );
    const md = renderMarkdown(result(many), { fullReportUrl: 'https://example.test/run/1' });
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toMatch(/target\(s\) folded to stay under GitHub's comment size limit: see the \[full report\]\(https:\/\/example.test\/run\/1\)/);
    // the blocked target keeps its details
    expect(md).toContain('<b>model-7</b>');
    // all 400 targets stay in the summary table
    expect(md.match(/^\| model-\d+ \|/gm)?.length).toBe(400);
  });

  it('text lists every gate with its phrase, the waiver and the verdict; --verbose adds messages and set values only', () => {
    const text = renderText(doc);
    expect(text).toContain('FAIL    churn  dev → prod  v3 (champion v2)');
    expect(text).toMatch(/FAIL {4}production\/metric_delta:roc_auc +production\/metric_delta:roc_auc is fail/);
    expect(text).not.toContain('measured:');
    expect(text).toContain('waived by @jane until 2026-12-31: tracked in #1');
    expect(text).toContain('Verdict: FAIL (1 of 2 targets blocked)');
    const verbose = renderText(result([target('churn', 'fail', [gate('production/metric_delta:roc_auc', 'fail', { threshold: { min: 0.8, unset: null } })])]), { verbose: true });
    expect(verbose).toContain('measured: value=0.81 · threshold: min=0.8');
    expect(verbose).not.toContain('unset');
  });
});
