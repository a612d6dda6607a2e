// drift: what the source environment's Lakehouse monitor measured for the candidate, held to
// bounds. Reads the latest window of the monitor's metric tables (src/evidence/live-gather.ts):
// `<output schema>.<table>_drift_metrics` for drift statistics of named columns (as the monitor
// reports them: js_distance, ks_test, population_stability_index, …) and `_profile_metrics` for
// quality figures (percent_null, count, …), whole table (no slice), rows of the candidate's model id.
//
// Not enough evidence never passes: no rows for the model, a window older than `max_age`, a named
// column or statistic missing → fail or error.

import type { DriftType, LiveNeed, MonitorFacts } from '../../evidence/live.js';
import { DRIFT_STATISTIC_NAMES, PROFILE_METRIC_NAMES, type DriftStatistic, type ProfileMetric } from '../../evidence/live-sql.js';
import { formatPair, listOf } from '../format.js';
import { GateOptionError, readEnum, readObject, readString, type RawOptions } from '../options.js';
import type { GateType, Measured } from '../types.js';
import { readCandidate, result, versionLabel } from './kit.js';
import { humanDuration, readDuration, readLive, utc } from './live-kit.js';

export interface Bound {
  readonly min: number | null;
  readonly max: number | null;
  /** Compare |value| (signed deltas). */
  readonly absolute: boolean;
}

export interface FigureCheck {
  readonly column: string;
  readonly figure: string;
  readonly bound: Bound;
}

export interface DriftOptions {
  readonly driftType: DriftType;
  readonly granularity: string;
  /** Model id template, or null: rows are not filtered by model. */
  readonly modelId: string | null;
  readonly drift: readonly FigureCheck[];
  readonly quality: readonly FigureCheck[];
  readonly maxAgeSeconds: number;
}

const DEFAULT_MAX_AGE_SECONDS = 7 * 86_400;

/** Natural direction of a bound given as a bare number: distances, statistics and deltas are maxima; p-values minima. */
const driftDirection = (s: DriftStatistic): 'max' | 'min' => (s.endsWith('.pvalue') ? 'min' : 'max');
const QUALITY_DIRECTION: Partial<Record<ProfileMetric, 'max' | 'min'>> = { percent_null: 'max', percent_nan: 'max', percent_zeros: 'max', num_nulls: 'max', count: 'min' };

const parseBound = (value: unknown, key: string, natural: 'max' | 'min' | undefined, absolute: boolean): Bound => {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (!natural) throw new GateOptionError(`option "${key}": give {min: …} or {max: …} (a bare number has no natural direction here)`, key);
    return { min: natural === 'min' ? value : null, max: natural === 'max' ? value : null, absolute };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'min' && k !== 'max');
    if (extra.length > 0) throw new GateOptionError(`option "${key}": unknown key ${extra.map((k) => `"${k}"`).join(', ')} (min, max)`, key);
    const num = (k: 'min' | 'max'): number | null => {
      const v = o[k];
      if (v === undefined) return null;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new GateOptionError(`option "${key}.${k}" must be a finite number`, `${key}.${k}`);
      return v;
    };
    const min = num('min');
    const max = num('max');
    if (min === null && max === null) throw new GateOptionError(`option "${key}": give min, max or both`, key);
    if (min !== null && max !== null && min > max) throw new GateOptionError(`option "${key}": min ${min} is above max ${max}`, key);
    return { min, max, absolute: false };
  }
  throw new GateOptionError(`option "${key}" must be a number or {min, max}`, key);
};

const parseChecks = (raw: RawOptions | undefined, option: 'columns' | 'quality'): FigureCheck[] => {
  if (raw === undefined) return [];
  const names: readonly string[] = option === 'columns' ? DRIFT_STATISTIC_NAMES : PROFILE_METRIC_NAMES;
  const checks: FigureCheck[] = [];
  for (const [column, figures] of Object.entries(raw)) {
    if (typeof figures !== 'object' || figures === null || Array.isArray(figures) || Object.keys(figures).length === 0) {
      throw new GateOptionError(`option "${option}.${column}" must map ${option === 'columns' ? 'drift statistics' : 'profile figures'} to bounds`, `${option}.${column}`);
    }
    for (const [figure, bound] of Object.entries(figures as Record<string, unknown>)) {
      const key = `${option}.${column}.${figure}`;
      if (!names.includes(figure)) throw new GateOptionError(`option "${key}": unknown ${option === 'columns' ? 'drift statistic' : 'profile figure'} "${figure}"; known: ${names.join(', ')}`, key);
      const natural = option === 'columns' ? driftDirection(figure as DriftStatistic) : QUALITY_DIRECTION[figure as ProfileMetric];
      checks.push({ column, figure, bound: parseBound(bound, key, natural, option === 'columns' && figure.endsWith('_delta')) });
    }
  }
  return checks;
};

const needsOf = (o: DriftOptions): { drift: LiveNeed | null; profile: LiveNeed | null } => ({
  drift: o.drift.length > 0 ? { kind: 'drift', driftType: o.driftType, granularity: o.granularity, modelId: o.modelId } : null,
  profile: o.quality.length > 0 ? { kind: 'profile', granularity: o.granularity, modelId: o.modelId } : null,
});

export const driftGate: GateType<DriftOptions> = {
  type: 'drift',
  schemaRef: '#/$defs/gate_drift',

  parse(raw: RawOptions): DriftOptions {
    const drift = parseChecks(readObject(raw, 'columns'), 'columns');
    const quality = parseChecks(readObject(raw, 'quality'), 'quality');
    if (drift.length === 0 && quality.length === 0) throw new GateOptionError('the drift gate needs "columns" (drift statistics) or "quality" (profile figures) with at least one bound', 'columns');
    const rawModelId = raw.model_id;
    let modelId: string | null;
    if (rawModelId === false) modelId = null;
    else if (rawModelId === undefined) modelId = '{version}';
    else {
      const s = readString(raw, 'model_id');
      if (s === undefined || s === '') throw new GateOptionError('option "model_id" must be a template such as "{version}", or false', 'model_id');
      modelId = s;
    }
    const granularity = (readString(raw, 'granularity') ?? '1 day').trim();
    if (granularity === '') throw new GateOptionError('option "granularity" must not be empty', 'granularity');
    return {
      driftType: readEnum(raw, 'drift_type', ['baseline', 'consecutive'] as const, 'baseline') === 'baseline' ? 'BASELINE' : 'CONSECUTIVE',
      granularity,
      modelId,
      drift,
      quality,
      maxAgeSeconds: readDuration(raw, 'max_age') ?? DEFAULT_MAX_AGE_SECONDS,
    };
  },

  needs(o) {
    const { drift, profile } = needsOf(o);
    return { live: [drift, profile].filter((n): n is LiveNeed => n !== null) };
  },

  evaluate(o, ctx) {
    const threshold: Measured = {
      drift_type: o.driftType,
      granularity: o.granularity,
      model_id: o.modelId,
      max_age_s: o.maxAgeSeconds,
      ...Object.fromEntries([...o.drift, ...o.quality].map((c) => [`${c.column}.${c.figure}`, describeBound(c.bound)])),
    };
    const candidate = readCandidate(ctx.evidence);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const label = versionLabel(candidate.value);
    const needs = needsOf(o);
    const parts: { facts: MonitorFacts; checks: readonly FigureCheck[] }[] = [];
    for (const [need, checks, kind] of [
      [needs.drift, o.drift, 'drift'],
      [needs.profile, o.quality, 'profile'],
    ] as const) {
      if (need === null) continue;
      const facts = readLive(ctx, need, kind, `the ${kind} metrics of ${label} in ${ctx.target.from}`);
      if (!facts.ok) return { ...facts.result, threshold };
      parts.push({ facts: facts.value, checks });
    }
    const outcomes = parts.map((p) => judgeTable(p.facts, p.checks, o, label, ctx.target.from));
    const measured: Measured = Object.assign({}, ...outcomes.map((x) => x.measured)) as Measured;
    const outcome = outcomes.some((x) => x.outcome === 'error') ? 'error' : outcomes.some((x) => x.outcome === 'fail') ? 'fail' : 'pass';
    // What decides first (the breaches, or every figure within bounds), then where it was read.
    const shown = outcome === 'pass' ? outcomes : outcomes.filter((x) => x.outcome !== 'pass');
    const lead = shown.map((x, i) => (i === 0 ? x.lead : `${x.lead[0]!.toLowerCase()}${x.lead.slice(1)}`)).join('; ');
    const message = `${lead} (${shown.map((x) => x.context).join('; ')}).`;
    return { ...result(outcome, message, measured), threshold };
  },
};

const describeBound = (b: Bound): string =>
  [b.min !== null ? `≥ ${b.min}` : null, b.max !== null ? `≤ ${b.max}` : null].filter(Boolean).join(' and ') + (b.absolute ? ' (absolute)' : '');

const SHORT: Readonly<Record<string, string>> = {
  population_stability_index: 'PSI',
  'ks_test.statistic': 'KS statistic',
  'ks_test.pvalue': 'KS p-value',
  'chi_squared_test.statistic': 'χ² statistic',
  'chi_squared_test.pvalue': 'χ² p-value',
  js_distance: 'JS distance',
  tv_distance: 'TV distance',
  l_infinity_distance: 'L∞ distance',
  wasserstein_distance: 'Wasserstein distance',
};

interface TableVerdict {
  readonly outcome: 'pass' | 'fail' | 'error';
  /** The breaches (or, passing, every figure and its bound), first in the message. */
  readonly lead: string;
  /** Which table, rows and window. */
  readonly context: string;
  readonly measured: Measured;
}

function judgeTable(f: MonitorFacts, checks: readonly FigureCheck[], o: DriftOptions, label: string, env: string): TableVerdict {
  const what = f.kind === 'drift' ? `${f.driftType === 'BASELINE' ? 'baseline' : 'consecutive'} drift` : 'profile';
  const rows = `${f.table} (granularity ${f.granularity}${f.modelIdColumn ? `, ${f.modelIdColumn} = ${f.modelId}` : ''})`;
  const measured: Record<string, number | string | null> = { [`${f.kind}_table`]: f.table };
  if (f.window === null) {
    const hint =
      f.kind === 'drift'
        ? f.driftType === 'BASELINE'
          ? ' (baseline drift needs the monitor to have a baseline table)'
          : ' (consecutive drift needs two windows)'
        : '';
    return { outcome: 'fail', lead: `No ${what} metrics for ${label} in ${env}${hint}`, context: `${rows} has no rows: nothing shows it behaves`, measured };
  }
  measured[`${f.kind}_window_end`] = new Date(f.window.endMs).toISOString();
  const age = (f.measuredAtMs - f.window.endMs) / 1000;
  const window = `window ${f.window.startMs !== null ? `${utc(f.window.startMs)} → ` : 'ending '}${utc(f.window.endMs)}`;
  if (age > o.maxAgeSeconds) {
    return {
      outcome: 'fail',
      lead: `The latest ${what} metrics of ${label} in ${env} are stale: their window ended ${humanDuration(age)} before the plan (max_age ${humanDuration(o.maxAgeSeconds)}); refresh the monitor`,
      context: `${rows}, ${window}`,
      measured,
    };
  }
  const seen: string[] = [];
  const breaches: string[] = [];
  const missing: string[] = [];
  const notComputed: string[] = [];
  for (const c of checks) {
    const row = f.columns[c.column];
    const name = `${c.column} ${SHORT[c.figure] ?? c.figure}`;
    if (!row) {
      missing.push(c.column);
      continue;
    }
    const value = row[c.figure];
    if (value === null || value === undefined) {
      notComputed.push(`${name} (${f.dataTypes[c.column] ?? 'unknown type'})`);
      continue;
    }
    measured[`${c.column}.${c.figure}`] = Number.isFinite(value) ? value : String(value);
    const v = c.bound.absolute ? Math.abs(value) : value;
    const low = c.bound.min !== null && !(v >= c.bound.min);
    const high = c.bound.max !== null && !(v <= c.bound.max);
    const bound = c.bound.max !== null && (high || c.bound.min === null) ? c.bound.max : (c.bound.min as number);
    const [sv, sb] = formatPair(v, bound);
    const text = `${c.bound.absolute ? `|${name}|` : name} ${sv}`;
    if (low || high || Number.isNaN(v)) breaches.push(`${text} ${Number.isNaN(v) ? 'is NaN' : low ? `< ${sb}` : `> ${sb}`}`);
    else seen.push(`${text} ${c.bound.max !== null ? '≤' : '≥'} ${sb}`);
  }
  const context = `${what} of ${label} in ${env}: ${rows}, ${window}`;
  if (missing.length > 0) {
    const unique = [...new Set(missing)];
    return { outcome: 'fail', lead: `No ${what} row for column ${listOf(unique)} in the latest window`, context, measured };
  }
  if (notComputed.length > 0) {
    return { outcome: 'error', lead: `The monitor does not compute ${listOf(notComputed)} (a statistic for another column type?); check the gate's columns`, context, measured };
  }
  if (breaches.length > 0) return { outcome: 'fail', lead: listOf(breaches), context: `${context}${seen.length ? `; within bounds: ${listOf(seen)}` : ''}`, measured };
  return { outcome: 'pass', lead: listOf(seen), context, measured };
}
