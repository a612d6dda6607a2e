// metric_delta: the candidate's metric against the target environment's champion.
// min_absolute_change / min_relative_change follow MLflow's MetricThreshold exactly; max_regression,
// relative_base and on_missing_baseline are extensions (docs/gates.md has the formulas).

import type { RunInfo } from '../../evidence/types.js';
import { formatDistinct, formatNumber, formatPair, formatPercentDistinct, formatSigned } from '../format.js';
import { describeNonFinite, metricValue } from '../numbers.js';
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
    const storedChamp = championRun.value.metrics[metric];
    if (storedChamp === undefined) {
      return missingBaseline(
        o,
        'metric_missing',
        `Champion ${championLabel} has no ${metric} logged on its run ${championRun.value.runId}`,
        withChampion,
      );
    }
    const champ = metricValue(storedChamp);
    if (!Number.isFinite(champ)) {
      return result(
        'fail',
        `Champion ${championLabel} ${metric} is ${describeNonFinite(storedChamp)}, not a finite number, so the candidate cannot be compared with it.`,
        { ...withChampion, champion: formatNumber(champ) },
        thresholdOf(o),
      );
    }
    return compare(o, metric, cand, champ, championLabel, withChampion);
  },
};

/** Both values finite: every configured requirement, worded so the message never contradicts the verdict. */
const compare = (o: MetricDeltaOptions, metric: string, cand: number, champ: number, championLabel: string, withChampion: Measured): GateResult => {
  const gib = o.greaterIsBetter;
  const sign = gib ? '≥' : '≤';
  const delta = cand - champ;
  const improvement = relativeImprovement(cand, champ, gib, o.relativeBase);
  // With MLflow's signed base a negative champion flips the sign of the relative change: say so
  // wherever it decides a relative requirement, so "better ... fails" always comes with its reason.
  const flipped = o.relativeBase === 'champion' && champ < 0;
  const flipNote = flipped ? ' (relative_base: champion divides by the negative champion, which flips the sign; relative_base: abs_champion divides by |champion|)' : '';
  const denominator = o.relativeBase === 'abs_champion' ? Math.abs(champ) : champ;

  const absBound = o.minAbsoluteChange === null ? null : gib ? champ + o.minAbsoluteChange : champ - o.minAbsoluteChange;
  const regression = o.maxRegression;
  const regBound =
    regression === null ? null
    : regression.kind === 'absolute' ? (gib ? champ - regression.value : champ + regression.value)
    : gib ? champ - regression.value * denominator : champ + regression.value * denominator;
  const relativeUsed = o.minRelativeChange !== null || regression?.kind === 'relative';
  const overflow = [delta, absBound, regBound, relativeUsed ? improvement : null].some((x) => x !== null && !Number.isFinite(x));
  const measured: Measured = {
    ...withChampion,
    champion: champ,
    delta: Number.isFinite(delta) ? delta : null,
    relative_change: improvement !== null && Number.isFinite(improvement) ? improvement : null,
  };
  if (overflow) {
    const [c, b] = formatPair(cand, champ);
    return result(
      'fail',
      `${metric} ${c} vs champion ${championLabel} ${b}: the change is not a finite number (the arithmetic overflows), so it cannot pass.`,
      measured,
      thresholdOf(o),
    );
  }

  // One precision for every number in the sentence, and one for every percentage.
  const numbers = formatDistinct([cand, champ, ...(absBound === null ? [] : [absBound]), ...(regBound === null ? [] : [regBound])]);
  const [c = '', b = ''] = numbers;
  const absShown = absBound === null ? '' : (numbers[2] ?? '');
  const regShown = regBound === null ? '' : (numbers[absBound === null ? 2 : 3] ?? '');
  const shown = relativeImprovement(cand, champ, gib, 'abs_champion');
  const percents = formatPercentDistinct([improvement ?? 0, o.minRelativeChange ?? 0, regression?.value ?? 0, Math.abs(shown ?? 0)]);
  const [improvementShown = '', minRelShown = '', regRelShown = '', headlineShown = ''] = percents;

  const checks: Check[] = [];
  if (o.minAbsoluteChange !== null) {
    checks.push({
      ok: meetsMinAbsoluteChange(cand, champ, o.minAbsoluteChange, gib),
      text: `min absolute change ${formatNumber(o.minAbsoluteChange)}: needs ${sign} ${absShown}`,
    });
  }
  if (o.minRelativeChange !== null) {
    const requirement =
      improvement === null
        ? `champion is 0, so it must be strictly better (by ≥ 1e-10)`
        : `improvement ${improvement > 0 ? '+' : ''}${improvementShown}${flipNote}`;
    checks.push({
      ok: meetsMinRelativeChange(cand, champ, o.minRelativeChange, gib, o.relativeBase),
      text: `min relative change ${minRelShown}: ${requirement}`,
    });
  }
  if (regression !== null) {
    if (regression.kind === 'absolute') {
      checks.push({
        ok: withinAbsoluteRegression(cand, champ, regression.value, gib),
        text: `max regression ${formatNumber(regression.value)}: needs ${sign} ${regShown}`,
      });
    } else {
      checks.push({
        ok: withinRelativeRegression(cand, champ, regression.value, gib, o.relativeBase),
        text:
          improvement === null
            ? `max regression ${regRelShown}: champion is 0, so it must not be worse`
            : `max regression ${regRelShown}${flipped ? `: change ${improvement > 0 ? '+' : ''}${improvementShown}${flipNote}` : ''}`,
      });
    }
  }

  // The headline always measures against |champion| so "worse"/"better" is right for negative
  // metrics too; the checks use the configured relative_base (MLflow's is the signed champion).
  const comparison =
    shown === null
      ? `${metric} ${c} vs champion ${championLabel} ${b} (${formatSigned(delta)})`
      : shown < 0
        ? `${metric} ${c} is ${headlineShown} worse than champion ${championLabel} ${b}`
        : shown > 0
          ? `${metric} ${c} is ${headlineShown} better than champion ${championLabel} ${b}`
          : `${metric} ${c} equals champion ${championLabel} ${b}`;
  const failed = checks.filter((check) => !check.ok);
  if (failed.length === 0) {
    return result('pass', `${comparison}; meets ${checks.map((check) => check.text).join('; ')}.`, measured, thresholdOf(o));
  }
  return result('fail', `${comparison}; fails ${failed.map((check) => check.text).join('; ')}.`, measured, thresholdOf(o));
};
