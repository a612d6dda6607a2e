// The Model Serving client against the emulator over real HTTP, on a clock our waits advance:
// reads, creates, waits (settled, failed, deadline), 409 while updating, metrics and invocations.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { entity, startBed, type Bed } from '../rollout/harness.js';
import { ENTITY_LABELS, entitySample, windowHealth } from '../../../src/endpoint/metrics.js';
import { projectMode } from '../../support/strict.js';
import type { WaitProgress } from '../../../src/endpoint/serving.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({
    serving: {
      update_duration_ms: 10_000,
      ready_delay_ms: 0,
      endpoints: [
        { name: 'seeded', config: { served_entities: [entity('3')] } },
        { name: 'metered', config: { served_entities: [entity('3'), entity('4')], traffic_config: { routes: [{ served_model_name: 'churn-3', traffic_percentage: 50 }, { served_model_name: 'churn-4', traffic_percentage: 50 }] } } },
      ],
    },
  });
});
afterAll(() => bed?.close());
beforeEach(async () => {
  bed.onSleep = null;
  await bed.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 10_000, failing_entities: [] });
});

const single = (version: string) => ({
  servedEntities: [{ name: `churn-${version}`, entityName: 'main.ml.churn', entityVersion: version, workloadSize: 'Small', scaleToZero: false }],
  routes: [{ servedEntityName: `churn-${version}`, percent: 100 }],
});

describe('serving client', () => {
  it('reads a missing endpoint as null and a seeded one as a typed view', async () => {
    expect(await bed.serving.getEndpoint('nope')).toBeNull();
    const seeded = await bed.serving.getEndpoint('seeded');
    expect(seeded).toMatchObject({ name: 'seeded', ready: true, configUpdate: 'NOT_UPDATING', pendingConfigVersion: null });
    expect(seeded!.config).toEqual({
      ...single('3'),
      // Under the reading where GET answers a size with its concurrency band too (docs/fidelity.md #137): Small is 4-4.
      servedEntities: [
        { ...single('3').servedEntities[0], workloadType: 'CPU', ...(projectMode().strict.includes('serving-sizing-echo') ? { minProvisionedConcurrency: 4, maxProvisionedConcurrency: 4 } : {}) },
      ],
      settings: { tags: {} },
      configVersion: 1,
    });
  });

  it('creates with an inference table and waits until NOT_UPDATING and READY, reporting every poll', async () => {
    const created = await bed.serving.createEndpoint({
      name: 'fresh',
      config: { ...single('5'), settings: { aiGateway: { inferenceTable: { catalog: 'main', schema: 'ml', prefix: 'churn', enabled: true } } } },
    });
    expect(created.outcome).toBe('created');
    expect(created.endpoint).toMatchObject({ configUpdate: 'IN_PROGRESS', ready: false, pendingConfigVersion: 1, config: null });
    expect(created.endpoint.inferenceTable).toEqual({ catalog: 'main', schema: 'ml', prefix: 'churn', enabled: true });

    const progress: WaitProgress[] = [];
    const pollsBefore = bed.serving.polls();
    const settled = await bed.serving.waitUntilSettled('fresh', { deadlineMs: 60_000, onProgress: (p) => void progress.push(p) });
    expect(settled.kind).toBe('settled');
    expect(settled.polls).toBe(progress.length);
    expect(bed.serving.polls() - pollsBefore).toBe(settled.polls);
    // Backoff 1 s, 2 s, 4 s, 8 s (jitter fixed at the midpoint: 0.75 of each step) reaches 10 s on the 5th poll.
    expect(progress.map((p) => p.configUpdate)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'NOT_UPDATING']);
    expect(progress[1]!.message).toMatch(/^waiting for fresh: IN_PROGRESS, NOT_READY \(1 s\)…$/);

    const again = await bed.serving.createEndpoint({ name: 'fresh', config: single('5') });
    expect(again.outcome).toBe('exists');
  });

  it('reports UPDATE_FAILED as a failed outcome; the previous config is still served', async () => {
    await bed.call('PATCH', '/__emulator/serving/settings', { failing_entities: [{ entity_name: 'main.ml.churn', entity_version: '9' }] });
    await bed.serving.createEndpoint({ name: 'breaks', config: single('1') });
    expect((await bed.serving.waitUntilSettled('breaks', { deadlineMs: 60_000 })).kind).toBe('settled');
    const update = await bed.serving.updateConfig('breaks', single('9'), { deadlineMs: 60_000 });
    expect(update.outcome).toBe('started');
    const outcome = await bed.serving.waitUntilSettled('breaks', { deadlineMs: 60_000 });
    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.message).toMatch(/ended UPDATE_FAILED; config version 1 is still served/);
    expect(outcome.endpoint.config?.servedEntities.map((e) => e.entityVersion)).toEqual(['1']);
  });

  it('gives up at the deadline with the state it last saw', async () => {
    await bed.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 600_000 });
    await bed.serving.createEndpoint({ name: 'slow', config: single('1') });
    const outcome = await bed.serving.waitUntilSettled('slow', { deadlineMs: 30_000 });
    expect(outcome.kind).toBe('deadline');
    if (outcome.kind !== 'deadline') return;
    expect(outcome.message).toMatch(/did not settle within 30 s \(config_update IN_PROGRESS, NOT_READY\)/);
    expect(outcome.waitedMs).toBeLessThanOrEqual(30_000);
    expect(outcome.polls).toBeGreaterThan(1);
  });

  it('answers a 409 (update in flight) by waiting for it and retrying', async () => {
    await bed.serving.createEndpoint({ name: 'busy', config: single('1') });
    await bed.serving.waitUntilSettled('busy', { deadlineMs: 60_000 });
    // Someone else starts an update; ours arrives while it is in flight.
    const theirs = await bed.call('PUT', '/api/2.0/serving-endpoints/busy/config', { served_entities: [entity('2')] });
    expect(theirs.status).toBe(200);
    bed.emulator.admin.clearRequests();
    const ours = await bed.serving.updateConfig('busy', single('3'), { deadlineMs: 60_000 });
    expect(ours.outcome).toBe('started');
    expect(ours.conflicts).toBe(1);
    const puts = bed.writes().filter((w) => w.method === 'PUT');
    expect(puts.map((p) => p.status)).toEqual([409, 200]);
    const done = await bed.serving.waitUntilSettled('busy', { deadlineMs: 60_000 });
    expect(done.kind === 'settled' && done.endpoint.config?.servedEntities.map((e) => e.entityVersion)).toEqual(['3']);
    expect(done.kind === 'settled' && done.endpoint.config?.configVersion).toBe(3);
  });

  it('does not apply a config twice when the answer to its PUT was lost: the retry meets 409, and the settled endpoint already has it', async () => {
    await bed.serving.createEndpoint({ name: 'lost', config: single('1') });
    await bed.serving.waitUntilSettled('lost', { deadlineMs: 60_000 });
    bed.emulator.admin.addFault({ kind: 'lost_response', method: 'PUT', path: '/api/2.0/serving-endpoints/lost/config', times: 1 });
    bed.emulator.admin.clearRequests();
    try {
      const ours = await bed.serving.updateConfig('lost', single('2'), { deadlineMs: 60_000 });
      expect(ours.outcome).toBe('already-applied');
      expect(ours.conflicts).toBe(1);
      expect(bed.writes().map((w) => w.status)).toEqual([500, 409]);
      const live = await bed.serving.getEndpoint('lost');
      expect(live!.config!.configVersion).toBe(2);
      expect(live!.config!.servedEntities.map((e) => e.entityVersion)).toEqual(['2']);
    } finally {
      bed.emulator.admin.clearFaults();
    }
  });

  it('gives up on a 409 when the update in flight outlasts the deadline', async () => {
    await bed.call('PATCH', '/__emulator/serving/settings', { update_duration_ms: 600_000 });
    await bed.serving.createEndpoint({ name: 'stuck', config: single('1') });
    const ours = await bed.serving.updateConfig('stuck', single('2'), { deadlineMs: 20_000 });
    expect(ours.outcome).toBe('gave-up');
    expect(ours.conflicts).toBe(1);
    expect(ours.outcome === 'gave-up' && ours.settle.kind).toBe('deadline');
  });

  it('reads the metrics export as per-minute gauges: a minute shows only its own requests, a window adds the minutes up', async () => {
    const strict = projectMode().mode === 'strict';
    const baseline = await bed.serving.readMetrics('metered');
    expect(baseline.types.get('request_count_total')).toBe('gauge');
    expect(baseline.types.get('request_latency_ms')).toBe('histogram');
    // Requests in the current minute are not in the export until the minute is over.
    await bed.call('POST', '/__emulator/serving/endpoints/metered/metrics', { served_entity_name: 'churn-4', error_rate: 0.25, p95_latency_ms: 800, add_requests: 40 });
    await bed.call('POST', '/__emulator/serving/endpoints/metered/metrics', { served_entity_name: 'churn-3', add_requests: 10 });
    const sameMinute = await bed.serving.readMetrics('metered');
    expect(entitySample(sameMinute, 'churn-4', ENTITY_LABELS)?.requests ?? 0).toBe(0);
    bed.clock.advance(60_000);
    const first = await bed.serving.readMetrics('metered');
    expect(entitySample(first, 'churn-4', ENTITY_LABELS)).toMatchObject({ requests: 40, errors5xx: 10, label: strict ? 'served_model_name' : 'served_entity_name' });
    await bed.call('POST', '/__emulator/serving/endpoints/metered/metrics', { served_entity_name: 'churn-4', add_requests: 20 });
    bed.clock.advance(60_000);
    const second = await bed.serving.readMetrics('metered');
    // A gauge: the second minute shows its 20 requests, not 60.
    expect(entitySample(second, 'churn-4', ENTITY_LABELS)?.requests).toBe(20);
    // churn-3 was idle that minute: a zero series by default, no series in the strict reading.
    expect(entitySample(second, 'churn-3', ENTITY_LABELS)?.requests).toBe(strict ? undefined : 0);
    const h4 = windowHealth({ entity: 'churn-4', baseline, samples: [first, second], labels: ENTITY_LABELS });
    expect(h4).toMatchObject({ kind: 'measured', health: { requests: 60, errors: 15, errorRate: 0.25, minutes: 2 } });
    // 60 requests at 800 ms: p95 falls in the 500–1000 ms bucket.
    const p95 = h4.health.p95LatencyMs!;
    expect(p95).toBeGreaterThan(500);
    expect(p95).toBeLessThanOrEqual(1000);
    const h3 = windowHealth({ entity: 'churn-3', baseline, samples: [first, second], labels: ENTITY_LABELS });
    expect(h3.health).toMatchObject({ requests: 10, errors: 0, errorRate: 0 });
    expect(h3.health.p95LatencyMs).toBeLessThanOrEqual(25);
  });

  it('sends a smoke request and returns failures as data', async () => {
    const ok = await bed.serving.invoke('seeded', { dataframe_records: [{ x: 1 }, { x: 2 }] });
    expect(ok.ok).toBe(true);
    expect(ok.ok && ok.servedEntityName).toBe('churn-3');
    expect(ok.ok && (ok.body as { predictions: number[] }).predictions).toHaveLength(2);
    const bad = await bed.serving.invoke('seeded', { nothing: true });
    expect(bad).toMatchObject({ ok: false, status: 400, errorCode: 'BAD_REQUEST' });
    const missing = await bed.serving.invoke('nope', { instances: [[1]] });
    expect(missing).toMatchObject({ ok: false, status: 404 });
  });
});
