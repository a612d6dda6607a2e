// The plan shows what a serving rollout changes, field by field: the new version's served entity
// against the one of the same model it replaces, and the managed endpoint settings against their
// values when the plan was made. Literal secrets never appear.

import { describe, expect, it } from 'vitest';
import { buildPlan, type DestinationSnapshot, type PlanInput } from '../../../src/plan/build.js';
import { servingChanges } from '../../../src/plan/serving-diff.js';
import type { EndpointView } from '../../../src/endpoint/serving.js';

const live: EndpointView = {
  name: 'churn-prod',
  ready: true,
  configUpdate: 'NOT_UPDATING',
  config: {
    servedEntities: [{ name: 'churn-1', entityName: 'prod.ml.churn', entityVersion: '1', workloadSize: 'Small', scaleToZero: true, workloadType: 'CPU', environmentVars: { LOG_LEVEL: 'INFO', OLD_KEY: 'sk-0123456789abcdefghijklmnop' } }],
    routes: [{ servedEntityName: 'churn-1', percent: 100 }],
    configVersion: 4,
  },
  pendingConfigVersion: null,
  inferenceTable: null,
  tags: { team: 'ops', other: 'x' },
  aiGateway: { rateLimits: [{ calls: 100, key: 'endpoint', renewalPeriod: 'minute' }], usageTracking: false, inferenceTable: null },
};

const input: PlanInput = {
  model: 'churn',
  from: 'dev',
  to: 'prod',
  mode: 'copy',
  source: { registry: 'https://ws#dev.ml', name: 'dev.ml.churn', version: '7', source: 'models:/dev.ml.churn/7', runId: null },
  destination: { registry: 'https://ws#prod.ml', model: 'prod.ml.churn' },
  aliases: ['champion'],
  stage: null,
  serving: {
    endpoint: 'churn-prod',
    strategy: { kind: 'replace' },
    health: { maxErrorRate: null, maxP95LatencyMs: null, minRequests: 10, onInsufficientTraffic: 'wait', maxTrafficWaitSeconds: 900, entityLabel: null },
    entity: {
      workloadSize: null,
      minProvisionedConcurrency: 8,
      maxProvisionedConcurrency: 16,
      scaleToZero: false,
      workloadType: 'GPU_SMALL',
      environmentVars: { LOG_LEVEL: 'WARNING', API_TOKEN: '{{secrets/churn/token}}' },
    },
    settings: { tags: { team: 'risk', cost_center: '4711' }, aiGateway: { rateLimits: [{ calls: 600, key: 'endpoint', renewalPeriod: 'minute' }], usageTracking: true } },
    waitTimeoutSeconds: 600,
  },
};

const snapshot: DestinationSnapshot = { modelExists: true, copies: [], strays: [], aliases: { champion: '1' }, versions: {}, inStage: [], endpoint: live };

describe('serving config diff', () => {
  it('lists every changed field with its value now and after', () => {
    const plan = buildPlan(input, snapshot);
    const step = plan.steps.find((s) => s.spec.kind === 'serving-rollout')!;
    expect(servingChanges(step.spec)).toEqual([
      { field: 'workload_type', now: 'CPU', after: 'GPU_SMALL' },
      { field: 'workload_size', now: 'Small', after: '—' },
      { field: 'provisioned_concurrency', now: '—', after: '8-16' },
      { field: 'scale_to_zero', now: 'true', after: 'false' },
      { field: 'environment_vars.API_TOKEN', now: '—', after: '{{secrets/churn/token}}' },
      { field: 'environment_vars.LOG_LEVEL', now: 'INFO', after: 'WARNING' },
      { field: 'environment_vars.OLD_KEY', now: '(a literal that looks like a secret, not shown)', after: '—' },
      { field: 'tags.cost_center', now: '—', after: '4711' },
      { field: 'tags.team', now: 'ops', after: 'risk' },
      { field: 'ai_gateway.rate_limits', now: '100 calls/min per endpoint', after: '600 calls/min per endpoint' },
      { field: 'ai_gateway.usage_tracking', now: 'false', after: 'true' },
    ]);
    expect(JSON.stringify(servingChanges(step.spec))).not.toContain('sk-0123456789');
  });

  it('shows nothing to change for an owner: bundle endpoint (its settings are the bundle\'s)', () => {
    const plan = buildPlan({ ...input, serving: { ...input.serving!, owner: 'bundle' } }, snapshot);
    const step = plan.steps.find((s) => s.spec.kind === 'serving-rollout')!;
    expect(servingChanges(step.spec)).toEqual([]);
    // The new version runs like the one it replaces.
    expect(step.spec.kind === 'serving-rollout' && step.spec.entity).toMatchObject({ workloadSize: 'Small', scaleToZero: true, environmentVars: { LOG_LEVEL: 'INFO' } });
  });
});
