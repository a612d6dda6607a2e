// The serving and monitor part of the pure plan: steps after the registry steps, the endpoint's
// "before" config journaled and hashed, hash stability once the rollout is done (the journal answers),
// hash change on endpoint drift, and the rollback's restore step.
import { describe, expect, it } from 'vitest';
import { buildPlan, type DestinationSnapshot, type PlanInput } from '../../../src/plan/build.js';
import { encodeRecord } from '../../../src/registry/journal.js';
import { buildRollback, type RollbackInput } from '../../../src/plan/rollback.js';
import { decodeSavedEndpoint, restoreStep } from '../../../src/plan/serving.js';
import type { EndpointView, ServedEntitySpec, TrafficRoute } from '../../../src/endpoint/serving.js';
import type { ObservedVersion } from '../../../src/registry/types.js';

const REG = 'https://ws.example#prod.ml';
const entity = (v: string, percent = 100) => ({
  entity: { name: `churn-${v}`, entityName: 'prod.ml.churn', entityVersion: v, workloadSize: 'Small', scaleToZero: false },
  route: { servedEntityName: `churn-${v}`, percent },
});
const endpoint = (...served: { entity: ServedEntitySpec; route: TrafficRoute }[]): EndpointView => ({
  name: 'churn-prod',
  ready: true,
  configUpdate: 'NOT_UPDATING',
  config: { servedEntities: served.map((s) => s.entity), routes: served.map((s) => s.route), configVersion: 3 },
  pendingConfigVersion: null,
  inferenceTable: null,
});

const input: PlanInput = {
  model: 'churn',
  from: 'dev',
  to: 'prod',
  mode: 'copy',
  source: { registry: 'https://ws.example#dev.ml', name: 'dev.ml.churn', version: '7', source: 'models:/dev.ml.churn/7', runId: null },
  destination: { registry: REG, model: 'prod.ml.churn' },
  aliases: ['champion'],
  stage: null,
  serving: {
    endpoint: 'churn-prod',
    strategy: { kind: 'canary', steps: [10, 100], pauseSeconds: 60 },
    health: { maxErrorRate: 0.01, maxP95LatencyMs: null, minRequests: 10, onInsufficientTraffic: 'wait', maxTrafficWaitSeconds: 900, entityLabel: null },
    workloadSize: 'Small',
    scaleToZero: false,
    inferenceTable: null,
    waitTimeoutSeconds: 600,
  },
  monitor: {
    api: 'data-quality',
    refresh: 'after-change',
    monitor: {
      table: 'prod.monitoring.churn_payload',
      outputSchema: 'prod.monitoring',
      assetsDir: '/Workspace/x',
      inferenceLog: { problemType: 'classification', predictionCol: 'p', labelCol: null, timestampCol: 'ts', modelIdCol: 'm', granularities: ['1 day'] },
      schedule: null,
      slicingExprs: [],
    },
  },
};

const snapshot = (over: Partial<DestinationSnapshot>): DestinationSnapshot => ({
  modelExists: true,
  copies: [],
  strays: [],
  aliases: { champion: '1' },
  versions: {},
  inStage: [],
  endpoint: endpoint(entity('1')),
  ...over,
});

describe('plan with serving and monitor', () => {
  it('rolls the endpoint out before moving the alias (an aborted canary leaves the champion alias alone), monitor last', () => {
    const plan = buildPlan(input, snapshot({}));
    expect(plan.steps.map((s) => s.id)).toEqual([
      '1:ensure-model',
      '2:copy-version',
      '3:set-tags',
      '4:record-previous-champion',
      '5:serving-rollout',
      '6:move-alias',
      '7:ensure-monitor',
    ]);
    const rollout = plan.steps[4]!.spec;
    expect(rollout.kind === 'serving-rollout' && rollout.expected).toEqual({
      kind: 'config',
      servedEntities: [{ name: 'churn-1', entityName: 'prod.ml.churn', entityVersion: '1' }],
      routes: [{ servedEntityName: 'churn-1', percent: 100 }],
      configVersion: 3,
    });
    expect(rollout.kind === 'serving-rollout' && rollout.target).toMatchObject({ kind: 'copy-of', name: 'prod.ml.churn' });
    // The previous endpoint config is journaled with the previous champion, before traffic moves.
    const record = plan.steps[3]!.spec;
    const saved = record.kind === 'record-previous-champion' ? decodeSavedEndpoint(record.record.endpoint) : null;
    expect(saved).toEqual({ endpoint: 'churn-prod', configVersion: 3, config: { servedEntities: [entity('1').entity], routes: [entity('1').route] } });
  });

  it('records an absent endpoint as config null', () => {
    const plan = buildPlan(input, snapshot({ endpoint: null }));
    const rollout = plan.steps[4]!.spec;
    expect(rollout.kind === 'serving-rollout' && rollout.expected).toEqual({ kind: 'absent' });
  });

  it('a finished promotion re-plans to the same hash: the journal answers for the replaced config', () => {
    const first = buildPlan(input, snapshot({}));
    const record = first.steps[3]!.spec;
    const journal = record.kind === 'record-previous-champion' ? encodeRecord('previous', 'prod', record.record) : {};
    const copy: ObservedVersion = {
      name: 'prod.ml.churn',
      version: '2',
      tags: { mlops_gate_copy_of: (first.steps[1]!.spec as { identityValue: string }).identityValue, ...journal },
      aliases: ['champion'],
      stage: null,
      source: 'models:/dev.ml.churn/7',
      runId: null,
      status: 'READY',
    };
    const done = snapshot({ copies: [copy], versions: { '2': copy }, aliases: { champion: '2' }, endpoint: endpoint(entity('2')) });
    expect(buildPlan(input, done).hash).toBe(first.hash);
    // Mid-canary (crash between phases) too.
    const mid = snapshot({ copies: [copy], versions: { '2': copy }, aliases: { champion: '2' }, endpoint: endpoint(entity('1', 90), entity('2', 10)) });
    expect(buildPlan(input, mid).hash).toBe(first.hash);
  });

  it('a different endpoint config before the promotion gives a different hash', () => {
    const a = buildPlan(input, snapshot({}));
    const b = buildPlan(input, snapshot({ endpoint: endpoint(entity('1', 50), { ...entity('9', 50), entity: { ...entity('9').entity, entityName: 'prod.ml.other' } }) }));
    expect(b.hash).not.toBe(a.hash);
  });

  it('strategy and monitor settings are part of the hash', () => {
    const a = buildPlan(input, snapshot({}));
    expect(buildPlan({ ...input, serving: { ...input.serving!, strategy: { kind: 'replace' } } }, snapshot({})).hash).not.toBe(a.hash);
    const monitor = { ...input.monitor!, monitor: { ...input.monitor!.monitor, schedule: { cron: '0 0 6 * * ?', timezone: 'UTC' } } };
    expect(buildPlan({ ...input, monitor }, snapshot({})).hash).not.toBe(a.hash);
  });
});

describe('rollback restores the endpoint', () => {
  const saved = { endpoint: 'churn-prod', configVersion: 3, config: { servedEntities: [entity('1').entity], routes: [entity('1').route] } };
  const rollbackInput: RollbackInput = {
    model: 'churn',
    environment: 'prod',
    mode: 'copy',
    registry: REG,
    modelName: 'prod.ml.churn',
    aliases: ['champion'],
    stage: null,
    toVersion: null,
    endpoint: { name: 'churn-prod', waitTimeoutSeconds: 600 },
  };
  const v = (version: string, tags: Record<string, string>): ObservedVersion => ({ name: 'prod.ml.churn', version, tags, aliases: [], stage: null, source: '', runId: null, status: 'READY' });

  it('plans restore-endpoint with the journaled config after the alias moves', () => {
    const snap: DestinationSnapshot = {
      modelExists: true,
      copies: [],
      strays: [],
      aliases: { champion: '2' },
      versions: { '1': v('1', {}), '2': v('2', encodeRecord('previous', 'prod', { champion: '1', aliases: { champion: '1' }, endpoint: saved })) },
      inStage: [],
      modelTags: {},
      endpoint: endpoint(entity('2')),
    };
    const plan = buildRollback(rollbackInput, snap);
    expect('steps' in plan && plan.steps.map((s) => s.spec.kind)).toEqual(['set-model-tags', 'mark-quarantined', 'move-alias', 'restore-endpoint']);
    const restore = 'steps' in plan ? plan.steps[3]!.spec : null;
    expect(restore).toMatchObject({ kind: 'restore-endpoint', fromVersion: '2', config: saved.config });
  });

  it('restores a config journaled by an earlier version (mlops_gate.<env>.previous.endpoint, JSON text)', () => {
    const snap: DestinationSnapshot = {
      modelExists: true,
      copies: [],
      strays: [],
      aliases: { champion: '2' },
      versions: { '1': v('1', {}), '2': v('2', { 'mlops_gate.prod.previous_champion': '1', 'mlops_gate.prod.previous.endpoint': JSON.stringify(saved) }) },
      inStage: [],
      modelTags: {},
      endpoint: endpoint(entity('2')),
    };
    const plan = buildRollback(rollbackInput, snap);
    const restore = 'steps' in plan ? plan.steps.find((st) => st.spec.kind === 'restore-endpoint')?.spec ?? null : null;
    expect(restore).toMatchObject({ kind: 'restore-endpoint', fromVersion: '2', config: saved.config });
  });

  it('restores a config far above 1000 characters exactly: packed into chunks within the tag rules, every field kept', () => {
    const many = (i: number) => ({
      ...entity('1').entity,
      name: `churn-${i}`,
      extra: { workload_type: 'GPU_MEDIUM', environment_vars: Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`VAR_${i}_${k}`, `{{secrets/scope-${i}/key-${k}}}`])), instance_profile_arn: `arn:aws:iam::123456789012:instance-profile/serving-${i}` },
    });
    const big = { endpoint: 'churn-prod', configVersion: 7, config: { servedEntities: [many(1), many(2), many(3), many(4)], routes: [{ servedEntityName: 'churn-1', percent: 100 }], future_field: { nested: [1, 'two', null] } } };
    const tags = encodeRecord('previous', 'prod', { champion: '1', aliases: { champion: '1' }, endpoint: big });
    expect(JSON.stringify(big).length).toBeGreaterThan(5000);
    expect(Object.keys(tags).length).toBeGreaterThan(1);
    for (const [k, value] of Object.entries(tags)) {
      expect(k).toMatch(/^[A-Za-z0-9_]{1,255}$/);
      expect(value.length).toBeLessThanOrEqual(1000);
    }
    const snap: DestinationSnapshot = {
      modelExists: true,
      copies: [],
      strays: [],
      aliases: { champion: '2' },
      versions: { '1': v('1', {}), '2': v('2', tags) },
      inStage: [],
      modelTags: {},
      endpoint: endpoint(entity('2')),
    };
    const plan = buildRollback(rollbackInput, snap);
    const restore = 'steps' in plan ? plan.steps.find((st) => st.spec.kind === 'restore-endpoint')?.spec ?? null : null;
    expect(restore?.kind === 'restore-endpoint' && restore.config).toEqual(big.config);
  });

  it('an endpoint the promotion created: the rolled-back-to version takes its place at 100%', () => {
    const step = restoreStep({
      endpoint: 'churn-prod',
      environment: 'prod',
      entityName: 'prod.ml.churn',
      from: '2',
      to: '1',
      fromJournal: encodeRecord('previous', 'prod', { champion: null, aliases: {}, endpoint: { endpoint: 'churn-prod', configVersion: null, config: null } }),
      live: endpoint(entity('2')),
      waitTimeoutSeconds: 60,
    });
    expect(step?.spec).toMatchObject({ kind: 'restore-endpoint', config: { servedEntities: [{ name: 'churn-1', entityVersion: '1' }], routes: [{ servedEntityName: 'churn-1', percent: 100 }] } });
  });

  it('no journaled endpoint config: no restore step', () => {
    expect(restoreStep({ endpoint: 'churn-prod', environment: 'prod', entityName: 'prod.ml.churn', from: '2', to: '1', fromJournal: {}, live: endpoint(entity('2')), waitTimeoutSeconds: 60 })).toBeNull();
  });
});
