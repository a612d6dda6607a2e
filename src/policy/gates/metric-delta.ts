// metric_delta: the candidate's metric against the target environment's champion.
// min_absolute_change / min_relative_change follow MLflow's MetricThreshold exactly; max_regression,
// relative_base and on_missing_baseline are extensions (docs/gates.md has the formulas).

import type { RunInfo } from '../../evidence/types.js';
import { formatNumber, formatPair, formatPercent, formatSigned, formatSignedPercent } from '../format.js';
import {
  meetsMinAbsoluteChange,
  meetsMinRelativeChange,
  relativeImprovement,
  withinAbsoluteRegression,
  withinRelativeRegression,
  type RelativeBase,
} from '../metrics.js';
import {
  GateOptionError,
  readEnum,
  readNumber,
  readObject,
  requireBoolean,
  requireString,
  type RawOptions,
} from '../options.js';
import type { GateResult, GateType, Measured } from '../types.js';
import { read, result, versionLabel } from './kit.js';
import { readCandidateMetric } from './metric-common.js';

export type MaxRegression = { readonly kind: 'absolute' | 'relative'; readonly value: number };

export interface MetricDeltaOptions {
  readonly metric: string;
  readonly greaterIsBetter: boolean;
  readonly minAbsoluteChange: number | null;
  readonly minRelativeChange: number | null;
  readonly maxRegression: MaxRegression | null;
  readonly relativeBase: RelativeBase;
  readonly onMissingBaseline: 'fail' | 'pass' | 'warn';
}

const parseMaxRegression = (raw: RawOptions): MaxRegression | null => {
  const margin = readObject(raw, 'max_regression');
  if (margin === undefined) return null;
  const absolute = readNumber(margin, 'absolute');
  const relative = readNumber(margin, 'relative');
  if ((absolute === undefined) === (relative === undefined)) {
    throw new GateOptionError('option "max_regression" must have exactly one of "absolute" or "relative"', 'max_regression');
  }
  return absolute !== undefined ? { kind: 'absolute', value: absolute } : { kind: 'relative', value: relative ?? 0 };
};

const thresholdOf = (o: MetricDeltaOptions): Measured => ({
  greater_is_better: o.greaterIsBetter,
  min_absolute_change: o.minAbsoluteChange,
  min_relative_change: o.minRelativeChange,
  max_regression_absolute: o.maxRegression?.kind === 'absolute' ? o.maxRegression.value : null,
  max_regression_relative: o.maxRegression?.kind === 'relative' ? o.maxRegression.value : null,
  relative_base: o.relativeBase,
  on_missing_baseline: o.onMissingBaseline,
});

/** No champion yet, or a champion without the metric: the configured outcome, each case worded on its own. */
const missingBaseline = (o: MetricDeltaOptions, reason: 'no_champion' | 'metric_missing', why: string, measured: Measured): GateResult => {
  const consequence =
    o.onMissingBaseline === 'pass' ? 'nothing to compare with (on_missing_baseline: pass)'
    : o.onMissingBaseline === 'warn' ? 'nothing to compare with (on_missing_baseline: warn)'
    : 'the comparison cannot be made (on_missing_baseline: fail)';
  return result(o.onMissingBaseline, `${why}; ${consequence}.`, { ...measured, baseline: reason }, thresholdOf(o));
};

interface Check {
  readonly ok: boolean;
  /** The part of the sentence that states the requirement and how the candidate did. */
  readonly text: string;
}

export const metricDeltaGate: GateType<MetricDeltaOptions> = {
  type: 'metric_delta',
  schemaRef: '#/$defs/gate_metric_delta',

  parse(raw) {
    const options: MetricDeltaOptions = {
      metric: requireString(raw, 'metric'),
      greaterIsBetter: requireBoolean(raw, 'greater_is_better'),
      minAbsoluteChange: readNumber(raw, 'min_absolute_change') ?? null,
      minRelativeChange: readNumber(raw, 'min_relative_change') ?? null,
      maxRegression: parseMaxRegression(raw),
      relativeBase: readEnum(raw, 'relative_base', ['champion', 'abs_champion'] as const, 'champion'),
      onMissingBaseline: readEnum(raw, 'on_missing_baseline', ['fail', 'pass', 'warn'] as const, 'fail'),
    };
    if (options.minAbsoluteChange === null && options.minRelativeChange === null && options.maxRegression === null) {
      throw new GateOptionError(
        'metric_delta needs at least one of "min_absolute_change", "min_relative_change" or "max_regression"',
        'min_absolute_change',
      );
    }
    return options;
  },

  needs: () => ({ candidateRun: true, championRun: true }),

  evaluate(o, ctx) {
    const metric = o.metric;
    const candidate = readCandidateMetric(ctx, metric);
    if (!candidate.ok) return { ...candidate.result, threshold: thresholdOf(o) };
    const cand = candidate.value.value;
    const baseMeasured: Measured = { candidate: cand, run_id: candidate.value.runId };

    const championFact = read(ctx.evidence.champion, `the champion in ${ctx.target.to}`);
    if (!championFact.ok) return { ...championFact.result, measured: baseMeasured, threshold: thresholdOf(o) };
    const champion = championFact.value;
    if (champion === null) {
      return missingBaseline(o, 'no_champion', `${ctx.target.to} has no champion yet (first promotion)`, baseMeasured);
    }
    const championLabel = versionLabel(champion);
    const championRun = read<RunInfo | null>(champion.run, `the source run of champion ${championLabel}`);
    if (!championRun.ok) return { ...championRun.result, measured: baseMeasured, threshold: thresholdOf(o) };
    const withChampion: Measured = { ...baseMeasured, champion_version: champion.version.version };
    if (championRun.value === null) {
      return missingBaseline(o, 'metric_missing', `Champion ${championLabel} has no source run, so it has no ${metric}`, withChampion);
    }
    const champ = championRun.value.metrics[metric];
    if (champ === undefined) {
      return missingBaseline(
        o,
        'metric_missing',
        `Champion ${championLabel} has no ${metric} logged on its run ${championRun.value.runId}`,
        withChampion,
      );
    }
    if (!Number.isFinite(champ)) {
      return result(
        'fail',
        `Champion ${championLabel} ${metric} is ${formatNumber(champ)}, so the candidate cannot be compared with it.`,
        { ...withChampion, champion: formatNumber(champ) },
        thresholdOf(o),
      );
    }

    const gib = o.greaterIsBetter;
    const [c, b] = formatPair(cand, champ);
    const improvement = relativeImprovement(cand, champ, gib, o.relativeBase);
    const checks: Check[] = [];
    if (o.minAbsoluteChange !== null) {
      const a = o.minAbsoluteChange;
      checks.push({
        ok: meetsMinAbsoluteChange(cand, champ, a, gib),
        text: `min absolute change ${formatNumber(a)}: needs ${gib ? '≥' : '≤'} ${formatNumber(gib ? champ + a : champ - a)}`,
      });
    }
    if (o.minRelativeChange !== null) {
      const r = o.minRelativeChange;
      const requirement =
        improvement === null
          ? `champion is 0, so it must be strictly better (by ≥ 1e-10)`
          : `improvement ${formatSignedPercent(improvement)}`;
      checks.push({
        ok: meetsMinRelativeChange(cand, champ, r, gib, o.relativeBase),
        text: `min relative change ${formatPercent(r)}: ${requirement}`,
      });
    }
    if (o.maxRegression !== null) {
      const m = o.maxRegression.value;
      if (o.maxRegression.kind === 'absolute') {
        checks.push({
          ok: withinAbsoluteRegression(cand, champ, m, gib),
          text: `max regression ${formatNumber(m)}: needs ${gib ? '≥' : '≤'} ${formatNumber(gib ? champ - m : champ + m)}`,
        });
      } else {
        checks.push({
          ok: withinRelativeRegression(cand, champ, m, gib, o.relativeBase),
          text:
            improvement === null
              ? `max regression ${formatPercent(m)}: champion is 0, so it must not be worse`
              : `max regression ${formatPercent(m)}`,
        });
      }
    }

    const delta = cand - champ;
    const measured: Measured = {
      ...withChampion,
      champion: champ,
      delta,
      relative_change: improvement,
    };
    // The headline always measures against |champion| so "worse"/"better" is right for negative
    // metrics too; the checks below use the configured relative_base (MLflow's is the signed champion).
    const shown = relativeImprovement(cand, champ, gib, 'abs_champion');
    const comparison =
      shown === null
        ? `${metric} ${c} vs champion ${championLabel} ${b} (${formatSigned(delta)})`
        : shown < 0
          ? `${metric} ${c} is ${formatPercent(-shown)} worse than champion ${championLabel} ${b}`
          : shown > 0
            ? `${metric} ${c} is ${formatPercent(shown)} better than champion ${championLabel} ${b}`
            : `${metric} ${c} equals champion ${championLabel} ${b}`;
    const failed = checks.filter((check) => !check.ok);
    if (failed.length === 0) {
      return result('pass', `${comparison}; meets ${checks.map((check) => check.text).join('; ')}.`, measured, thresholdOf(o));
    }
    return result('fail', `${comparison}; fails ${failed.map((check) => check.text).join('; ')}.`, measured, thresholdOf(o));
  },
};
