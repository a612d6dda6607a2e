// The pure part of the strategies (no server): phases per strategy, traffic splitting, and the
// comparisons that decide "done", "part-way" and "drift".

import { describe, expect, it } from 'vitest';

import { expectationOf, phasesFor, sameConfig, servedEntityName, splitTraffic } from '../../../src/rollout/index.js';
import { locate } from '../../../src/rollout/converge.js';
import type { EndpointConfigSpec, ServedEntitySpec } from '../../../src/endpoint/serving.js';

const e = (version: string, extra: Partial<ServedEntitySpec> = {}): ServedEntitySpec => ({
  name: `churn-${version}`,
  entityName: 'main.ml.churn',
  entityVersion: version,
  workloadSize: 'Small',
  scaleToZero: false,
  ...extra,
});

const split = (c: EndpointConfigSpec) => c.routes.map((r) => `${r.servedEntityName}:${r.percent}`);

describe('traffic split', () => {
  it('keeps the other versions in their previous proportions and sums to 100', () => {
    const others = [
      { servedEntityName: 'a', percent: 70 },
      { servedEntityName: 'b', percent: 30 },
    ];
    expect(splitTraffic(others, ['a', 'b'], 'c', 10)).toEqual([
      { servedEntityName: 'a', percent: 63 },
      { servedEntityName: 'b', percent: 27 },
      { servedEntityName: 'c', percent: 10 },
    ]);
    const three = [34, 33, 33].map((p, i) => ({ servedEntityName: `x${i}`, percent: p }));
    const out = splitTraffic(three, ['x0', 'x1', 'x2'], 'c', 50);
    expect(out.map((r) => r.percent)).toEqual([17, 17, 16, 50]);
    // Others that had no traffic: the first takes the rest.
    expect(splitTraffic([], ['a', 'b'], 'c', 25).map((r) => r.percent)).toEqual([75, 0, 25]);
  });
});

describe('phases', () => {
  const base: EndpointConfigSpec = { servedEntities: [e('3')], routes: [{ servedEntityName: 'churn-3', percent: 100 }] };

  it('canary steps below 100, each health-checked after the pause, then the candidate alone', () => {
    const phases = phasesFor({ kind: 'canary', steps: [5, 25, 100], pauseSeconds: 30 }, e('4'), base);
    expect(phases.map((p) => [p.label, split(p.config), p.healthCheck, p.pauseSeconds])).toEqual([
      ['canary 5% to main.ml.churn v4', ['churn-3:95', 'churn-4:5'], true, 30],
      ['canary 25% to main.ml.churn v4', ['churn-3:75', 'churn-4:25'], true, 30],
      ['100% to main.ml.churn v4', ['churn-4:100'], false, 0],
    ]);
  });

  it('blue_green deploys at 0%, switches with the old kept, smoke-tests, then removes the old', () => {
    const phases = phasesFor({ kind: 'blue_green', smokeRequest: true, healthCheck: false, pauseSeconds: 300 }, e('4'), base);
    expect(phases.map((p) => [split(p.config), p.config.servedEntities.length, p.smoke, p.healthCheck])).toEqual([
      [['churn-3:100', 'churn-4:0'], 2, false, false],
      [['churn-3:0', 'churn-4:100'], 2, true, false],
      [['churn-4:100'], 1, false, false],
    ]);
    expect(phasesFor({ kind: 'blue_green', smokeRequest: false, healthCheck: false, pauseSeconds: 300 }, e('4'), base)[1]!.smoke).toBe(false);
    // With `health:`, the switch (old version still deployed at 0%) is paused and health-checked.
    const checked = phasesFor({ kind: 'blue_green', smokeRequest: true, healthCheck: true, pauseSeconds: 120 }, e('4'), base);
    expect(checked.map((p) => [p.healthCheck, p.pauseSeconds])).toEqual([
      [false, 0],
      [true, 120],
      [false, 0],
    ]);
  });

  it('every strategy on a new endpoint (or one serving only the candidate) is the candidate at 100%', () => {
    for (const strategy of [{ kind: 'replace' }, { kind: 'canary', steps: [10, 100], pauseSeconds: 1 }, { kind: 'ab', candidatePercent: 30 }] as const) {
      const phases = phasesFor(strategy, e('4'), null);
      expect(phases.map((p) => split(p.config))).toEqual([['churn-4:100']]);
    }
    expect(phasesFor({ kind: 'blue_green', smokeRequest: true, healthCheck: true, pauseSeconds: 60 }, e('4'), null).map((p) => [p.smoke, p.healthCheck])).toEqual([[true, false]]);
    const onlyCandidate = { servedEntities: [e('4')], routes: [{ servedEntityName: 'churn-4', percent: 100 }] };
    expect(phasesFor({ kind: 'canary', steps: [10, 100], pauseSeconds: 1 }, e('4'), onlyCandidate)).toHaveLength(1);
  });

  it('ab replaces an earlier candidate in the split and treats 100% as replace', () => {
    const abBase: EndpointConfigSpec = {
      servedEntities: [e('3'), e('4')],
      routes: [
        { servedEntityName: 'churn-3', percent: 80 },
        { servedEntityName: 'churn-4', percent: 20 },
      ],
    };
    const [phase] = phasesFor({ kind: 'ab', candidatePercent: 50 }, e('4', { workloadSize: 'Medium' }), abBase);
    expect(split(phase!.config)).toEqual(['churn-3:50', 'churn-4:50']);
    expect(phase!.config.servedEntities.map((x) => `${x.name}/${x.workloadSize}`)).toEqual(['churn-3/Small', 'churn-4/Medium']);
    expect(phasesFor({ kind: 'ab', candidatePercent: 100 }, e('5'), abBase).map((p) => split(p.config))).toEqual([['churn-5:100']]);
  });
});

describe('comparisons', () => {
  it('ignores route order and 0% routes, but not workload settings', () => {
    const a: EndpointConfigSpec = { servedEntities: [e('3'), e('4')], routes: [{ servedEntityName: 'churn-4', percent: 100 }, { servedEntityName: 'churn-3', percent: 0 }] };
    const b: EndpointConfigSpec = { servedEntities: [e('4'), e('3')], routes: [{ servedEntityName: 'churn-4', percent: 100 }] };
    expect(sameConfig(a, b)).toBe(true);
    expect(sameConfig(a, { ...b, servedEntities: [e('4', { scaleToZero: true }), e('3')] })).toBe(false);
  });

  it('names served entities after the last part of the model name', () => {
    expect(servedEntityName('ml_prod.models.churn', '12')).toBe('churn-12');
    expect(servedEntityName('churn.v2', '1')).toBe('v2-1');
  });

  it('locates a live endpoint: done, at the plan, part-way, or drifted', () => {
    const spec = {
      endpoint: 'x',
      strategy: { kind: 'canary', steps: [10, 100], pauseSeconds: 0 } as const,
      health: { maxErrorRate: null, maxP95LatencyMs: null, minRequests: 10, onInsufficientTraffic: 'wait' as const, maxTrafficWaitSeconds: 900, entityLabel: null },
      candidate: e('4'),
      inferenceTable: null,
      expected: expectationOf({ servedEntities: [e('3')], routes: [{ servedEntityName: 'churn-3', percent: 100 }] }, 7),
      waitTimeoutSeconds: 60,
    };
    const view = (config: EndpointConfigSpec | null, configUpdate = 'NOT_UPDATING') => ({
      name: 'x',
      ready: true,
      configUpdate,
      config: config ? { ...config, configVersion: 9 } : null,
      pendingConfigVersion: null,
      inferenceTable: null,
      raw: { name: 'x' },
    });
    expect(locate(spec, view({ servedEntities: [e('3')], routes: [{ servedEntityName: 'churn-3', percent: 100 }] })).state).toBe('at-expected');
    expect(locate(spec, view({ servedEntities: [e('3'), e('4')], routes: [{ servedEntityName: 'churn-3', percent: 90 }, { servedEntityName: 'churn-4', percent: 10 }] })).state).toBe('mid-rollout');
    expect(locate(spec, view({ servedEntities: [e('4')], routes: [{ servedEntityName: 'churn-4', percent: 100 }] })).state).toBe('done');
    expect(locate(spec, view(null, 'IN_PROGRESS')).state).toBe('busy');
    const drift = locate(spec, view({ servedEntities: [e('5')], routes: [{ servedEntityName: 'churn-5', percent: 100 }] }));
    expect(drift.state === 'drift' && drift.reason).toMatch(/serves churn-5 \(main.ml.churn v5\) 100% \(config version 9\); the plan expected churn-3 \(main.ml.churn v3\) 100% \(config version 7\)/);
    expect(locate(spec, null).state).toBe('drift');
    expect(locate({ ...spec, expected: { kind: 'absent' } }, null).state).toBe('absent');
  });
});
