import { describe, expect, it } from 'vitest';
import { outcomeTable, renderPlansText, stepsMarkdown } from '../../../src/report/plans.js';
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
  it('text: outcome, versions, hash, steps in words', () => {
    const text = renderPlansText(result(plan));
    expect(text).toMatch(/APPLIED\s+churn dev → prod {2}v7, was v6 {2}\(plan sha256:a{64}\)/);
    expect(text).toMatch(/1 step: 1 done; 3 write\(s\)/);
    expect(text).toMatch(/ {4}done {9}move alias "champion" v6 → v7/);
    expect(text).toContain('steps: to do: written when applied');
  });
  it('markdown: the outcome table leads; steps are a list with pre/postconditions (escaped); nothing when no target has a plan', () => {
    const r = result(plan);
    expect(outcomeTable(r)).toContain('| churn dev → prod | ✅&nbsp;applied | v7, was v6 | — |');
    const steps = stepsMarkdown(r.targets[0]!, 'summary').join('\n');
    expect(steps).toContain('1. ✅ done · move alias "champion" v6 → v7');
    expect(steps).toContain('   - before: alias "champion" points at v6 &#124; or v7');
    expect(stepsMarkdown(r.targets[0]!, 'comment').join('\n')).not.toContain('before:');
    expect(renderPlansText(result(undefined))).toBe('');
  });
});
