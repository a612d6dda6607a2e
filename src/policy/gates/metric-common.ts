// Reading one metric of the candidate's source run, shared by the two metric gates.

import { formatNumber } from '../format.js';
import { describeNonFinite, metricValue } from '../numbers.js';
import type { GateContext } from '../types.js';
import { readCandidateRun, result, versionLabel, type Read } from './kit.js';

export interface CandidateMetric {
  readonly value: number;
  readonly runId: string;
  readonly label: string;
}

/**
 * The candidate's latest value of `metric`. Missing metric → fail (as in MLflow); no source run →
 * fail (the model has no metrics at all); NaN/±Infinity (MLflow's ±1.7976931348623157e308 included) →
 * fail (never a pass); unreadable run → error.
 */
export const readCandidateMetric = (ctx: GateContext, metric: string): Read<CandidateMetric> => {
  const read = readCandidateRun(ctx);
  if (!read.ok) return read;
  const { version, run } = read.value;
  const label = versionLabel(version);
  if (run === null) {
    return {
      ok: false,
      result: result('fail', `Candidate ${label} has no source run, so metric ${metric} cannot be read.`, {
        candidate: null,
      }),
    };
  }
  const stored = run.metrics[metric];
  if (stored === undefined) {
    return {
      ok: false,
      result: result('fail', `Metric ${metric} was not logged on the candidate's run ${run.runId} (${label}).`, {
        candidate: null,
        run_id: run.runId,
      }),
    };
  }
  const value = metricValue(stored);
  if (!Number.isFinite(value)) {
    return {
      ok: false,
      result: result('fail', `Candidate ${metric} is ${describeNonFinite(stored)}, not a finite number, so it cannot pass (run ${run.runId}).`, {
        candidate: formatNumber(value),
        run_id: run.runId,
      }),
    };
  }
  return { ok: true, value: { value, runId: run.runId, label } };
};

/** "≥" / "≤": what passing looks like. */
export const passSymbol = (greaterIsBetter: boolean): string => (greaterIsBetter ? '≥' : '≤');
