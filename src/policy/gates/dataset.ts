// dataset: the candidate and the champion were evaluated on the same data. Both source runs must
// have logged (mlflow.log_input) a dataset with the same name and digest, optionally only inputs
// of one context (`mlflow.data.context`, e.g. `eval`) and of one name.

import type { DatasetInput, RunInfo } from '../../evidence/types.js';
import { listOf } from '../format.js';
import { readEnum, readString } from '../options.js';
import type { GateResult, GateType, Measured } from '../types.js';
import { read, readCandidateRun, result, versionLabel } from './kit.js';

export interface DatasetOptions {
  /** Only dataset inputs with this `mlflow.data.context` count; null: any context. */
  readonly context: string | null;
  /** Only datasets of this name count; null: any name. */
  readonly name: string | null;
  /** Outcome when there is no champion yet, or the champion's run logged no (matching) dataset. */
  readonly onMissingBaseline: 'fail' | 'pass' | 'warn';
}

/** `name@digest`: how a dataset is identified in messages and `measured`. */
const idOf = (d: DatasetInput): string => `${d.name}@${d.digest}`;

const SHOWN = 5;
const someOf = (items: readonly string[]): string =>
  items.length <= SHOWN ? listOf(items) : `${items.slice(0, SHOWN).join(', ')} and ${String(items.length - SHOWN)} more`;

export const datasetGate: GateType<DatasetOptions> = {
  type: 'dataset',
  schemaRef: '#/$defs/gate_dataset',

  parse: (raw) => ({
    context: readString(raw, 'context') ?? null,
    name: readString(raw, 'name') ?? null,
    onMissingBaseline: readEnum(raw, 'on_missing_baseline', ['fail', 'pass', 'warn'] as const, 'fail'),
  }),

  needs: () => ({ candidateRun: true, championRun: true }),

  evaluate(o, ctx): GateResult {
    const threshold: Measured = { context: o.context, name: o.name, on_missing_baseline: o.onMissingBaseline };
    const which = [o.name === null ? null : `named ${o.name}`, o.context === null ? null : `with context ${o.context}`].filter((s) => s !== null).join(' ');
    const kind = which ? `dataset ${which}` : 'dataset';
    const relevant = (run: RunInfo): DatasetInput[] =>
      (run.datasets ?? []).filter((d) => (o.context === null || d.context === o.context) && (o.name === null || d.name === o.name));
    const missingBaseline = (message: string, baseline: string, measured: Measured): GateResult =>
      result(o.onMissingBaseline, `${message} (on_missing_baseline: ${o.onMissingBaseline}).`, { ...measured, baseline }, threshold);

    const candidate = readCandidateRun(ctx);
    if (!candidate.ok) return { ...candidate.result, threshold };
    const label = versionLabel(candidate.value.version);
    const run = candidate.value.run;
    if (run === null) return result('fail', `Candidate ${label} has no source run, so it logged no evaluation ${kind}.`, { candidate_datasets: null }, threshold);
    const mine = relevant(run);
    const measured: Measured = { candidate_datasets: mine.map(idOf).join(', ') || null, run_id: run.runId };
    if (mine.length === 0) {
      const others = (run.datasets ?? []).map((d) => (d.context ? `${idOf(d)} (${d.context})` : idOf(d)));
      const seen = others.length ? `; it logged ${someOf(others)}` : '; it logged no dataset inputs (mlflow.log_input)';
      return result('fail', `Candidate ${label}'s run ${run.runId} logged no ${kind}${seen}.`, measured, threshold);
    }

    const championFact = read(ctx.evidence.champion, `the champion in ${ctx.target.to}`);
    if (!championFact.ok) return { ...championFact.result, measured, threshold };
    const champion = championFact.value;
    if (champion === null) {
      return missingBaseline(`${ctx.target.to} has no champion yet (first promotion), so there is no evaluation data to compare with`, 'no_champion', measured);
    }
    const championLabel = versionLabel(champion);
    const championRun = read(champion.run, `the source run of champion ${championLabel}`);
    if (!championRun.ok) return { ...championRun.result, measured, threshold };
    if (championRun.value === null) {
      return missingBaseline(`Champion ${championLabel} has no source run, so its evaluation data is unknown`, 'no_run', measured);
    }
    const theirs = relevant(championRun.value);
    const withChampion: Measured = { ...measured, champion_datasets: theirs.map(idOf).join(', ') || null, champion_version: champion.version.version };
    if (theirs.length === 0) {
      return missingBaseline(`Champion ${championLabel}'s run ${championRun.value.runId} logged no ${kind}, so the data its metrics came from is unknown`, 'no_dataset', withChampion);
    }

    const theirIds = new Set(theirs.map(idOf));
    const shared = [...new Set(mine.map(idOf))].filter((id) => theirIds.has(id));
    if (shared.length > 0) {
      return result('pass', `Candidate ${label} and champion ${championLabel} were evaluated on the same ${kind}: ${someOf(shared)}.`, { ...withChampion, shared: shared.join(', ') }, threshold);
    }
    // Same name, other digest: the data changed under the same name (a different split or snapshot).
    const theirByName = new Map(theirs.map((d) => [d.name, d.digest]));
    const changed = mine.filter((d) => theirByName.has(d.name)).map((d) => `${d.name} (candidate digest ${d.digest}, champion ${theirByName.get(d.name) ?? ''})`);
    const why = changed.length
      ? `the same name with different content: ${someOf([...new Set(changed)])}`
      : `different datasets: candidate ${someOf(mine.map(idOf))}, champion ${someOf(theirs.map(idOf))}`;
    return result(
      'fail',
      `Candidate ${label} and champion ${championLabel} were not evaluated on the same ${kind}; ${why}. Evaluate both on the same data before comparing their metrics.`,
      { ...withChampion, shared: null },
      threshold,
    );
  },
};
