// `mlops-gate promote` with a bake after the canary rollout, through runCli on the Databricks
// emulator (real HTTP), on a simulated clock with live traffic (`live_traffic_per_minute`): the bake
// passes; the bake breaches → the previous endpoint config and champion alias are back, the version
// and its source quarantined, the journal says why, the report and the notification say `reverted`,
// a re-run reports it again without writing, and `plan` is then blocked by the quarantine gate; a
// run killed mid-bake is resumed by the re-run with the time that was left; a run that could not
// finish its revert is finished by the re-run before anything rolls forward.
//
// Runs in both emulator modes: the `e2e` and `e2e-strict` vitest projects (vitest.config.ts).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KilledError } from '../../../src/apply/executor.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import type { FaultRule } from '../../../src/emulator/core/faults.js';
import { decodeRecord } from '../../../src/registry/journal.js';
import { renderResult } from '../../../src/report/renderers.js';
import { runCliJson } from '../../support/run-cli.js';
import { rollbackOf } from '../../support/journal.js';
import { projectMode } from '../../support/strict.js';
import { startServer, type TestServer } from '../../support/http-server.js';

const { mode, strict } = projectMode();

const SIGNATURE = { inputs: [{ type: 'double', name: 'tenure_months', required: true }], outputs: [{ type: 'double', name: 'probability', required: true }] };
const version = (pkl: string) => ({ description: 'Gradient boosting on the 2026-11 snapshot.', tags: { owner: 'churn-team' }, signature: SIGNATURE, files: { 'model.pkl': pkl } });

const SEED = {
  workspaces: {
    default: {
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
      registry: {
        models: [
          { name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version('v1'), version('v2')] },
          { name: 'prod.ml.churn', aliases: { champion: 1 }, versions: [version('v1')] },
        ],
      },
      serving: {
        update_duration_ms: 10_000,
        ready_delay_ms: 0,
        // The endpoint's users: health checks judge only on requests.
        live_traffic_per_minute: 100,
        endpoints: [{ name: 'churn-prod', config: { served_entities: [{ name: 'churn-1', entity_name: 'prod.ml.churn', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] } }],
      },
    },
  },
};

const CONFIG = (host: string) => `version: 1
environments:
  dev: { registry: databricks-uc, host: ${host}, catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: ${host}, catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [release]
    serving:
      endpoint: "churn-\${env}"
      strategy: canary
      steps: [50, 100]
      pause: 2m
      wait_timeout: 5m
      health: { max_error_rate: 0.05, max_p95_latency_ms: 500, min_requests: 20, on_insufficient_traffic: fail }
      bake: { duration: 30m, check_every: 10m }
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
      - type: quarantine
notify:
  channels:
    - name: ml-alerts
      kind: slack
      url_env: SLACK_WEBHOOK_URL
      events: [reverted]
`;

let now = 1_800_000_000_000;
const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
let emu: RunningEmulator;
let slack: TestServer;
let configFile: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  slack = await startServer((_req, res) => void res.writeHead(200).end('ok'));
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bake-'));
  configFile = join(dir, 'mlops.yml');
  writeFileSync(configFile, CONFIG(emu.url));
});
afterAll(async () => {
  await emu.close();
  await slack.close();
});
beforeEach(async () => {
  await emu.admin.reset();
  emu.admin.clearFaults();
});

// The same CI job across attempts (a re-run may reclaim the lock a killed attempt left).
const ENV = { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'release-bot', GITHUB_REPOSITORY: 'acme/churn', GITHUB_RUN_ID: '42' };
const cli = (argv: string[], afterStep?: (id: string, index: number) => Promise<void>) =>
  runCliJson(argv, configFile, {
    env: { ...ENV, SLACK_WEBHOOK_URL: `${slack.url}/hook` },
    cwd: process.cwd(),
    servingClock: clock,
    ...(afterStep ? { afterStep } : {}),
  });
const promote = (afterStep?: (id: string, index: number) => Promise<void>) => cli(['promote'], afterStep);

const get = async <T>(path: string, query: Record<string, string> = {}): Promise<T> => {
  const res = await fetch(`${emu.url}${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
};
const admin = (method: string, path: string, body: unknown) =>
  fetch(`${emu.url}${path}`, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }).then((r) => {
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
  });
const failVersion2 = () => admin('PATCH', '/__emulator/serving/settings', { failing_entities: [{ entity_name: 'prod.ml.churn', entity_version: '2' }] });

type Tags = Record<string, string>;
const tagsOf = (list?: { key: string; value: string }[]): Tags => Object.fromEntries((list ?? []).map((t) => [t.key, t.value]));
const versionTags = async (name: string, v: string): Promise<Tags> =>
  tagsOf((await get<{ model_version: { tags?: { key: string; value: string }[] } }>('/api/2.0/mlflow/unity-catalog/model-versions/get', { name, version: v })).model_version.tags);
const model = async () => {
  const m = (await get<{ registered_model: { aliases?: { alias: string; version: string | number }[]; tags?: { key: string; value: string }[] } }>('/api/2.0/mlflow/unity-catalog/registered-models/get', { name: 'prod.ml.churn' })).registered_model;
  return { aliases: Object.fromEntries((m.aliases ?? []).map((a) => [a.alias, String(a.version)])), tags: tagsOf(m.tags) };
};
const routes = async (): Promise<string[]> => {
  const e = await get<{ state: { config_update: string }; config: { traffic_config: { routes: { served_model_name?: string; served_entity_name?: string; traffic_percentage: number }[] } } }>('/api/2.0/serving-endpoints/churn-prod');
  expect(e.state.config_update).toBe('NOT_UPDATING');
  return e.config.traffic_config.routes.map((r) => `${r.served_entity_name ?? r.served_model_name}:${r.traffic_percentage}`);
};
const bakeRecord = async (): Promise<Record<string, unknown> | null> => {
  const read = decodeRecord<Record<string, unknown>>(await versionTags('prod.ml.churn', '2'), 'bake', 'prod');
  if (!read.ok) throw new Error(read.problem);
  return read.value;
};
const lastSeq = () => emu.admin.requests().entries.at(-1)?.seq ?? 0;
const writesSince = (seq: number) =>
  emu.admin
    .requests()
    .entries.filter((e) => e.seq > seq && e.method !== 'GET' && !e.path.startsWith('/__emulator'))
    .map((e) => `${e.method} ${e.path}`);
const bakeStep = (r: Awaited<ReturnType<typeof promote>>) => r.result!.targets[0]!.plan!.steps.find((s) => s.spec.kind === 'bake')!;

describe(`bake after the rollout (${mode} emulator)`, () => {
  it(`runs on the ${mode} emulator`, () => {
    expect(emu.admin.strict()).toEqual(strict);
  });

  it('passes: the version is watched for the whole bake, window by window, then the promotion is applied', async () => {
    let rolledOutAt = 0;
    const windows: string[] = [];
    const run = await promote(async (id) => {
      if (id.endsWith(':serving-rollout')) rolledOutAt = now;
      if (id.includes('#window-')) windows.push(id.slice(id.indexOf(':') + 1));
    });
    expect(run.code, run.stderr).toBe(0);
    const plan = run.result!.targets[0]!.plan!;
    expect(plan.status).toBe('applied');
    expect(plan.steps.map((s) => [s.id, s.status])).toEqual([
      ['1:ensure-model', 'satisfied'],
      ['2:copy-version', 'done'],
      // The journal records are set in the copy's create call.
      ['3:set-tags', 'satisfied'],
      ['4:record-previous-champion', 'satisfied'],
      ['5:serving-rollout', 'done'],
      ['6:move-alias', 'done'],
      ['7:bake', 'done'],
    ]);
    expect(windows).toEqual(['bake#window-1', 'bake#window-2', 'bake#window-3']);
    expect(bakeStep(run).message).toMatch(/^baked 30 min: 3 window\(s\) healthy under serving\.health; last window: \d+ requests, 0 errors/);
    // The bake watched 30 minutes of the clock after the rollout (a minute's read each), no less.
    expect(now - rolledOutAt).toBeGreaterThanOrEqual(30 * 60_000);
    expect(await routes()).toEqual(['churn-2:100']);
    expect((await model()).aliases).toEqual({ champion: '2' });
    expect(await bakeRecord()).toMatchObject({ state: 'passed', plan: plan.hash, checked: 1800, windows: 3 });
    // Re-run: the bake of this plan passed; nothing is watched or written again.
    const seq = lastSeq();
    const before = now;
    const again = await promote();
    expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0 });
    expect(writesSince(seq)).toEqual([]);
    expect(now).toBe(before);
  });

  it('breaches: the previous endpoint config and alias come back, the version is quarantined, the journal says why, the report says reverted', async () => {
    const sent = slack.requests().length;
    const run = await promote(async (id) => {
      // Ten healthy minutes, then v2 answers every request with 500.
      if (id.endsWith(':bake#window-1')) await failVersion2();
    });
    expect(run.code, run.stderr).toBe(3);
    const target = run.result!.targets[0]!;
    const plan = target.plan!;
    expect(plan.status).toBe('reverted');
    expect(plan.message).toMatch(
      /^reverted to v1 after 10 min of the 30 min bake: health check failed in bake window 2 \(10 min–20 min of 30 min\): error rate 100\.0% > 5\.0% .*; "churn-prod" serves churn-1 \(prod\.ml\.churn v1\) 100% again, alias "champion" → v1, source dev\.ml\.churn v2 quarantined, v2 quarantined/,
    );
    expect(bakeStep(run).status).toBe('done');

    // The endpoint and the alias are back; the version and its source are quarantined.
    expect(await routes()).toEqual(['churn-1:100']);
    const m = await model();
    expect(m.aliases).toEqual({ champion: '1' });
    const copy = await versionTags('prod.ml.churn', '2');
    expect(copy['mlops_gate_quarantined_prod']).toMatch(/^v2 of prod\.ml\.churn reverted by the bake in prod to v1 by release-bot at .*: health check failed in bake window 2/);
    expect((await versionTags('dev.ml.churn', '2'))['mlops_gate_quarantined_prod']).toBe(copy['mlops_gate_quarantined_prod']);
    // The journal: the bake record says why, the model's rollback record says what.
    expect(await bakeRecord()).toMatchObject({ state: 'reverted', plan: plan.hash, checked: 600, windows: 1, reason: expect.stringMatching(/^health check failed in bake window 2/) });
    expect(rollbackOf(m.tags, 'prod')).toMatchObject({ from: '2', to: '1', by: 'release-bot' });

    // The reports and the notification say reverted.
    expect(renderResult(run.result!, 'markdown')).toMatch(/⏪&nbsp;reverted: reverted to v1 after 10 min/);
    expect(renderResult(run.result!, 'text')).toMatch(/REVERTED/);
    const messages = slack.requests().slice(sent);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.body).toContain('churn: reverted in prod after the bake found a breach');
    expect(messages[0]!.body).toContain('prod.ml.churn v2 reverted, back to v1; v2 is quarantined');

    // A re-run is blocked by the quarantine gate before it writes anything: v2 does not come back.
    const seq = lastSeq();
    const again = await promote();
    expect(again.code).toBe(1);
    expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'blocked' });
    expect(writesSince(seq)).toEqual([]);
    expect(await routes()).toEqual(['churn-1:100']);

    // And the next plan is blocked: the candidate is quarantined.
    const next = await cli(['plan']);
    expect(next.code).toBe(1);
    const gate = next.result!.targets[0]!.gates.find((g) => g.id.endsWith('quarantine'))!;
    expect(gate.outcome).toBe('fail');
    expect(gate.message).toMatch(/Candidate .*v2.* is quarantined: it was rolled back in prod \(v2 of prod\.ml\.churn reverted by the bake/);
  });

  it('too little traffic during the bake is a breach too (never a pass)', async () => {
    const run = await promote(async (id) => {
      if (id.endsWith(':bake#window-2')) await admin('PATCH', '/__emulator/serving/settings', { live_traffic_per_minute: 1 });
    });
    expect(run.code, run.stderr).toBe(3);
    expect(run.result!.targets[0]!.plan!.message).toMatch(/after 20 min of the 30 min bake: health could not be judged in bake window 3 .*not enough traffic to judge: 10 request\(s\) reached churn-2 .*min_requests is 20 \(on_insufficient_traffic: fail\)/);
    expect(await routes()).toEqual(['churn-1:100']);
  });

  it('a run killed mid-bake is resumed by the re-run with the time that was left, not restarted and not skipped', async () => {
    const killed = await promote(async (id) => {
      if (id.endsWith(':bake#window-1')) throw new KilledError(`killed after ${id}`);
    });
    expect(killed.code).toBe(4); // the process "died"
    expect(await bakeRecord()).toMatchObject({ state: 'baking', checked: 600, windows: 1 });
    // The endpoint serves v2 and the alias points at it: the rollout was done.
    expect(await routes()).toEqual(['churn-2:100']);

    const start = now;
    const windows: string[] = [];
    const rerun = await promote(async (id) => void (id.includes('#window-') && windows.push(id.slice(id.indexOf('#') + 1))));
    expect(rerun.code, rerun.stderr).toBe(0);
    const plan = rerun.result!.targets[0]!.plan!;
    expect(plan.status).toBe('applied');
    expect(plan.steps.map((s) => [s.id, s.status])).toEqual([
      ['1:ensure-model', 'satisfied'],
      ['2:copy-version', 'satisfied'],
      ['3:set-tags', 'satisfied'],
      ['4:record-previous-champion', 'satisfied'],
      ['5:serving-rollout', 'satisfied'],
      ['6:move-alias', 'satisfied'],
      ['7:bake', 'done'],
    ]);
    expect(bakeStep(rerun).message).toMatch(/^baked 30 min: 3 window\(s\) healthy .*\(resumed with 20 min left\)/);
    expect(rerun.stderr).toMatch(/resuming the bake of v2 started .*: 10 min of 30 min already checked, 20 min left/);
    // Windows 2 and 3 only: 20 minutes watched, not 30 (restart) and not 0 (skip).
    expect(windows).toEqual(['window-2', 'window-3']);
    expect(now - start).toBeGreaterThanOrEqual(20 * 60_000);
    expect(now - start).toBeLessThan(25 * 60_000);
    expect(await bakeRecord()).toMatchObject({ state: 'passed', checked: 1800, windows: 3 });
  });

  it('a revert that could not finish is finished by the re-run before anything rolls forward again', async () => {
    // The restore PUT fails every time in the first run.
    const run = await promote(async (id) => {
      if (id.endsWith(':bake#window-1')) {
        await failVersion2();
        emu.admin.addFault({ kind: 'error', status: 500, errorCode: 'INTERNAL_ERROR', times: 1000, method: 'PUT', path: '/api/2.0/serving-endpoints/churn-prod/config' } as FaultRule);
      }
    });
    expect(run.code).toBe(3);
    expect(run.result!.targets[0]!.plan!.status).toBe('failed');
    expect(await bakeRecord()).toMatchObject({ state: 'reverting', reason: expect.stringMatching(/^health check failed in bake window 2/) });
    expect(await routes()).toEqual(['churn-2:100']);

    emu.admin.clearFaults();
    const rerun = await promote();
    expect(rerun.code, rerun.stderr).toBe(3);
    const plan = rerun.result!.targets[0]!.plan!;
    expect(plan.status).toBe('reverted');
    expect(plan.message).toMatch(/\(resumed at step 7:bake: a run of this plan was reverting after the bake found a breach; the revert is finished first\)$/);
    // The earlier steps were not run again (no roll forward), the revert finished.
    expect(plan.steps.map((s) => [s.id, s.status])).toEqual([
      ['1:ensure-model', 'not-run'],
      ['2:copy-version', 'not-run'],
      ['3:set-tags', 'not-run'],
      ['4:record-previous-champion', 'not-run'],
      ['5:serving-rollout', 'not-run'],
      ['6:move-alias', 'not-run'],
      ['7:bake', 'done'],
    ]);
    expect(await routes()).toEqual(['churn-1:100']);
    expect((await model()).aliases).toEqual({ champion: '1' });
    expect(await bakeRecord()).toMatchObject({ state: 'reverted' });
  });
});
