import { describe, expect, it } from 'vitest';
import { buildPlan, EMPTY_SNAPSHOT, identityFor, type DestinationSnapshot, type PlanInput } from '../../../src/plan/build.js';
import { canonicalJson, hashMatches } from '../../../src/util/hash.js';
import { diffPlans } from '../../../src/plan/diff.js';
import { encodeRecord } from '../../../src/registry/journal.js';

const SERVER = 'http://127.0.0.1:5000';

const copyInput: PlanInput = {
  model: 'churn',
  from: 'dev',
  to: 'prod',
  mode: 'copy',
  source: { registry: SERVER, name: 'churn-dev', version: '4', source: 'mlflow-artifacts:/1/abc/artifacts/model', runId: 'abc' },
  destination: { registry: SERVER, model: 'churn-prod' },
  aliases: ['champion'],
  stage: null,
};

const version = (v: string, tags: Record<string, string> = {}, extra: Partial<{ stage: string; aliases: string[] }> = {}) => ({
  name: 'churn-prod',
  version: v,
  tags,
  aliases: extra.aliases ?? [],
  stage: extra.stage ?? 'None',
  source: 's',
  runId: null,
  status: 'READY' as const,
});

const before: DestinationSnapshot = { modelExists: true, copies: [], strays: [], aliases: { champion: '2' }, versions: {}, inStage: [] };

describe('buildPlan (copy mode)', () => {
  it('orders ensure-model, copy, journal, previous champion, alias moves', () => {
    const plan = buildPlan(copyInput, before);
    expect(plan.steps.map((s) => s.id)).toEqual(['1:ensure-model', '2:copy-version', '3:set-tags', '4:record-previous-champion', '5:move-alias']);
    expect(plan.previousChampion).toBe('2');
    const alias = plan.steps[4]!.spec;
    expect(alias.kind === 'move-alias' && alias.expectedCurrent).toBe('2');
    const copy = plan.steps[1]!.spec;
    expect(copy.kind === 'copy-version' && [copy.identityKey, copy.identityValue]).toEqual([identityFor(copyInput.source).key, identityFor(copyInput.source).value]);
    expect(identityFor(copyInput.source).key).toBe('mlops_gate_copy_of');
    expect(copy.kind === 'copy-version' && copy.artifacts).toBe('reuse-source');
    expect(plan.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('plans artifact transfer when the destination is another server', () => {
    const plan = buildPlan({ ...copyInput, destination: { registry: 'http://127.0.0.1:6000', model: 'churn' } }, EMPTY_SNAPSHOT);
    const copy = plan.steps[1]!.spec;
    expect(copy.kind === 'copy-version' && copy.artifacts).toBe('transfer');
  });

  it('hashes a finished promotion the same as the plan that made it', () => {
    const plan = buildPlan(copyInput, before);
    const id = identityFor(copyInput.source);
    const copy = version('3', { [id.key]: id.value, ...encodeRecord('previous', 'prod', { champion: '2', aliases: { champion: '2' } }) }, { aliases: ['champion'] });
    const after: DestinationSnapshot = { modelExists: true, copies: [copy], strays: [], aliases: { champion: '3' }, versions: { '3': copy }, inStage: [] };
    const again = buildPlan(copyInput, after);
    expect(again.hash).toBe(plan.hash);
    expect(again.previousChampion).toBe('2');
  });

  it('reads the journal an earlier version wrote (mlops_gate.<env>.<field>): a finished promotion re-plans to the same steps', () => {
    const plan = buildPlan(copyInput, before);
    const id = identityFor(copyInput.source);
    const copy = version('3', { 'mlops_gate.copy_of': id.value, 'mlops_gate.prod.previous.champion': '2', 'mlops_gate.prod.previous_champion': '2' }, { aliases: ['champion'] });
    const after: DestinationSnapshot = { modelExists: true, copies: [copy], strays: [], aliases: { champion: '3' }, versions: { '3': copy }, inStage: [] };
    const again = buildPlan(copyInput, after);
    expect(again.hash).toBe(plan.hash);
    expect(again.previousChampion).toBe('2');
  });

  it('changes the hash when the champion moved or the candidate changed', () => {
    const plan = buildPlan(copyInput, before);
    expect(buildPlan(copyInput, { ...before, aliases: { champion: '1' } }).hash).not.toBe(plan.hash);
    expect(buildPlan({ ...copyInput, source: { ...copyInput.source, version: '5' } }, before).hash).not.toBe(plan.hash);
    expect(buildPlan(copyInput, { ...before, modelExists: false }).hash).toBe(plan.hash);
  });

  it('records "none" when there is no champion yet', () => {
    const plan = buildPlan(copyInput, EMPTY_SNAPSHOT);
    expect(plan.previousChampion).toBeNull();
    const record = plan.steps[3]!.spec;
    expect(record.kind === 'record-previous-champion' && record.record).toEqual({ champion: null, aliases: { champion: null } });
  });
});

describe('buildPlan (alias and stage modes)', () => {
  const aliasInput: PlanInput = {
    ...copyInput,
    mode: 'alias',
    source: { ...copyInput.source, name: 'churn' },
    destination: { registry: SERVER, model: 'churn' },
    aliases: ['champion', 'prod'],
  };
  it('alias mode moves the champion and environment aliases on the candidate itself, no copy', () => {
    const plan = buildPlan(aliasInput, { ...before, aliases: { champion: '2', prod: '1' } });
    expect(plan.steps.map((s) => s.spec.kind)).toEqual(['set-tags', 'record-previous-champion', 'move-alias', 'move-alias']);
    const moves = plan.steps.filter((s) => s.spec.kind === 'move-alias').map((s) => s.spec);
    expect(moves.map((m) => m.kind === 'move-alias' && [m.alias, m.expectedCurrent])).toEqual([
      ['champion', '2'],
      ['prod', '1'],
    ]);
  });
  it('stage mode transitions with archiving and expects the current holders', () => {
    const plan = buildPlan({ ...aliasInput, mode: 'stage', aliases: ['champion'], stage: 'Production' }, { ...before, inStage: ['1', '2'] });
    const t = plan.steps.find((s) => s.spec.kind === 'transition-stage')!.spec;
    expect(t.kind === 'transition-stage' && [t.stage, t.archiveExisting, t.expectedInStage]).toEqual(['Production', true, ['1', '2']]);
  });
});

describe('hash helpers', () => {
  it('canonical JSON ignores key order and undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: undefined } })).toBe(canonicalJson({ a: { d: [1, 'x'] }, b: 1 }));
    expect(canonicalJson({ a: [2, 1] })).not.toBe(canonicalJson({ a: [1, 2] }));
  });
  it('accepts the full hash or a prefix of at least 12 hex characters', () => {
    const h = 'sha256:' + 'ab'.repeat(32);
    expect(hashMatches(h, h)).toBe(true);
    expect(hashMatches('abababababab', h)).toBe(true);
    expect(hashMatches('ababab', h)).toBe(false);
    expect(hashMatches('sha256:ff', h)).toBe(false);
  });
  it('diffPlans names a moved champion and a new candidate', () => {
    const a = buildPlan(copyInput, before);
    const b = buildPlan({ ...copyInput, source: { ...copyInput.source, version: '5' } }, { ...before, aliases: { champion: '1' } });
    const changes = diffPlans(a, b).join('\n');
    expect(changes).toMatch(/candidate changed: churn-dev v4 → churn-dev v5/);
    expect(changes).toMatch(/champion changed since review: it was v2, now v1/);
  });
});
