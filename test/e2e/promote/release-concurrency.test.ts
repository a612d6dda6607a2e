// A release of several models applied concurrently (src/run/schedule.ts), through runCli on the
// Databricks emulator (real HTTP, simulated clock), in both emulator modes: five models promoted
// dev → test → prod, the prod hop a canary on each model's own endpoint. Independent targets run
// side by side (at most --parallel-targets), a model's test → prod waits for its dev → test, the
// results and journals are those of a one-at-a-time release, progress is one whole line per
// target event; a release killed mid-way is completed by a re-run exactly once (one copy per hop,
// no lock left), and the re-run after that writes nothing.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KilledError } from '../../../src/apply/executor.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { copyIdentity } from '../../../src/registry/journal.js';
import { runCli } from '../../../src/cli.js';
import type { ResultDocument } from '../../../src/result/types.js';
import { runCliJson } from '../../support/run-cli.js';
import { previousOf, promotedOf } from '../../support/journal.js';

const MODELS = ['m0', 'm1', 'm2', 'm3', 'm4'];
const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
const version = (pkl: string) => ({ description: 'model', tags: { owner: 'team' }, signature: SIGNATURE, files: { 'model.pkl': pkl } });

const SEED = {
  workspaces: {
    default: {
      catalog: { catalogs: ['dev', 'test', 'prod'].map((name) => ({ name, schemas: ['ml'] })) },
      registry: {
        models: MODELS.flatMap((m) => [
          { name: `dev.ml.${m}`, aliases: { challenger: 2 }, versions: [version(`${m}-dev-1`), version(`${m}-dev-2`)] },
          { name: `test.ml.${m}`, aliases: { champion: 1, challenger: 2 }, versions: [version(`${m}-test-1`), version(`${m}-test-2`)] },
          { name: `prod.ml.${m}`, aliases: { champion: 1 }, versions: [version(`${m}-prod-1`)] },
        ]),
      },
      serving: {
        update_duration_ms: 10_000,
        ready_delay_ms: 0,
        live_traffic_per_minute: 100,
        endpoints: [
          ...MODELS.map((m) => ({
            name: `${m}-prod`,
            config: { served_entities: [{ name: `${m}-1`, entity_name: `prod.ml.${m}`, entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] },
          })),
          // Served in test only in the "held" case's config.
          { name: 'm2-test', config: { served_entities: [{ name: 'm2-1', entity_name: 'test.ml.m2', entity_version: '1', workload_size: 'Small', scale_to_zero_enabled: false }] } },
        ],
      },
    },
  },
};

const CONFIG = (host: string, m2ServedIn = '[prod]') => `version: 1
environments:
  dev:  { registry: databricks-uc, host: ${host}, catalog: dev, schema: ml }
  test: { registry: databricks-uc, host: ${host}, catalog: test, schema: ml, promote_from: dev }
  prod: { registry: databricks-uc, host: ${host}, catalog: prod, schema: ml, promote_from: test }
models:
${MODELS.map(
  (m) => `  ${m}:
    name: ${m}
    candidate: { alias: challenger }
    policies: [release]
    serving: { endpoint: "${m}-\${env}", environments: ${m === 'm2' ? m2ServedIn : '[prod]'}, strategy: canary, steps: [50, 100], pause: 5m, workload_size: Small, wait_timeout: 10m }`,
).join('\n')}
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
`;

let now = 1_800_000_000_000;
const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
let emu: RunningEmulator;
let configFile: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), clock: { now: () => now }, tickMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-release-'));
  configFile = join(dir, 'mlops.yml');
  writeFileSync(configFile, CONFIG(emu.url));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.admin.reset();
});

const ENV = { DATABRICKS_TOKEN: DEFAULT_TOKEN, GITHUB_ACTOR: 'release-bot', GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '7' };
const promote = (args: string[] = [], afterStep?: (id: string, index: number) => Promise<void>, env: Record<string, string> = {}) =>
  runCliJson(['promote', ...args], configFile, { env: { ...ENV, ...env }, cwd: process.cwd(), servingClock: clock, ...(afterStep ? { afterStep } : {}) });

const get = async <T>(path: string, query: Record<string, string> = {}): Promise<T> => {
  const res = await fetch(`${emu.url}${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
};
const UC = '/api/2.0/mlflow/unity-catalog';
const versionsOf = async (name: string) =>
  ((await get<{ model_versions?: { version: string; status: string }[] }>(`${UC}/model-versions/search`, { filter: `name='${name}'` })).model_versions ?? [])
    .map((v) => [String(v.version), v.status])
    .sort((a, b) => Number(a[0]) - Number(b[0]));
const tagsOf = async (name: string, v: string) =>
  Object.fromEntries(((await get<{ model_version: { tags?: { key: string; value: string }[] } }>(`${UC}/model-versions/get`, { name, version: v })).model_version.tags ?? []).map((t) => [t.key, t.value]));
const aliasesOf = async (name: string) =>
  Object.fromEntries(((await get<{ registered_model: { aliases?: { alias: string; version: string | number }[] } }>(`${UC}/registered-models/get`, { name })).registered_model.aliases ?? []).map((a) => [a.alias, String(a.version)]));
const routesOf = async (endpoint: string) =>
  (await get<{ config: { served_entities: { name: string; entity_version: string }[]; traffic_config: { routes: { served_entity_name?: string; served_model_name?: string; traffic_percentage: number }[] } } }>(
    `/api/2.0/serving-endpoints/${endpoint}`,
  )).config;
const locksLeft = async () =>
  ((await get<{ registered_models?: { name: string }[] }>(`${UC}/registered-models/search`, { max_results: '1000' })).registered_models ?? []).map((m) => m.name).filter((n) => n.includes('mlops_gate_lock_'));
const writesSince = (seq: number) => emu.admin.requests().entries.filter((e) => e.seq > seq && e.method !== 'GET' && !e.path.startsWith('/__emulator')).length;
const lastSeq = () => emu.admin.requests().entries.at(-1)?.seq ?? 0;

/** Every model at the end state of a one-at-a-time release: one copy per hop, aliases, endpoint, journal, no lock. */
async function expectReleased(): Promise<void> {
  for (const m of MODELS) {
    // dev v2 copied once into test (v3); test's challenger v2 copied once into prod (v2). No duplicate, nothing pending.
    expect(await versionsOf(`test.ml.${m}`), m).toEqual([['1', 'READY'], ['2', 'READY'], ['3', 'READY']]);
    expect(await versionsOf(`prod.ml.${m}`), m).toEqual([['1', 'READY'], ['2', 'READY']]);
    expect(await aliasesOf(`test.ml.${m}`)).toMatchObject({ champion: '3', challenger: '2' });
    expect(await aliasesOf(`prod.ml.${m}`)).toEqual({ champion: '2' });
    const testCopy = await tagsOf(`test.ml.${m}`, '3');
    const prodCopy = await tagsOf(`prod.ml.${m}`, '2');
    expect(testCopy.mlops_gate_copy_of).toBe(copyIdentity(`${emu.url}#dev.ml`, `dev.ml.${m}`, '2'));
    expect(prodCopy.mlops_gate_copy_of).toBe(copyIdentity(`${emu.url}#test.ml`, `test.ml.${m}`, '2'));
    expect(promotedOf(testCopy, 'test')).toMatchObject({ by: 'release-bot' });
    expect(previousOf(testCopy, 'test')).toMatchObject({ champion: '1' });
    expect(previousOf(prodCopy, 'prod')).toMatchObject({ champion: '1' });
    const config = await routesOf(`${m}-prod`);
    expect(config.served_entities.map((e) => e.entity_version)).toEqual(['2']);
    expect(config.traffic_config.routes.map((r) => r.traffic_percentage)).toEqual([100]);
  }
  expect(await locksLeft()).toEqual([]);
}

const lines = (stderr: string) => stderr.split('\n');
const index = (stderr: string, pattern: RegExp) => lines(stderr).findIndex((l) => pattern.test(l));

describe('a release applied concurrently', () => {
  it('promotes every model through test and prod, independent targets side by side, each model\'s hops in order; results in config order', async () => {
    const { code, result, stderr } = await promote(['--parallel-targets', '3']);
    expect(code, stderr).toBe(0);
    expect(result!.targets.map((t) => `${t.model} ${t.from}→${t.to}: ${t.plan?.status}`)).toEqual(MODELS.flatMap((m) => [`${m} dev→test: applied`, `${m} test→prod: applied`]));
    await expectReleased();

    // Progress: one whole line per target event, prefixed with the target.
    for (const l of lines(stderr).filter((x) => /^\[m\d/.test(x))) expect(l).toMatch(/^\[m\d (dev→test|test→prod)\] \S/);
    // Three independent targets started before any finished (bounded: never a fourth).
    const firstFinish = index(stderr, /\] finished: /);
    const startedBefore = lines(stderr).slice(0, firstFinish).filter((l) => /\] started/.test(l));
    expect(startedBefore).toHaveLength(3);
    // Each model's test → prod started only after its dev → test finished, and says why it waited.
    for (const m of MODELS) {
      const hop1 = index(stderr, new RegExp(`^\\[${m} dev→test\\] finished: applied`));
      const hop2 = index(stderr, new RegExp(`^\\[${m} test→prod\\] started \\(after ${m} dev→test \\(earlier hop\\)\\)`));
      expect(hop1, m).toBeGreaterThanOrEqual(0);
      expect(hop2, m).toBeGreaterThan(hop1);
    }
    // The canary's own progress lines carry their target too.
    expect(stderr).toMatch(/^\[m0 test→prod\] .*m0-prod/m);

    // A re-run writes nothing and is up to date everywhere.
    const before = lastSeq();
    const again = await promote();
    expect(again.code).toBe(0);
    expect(new Set(again.result!.targets.map((t) => t.plan?.status))).toEqual(new Set(['up-to-date']));
    expect(writesSince(before)).toBe(0);
  });

  it('MLOPS_GATE_PARALLEL_TARGETS=1 is the one-at-a-time release: the same results, no target starts before the previous one finished', async () => {
    const { code, result, stderr } = await promote([], undefined, { MLOPS_GATE_PARALLEL_TARGETS: '1' });
    expect(code, stderr).toBe(0);
    expect(result!.targets.every((t) => t.plan?.status === 'applied')).toBe(true);
    const events = lines(stderr).filter((l) => /\] (started|finished)/.test(l)).map((l) => (l.includes('] started') ? 'S' : 'F'));
    expect(events.join('')).toBe('SF'.repeat(10));
    await expectReleased();
  });

  it('killed mid-release (several targets in flight), a re-run of the job completes everything exactly once; the next re-run writes nothing', async () => {
    let steps = 0;
    let dead = false;
    const killed = await promote(['--parallel-targets', '4'], async (id) => {
      // The process dies at the 9th step any target finishes: every target still running stops at its next step.
      if (dead || ++steps === 9) {
        dead = true;
        throw new KilledError(`killed after ${id}`);
      }
    });
    expect(dead).toBe(true);
    expect(killed.code).toBe(4);
    // Part of the release happened, part did not, and the killed run left its locks.
    expect((await locksLeft()).length).toBeGreaterThan(0);

    const rerun = await promote(['--parallel-targets', '4']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.result!.targets.map((t) => t.plan?.status).every((s) => s === 'applied' || s === 'up-to-date')).toBe(true);
    await expectReleased();

    const before = lastSeq();
    const again = await promote(['--parallel-targets', '4']);
    expect(again.code).toBe(0);
    expect(writesSince(before)).toBe(0);
  });

  it('a later hop whose earlier hop failed is held; other models go through', async () => {
    // m2 is also served in test, and its test endpoint refuses every config update: its dev → test
    // fails, so its test → prod is held; the other models are promoted all the way.
    const heldConfig = join(mkdtempSync(join(tmpdir(), 'mlops-gate-release-held-')), 'mlops.yml');
    writeFileSync(heldConfig, CONFIG(emu.url, '[test, prod]'));
    emu.admin.addFault({ kind: 'error', status: 400, errorCode: 'INVALID_PARAMETER_VALUE', method: 'PUT', path: '/api/2.0/serving-endpoints/m2-test/config' });
    const { code, result, stderr } = await runCliJson(['promote', '--parallel-targets', '4'], heldConfig, { env: ENV, cwd: process.cwd(), servingClock: clock });
    expect(code, stderr).toBe(3);
    const status = Object.fromEntries(result!.targets.map((t) => [`${t.model} ${t.to}`, t.plan?.status]));
    expect(status['m2 test']).toBe('failed');
    expect(status['m2 prod']).toBe('refused');
    expect(result!.targets.find((t) => t.model === 'm2' && t.to === 'prod')!.plan!.message).toMatch(/the earlier hop m2 dev → test did not go through \(failed\)/);
    expect(stderr).not.toMatch(/\[m2 test→prod\] started/);
    for (const m of MODELS.filter((x) => x !== 'm2')) expect([status[`${m} test`], status[`${m} prod`]], m).toEqual(['applied', 'applied']);
    // m2's prod is untouched.
    expect(await versionsOf('prod.ml.m2')).toEqual([['1', 'READY']]);
  });

  it('split across three matrix legs (--shard I/3): each leg promotes its share, hops together; merge-results gives one result in config order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-release-legs-'));
    const legs: ResultDocument[] = [];
    for (const leg of [1, 2, 3]) {
      const file = join(dir, `leg${leg}`, 'mlops-gate-result.json');
      // Legs of one job: the same GitHub run and job; each leg's locks are its own.
      const run = await promote(['--shard', `${leg}/3`, '--result', file], undefined, { GITHUB_JOB: 'promote' });
      expect(run.code, run.stderr).toBe(0);
      legs.push(run.result!);
    }
    // Every model in exactly one leg, with both of its hops.
    const models = legs.map((l) => [...new Set(l.targets.map((t) => t.model))]);
    expect(models.flat().sort()).toEqual(MODELS);
    for (const l of legs) for (const t of l.targets) expect(l.targets.filter((u) => u.model === t.model)).toHaveLength(2);
    await expectReleased();

    let stdout = '';
    const code = await runCli(['merge-results', dir, '--config', configFile, '--format', 'json', '--result', join(dir, 'merged.json')], {
      env: {},
      cwd: process.cwd(),
      stdout: (x) => (stdout += x),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    const merged = JSON.parse(stdout) as ResultDocument;
    expect(merged.targets.map((t) => `${t.model} ${t.to}: ${t.plan?.status}`)).toEqual(MODELS.flatMap((m) => [`${m} test: applied`, `${m} prod: applied`]));
    expect(merged.requests!.total).toBe(legs.reduce((a, l) => a + l.requests!.total, 0));
  });
});

