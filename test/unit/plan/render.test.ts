import { describe, expect, it } from 'vitest';
import { renderPlansMarkdown, renderPlansText } from '../../../src/report/plans.js';
import type { PromotionReport } from '../../../src/plan/types.js';
import type { ResultDocument } from '../../../src/result/types.js';

const plan: PromotionReport = {
  mode: 'copy',
  hash: 'sha256:' + 'a'.repeat(64),
  status: 'applied',
  message: 'promoted: 1 step(s) applied',
  source: { registry: 'http://m', name: 'churn-dev', version: '4', source: 'runs:/r/model', runId: 'r' },
  destination: { registry: 'http://m', model: 'churn-prod', version: '7' },
  previousChampion: '6',
  steps: [
    {
      id: '1:move-alias',
      kind: 'move-alias',
      spec: { kind: 'move-alias', registry: 'http://m', model: 'churn-prod', alias: 'champion', target: { kind: 'existing', name: 'churn-prod', version: '7' }, expectedCurrent: '6' },
      description: 'move alias "champion" v6 → v7',
      precondition: 'alias "champion" points at v6 | or v7',
      postcondition: 'alias "champion" points at v7',
      status: 'done',
      writes: 1,
    },
  ],
  writes: 3,
};

const result = (p: PromotionReport | undefined): ResultDocument => ({
  schemaVersion: 1,
  tool: { name: 'mlops-gate', version: 't' },
  command: 'promote',
  generatedAt: '2026-11-23T00:00:00Z',
  config: { file: 'mlops.yml', digest: 'd' },
  verdict: 'pass',
  targets: [{ model: 'churn', from: 'dev', to: 'prod', candidate: null, champion: null, verdict: 'pass', summary: '', gates: [], ...(p ? { plan: p } : {}) }],
  diagnostics: [],
  requests: null,
});

describe('plan rendering', () => {
  it('text: status, hash, destination, previous champion and each step with its mark', () => {
    const text = renderPlansText(result(plan));
    expect(text).toMatch(/APPLIED\s+churn {2}dev → prod {2}\(copy, plan sha256:a{64}\)/);
    expect(text).toMatch(/destination "churn-prod" v7 .*previous champion v6/);
    expect(text).toMatch(/✓ 1:move-alias\s+move alias "champion" v6 → v7/);
  });
  it('markdown: a table with escaped pipes; nothing when no target has a plan', () => {
    const md = renderPlansMarkdown(result(plan));
    expect(md).toMatch(/\*\*APPLIED\*\* `churn {2}dev → prod`/);
    expect(md).toContain('points at v6 \\| or v7');
    expect(renderPlansMarkdown(result(undefined))).toBe('');
    expect(renderPlansText(result(undefined))).toBe('');
  });
});
