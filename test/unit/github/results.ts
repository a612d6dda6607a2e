// Result documents for comment and summary tests: fixed timestamps, no randomness.

import type { ResultDocument, TargetReport } from '../../../src/result/types.js';
import type { Outcome } from '../../../src/policy/types.js';
import type { GateReport } from '../../../src/policy/types.js';

export const gate = (id: string, outcome: Outcome, message: string, extra: Partial<GateReport> = {}): GateReport => ({
  id,
  type: id.split('/')[1]?.split(':')[0] ?? 'metric_threshold',
  policy: id.split('/')[0] ?? 'production',
  severity: 'fail',
  outcome,
  rawOutcome: outcome === 'waived' ? 'fail' : outcome,
  message,
  measured: {},
  threshold: {},
  waiver: null,
  ...extra,
});

export const target = (model: string, verdict: Outcome, gates: GateReport[], summary = `${gates.length} gate(s)`): TargetReport => ({
  model,
  from: 'test',
  to: 'prod',
  candidate: { name: `${model}_model`, version: '7', url: `https://mlflow.example/#/models/${model}/versions/7`, runId: 'r7', metrics: { auc: 0.91 } },
  champion: { name: `${model}_model`, version: '6', url: null, runId: 'r6', metrics: { auc: 0.9 } },
  verdict,
  summary,
  gates,
});

export const result = (targets: TargetReport[], verdict: Outcome, extra: Partial<ResultDocument> = {}): ResultDocument => ({
  schemaVersion: 1,
  tool: { name: 'mlops-gate', version: '0.1.0' },
  command: 'plan',
  generatedAt: '2026-01-02T03:04:05.000Z',
  config: { file: 'mlops.yml', digest: 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789' },
  verdict,
  targets,
  diagnostics: [],
  requests: null,
  ...extra,
});

export const passing = (): ResultDocument =>
  result(
    [
      target('churn', 'pass', [
        gate('production/metric_threshold:auc', 'pass', 'auc 0.91 ≥ 0.85', { measured: { candidate: 0.91 }, threshold: { threshold: 0.85 } }),
        gate('production/approvals', 'pass', '2 of 1 required approvals', { measured: { approvals: 2 }, threshold: { min: 1 } }),
      ]),
    ],
    'pass',
  );

export const blocked = (): ResultDocument =>
  result(
    [
      target('churn', 'fail', [
        gate('production/metric_delta:auc', 'fail', 'auc 0.88 is 0.02 below the champion (max regression 0.01)', {
          measured: { candidate: 0.88, champion: 0.9 },
          threshold: { max_regression: 0.01 },
        }),
        gate('production/approvals', 'fail', 'author alice approved their own change; 0 of 1 approvals count'),
      ], '2 gates fail'),
      target('fraud', 'pass', [gate('production/signature', 'pass', 'signature compatible with champion')]),
    ],
    'fail',
  );

export const errored = (): ResultDocument =>
  result([target('churn', 'error', [gate('production/metric_threshold:auc', 'error', 'registry unavailable: HTTP 503 after 4 attempts')], 'could not evaluate')], 'error');

export const waived = (): ResultDocument =>
  result(
    [
      target('churn', 'waived', [
        gate('production/description', 'waived', 'description has 3 characters, needs 20', {
          waiver: { owner: 'bob', reason: 'model card follows in JIRA-12', expires: '2026-02-01', expired: false },
        }),
      ]),
    ],
    'waived',
  );

/** 400 targets with long messages: far beyond GitHub's 65,536-character comment limit. */
export const huge = (): ResultDocument => {
  const targets = Array.from({ length: 400 }, (_, i) =>
    target(`model_${String(i).padStart(3, '0')}`, i % 50 === 0 ? 'fail' : 'pass', [
      gate('production/metric_threshold:auc', i % 50 === 0 ? 'fail' : 'pass', `auc ${'is measured carefully '.repeat(8)}${i}`),
      gate('production/required_tags', 'pass', `tags ${'present and matching '.repeat(6)}`),
    ]),
  );
  return result(targets, 'fail');
};
