// The bake, judged as data: windows over the duration, a window's verdict (pass, fail, error — too
// little traffic is never a pass), what a resumed bake has left, the journal record (this plan's
// only, within one tag), the planned step (last, with what a revert restores), its config and load
// checks, and how a `reverted` promotion reads (outcome, exit code, notification event).
import { describe, expect, it } from 'vitest';
import { buildPlan, type DestinationSnapshot, type PlanInput } from '../../../src/plan/build.js';
import { journalBudgetRefusal, tagsAfter } from '../../../src/plan/journal-budget.js';
import { decodeRecord, encodeRecord, recordKey, TAG_LIMITS } from '../../../src/registry/journal.js';
import { afterWindow, bakeRecordOf, bakeRecordValue, nextWindow, servesAlone, type BakeRecord } from '../../../src/rollout/bake.js';
import { thresholdVerdict } from '../../../src/rollout/health.js';
import type { BakeStepSpec } from '../../../src/plan/types.js';
import type { EndpointView } from '../../../src/endpoint/serving.js';
import type { HealthCheck } from '../../../src/config/types.js';
import { load, loadErrors } from '../config/helpers.js';
import { outcomeOf } from '../../../src/report/promotion.js';
import { exitCodeFor } from '../../../src/result/exit.js';
import { targetEvents } from '../../../src/notify/events.js';
import type { ResultDocument, TargetReport } from '../../../src/result/types.js';

const HASH = 'sha256:' + 'a'.repeat(64);
const bake = { durationSeconds: 1800, intervalSeconds: 600 };
const start: BakeRecord = { state: 'baking', plan: HASH, started: '2026-12-07T10:00:00.000Z', checked: 0, windows: 0 };
const health: HealthCheck = { maxErrorRate: 0.01, maxP95LatencyMs: 250, minRequests: 10, onInsufficientTraffic: 'wait', maxTrafficWaitSeconds: 900, entityLabel: null };
const NOW = '2026-12-07T10:30:00.000Z';

describe('bake windows', () => {
  it('cuts the duration into check_every windows, the last one shorter', () => {
    expect(nextWindow(bake, start)).toEqual({ seconds: 600, label: 'bake window 1 (0 min–10 min of 30 min)' });
    expect(nextWindow({ durationSeconds: 1500, intervalSeconds: 600 }, { checked: 1200, windows: 2 })).toEqual({ seconds: 300, label: 'bake window 3 (20 min–25 min of 25 min)' });
    expect(nextWindow(bake, { checked: 1800, windows: 3 })).toBeNull();
  });

  it('a resumed bake has the unchecked time left, never the whole duration and never none', () => {
    // Killed after two of three windows were journaled: one window (10 min) is left.
    const resumed: BakeRecord = { ...start, checked: 1200, windows: 2 };
    expect(nextWindow(bake, resumed)).toEqual({ seconds: 600, label: 'bake window 3 (20 min–30 min of 30 min)' });
    // Killed in the first window: nothing counts yet, the bake is not skipped.
    expect(nextWindow(bake, start)?.seconds).toBe(600);
  });

  it('a healthy window adds its time; the last one passes the bake', () => {
    const w1 = afterWindow(bake, start, nextWindow(bake, start)!, { outcome: 'pass', reason: '60 requests' }, NOW);
    expect(w1).toEqual({ next: 'continue', record: { ...start, checked: 600, windows: 1 } });
    const last = afterWindow(bake, { ...start, checked: 1200, windows: 2 }, nextWindow(bake, { checked: 1200, windows: 2 })!, { outcome: 'pass', reason: 'ok' }, NOW);
    expect(last).toEqual({ next: 'passed', record: { ...start, checked: 1800, windows: 3, state: 'passed', ended: NOW } });
  });

  it('a failed window is a breach, and so is a window that could not judge (too little traffic, no families)', () => {
    const window = nextWindow(bake, { checked: 600, windows: 1 })!;
    const fail = afterWindow(bake, { ...start, checked: 600, windows: 1 }, window, { outcome: 'fail', reason: 'error rate 40.0% > 1.0%' }, NOW);
    expect(fail.next).toBe('breach');
    expect(fail.record).toMatchObject({ state: 'reverting', checked: 600, windows: 1, reason: 'health check failed in bake window 2 (10 min–20 min of 30 min): error rate 40.0% > 1.0%' });
    const error = afterWindow(bake, start, nextWindow(bake, start)!, { outcome: 'error', reason: 'not enough traffic to judge: 3 request(s) reached churn-2' }, NOW);
    expect(error.next).toBe('breach');
    expect(error.record.reason).toMatch(/^health could not be judged in bake window 1 .*not enough traffic/);
  });

  it('judges a window with the canary thresholds', () => {
    const h = { servedEntityName: 'churn-2', requests: 100, errors: 5, errorRate: 0.05, p95LatencyMs: 300, minutes: 10, label: 'served_entity_name' };
    expect(thresholdVerdict(h, health)).toEqual({ outcome: 'fail', reason: 'error rate 5.0% > 1.0%; p95 latency 300 ms > 250 ms (100 requests, 5 errors, p95 300 ms over 10 minute(s) of metrics)' });
    expect(thresholdVerdict({ ...h, errors: 0, errorRate: 0, p95LatencyMs: 20 }, health).outcome).toBe('pass');
  });

  it('watches only while the endpoint serves the version with all its traffic', () => {
    const c = { name: 'churn-2', entityName: 'prod.ml.churn', entityVersion: '2' };
    const view = (routes: { servedEntityName: string; percent: number }[], configUpdate: EndpointView['configUpdate'] = 'NOT_UPDATING'): EndpointView => ({
      name: 'churn-prod',
      ready: true,
      configUpdate,
      pendingConfigVersion: null,
      inferenceTable: null,
      config: {
        servedEntities: [
          { name: 'churn-1', entityName: 'prod.ml.churn', entityVersion: '1', workloadSize: 'Small', scaleToZero: false },
          { name: 'churn-2', entityName: 'prod.ml.churn', entityVersion: '2', workloadSize: 'Small', scaleToZero: false },
        ],
        routes,
        configVersion: 4,
      },
    });
    expect(servesAlone(view([{ servedEntityName: 'churn-2', percent: 100 }]), c)).toBe(true);
    expect(servesAlone(view([{ servedEntityName: 'churn-1', percent: 50 }, { servedEntityName: 'churn-2', percent: 50 }]), c)).toBe(false);
    expect(servesAlone(view([{ servedEntityName: 'churn-2', percent: 100 }], 'IN_PROGRESS'), c)).toBe(false);
    expect(servesAlone(null, c)).toBe(false);
  });
});

describe('the bake record in the journal', () => {
  it('is one JSON tag mlops_gate_bake_<env>, read back for this plan only', () => {
    const record: BakeRecord = { ...start, state: 'reverting', checked: 600, windows: 1, reason: 'x'.repeat(2000) };
    const tags = encodeRecord('bake', 'prod-eu', bakeRecordValue(record));
    expect(Object.keys(tags)).toEqual(['mlops_gate_bake_prod_deu']);
    expect(tags['mlops_gate_bake_prod_deu']!.length).toBeLessThanOrEqual(TAG_LIMITS.valueChars);
    const read = decodeRecord<unknown>(tags, 'bake', 'prod-eu');
    expect(read.ok).toBe(true);
    const back = bakeRecordOf(read.ok ? read.value : null, HASH);
    expect(back).toMatchObject({ state: 'reverting', checked: 600, windows: 1 });
    expect(back!.reason!.length).toBe(500);
    // Another plan's record (an earlier promotion of the same version) is not this bake's.
    expect(bakeRecordOf(read.ok ? read.value : null, 'sha256:' + 'b'.repeat(64))).toBeNull();
    expect(bakeRecordOf({ state: 'baking', plan: HASH, started: 'x', checked: -1, windows: 0 }, HASH)).toBeNull();
    expect(bakeRecordOf({ state: 'done', plan: HASH, started: 'x', checked: 0, windows: 0 }, HASH)).toBeNull();
    expect(recordKey('bake', 'prod')).toBe('mlops_gate_bake_prod');
  });
});

const REG = 'https://ws.example#prod.ml';
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
    health,
    workloadSize: 'Small',
    scaleToZero: false,
    inferenceTable: null,
    waitTimeoutSeconds: 600,
    bake,
    sourceReachable: true,
  },
  monitor: null,
};
const snapshot: DestinationSnapshot = {
  modelExists: true,
  copies: [],
  strays: [],
  aliases: { champion: '1' },
  versions: {},
  inStage: [],
  endpoint: {
    name: 'churn-prod',
    ready: true,
    configUpdate: 'NOT_UPDATING',
    pendingConfigVersion: null,
    inferenceTable: null,
    config: { servedEntities: [{ name: 'churn-1', entityName: 'prod.ml.churn', entityVersion: '1', workloadSize: 'Small', scaleToZero: false }], routes: [{ servedEntityName: 'churn-1', percent: 100 }], configVersion: 3 },
  },
};

describe('the planned bake step', () => {
  it('comes last, after the rollout and the alias, with what a revert puts back', () => {
    const plan = buildPlan(input, snapshot);
    expect(plan.steps.map((s) => s.id)).toEqual(['1:ensure-model', '2:copy-version', '3:set-tags', '4:record-previous-champion', '5:serving-rollout', '6:move-alias', '7:bake']);
    const step = plan.steps[6]!;
    const spec = step.spec as BakeStepSpec;
    expect(spec).toMatchObject({
      kind: 'bake',
      environment: 'prod',
      endpoint: 'churn-prod',
      bake,
      health,
      previousAliases: { champion: '1' },
      previousChampion: '1',
      source: { name: 'dev.ml.churn', version: '7' },
      restore: { servedEntities: [{ name: 'churn-1', entityVersion: '1' }], routes: [{ servedEntityName: 'churn-1', percent: 100 }] },
    });
    expect(step.description).toBe('bake the new version on "churn-prod" for 30 min (health every 10 min); on a breach revert to churn-1 (prod.ml.churn v1) 100% and quarantine it');
    expect(step.postcondition).toContain('mlops_gate_bake_prod');
  });

  it('is part of the hash: a bake changes the plan, and so does its duration', () => {
    const without = buildPlan({ ...input, serving: { ...input.serving!, bake: null } }, snapshot);
    expect(without.steps.some((s) => s.spec.kind === 'bake')).toBe(false);
    const longer = buildPlan({ ...input, serving: { ...input.serving!, bake: { durationSeconds: 3600, intervalSeconds: 600 } } }, snapshot);
    const plan = buildPlan(input, snapshot);
    expect(new Set([plan.hash, without.hash, longer.hash]).size).toBe(3);
  });

  it('does not quarantine a source the destination registry cannot reach', () => {
    const plan = buildPlan({ ...input, serving: { ...input.serving!, sourceReachable: false } }, snapshot);
    expect((plan.steps.at(-1)!.spec as BakeStepSpec).source).toBeNull();
  });

  it('counts its record and a revert\'s quarantine mark in the journal budget', () => {
    const plan = buildPlan(input, snapshot);
    expect(journalBudgetRefusal(input, plan, snapshot)).toBeNull();
    const keys = Object.keys(tagsAfter(input, plan, snapshot));
    expect(keys).toContain('mlops_gate_bake_prod');
    expect(keys).toContain('mlops_gate_quarantined_prod');
    const without = { ...input, serving: { ...input.serving!, bake: null } };
    expect(Object.keys(tagsAfter(without, buildPlan(without, snapshot), snapshot)).length).toBe(keys.length - 2);
  });
});

describe('bake config', () => {
  const config = (bakeYaml: string, healthYaml = '{ max_error_rate: 0.01 }') => `version: 1
environments:
  dev: { registry: databricks-uc, host: https://ws.example, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: https://ws.example, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    serving:
      endpoint: churn-\${env}
      health: ${healthYaml}
      bake: ${bakeYaml}
`;

  const bakeOf = (text: string) => load(text).config.models.get('churn')?.serving?.bake;

  it('takes a duration, or {duration, check_every} (default 5m, at most the duration)', () => {
    expect(bakeOf(config('30m'))).toEqual({ durationSeconds: 1800, intervalSeconds: 300 });
    expect(bakeOf(config('{ duration: 1h, check_every: 10m }'))).toEqual({ durationSeconds: 3600, intervalSeconds: 600 });
    expect(bakeOf(config('{ duration: 3m }'))).toEqual({ durationSeconds: 180, intervalSeconds: 180 });
  });

  it('refuses a bake without health thresholds, or shorter than a minute, at the bake key', () => {
    const none = loadErrors(config('30m', '{ min_requests: 5 }')).find((d) => d.code === 'bake-health');
    expect(none?.message).toMatch(/sets no threshold/);
    expect(none?.position?.line).toBe(12);
    const short = loadErrors(config('{ duration: 30m, check_every: 30s }')).find((d) => d.code === 'bake-health');
    expect(short?.message).toMatch(/at least 1m/);
  });
});

describe('a reverted promotion, as reports, exit codes and notifications read it', () => {
  const target = {
    model: 'churn',
    from: 'dev',
    to: 'prod',
    verdict: 'pass',
    summary: 'all gates pass',
    gates: [],
    candidate: { name: 'dev.ml.churn', version: '7' },
    plan: { mode: 'copy', hash: HASH, status: 'reverted', message: 'reverted to v1 after 10 min of the 30 min bake', steps: [], previousChampion: '1', destination: { registry: REG, model: 'prod.ml.churn', version: '2' } },
  } as unknown as TargetReport;
  const result = { command: 'promote', verdict: 'pass', targets: [target], diagnostics: [] } as unknown as ResultDocument;

  it('is its own outcome, fails the release (exit 3) and sends `reverted`', () => {
    expect(outcomeOf(target)).toBe('reverted');
    expect(exitCodeFor(result, 'fail')).toBe(3);
    expect(targetEvents(result).map((e) => e.event)).toEqual(['reverted']);
  });
});
