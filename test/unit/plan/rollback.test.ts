import { describe, expect, it } from 'vitest';
import type { DestinationSnapshot } from '../../../src/plan/build.js';
import { encodeRecord } from '../../../src/registry/journal.js';
import { buildRollback, type RollbackInput } from '../../../src/plan/rollback.js';

const input: RollbackInput = {
  model: 'churn',
  environment: 'prod',
  mode: 'copy',
  registry: 'http://mlflow',
  modelName: 'churn-prod',
  aliases: ['champion'],
  stage: null,
  toVersion: null,
};

const v = (version: string, tags: Record<string, string> = {}) => ({ name: 'churn-prod', version, tags, aliases: [], stage: 'None', source: `s${version}`, runId: null, status: 'READY' as const });

const snap = (over: Partial<DestinationSnapshot>): DestinationSnapshot => ({
  modelExists: true,
  copies: [],
  strays: [],
  aliases: { champion: '3' },
  versions: { '2': v('2'), '3': v('3', encodeRecord('previous', 'prod', { champion: '2', aliases: { champion: '2' } })) },
  inStage: [],
  modelTags: {},
  ...over,
});

describe('buildRollback', () => {
  it('targets the journaled previous champion and journals the rollback first', () => {
    const plan = buildRollback(input, snap({}));
    expect('steps' in plan).toBe(true);
    if (!('steps' in plan)) return;
    expect(plan.steps.map((s) => s.spec.kind)).toEqual(['set-model-tags', 'mark-quarantined', 'move-alias']);
    const mark = plan.steps[1]!.spec;
    expect(mark.kind === 'mark-quarantined' && [mark.version, mark.to, mark.source]).toEqual(['3', '2', null]);
    const move = plan.steps[2]!.spec;
    expect(move.kind === 'move-alias' && [move.expectedCurrent, move.target.kind === 'existing' && move.target.version]).toEqual(['3', '2']);
    const tags = plan.steps[0]!.spec;
    expect(tags.kind === 'set-model-tags' && tags.rollback).toEqual({ from: '3', to: '2' });
  });

  it('quarantines the source of a copy too when it lives on the same registry, never one on another', () => {
    const copy = (registry: string) =>
      snap({ versions: { '2': snap({}).versions['2']!, '3': { ...snap({}).versions['3']!, tags: { ...snap({}).versions['3']!.tags, ...encodeRecord('source', null, { name: 'churn-staging', version: '7', registry, uri: 'models:/x' }) } } } });
    const marks = (s: ReturnType<typeof snap>) => {
      const plan = buildRollback(input, s);
      return 'steps' in plan ? plan.steps.map((st) => st.spec).find((st) => st.kind === 'mark-quarantined') : undefined;
    };
    expect(marks(copy(input.registry))).toMatchObject({ version: '3', source: { name: 'churn-staging', version: '7' } });
    expect(marks(copy('mlflow:http://elsewhere:5000'))).toMatchObject({ version: '3', source: null });
    // A copy an earlier version made (dotted keys) names its source too.
    const legacy = snap({ versions: { '2': snap({}).versions['2']!, '3': { ...snap({}).versions['3']!, tags: { ...snap({}).versions['3']!.tags, 'mlops_gate.source': 'churn-staging/7', 'mlops_gate.source_registry': input.registry } } } });
    expect(marks(legacy)).toMatchObject({ version: '3', source: { name: 'churn-staging', version: '7' } });
  });

  it('a finished rollback re-plans to the same hash (no second step back)', () => {
    const first = buildRollback(input, snap({}));
    const done = buildRollback(input, snap({ aliases: { champion: '2' }, modelTags: encodeRecord('rollback', 'prod', { from: '3', to: '2', by: 'x', at: 'y' }) }));
    expect('hash' in first && 'hash' in done && done.hash === first.hash).toBe(true);
  });

  it('rolls back a promotion journaled by an earlier version (mlops_gate.<env>.previous_champion, last_rollback)', () => {
    const legacy = snap({ versions: { '2': v('2'), '3': v('3', { 'mlops_gate.prod.previous_champion': '2', 'mlops_gate.prod.previous.champion': '2' }) } });
    const plan = buildRollback(input, legacy);
    expect('steps' in plan && plan.steps.map((s) => s.spec.kind)).toEqual(['set-model-tags', 'mark-quarantined', 'move-alias']);
    expect('previousChampion' in plan && plan.previousChampion).toBe('3');
    const move = 'steps' in plan ? plan.steps[2]!.spec : null;
    expect(move?.kind === 'move-alias' && move.target.kind === 'existing' && move.target.version).toBe('2');
    // …and a rollback the earlier version finished is not repeated one step further.
    const done = buildRollback(input, snap({ aliases: { champion: '2' }, modelTags: { 'mlops_gate.prod.last_rollback': '3->2' } }));
    expect('hash' in plan && 'hash' in done && done.hash === plan.hash).toBe(true);
  });

  it('refuses, naming the problem, when the journal is unreadable (a chunk lost)', () => {
    const big = encodeRecord('previous', 'prod', { champion: '2', aliases: { champion: '2' }, endpoint: { pad: 'x'.repeat(3000), n: Array.from({ length: 400 }, (_, i) => i) } });
    const chunkKeys = Object.keys(big).filter((k) => k !== 'mlops_gate_previous_prod');
    expect(chunkKeys.length).toBeGreaterThan(0);
    const { [chunkKeys[0]!]: _lost, ...rest } = big;
    const refused = buildRollback(input, snap({ versions: { '2': v('2'), '3': v('3', rest) } }));
    expect('reason' in refused && refused.reason).toMatch(/unreadable: tag mlops_gate_previous1_prod \(chunk 1 of \d+ of mlops_gate_previous_prod\) is missing/);
  });

  it('refuses without a journal, and when the champion was the first one', () => {
    const noJournal = buildRollback(input, snap({ versions: { '3': v('3') } }));
    expect('reason' in noJournal && noJournal.reason).toMatch(/pass --to-version/);
    const first = buildRollback(input, snap({ versions: { '3': v('3', encodeRecord('previous', 'prod', { champion: null, aliases: { champion: null } })) } }));
    expect('reason' in first && first.reason).toMatch(/nothing to roll back to/);
    const missing = buildRollback({ ...input, toVersion: '9' }, snap({}));
    expect('reason' in missing && missing.reason).toMatch(/version 9 .* does not exist/);
  });

  it('--to-version naming the champion is a no-op plan', () => {
    const plan = buildRollback({ ...input, toVersion: '3' }, snap({}));
    expect('steps' in plan && plan.steps).toEqual([]);
  });

  it('stage mode transitions the target back and archives the current holder', () => {
    const plan = buildRollback({ ...input, stage: 'Production' }, snap({ aliases: {}, inStage: ['3'] }));
    expect('steps' in plan && plan.steps.map((s) => s.spec.kind)).toEqual(['set-model-tags', 'mark-quarantined', 'transition-stage', 'move-alias']);
  });
});
