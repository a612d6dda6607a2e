// metric_threshold: the candidate's metric against a fixed bound (MLflow `threshold`, inclusive).

import { formatPair } from '../format.js';
import { meetsThreshold } from '../metrics.js';
import { requireBoolean, requireNumber, requireString, type RawOptions } from '../options.js';
import type { GateType } from '../types.js';
import { result } from './kit.js';
import { passSymbol, readCandidateMetric } from './metric-common.js';

export interface MetricThresholdOptions {
  readonly metric: string;
  readonly threshold: number;
  readonly greaterIsBetter: boolean;
}

export const metricThresholdGate: GateType<MetricThresholdOptions> = {
  type: 'metric_threshold',
  schemaRef: '#/$defs/gate_metric_threshold',

  parse: (raw: RawOptions): MetricThresholdOptions => ({
    metric: requireString(raw, 'metric'),
    threshold: requireNumber(raw, 'threshold'),
    greaterIsBetter: requireBoolean(raw, 'greater_is_better'),
  }),

  needs: () => ({ candidateRun: true }),

  evaluate(options, ctx) {
    const threshold = { threshold: options.threshold, greater_is_better: options.greaterIsBetter };
    const candidate = readCandidateMetric(ctx, options.metric);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const value = candidate.value.value;
    const [shownValue, shownThreshold] = formatPair(value, options.threshold);
    const measured = { candidate: value, run_id: candidate.value.runId };
    if (meetsThreshold(value, options.threshold, options.greaterIsBetter)) {
      return result('pass', `${options.metric} ${shownValue} ${passSymbol(options.greaterIsBetter)} ${shownThreshold}.`, measured, threshold);
    }
    const side = options.greaterIsBetter ? 'below the minimum' : 'above the maximum';
    return result(
      'fail',
      `${options.metric} ${shownValue} is ${side} ${shownThreshold}.`,
      measured,
      threshold,
    );
  },
};
