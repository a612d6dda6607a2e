// Every rollout strategy end to end on the emulator (real HTTP), on a clock the waits advance:
// replace, canary (healthy, health abort, no evidence, failed deploy, 409 mid-rollout, resume after
// a crash), blue_green (smoke pass and fail, health after the switch), ab, create when absent,
// drift refusal, deadline, and zero writes when a finished rollout is run again. The health checks
// read the metrics export as the emulator's mode renders it (docs/emulator.md, serving-metrics).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RolloutStrategy } from '../../../src/config/types.js';

import type { ServingConfig } from '../../../src/config/types.js';
import {
  convergeRollout,
  createServingRolloutPort,
  expectationOf,
  rolloutSpecFor,
  type RolloutStepRecord,
  type ServingRolloutSpec,
} from '../../../src/rollout/index.js';
import { entity, startBed, type Bed } from './harness.js';
import { projectMode } from '../../support/strict.js';
import type { EndpointConfigSpec } from '../../../src/endpoint/serving.js';

const ENDPOINTS = ['churn-prod', 'replace-1', 'canary-ok', 'canary-sick', 'canary-broken', 'canary-409', 'canary-crash', 'canary-idle', 'canary-late', 'canary-quiet', 'bg-ok', 'bg-smoke', 'bg-health', 'bg-sick', 'ab-1', 'drift-1', 'slow-1'];

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({
    serving: {
      update_duration_ms: 10_000,
      ready_delay_ms: 0,
      endpoints: ENDPOINTS.map((name) => ({ name, config: { served_entities: [entity('3')] } })),
    },
  });
});
afterAll(() => bed?.close());
beforeEach(async () => {
  bed.onSleep = null;
  await bed.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 10_000, failing_entities: [] });
});

const v3: EndpointConfigSpec = {
  servedEntities: [{ name: 'churn-3', entityName: 'main.ml.churn', entityVersion: '3', workloadSize: 'Small', scaleToZero: false }],
  routes: [{ servedEntityName: 'churn-3', percent: 100 }],
};

const spec = (endpoint: string, strategy: RolloutStrategy, extra: Partial<ServingRolloutSpec> = {}): ServingRolloutSpec => ({
  endpoint,
  strategy,
  health: { maxErrorRate: 0.05, maxP95LatencyMs: 500, minRequests: 10, onInsufficientTraffic: 'wait', maxTrafficWaitSeconds: 300, entityLabel: null },
  candidate: { name: 'churn-4', entityName: 'main.ml.churn', entityVersion: '4', workloadSize: 'Small', scaleToZero: false },
  inferenceTable: null,
  expected: expectationOf(v3, 1),
  waitTimeoutSeconds: 300,
  ...extra,
});

const deps = () => ({ serving: bed.serving, clock: bed.clock });

/** Traffic on the candidate during each minute of a pause (endpoint polls are shorter sleeps). */
const traffic = (endpoint: string, body: { error_rate?: number; p95_latency_ms?: number; add_requests: number }, from = 0) => {
  let minute = 0;
  bed.onSleep = async (ms) => {
    if (ms !== 60_000) return;
    if (minute++ < from) return;
    await bed.call('POST', `/__emulator/serving/endpoints/${endpoint}/metrics`, { served_entity_name: 'churn-4', error_rate: 0, p95_latency_ms: 40, ...body });
  };
};

/** Reads of the metrics export since the request log was cleared. */
const metricReads = (endpoint: string): number => bed.emulator.admin.requests().entries.filter((e) => e.path === `/api/2.0/serving-endpoints/${endpoint}/metrics`).length;

/** Live routes as `name:percent` (0% routes included), sorted. */
const routes = async (name: string): Promise<string[]> => {
  const e = await bed.serving.getEndpoint(name);
  return (e?.config?.routes ?? []).map((r) => `${r.servedEntityName}:${r.percent}`).sort();
};

/** Runs the same rollout again and returns the writes it made (the emulator's own log). */
async function rerunWrites(s: ServingRolloutSpec): Promise<{ outcome: string; writes: number; logged: number }> {
  bed.emulator.admin.clearRequests();
  const again = await convergeRollout(s, deps());
  return { outcome: again.outcome, writes: again.writes, logged: bed.writes().length };
}

const labels = (steps: readonly RolloutStepRecord[]) => steps.map((s) => `${s.kind}: ${s.label}`);

describe('spec from mlops.yml serving config', () => {
  it('names the endpoint from its template, takes workload and per-environment scale-to-zero, and expects what was read', async () => {
    const serving: ServingConfig = {
      endpoint: '${model}-${env}',
      strategy: { kind: 'ab', candidatePercent: 25 },
      health: { maxErrorRate: 0.01, maxP95LatencyMs: null, minRequests: 10, onInsufficientTraffic: 'wait', maxTrafficWaitSeconds: 900, entityLabel: null },
      workloadSize: 'Medium',
      scaleToZero: { prod: false, dev: true },
      scaleToZeroDefault: true,
      inferenceTable: { catalog: 'main', schema: 'ml', prefix: 'churn' },
      waitTimeoutSeconds: 900,
      environments: null,
    };
    const current = await bed.serving.getEndpoint('churn-prod');
    const s = rolloutSpecFor({ serving, environment: 'prod', modelId: 'churn', entityName: 'main.ml.churn', version: '4', current });
    expect(s).toMatchObject({
      endpoint: 'churn-prod',
      candidate: { name: 'churn-4', entityName: 'main.ml.churn', entityVersion: '4', workloadSize: 'Medium', scaleToZero: false },
      expected: { kind: 'config', configVersion: 1, routes: [{ servedEntityName: 'churn-3', percent: 100 }] },
      waitTimeoutSeconds: 900,
    });
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('rolled-out');
    expect(labels(result.steps)).toEqual(['update: A/B split 75/25 with main.ml.churn v4', 'inference-table: inference table main.ml.churn*']);
    const live = await bed.serving.getEndpoint('churn-prod');
    expect(live!.inferenceTable).toEqual({ catalog: 'main', schema: 'ml', prefix: 'churn', enabled: true });
    expect(live!.config!.servedEntities.find((e) => e.name === 'churn-4')).toMatchObject({ workloadSize: 'Medium', scaleToZero: false });
    expect(await rerunWrites(s)).toEqual({ outcome: 'up-to-date', writes: 0, logged: 0 });
  });
});

describe('replace', () => {
  it('moves 100% to the new version, saves the previous config, and a re-run writes nothing', async () => {
    const s = spec('replace-1', { kind: 'replace' });
    bed.emulator.admin.clearRequests();
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('rolled-out');
    expect(result.writes).toBe(1);
    expect(bed.writes()).toEqual([{ method: 'PUT', path: '/api/2.0/serving-endpoints/replace-1/config', status: 200 }]);
    expect(result.previous).toMatchObject({ configVersion: 1, config: { routes: [{ servedEntityName: 'churn-3', percent: 100 }] } });
    expect(result.previous!.config.servedEntities.map((e) => e.name)).toEqual(['churn-3']);
    expect(await routes('replace-1')).toEqual(['churn-4:100']);
    expect(result.polls).toBeGreaterThan(0);
    expect(await rerunWrites(s)).toEqual({ outcome: 'up-to-date', writes: 0, logged: 0 });
  });
});

describe('canary', () => {
  const canary: RolloutStrategy = { kind: 'canary', steps: [10, 50, 100], pauseSeconds: 60 };

  it('steps 10 → 50 → 100 with a pause and a passing health check between steps', async () => {
    const seen: string[][] = [];
    const pauses: number[] = [];
    bed.onSleep = async (ms) => {
      if (ms !== 60_000) return;
      pauses.push(ms);
      seen.push(await routes('canary-ok'));
      // Healthy traffic on the canary during the pause.
      await bed.call('POST', '/__emulator/serving/endpoints/canary-ok/metrics', { served_entity_name: 'churn-4', error_rate: 0, p95_latency_ms: 40, add_requests: 50 });
    };
    const s = spec('canary-ok', canary);
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('rolled-out');
    expect(pauses).toEqual([60_000, 60_000]);
    expect(seen).toEqual([
      ['churn-3:90', 'churn-4:10'],
      ['churn-3:50', 'churn-4:50'],
    ]);
    expect(await routes('canary-ok')).toEqual(['churn-4:100']);
    expect(labels(result.steps)).toEqual([
      'update: canary 10% to main.ml.churn v4',
      'health: health of churn-4 at "canary 10% to main.ml.churn v4"',
      'update: canary 50% to main.ml.churn v4',
      'health: health of churn-4 at "canary 50% to main.ml.churn v4"',
      'update: 100% to main.ml.churn v4',
    ]);
    const health = result.steps.filter((x) => x.kind === 'health');
    expect(health.map((h) => h.kind === 'health' && [h.outcome, h.passed, h.health.requests, h.health.errorRate, h.health.minutes])).toEqual([
      ['pass', true, 50, 0, 1],
      ['pass', true, 50, 0, 1],
    ]);
    // The label the export names entities by depends on the emulator's reading (docs/emulator.md).
    expect(health[0]!.kind === 'health' && health[0]!.health.label).toBe(projectMode().mode === 'strict' ? 'served_model_name' : 'served_entity_name');
    expect(result.writes).toBe(3);
    expect(await rerunWrites(s)).toEqual({ outcome: 'up-to-date', writes: 0, logged: 0 });
  });

  it('aborts when the canary error rate breaks the threshold and restores the saved config exactly', async () => {
    const before = await bed.serving.getEndpoint('canary-sick');
    traffic('canary-sick', { error_rate: 0.5, add_requests: 20 });
    const result = await convergeRollout(spec('canary-sick', canary), deps());
    expect(result.outcome).toBe('aborted');
    expect(result.message).toMatch(/health check failed at "canary 10% to main.ml.churn v4": error rate 50\.0% > 5\.0% \(20 requests, 10 errors/);
    expect(result.message).toMatch(/restored the previous config \(churn-3 \(main.ml.churn v3\) 100%\)/);
    const after = await bed.serving.getEndpoint('canary-sick');
    expect(after!.config!.servedEntities).toEqual(before!.config!.servedEntities);
    expect(after!.config!.routes).toEqual(before!.config!.routes);
    expect(after!.config!.configVersion).toBe(3);
    expect(labels(result.steps).at(-1)).toBe('restore: restore churn-3 (main.ml.churn v3) 100%');
  });

  it('aborts on p95 latency as well', async () => {
    // Same endpoint and entity name as above: in the strict reading its histogram is cumulative and
    // still holds the earlier 40 ms requests; the window is told apart from them.
    traffic('canary-sick', { p95_latency_ms: 2000, add_requests: 20 });
    const result = await convergeRollout(spec('canary-sick', canary), deps());
    expect(result.outcome).toBe('aborted');
    expect(result.message).toMatch(/p95 latency \d{4} ms > 500 ms \(20 requests, 0 errors/);
    expect(await routes('canary-sick')).toEqual(['churn-3:100']);
  });

  it('aborts when the new version fails to deploy (UPDATE_FAILED): the old config was never left, nothing to restore', async () => {
    await bed.call('PATCH', '/__emulator/serving/settings', { failing_entities: [{ entity_name: 'main.ml.churn', entity_version: '4' }] });
    bed.emulator.admin.clearRequests();
    const result = await convergeRollout(spec('canary-broken', canary), deps());
    expect(result.outcome).toBe('aborted');
    expect(result.message).toMatch(/"canary 10% to main.ml.churn v4" failed: the config update of serving endpoint "canary-broken" ended UPDATE_FAILED/);
    expect(bed.writes()).toHaveLength(1);
    expect(result.steps.at(-1)).toMatchObject({ kind: 'restore', writes: 0 });
    expect(await routes('canary-broken')).toEqual(['churn-3:100']);
  });

  it('waits out a 409 when someone else updates the endpoint mid-rollout, then retries', async () => {
    traffic('canary-409', { add_requests: 30 });
    let once = false;
    const result = await convergeRollout(spec('canary-409', canary), deps(), {
      onStep: async (step) => {
        if (step.kind !== 'health' || once) return;
        once = true;
        // Another writer re-applies the current canary config: an update is now in flight.
        const res = await bed.call('PUT', '/api/2.0/serving-endpoints/canary-409/config', {
          served_entities: [entity('3'), entity('4')],
          traffic_config: { routes: [{ served_model_name: 'churn-3', traffic_percentage: 90 }, { served_model_name: 'churn-4', traffic_percentage: 10 }] },
        });
        expect(res.status).toBe(200);
      },
    });
    expect(result.outcome).toBe('rolled-out');
    const updates = result.steps.filter((x) => x.kind === 'update');
    expect(updates.map((u) => u.kind === 'update' && u.conflicts)).toEqual([0, 1, 0]);
    expect(await routes('canary-409')).toEqual(['churn-4:100']);
  });

  it('resumes after a crash part-way through, without repeating the finished steps', async () => {
    traffic('canary-crash', { add_requests: 30 });
    const s = spec('canary-crash', canary);
    const crash = new Error('runner killed');
    await expect(
      convergeRollout(s, deps(), {
        onStep: (step) => {
          if (step.kind === 'update') throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(await routes('canary-crash')).toEqual(['churn-3:90', 'churn-4:10']);
    const port = createServingRolloutPort(deps());
    expect(await port.check(s)).toEqual({ state: 'pending', reason: 'part-way through: at "canary 10% to main.ml.churn v4"' });
    bed.emulator.admin.clearRequests();
    const resumed = await port.act(s);
    expect(resumed.outcome).toBe('rolled-out');
    expect(labels(resumed.steps)[0]).toBe('resume: resuming at "canary 10% to main.ml.churn v4" (the endpoint already serves it)');
    // The 10% step is not written again: 50% and 100% only.
    expect(bed.writes()).toHaveLength(2);
    expect(resumed.previous?.config.routes).toEqual([{ servedEntityName: 'churn-3', percent: 100 }]);
    expect(await port.verify(s)).toBe(true);
    expect(await port.check(s)).toEqual({ state: 'satisfied' });
  });

  it('never passes on no evidence: no traffic waits up to max_traffic_wait, then aborts as an error and restores', async () => {
    bed.emulator.admin.clearRequests();
    const result = await convergeRollout(spec('canary-idle', canary), deps());
    expect(result.outcome).toBe('aborted');
    const health = result.steps.find((x) => x.kind === 'health');
    expect(health).toMatchObject({ outcome: 'error', passed: false, health: { requests: 0 } });
    expect(result.message).toMatch(/health check could not judge churn-4 at "canary 10% to main.ml.churn v4": not enough traffic to judge: /);
    expect(result.message).toMatch(/min_requests is 10 \(waited 5 extra minute\(s\), max_traffic_wait\)/);
    // In the strict reading an idle entity has no series at all; in the default one its series is zero.
    expect(result.message).toMatch(projectMode().mode === 'strict' ? /no series for churn-4 under served_entity_name, served_model_name, served_entity/ : /0 request\(s\) reached churn-4 \(label served_entity_name\)/);
    // One read when the pause began, one per minute of the pause (1) and of the wait (5).
    expect(metricReads('canary-idle')).toBe(7);
    expect(await routes('canary-idle')).toEqual(['churn-3:100']);
  });

  it('on_insufficient_traffic: fail ends the check after the pause, without waiting', async () => {
    bed.emulator.admin.clearRequests();
    traffic('canary-quiet', { add_requests: 3 });
    const s = spec('canary-quiet', { kind: 'canary', steps: [10, 100], pauseSeconds: 180 }, { health: { ...spec('x', canary).health, minRequests: 20, onInsufficientTraffic: 'fail' } });
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('aborted');
    expect(result.message).toMatch(/not enough traffic to judge: 9 request\(s\) reached churn-4 .* in 3 minute\(s\) of metrics; min_requests is 20 \(on_insufficient_traffic: fail\)/);
    expect(metricReads('canary-quiet')).toBe(4);
  });

  it('traffic that comes late, within max_traffic_wait, is waited for and judged', async () => {
    traffic('canary-late', { add_requests: 6 }, 2);
    const s = spec('canary-late', { kind: 'canary', steps: [10, 100], pauseSeconds: 60 });
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('rolled-out');
    const health = result.steps.find((x) => x.kind === 'health');
    // Minute 1 (the pause) and 2 idle, 3 and 4 with 6 requests each: 12 ≥ 10 after two extra minutes.
    expect(health).toMatchObject({ outcome: 'pass', health: { requests: 12 } });
    expect(health?.kind === 'health' && health.health.minutes).toBe(projectMode().mode === 'strict' ? 2 : 4);
  });
});

describe('blue_green', () => {
  const blueGreen: RolloutStrategy = { kind: 'blue_green', smokeRequest: true, healthCheck: false, pauseSeconds: 300 };
  const inputExample = { dataframe_split: { columns: ['tenure', 'plan'], data: [[12, 'basic']] } };

  it('deploys at 0%, switches to 100% with the old kept, smoke-tests with the input example, then removes the old', async () => {
    const seen: string[][] = [];
    const result = await convergeRollout(spec('bg-ok', blueGreen), deps(), {
      inputExample,
      onStep: async (step) => {
        if (step.kind === 'update') seen.push(await routes('bg-ok'));
      },
    });
    expect(result.outcome).toBe('rolled-out');
    expect(seen).toEqual([['churn-3:100', 'churn-4:0'], ['churn-3:0', 'churn-4:100'], ['churn-4:100']]);
    const smoke = result.steps.find((x) => x.kind === 'smoke');
    expect(smoke).toMatchObject({ passed: true, reason: 'answered 200 from churn-4' });
    const invocations = bed.emulator.admin.requests().entries.filter((e) => e.path === '/serving-endpoints/bg-ok/invocations');
    expect(invocations).toHaveLength(1);
    expect(await rerunWrites(spec('bg-ok', blueGreen))).toEqual({ outcome: 'up-to-date', writes: 0, logged: 0 });
  });

  it('switches back to the saved config when the smoke request fails', async () => {
    const result = await convergeRollout(spec('bg-smoke', blueGreen), deps(), {
      inputExample,
      onStep: async (step) => {
        // The new version breaks once it takes traffic.
        if (step.kind === 'update' && step.label.startsWith('switch'))
          await bed.call('POST', '/__emulator/serving/endpoints/bg-smoke/metrics', { served_entity_name: 'churn-4', error_rate: 1 });
      },
    });
    expect(result.outcome).toBe('aborted');
    expect(result.message).toMatch(/smoke request failed after "switch 100% to main.ml.churn v4 \(previous kept at 0%\)": answered 500 INTERNAL_ERROR/);
    expect(await routes('bg-smoke')).toEqual(['churn-3:100']);
    expect((await bed.serving.getEndpoint('bg-smoke'))!.config!.servedEntities.map((e) => e.name)).toEqual(['churn-3']);
  });
});

describe('blue_green with health', () => {
  const checked: RolloutStrategy = { kind: 'blue_green', smokeRequest: false, healthCheck: true, pauseSeconds: 120 };

  it('pauses after the switch (previous kept at 0%) and judges the new version before removing the old', async () => {
    const seen: string[][] = [];
    bed.onSleep = async (ms) => {
      if (ms !== 60_000) return;
      seen.push(await routes('bg-health'));
      await bed.call('POST', '/__emulator/serving/endpoints/bg-health/metrics', { served_entity_name: 'churn-4', error_rate: 0, p95_latency_ms: 30, add_requests: 15 });
    };
    const result = await convergeRollout(spec('bg-health', checked), deps());
    expect(result.outcome).toBe('rolled-out');
    expect(seen).toEqual([
      ['churn-3:0', 'churn-4:100'],
      ['churn-3:0', 'churn-4:100'],
    ]);
    expect(result.steps.find((x) => x.kind === 'health')).toMatchObject({ outcome: 'pass', health: { requests: 30, errors: 0 } });
    expect(await routes('bg-health')).toEqual(['churn-4:100']);
  });

  it('switches back when the new version breaks the threshold', async () => {
    traffic('bg-sick', { error_rate: 0.2, add_requests: 20 });
    const result = await convergeRollout(spec('bg-sick', checked), deps());
    expect(result.outcome).toBe('aborted');
    expect(result.message).toMatch(/health check failed at "switch 100% to main.ml.churn v4 \(previous kept at 0%\)": error rate 20\.0% > 5\.0% \(40 requests, 8 errors/);
    expect(await routes('bg-sick')).toEqual(['churn-3:100']);
  });
});

describe('ab', () => {
  it('holds a fixed split and re-runs with zero writes', async () => {
    const s = spec('ab-1', { kind: 'ab', candidatePercent: 20 });
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('rolled-out');
    expect(await routes('ab-1')).toEqual(['churn-3:80', 'churn-4:20']);
    expect(await rerunWrites(s)).toEqual({ outcome: 'up-to-date', writes: 0, logged: 0 });
  });
});

describe('create, drift and deadline', () => {
  it('creates the endpoint when the plan saw none, with the inference table, then is up to date', async () => {
    const s = spec('new-endpoint', { kind: 'canary', steps: [10, 100], pauseSeconds: 60 }, {
      expected: { kind: 'absent' },
      inferenceTable: { catalog: 'main', schema: 'ml', prefix: 'churn' },
    });
    bed.emulator.admin.clearRequests();
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('created');
    expect(bed.writes()).toEqual([{ method: 'POST', path: '/api/2.0/serving-endpoints', status: 200 }]);
    const live = await bed.serving.getEndpoint('new-endpoint');
    expect(live).toMatchObject({ ready: true, configUpdate: 'NOT_UPDATING', inferenceTable: { catalog: 'main', schema: 'ml', prefix: 'churn', enabled: true } });
    expect(await rerunWrites(s)).toEqual({ outcome: 'up-to-date', writes: 0, logged: 0 });
  });

  it('finishes a creation whose inference table is still missing (an earlier run stopped after the create)', async () => {
    const s = spec('half-created', { kind: 'replace' }, { expected: { kind: 'absent' }, inferenceTable: { catalog: 'main', schema: 'ml', prefix: 'half' } });
    await bed.serving.createEndpoint({ name: 'half-created', config: { servedEntities: [s.candidate], routes: [{ servedEntityName: 'churn-4', percent: 100 }] } });
    await bed.serving.waitUntilSettled('half-created', { deadlineMs: 60_000 });
    bed.emulator.admin.clearRequests();
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('rolled-out');
    expect(bed.writes()).toEqual([{ method: 'PUT', path: '/api/2.0/serving-endpoints/half-created/ai-gateway', status: 200 }]);
    expect(await rerunWrites(s)).toEqual({ outcome: 'up-to-date', writes: 0, logged: 0 });
  });

  it('refuses, writing nothing, when the endpoint changed since the plan', async () => {
    await bed.call('PUT', '/api/2.0/serving-endpoints/drift-1/config', { served_entities: [entity('5')] });
    await bed.call('POST', '/__emulator/serving/endpoints/drift-1/complete-update');
    bed.emulator.admin.clearRequests();
    const s = spec('drift-1', { kind: 'replace' });
    const result = await convergeRollout(s, deps());
    expect(result.outcome).toBe('drift');
    expect(result.message).toBe(
      'serving endpoint "drift-1" changed since the plan was made: it serves churn-5 (main.ml.churn v5) 100% (config version 2); ' +
        'the plan expected churn-3 (main.ml.churn v3) 100% (config version 1). Re-run the plan to review the current state; nothing was changed.',
    );
    expect(bed.writes()).toEqual([]);
    expect((await createServingRolloutPort(deps()).check(s)).state).toBe('drift');
    // A plan that expected an existing endpoint refuses when it is gone.
    const gone = await convergeRollout(spec('gone-endpoint', { kind: 'replace' }), deps());
    expect(gone.outcome).toBe('drift');
    expect(gone.message).toMatch(/"gone-endpoint" does not exist; the plan expected it to serve churn-3/);
  });

  it('stops at the deadline when an update does not settle', async () => {
    await bed.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 3_600_000 });
    const result = await convergeRollout(spec('slow-1', { kind: 'replace' }, { waitTimeoutSeconds: 120 }), deps());
    expect(result.outcome).toBe('deadline');
    expect(result.message).toMatch(/did not settle within 120 s \(config_update IN_PROGRESS, READY\)/);
  });
});
