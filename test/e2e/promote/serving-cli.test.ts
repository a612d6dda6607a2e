// `mlops-gate promote` with a serving rollout and a monitor as executor steps after the registry
// steps, through runCli on the Databricks emulator (real HTTP), on a clock the waits advance:
// replace, canary (healthy; health abort → previous config restored), blue_green, ab, monitor
// create then update, drift refusal, zero writes on re-run, and rollback restoring endpoint traffic.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import type { ResultDocument } from '../../../src/result/types.js';
import { runCliOnConfigText } from '../../support/run-cli.js';
import { lockPrefix } from '../../../src/apply/lock.js';
import { copyIdentity, isOurTag } from '../../../src/registry/journal.js';
import { sha256Hex } from '../../../src/util/hash.js';
import { previousOf, promotedOf } from '../../support/journal.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'double', name: 'probability', required: true }] };
const version = (pkl: string) => ({ description: 'Gradient boosting on the 2026-11 snapshot.', tags: { owner: 'churn-team' }, signature: SIGNATURE, files: { 'model.pkl': pkl, 'input_example.json': JSON.stringify({ columns: ['tenure_months'], data: [[12]] }) } });

const SEED = {
  workspaces: {
    default: {
      catalog: {
        catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml', 'monitoring'] }],
        tables: [{ name: 'prod.monitoring.churn_payload', columns: [{ name: 'timestamp_ms', type_name: 'LONG' }, { name: 'prediction', type_name: 'DOUBLE' }] }],
      },
      registry: {
        models: [
          { name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version('v1'), version('v2')] },
          { name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version('v1')] },
          // Served by "someone else" in the drift test (a serving config must name an existing version).
          { name: 'prod.ml.other', versions: Array.from({ length: 7 }, (_, i) => version(`other-v${i + 1}`)) },
        ],
      },
      serving: {
        update_duration_ms: 10_000,
        ready_delay_ms: 0,
        endpoints: [
          {
            name: 'churn-prod',
            config: { served_entities: [{ name: 'churn-1', entity_name: 'prod.ml.churn', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] },
          },
        ],
      },
      monitors: { activation_ms: 0, refresh_duration_ms: 500 },
    },
  },
};

let now = 1_800_000_000_000;
let onSleep: ((ms: number) => Promise<void>) | null = null;
const clock = {
  now: () => now,
  async sleep(ms: number) {
    if (onSleep) await onSleep(ms);
    now += ms;
  },
};

let emu: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-serving-cli-'));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  onSleep = null;
  await emu.admin.reset();
});

const config = (serving: string, monitor = '') => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${emu.url}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${emu.url}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [release]
    serving:
      endpoint: "churn-\${env}"
      workload_size: Small
      wait_timeout: 5m
${serving.replace(/^/gm, '      ')}
${monitor.replace(/^/gm, '    ')}
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
`;

const MONITOR = `monitor:
  table: "prod.monitoring.churn_payload"
  output_schema: "prod.monitoring"
  inference_log: { problem_type: classification, prediction_col: prediction, timestamp_col: timestamp_ms, model_id_col: model_version, granularities: ["1 day"] }`;

const cli = (argv: string[], text: string) =>
  runCliOnConfigText(argv, text, dir, { env: { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'release-bot' }, servingClock: clock });

const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
};

/** Live traffic as `entity-name:percent`, sorted, plus what each name serves. */
const traffic = async (): Promise<string[]> => {
  const e = await api<{ config?: { served_entities: { name: string; entity_version: string }[]; traffic_config?: { routes: { served_model_name?: string; served_entity_name?: string; traffic_percentage: number }[] } } }>(
    'GET',
    '/api/2.0/serving-endpoints/churn-prod',
  );
  return (e.config?.traffic_config?.routes ?? []).map((r) => `${r.served_entity_name ?? r.served_model_name}:${r.traffic_percentage}`).sort();
};

const writes = (from: number) =>
  emu.admin
    .requests()
    .entries.filter((e) => e.seq > from && e.method !== 'GET' && !e.path.startsWith('/__emulator') && !e.path.endsWith('/invocations'))
    .map((e) => `${e.method} ${e.path}`);
const lastSeq = () => emu.admin.requests().entries.at(-1)?.seq ?? 0;

const stepsOf = (r: ResultDocument) => r.targets[0]!.plan!.steps.map((s) => [s.kind, s.status]);

describe('promote with a serving rollout (through the CLI)', () => {
  it('replace: registry steps, then the endpoint moves to the copy at 100%; a re-run writes nothing; rollback restores v1', async () => {
    const text = config('strategy: replace');
    const dry = await cli(['promote', '--dry-run'], text);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = dry.result!.targets[0]!.plan!;
    expect(planned.status).toBe('planned');
    expect(planned.steps.map((s) => s.kind)).toEqual(['ensure-model', 'copy-version', 'set-tags', 'record-previous-champion', 'serving-rollout', 'move-alias']);
    expect(planned.steps[4]!.description).toContain('churn-1 (prod.ml.churn v1) 100%');

    const { code, stderr, result } = await cli(['promote', '--expect-plan', planned.hash!], text);
    expect(code, stderr).toBe(0);
    const plan = result!.targets[0]!.plan!;
    expect(plan.status, plan.message).toBe('applied');
    expect(plan.hash).toBe(planned.hash);
    expect(plan.destination?.version).toBe('2');
    expect(stepsOf(result!).slice(-2)).toEqual([
      ['serving-rollout', 'done'],
      ['move-alias', 'done'],
    ]);
    expect(await traffic()).toEqual(['churn-2:100']);
    // Progress was printed while waiting on the endpoint.
    expect(stderr).toMatch(/waiting for churn-prod/);

    const seq = lastSeq();
    const again = await cli(['promote'], text);
    expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0, hash: plan.hash });
    expect(writes(seq)).toEqual([]);

    const back = await cli(['rollback', '--model', 'churn', '--env', 'prod'], text);
    expect(back.code, back.stderr).toBe(0);
    expect(back.result!.targets[0]!.plan!.steps.map((s) => [s.kind, s.status])).toEqual([
      ['set-model-tags', 'done'],
      ['mark-quarantined', 'done'],
      ['move-alias', 'done'],
      ['restore-endpoint', 'done'],
    ]);
    expect(await traffic()).toEqual(['churn-1:100']);
    const seq2 = lastSeq();
    const backAgain = await cli(['rollback', '--model', 'churn', '--env', 'prod'], text);
    expect(backAgain.code).toBe(0);
    expect(writes(seq2)).toEqual([]);
  });

  it('canary: 10 → 50 → 100 with a healthy candidate', async () => {
    onSleep = async () => {
      await api('POST', '/__emulator/serving/endpoints/churn-prod/metrics', { served_entity_name: 'churn-2', error_rate: 0, p95_latency_ms: 40, add_requests: 50 });
    };
    const { code, stderr, result } = await cli(['promote'], config('strategy: canary\nsteps: [10, 50, 100]\npause: 1m\nhealth: { max_error_rate: 0.05, max_p95_latency_ms: 250 }'));
    expect(code, stderr).toBe(0);
    const step = result!.targets[0]!.plan!.steps.find((s) => s.kind === 'serving-rollout')!;
    expect(step).toMatchObject({ status: 'done' });
    expect(step.message).toMatch(/canary 10%.*canary 50%/);
    expect(await traffic()).toEqual(['churn-2:100']);
  });

  it('the lock stays alive through a rollout longer than its lifetime: the heartbeat renews it', async () => {
    let lock: Record<string, string> | null = null;
    let rolloutEndedAt = 0;
    const file = join(dir, 'lock.yml');
    // Two 12-minute pauses: 24 simulated minutes, longer than the 15-minute lock lifetime.
    writeFileSync(file, config('strategy: canary\nsteps: [10, 50, 100]\npause: 12m'));
    onSleep = async (ms) => {
      if (ms === 60_000) await api('POST', '/__emulator/serving/endpoints/churn-prod/metrics', { served_entity_name: 'churn-2', error_rate: 0, p95_latency_ms: 40, add_requests: 5 });
    };
    let stderr = '';
    const code = await runCli(['promote', '--config', file, '--format', 'json'], {
      stdout: () => undefined,
      stderr: (s) => (stderr += s),
      env: { DATABRICKS_TOKEN: DEFAULT_TOKEN },
      cwd: dir,
      servingClock: clock,
      afterStep: async (id) => {
        if (!id.endsWith(':serving-rollout')) return;
        rolloutEndedAt = clock.now();
        const models = await api<{ registered_models?: { name: string }[] }>('GET', '/api/2.1/unity-catalog/models?catalog_name=prod&schema_name=ml');
        const name = models.registered_models!.map((m) => m.name).find((n) => n.startsWith('mlops_gate_lock_'))!;
        const got = await api<{ registered_model: { tags?: { key: string; value: string }[] } }>('GET', `/api/2.0/mlflow/unity-catalog/registered-models/get?name=prod.ml.${name}`);
        lock = Object.fromEntries((got.registered_model.tags ?? []).map((t) => [t.key, t.value]));
      },
    });
    expect(code, stderr).toBe(0);
    expect(lock).not.toBeNull();
    const acquired = Date.parse(lock!['mlops_gate_lock_acquired_at']!);
    const expires = Date.parse(lock!['mlops_gate_lock_expires_at']!);
    expect(rolloutEndedAt - acquired).toBeGreaterThan(15 * 60_000);
    // Without renewals it would have expired mid-rollout; renewed, it outlives the rollout.
    expect(expires).toBeGreaterThan(rolloutEndedAt);
    // The pauses were slept in slices (each one renewed the lock, above); the log shows each pause once.
    expect(stderr).toMatch(/churn-prod: pausing 720 s before the health check/);
    expect(stderr).not.toMatch(/churn-prod: pausing 60 s before the health check/);
  });

  it('canary abort: a sick candidate fails the health check and the previous config is restored', async () => {
    onSleep = async () => {
      await api('POST', '/__emulator/serving/endpoints/churn-prod/metrics', { served_entity_name: 'churn-2', error_rate: 0.5, p95_latency_ms: 40, add_requests: 20 });
    };
    const { code, result } = await cli(['promote'], config('strategy: canary\nsteps: [10, 100]\npause: 1m\nhealth: { max_error_rate: 0.05 }'));
    expect(code).toBe(3);
    const plan = result!.targets[0]!.plan!;
    expect(plan.status).toBe('failed');
    expect(plan.message).toMatch(/rollout aborted, the previous config is restored: .*error rate/);
    expect(stepsOf(result!).slice(-2)).toEqual([
      ['serving-rollout', 'failed'],
      ['move-alias', 'not-run'],
    ]);
    expect(await traffic()).toEqual(['churn-1:100']);
    // The alias moves only after the rollout: the champion is still what the endpoint serves.
    const model = await api<{ registered_model: { aliases?: { alias: string; version: string | number }[] } }>('GET', '/api/2.0/mlflow/unity-catalog/registered-models/get?name=prod.ml.churn');
    expect(model.registered_model.aliases?.map((a) => [a.alias, String(a.version)])).toEqual([['champion', '1']]);
  });

  it('canary on no evidence: without traffic the health check waits, then fails the promotion and restores the endpoint', async () => {
    const seq = lastSeq();
    const { code, result, stderr } = await cli(['promote'], config('strategy: canary\nsteps: [10, 100]\npause: 2m\nhealth: { max_error_rate: 0.05, min_requests: 25, max_traffic_wait: 3m }'));
    expect(code).toBe(3);
    const plan = result!.targets[0]!.plan!;
    expect(plan.status).toBe('failed');
    expect(plan.message).toMatch(/rollout aborted, the previous config is restored: health check could not judge churn-2 at "canary 10% to prod.ml.churn v2": not enough traffic to judge: .* min_requests is 25 \(waited 3 extra minute\(s\), max_traffic_wait\)/);
    expect(stderr).toMatch(/0 of 25 requests to churn-2 so far: waiting a minute more for traffic \(up to 3 min\)/);
    expect(await traffic()).toEqual(['churn-1:100']);
    // 1 + 2 reads during the pause, 3 during the wait.
    expect(emu.admin.requests().entries.filter((e) => e.seq > seq && e.path === '/api/2.0/serving-endpoints/churn-prod/metrics')).toHaveLength(6);
    const model = await api<{ registered_model: { aliases?: { alias: string; version: string | number }[] } }>('GET', '/api/2.0/mlflow/unity-catalog/registered-models/get?name=prod.ml.churn');
    expect(model.registered_model.aliases?.map((a) => [a.alias, String(a.version)])).toEqual([['champion', '1']]);
  });

  it('blue_green: the new version comes up at 0%, takes 100% after a smoke request with the logged input example, the old one is removed', async () => {
    const { code, stderr, result } = await cli(['promote'], config('strategy: blue_green'));
    expect(code, stderr).toBe(0);
    const step = result!.targets[0]!.plan!.steps.find((s) => s.kind === 'serving-rollout')!;
    expect(step).toMatchObject({ status: 'done' });
    expect(step.message).toMatch(/smoke request after/);
    expect(step.message).not.toMatch(/smoke smoke/);
    expect(stderr).toMatch(/churn-prod: smoke request after "[^"]+" — (?!no input example)/);
    const invocations = emu.admin.requests().entries.filter((e) => e.path === '/serving-endpoints/churn-prod/invocations');
    expect(invocations.map((e) => e.status)).toEqual([200]);
    expect(await traffic()).toEqual(['churn-2:100']);
  });

  it('ab: a fixed split that stays', async () => {
    const text = config('strategy: ab\ncandidate_percent: 20');
    const { code, stderr } = await cli(['promote'], text);
    expect(code, stderr).toBe(0);
    expect(await traffic()).toEqual(['churn-1:80', 'churn-2:20']);
    const seq = lastSeq();
    expect((await cli(['promote'], text)).result!.targets[0]!.plan!.status).toBe('up-to-date');
    expect(writes(seq)).toEqual([]);
  });

  it('refuses, writing nothing, when the endpoint changed since the reviewed plan', async () => {
    const text = config('strategy: replace');
    const dry = await cli(['promote', '--dry-run'], text);
    // Someone else moves the endpoint after the review.
    await api('PUT', '/api/2.0/serving-endpoints/churn-prod/config', {
      served_entities: [{ name: 'churn-1', entity_name: 'prod.ml.churn', entity_version: '1', workload_size: 'Medium', scale_to_zero_enabled: false }, { name: 'other', entity_name: 'prod.ml.other', entity_version: '7', workload_size: 'Small', scale_to_zero_enabled: false }],
      traffic_config: { routes: [{ served_model_name: 'churn-1', traffic_percentage: 50 }, { served_model_name: 'other', traffic_percentage: 50 }] },
    });
    await api('POST', '/__emulator/serving/endpoints/churn-prod/complete-update');
    const seq = lastSeq();
    const { code, result } = await cli(['promote', '--expect-plan', dry.result!.targets[0]!.plan!.hash!], text);
    expect(code).toBe(3);
    expect(result!.targets[0]!.plan!.status).toBe('drift');
    expect(result!.targets[0]!.plan!.message).toMatch(/drifted from the reviewed plan.*roll serving endpoint "churn-prod" forward to the new version \(replace\); now: churn-1 \(prod.ml.churn v1\) 50%, other \(prod.ml.other v7\) 50%/);
    expect(writes(seq)).toEqual([]);
  });

  it('plan shows the promotion plan and its hash; promote --expect-plan HASH applies exactly it', async () => {
    const text = config('strategy: canary\nsteps: [25, 100]\npause: 1m', MONITOR).replace('tags: { owner: ".+" }', 'tags: { owner: "churn-team" }');
    const planned = await cli(['plan'], text);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = planned.result!.targets[0]!.plan!;
    expect(plan).toMatchObject({ status: 'planned', writes: 0 });
    expect(plan.steps.map((s) => s.kind)).toEqual(['ensure-model', 'copy-version', 'set-tags', 'record-previous-champion', 'serving-rollout', 'move-alias', 'ensure-monitor']);

    // The PR comment (markdown) carries the same plan and hash.
    const file = join(dir, 'plan.yml');
    writeFileSync(file, text);
    let markdown = '';
    await runCli(['plan', '--config', file, '--format', 'markdown'], { stdout: (s) => (markdown += s), stderr: () => undefined, env: { DATABRICKS_TOKEN: DEFAULT_TOKEN }, cwd: dir, servingClock: clock });
    expect(markdown).toContain(`plan \`${plan.hash}\``);
    expect(markdown).toContain('roll serving endpoint "churn-prod" forward to the new version (canary 25 → 100%)');
    // Planning wrote nothing.
    expect(emu.admin.requests().entries.filter((e) => e.method !== 'GET')).toEqual([]);

    onSleep = async (ms) => {
      if (ms === 60_000) await api('POST', '/__emulator/serving/endpoints/churn-prod/metrics', { served_entity_name: 'churn-2', add_requests: 30 });
    };
    const applied = await cli(['promote', '--expect-plan', plan.hash!.slice(0, 19)], text);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.result!.targets[0]!.plan).toMatchObject({ status: 'applied', hash: plan.hash });
    // After the promotion, plan shows the same hash, every step already satisfied.
    const after = await cli(['plan'], text);
    expect(after.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', hash: plan.hash });
  });

  it('monitor: created after the rollout, updated when the config changes, untouched when equal', async () => {
    const text = config('strategy: replace', MONITOR);
    const first = await cli(['promote'], text);
    expect(first.code, first.stderr).toBe(0);
    const steps = first.result!.targets[0]!.plan!.steps;
    expect(steps.at(-1)).toMatchObject({ kind: 'ensure-monitor', status: 'done' });
    expect(steps.at(-1)!.message).toMatch(/^created/);

    const changed = text.replace('granularities: ["1 day"]', 'granularities: ["1 day", "1 hour"]');
    const second = await cli(['promote'], changed);
    expect(second.code, second.stderr).toBe(0);
    const last = second.result!.targets[0]!.plan!.steps;
    // The new plan hash is journaled, the monitor updated; nothing else moves.
    expect(last.filter((s) => s.status === 'done').map((s) => s.kind)).toEqual(['set-tags', 'ensure-monitor']);
    expect(last.at(-1)!.message).toMatch(/^updated/);

    const seq = lastSeq();
    const third = await cli(['promote'], changed);
    expect(third.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0 });
    expect(writes(seq)).toEqual([]);
  });
});

describe('the journal within the tag rules (every strict reading, uc-tag-rules included)', () => {
  type Entity = { name: string; entity_name: string; entity_version: string; workload_size?: string; workload_type?: string; scale_to_zero_enabled?: boolean; environment_vars?: Record<string, string> };
  const served = async (): Promise<Entity[]> =>
    (await api<{ config: { served_entities: (Entity & Record<string, unknown>)[] } }>('GET', '/api/2.0/serving-endpoints/churn-prod')).config.served_entities.map(
      ({ creator: _c, creation_timestamp: _t, state: _s, ...rest }) => rest as Entity,
    );
  const versionTags = async (name: string, version: string): Promise<Record<string, string>> => {
    const got = await api<{ model_version: { tags?: { key: string; value: string }[] } }>('GET', `/api/2.0/mlflow/unity-catalog/model-versions/get?name=${name}&version=${version}`);
    return Object.fromEntries((got.model_version.tags ?? []).map((t) => [t.key, t.value]));
  };
  /** Writes as an earlier version of mlops-gate did: dotted keys, which the strict reading refuses (so it is off meanwhile). */
  const asEarlierVersion = async (work: () => Promise<void>) => {
    const strict = emu.admin.strict();
    emu.admin.setStrict(strict.filter((b) => b !== 'uc-tag-rules'));
    try {
      await work();
    } finally {
      emu.admin.setStrict(strict);
    }
  };

  it('journals an endpoint config far above 1000 characters whole (packed chunks, a digest) and rollback restores it exactly', async () => {
    const vars = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`FEATURE_FLAG_${i}`, `{{secrets/churn-scope/feature-flag-key-${i}}}`]));
    const big: Entity = { name: 'churn-1', entity_name: 'prod.ml.churn', entity_version: '1', workload_size: 'Medium', workload_type: 'CPU', scale_to_zero_enabled: false, environment_vars: vars };
    await api('PUT', '/api/2.0/serving-endpoints/churn-prod/config', { served_entities: [big] });
    await api('POST', '/__emulator/serving/endpoints/churn-prod/complete-update');
    const before = await served();
    expect(JSON.stringify(before).length).toBeGreaterThan(3000);

    const text = config('strategy: replace');
    const { code, stderr } = await cli(['promote'], text);
    expect(code, stderr).toBe(0);
    expect(await traffic()).toEqual(['churn-2:100']);
    const tags = await versionTags('prod.ml.churn', '2');
    // Every key and value within the documented rules; mlops-gate's share of the object stays small.
    for (const [key, value] of Object.entries(tags)) {
      expect(key).toMatch(/^[A-Za-z0-9_]{1,255}$/);
      expect(value.length).toBeLessThanOrEqual(1000);
    }
    expect(Object.keys(tags).filter(isOurTag).length).toBeLessThanOrEqual(20);
    expect(Object.keys(tags).filter((k) => /^mlops_gate_previous\d+_prod$/.test(k)).length).toBeGreaterThan(0);
    expect(JSON.parse(tags['mlops_gate_previous_prod']!)).toMatchObject({ $packed: 'deflate-raw+base64', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(previousOf(tags, 'prod')).toMatchObject({ champion: '1', endpoint: { endpoint: 'churn-prod', config: { servedEntities: [expect.objectContaining({ name: 'churn-1', extra: expect.objectContaining({ environment_vars: vars }) })] } } });

    const back = await cli(['rollback', '--model', 'churn', '--env', 'prod'], text);
    expect(back.code, back.stderr).toBe(0);
    expect(await served()).toEqual(before);
  });

  it('rolls back a promotion an earlier version journaled with dotted keys (endpoint config included)', async () => {
    await asEarlierVersion(async () => {
      // An earlier version promoted prod.ml.churn v2 (a copy of dev v2) onto the endpoint, saving v1's config.
      await api('POST', '/api/2.0/mlflow/unity-catalog/model-versions/create', {
        name: 'prod.ml.churn',
        source: 'models:/dev.ml.churn/2',
        tags: [
          { key: 'mlops_gate.copy_of', value: 'legacy' },
          { key: 'mlops_gate.prod.previous_champion', value: '1' },
          { key: 'mlops_gate.prod.previous.champion', value: '1' },
          {
            key: 'mlops_gate.prod.previous.endpoint',
            value: JSON.stringify({ endpoint: 'churn-prod', configVersion: 1, config: { servedEntities: [{ name: 'churn-1', entityName: 'prod.ml.churn', entityVersion: '1', workloadSize: 'Small', scaleToZero: false }], routes: [{ servedEntityName: 'churn-1', percent: 100 }] } }),
          },
        ],
      });
    });
    await fetch(`${emu.url}/api/2.0/fs/files/Models/prod/ml/churn/2/MLmodel?overwrite=true`, { method: 'PUT', headers: { authorization: `Bearer ${DEFAULT_TOKEN}` }, body: 'artifact_path: model\nflavors: {}\n' });
    await api('POST', '/api/2.0/mlflow/unity-catalog/model-versions/finalize', { name: 'prod.ml.churn', version: '2' });
    await api('POST', '/api/2.0/mlflow/unity-catalog/registered-models/alias', { name: 'prod.ml.churn', alias: 'champion', version: '2' });
    await api('PUT', '/api/2.0/serving-endpoints/churn-prod/config', { served_entities: [{ name: 'churn-2', entity_name: 'prod.ml.churn', entity_version: '2', workload_size: 'Small', scale_to_zero_enabled: false }] });
    await api('POST', '/__emulator/serving/endpoints/churn-prod/complete-update');

    const text = config('strategy: replace');
    const back = await cli(['rollback', '--model', 'churn', '--env', 'prod'], text);
    expect(back.code, back.stderr).toBe(0);
    expect(back.result!.targets[0]!.plan).toMatchObject({ status: 'applied', previousChampion: '2' });
    expect(await traffic()).toEqual(['churn-1:100']);
    const model = await api<{ registered_model: { aliases?: { alias: string; version: string | number }[]; tags?: { key: string; value: string }[] } }>('GET', '/api/2.0/mlflow/unity-catalog/registered-models/get?name=prod.ml.churn');
    expect(model.registered_model.aliases?.map((a) => [a.alias, String(a.version)])).toEqual([['champion', '1']]);
    // The rollback itself is journaled with the new keys.
    expect(model.registered_model.tags?.map((t) => t.key)).toContain('mlops_gate_rollback_prod');
  });

  it('recognises a copy an earlier version made (identity under mlops_gate.copy_of): no second copy, the journal goes on it', async () => {
    const registryId = `${emu.url}#dev.ml`;
    await asEarlierVersion(async () => {
      await api('POST', '/api/2.0/mlflow/unity-catalog/model-versions/create', {
        name: 'prod.ml.churn',
        source: 'models:/dev.ml.churn/2',
        tags: [{ key: 'mlops_gate.copy_of', value: copyIdentity(registryId, 'dev.ml.churn', '2') }],
      });
    });
    await fetch(`${emu.url}/api/2.0/fs/files/Models/prod/ml/churn/2/MLmodel?overwrite=true`, { method: 'PUT', headers: { authorization: `Bearer ${DEFAULT_TOKEN}` }, body: 'artifact_path: model\nflavors: {}\n' });
    await api('POST', '/api/2.0/mlflow/unity-catalog/model-versions/finalize', { name: 'prod.ml.churn', version: '2' });
    const seq = lastSeq();
    const { code, stderr, result } = await cli(['promote'], config('strategy: replace'));
    expect(code, stderr).toBe(0);
    expect(result!.targets[0]!.plan).toMatchObject({ status: 'applied', destination: { version: '2' } });
    expect(writes(seq).filter((w) => w.includes('model-versions/create'))).toEqual([]);
    const tags = await versionTags('prod.ml.churn', '2');
    expect(promotedOf(tags, 'prod')).toMatchObject({ from: 'dev', by: 'release-bot' });
    expect(tags['mlops_gate.copy_of']).toBe(copyIdentity(registryId, 'dev.ml.churn', '2'));
  });

  it('respects a lock an earlier version holds (tags under mlops_gate.lock.*)', async () => {
    const prefix = lockPrefix(`${emu.url}#prod.ml|prod.ml.churn|prod`);
    const name = `prod.ml.mlops_gate_lock_${sha256Hex(prefix).slice(0, 24)}_g1`;
    await asEarlierVersion(async () => {
      await api('POST', '/api/2.0/mlflow/unity-catalog/registered-models/create', {
        name,
        tags: [
          { key: 'mlops_gate.lock.owner', value: 'old-release-bot' },
          { key: 'mlops_gate.lock.token', value: 'someone-elses-token' },
          { key: 'mlops_gate.lock.acquired_at', value: new Date(now).toISOString() },
          { key: 'mlops_gate.lock.expires_at', value: new Date(now + 3_600_000).toISOString() },
          { key: 'mlops_gate.lock.purpose', value: 'promote churn dev→prod' },
          { key: 'mlops_gate.lock.name', value: `${prefix}1` },
        ],
      });
    });
    const seq = lastSeq();
    const { code, result } = await cli(['promote'], config('strategy: replace'));
    expect(code).toBe(3);
    expect(result!.targets[0]!.plan).toMatchObject({ status: 'locked', message: expect.stringMatching(/holds the lock .*old-release-bot \(promote churn dev→prod\)/) });
    expect(writes(seq)).toEqual([]);
  });
});

