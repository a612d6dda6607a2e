// promote / rollback end to end on the real MLflow server of the integration setup, through the CLI
// core (config loader, evidence gatherer, gates, executor, MLflow writer, HTTP client, ledger).
// Every test creates its OWN registered models (`h8-<test>-<random>-…`), copied with lineage from
// a seeded version, so the shared scenarios are never touched.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type CliIO } from '../../src/cli.js';
import { liveDeps } from '../../src/wiring/live.js';
import { COPY_IDENTITY_KEY, copyIdentity } from '../../src/registry/journal.js';
import { planHashOf, previousChampionOf, promotedByOf, sourceOf } from '../support/journal.js';
import type { ResultDocument } from '../../src/result/types.js';
import { runPromote } from '../../src/run/promote.js';
import { startFaultProxy, type FaultProxy, type Fault } from '../support/fault-proxy.js';

const url = inject('mlflowUrl');
const manifest = inject('mlflowManifest');
const API = '/api/2.0/mlflow';

// ---- direct REST helpers for setup and assertions (not the code under test) -------------------

async function rest<T = Record<string, unknown>>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
  const isGet = method === 'GET';
  const q = isGet && body ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
  const res = await fetch(`${url}${API}${path}${q}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(isGet ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface WireVersion {
  version: string;
  current_stage?: string;
  tags?: { key: string; value: string }[];
  source?: string;
  run_id?: string;
}

const tagsOf = (v: WireVersion): Record<string, string> => Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]));

async function versionsOf(name: string): Promise<WireVersion[]> {
  const body = await rest<{ model_versions?: WireVersion[] }>('GET', '/model-versions/search', { filter: `name='${name}'`, max_results: 1000 });
  return (body.model_versions ?? []).sort((a, b) => Number(a.version) - Number(b.version));
}

async function aliasesOf(name: string): Promise<Record<string, string>> {
  const body = await rest<{ registered_model: { aliases?: { alias: string; version: string }[] } }>('GET', '/registered-models/get', { name });
  return Object.fromEntries((body.registered_model.aliases ?? []).map((a) => [a.alias, String(a.version)]));
}

/** A registered model with versions copied (with lineage) from seeded versions; returns version numbers. */
async function seedModel(name: string, sources: readonly { name: string; version: string }[], stage?: Record<string, string>): Promise<string[]> {
  await rest('POST', '/registered-models/create', { name });
  const out: string[] = [];
  for (const s of sources) {
    const body = await rest<{ model_version: WireVersion }>('POST', '/model-versions/create', { name, source: `models:/${s.name}/${s.version}` });
    out.push(String(body.model_version.version));
  }
  for (const [version, st] of Object.entries(stage ?? {})) {
    await rest('POST', '/model-versions/transition-stage', { name, version, stage: st, archive_existing_versions: false });
  }
  return out;
}

const setAlias = (name: string, alias: string, version: string) => rest('POST', '/registered-models/alias', { name, alias, version });

// ---- config and CLI ---------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'h8-promote-'));
const uniq = (label: string): string => `h8-${label}-${Math.random().toString(36).slice(2, 8)}`;

function writeConfig(label: string, model: { name: string; promotion: 'copy' | 'alias' | 'stage'; names?: Record<string, string> }): string {
  const names = model.names ? `\n    names:\n${Object.entries(model.names).map(([e, n]) => `      ${e}: ${n}`).join('\n')}` : '';
  const yaml = `version: 1
environments:
  dev:
    registry: mlflow
    tracking_uri: \${DEV_URL}
  prod:
    registry: mlflow
    tracking_uri: \${PROD_URL}
    promote_from: dev
defaults:
  champion_alias: champion
models:
  m:
    name: ${model.name}${names}
    promotion: ${model.promotion}
    candidate: { alias: challenger }
    policies: [floor]
policies:
  floor:
    gates:
      - type: metric_threshold
        metric: roc_auc
        threshold: 0.5
        greater_is_better: true
`;
  const path = join(dir, `${label}.yml`);
  writeFileSync(path, yaml);
  return path;
}

interface Run {
  code: number;
  result: ResultDocument;
  stderr: string;
  writes: number;
  calls: number;
}

const io = (env: Record<string, string>, sink: { out: string; err: string }): CliIO => ({
  stdout: (s) => (sink.out += s),
  stderr: (s) => (sink.err += s),
  env: { GITHUB_ACTOR: 'h8-bot', ...env },
  cwd: dir,
});

const WRITE = /^(POST|PUT|PATCH|DELETE) /;
/** POSTs that only read: the batched run reads of gathering (src/platform/mlflow/runs-batch.ts). */
const SEARCH = /\/(runs|experiments)\/search$/;
const countWrites = (r: ResultDocument): number =>
  Object.entries(r.requests?.byEndpoint ?? {}).reduce((n, [k, c]) => n + (WRITE.test(k) && !SEARCH.test(k) ? c : 0), 0);

async function cli(args: string[], env: { DEV_URL: string; PROD_URL: string } = { DEV_URL: url, PROD_URL: url }): Promise<Run> {
  const sink = { out: '', err: '' };
  const resultPath = join(dir, `result-${Math.random().toString(36).slice(2)}.json`);
  const code = await runCli([...args, '--format', 'json', '--result', resultPath], io(env, sink));
  let result: ResultDocument;
  try {
    result = JSON.parse(sink.out) as ResultDocument;
  } catch {
    throw new Error(`no JSON result (exit ${code}): ${sink.err}`);
  }
  return { code, result, stderr: sink.err, writes: countWrites(result), calls: result.requests?.total ?? 0 };
}

const planOf = (r: Run) => r.result.targets[0]!.plan!;

// Seeded source versions: s1-better-dev has the naive Bayes (v1) and logistic regression (v2) runs.
let older: { name: string; version: string };
let newer: { name: string; version: string };
beforeAll(() => {
  const s1 = manifest.scenarios['s1-better']!;
  newer = s1.candidate;
  older = { name: s1.candidate.name, version: String(Number(s1.candidate.version) - 1) };
});

describe('journals written by an earlier version (dotted keys)', () => {
  it('rolls back its promotion, then recognises its copy (no second copy) and journals it with the new keys', async () => {
    const p = uniq('legacy');
    const [, cand] = await seedModel(`${p}-dev`, [older, newer]);
    await setAlias(`${p}-dev`, 'challenger', cand!);
    // What an earlier version left: prod v1 (the old champion), v2 its copy of the candidate, promoted.
    const [v1] = await seedModel(`${p}-prod`, [older]);
    const copy = await rest<{ model_version: WireVersion }>('POST', '/model-versions/create', {
      name: `${p}-prod`,
      source: `models:/${p}-dev/${cand}`,
      tags: [
        { key: 'mlops_gate.copy_of', value: copyIdentity(url.replace(/\/+$/, ''), `${p}-dev`, cand!) },
        { key: 'mlops_gate.prod.previous_champion', value: v1! },
        { key: 'mlops_gate.prod.previous.champion', value: v1! },
        { key: 'mlops_gate.prod.promoted_from', value: 'dev' },
      ],
    });
    const v2 = String(copy.model_version.version);
    await setAlias(`${p}-prod`, 'champion', v2);
    const config = writeConfig(p, { name: `${p}-\${env}`, promotion: 'copy' });

    const back = await cli(['rollback', '--config', config, '--model', 'm', '--env', 'prod']);
    expect(back.code, back.stderr).toBe(0);
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: v1 });
    const again = await cli(['rollback', '--config', config, '--model', 'm', '--env', 'prod']);
    expect(again.writes).toBe(0);

    const promoted = await cli(['promote', '--config', config]);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(planOf(promoted)).toMatchObject({ status: 'applied', destination: { version: v2 } });
    expect((await versionsOf(`${p}-prod`)).map((v) => v.version)).toEqual([v1, v2]);
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: v2 });
    const tags = tagsOf((await versionsOf(`${p}-prod`))[1]!);
    expect(planHashOf(tags, 'prod')).toBe(planOf(promoted).hash);
    expect(previousChampionOf(tags, 'prod')).toBe(v1);
  });
});

describe('promote: copy mode', () => {
  it('copies the candidate into the prod model, journals it, moves the alias; a re-run makes zero writes', async () => {
    const p = uniq('copy');
    const [, cand] = await seedModel(`${p}-dev`, [older, newer]);
    await setAlias(`${p}-dev`, 'challenger', cand!);
    const config = writeConfig(p, { name: `${p}-\${env}`, promotion: 'copy' });

    const first = await cli(['promote', '--config', config]);
    expect(first.code, first.stderr).toBe(0);
    expect(planOf(first).status).toBe('applied');
    const [copy, ...others] = await versionsOf(`${p}-prod`);
    expect(others).toHaveLength(0);
    const tags = tagsOf(copy!);
    expect(tags[COPY_IDENTITY_KEY]).toMatch(/^[0-9a-f]{32}$/);
    expect(sourceOf(tags)).toBe(`${p}-dev/${cand}`);
    expect(planHashOf(tags, 'prod')).toBe(planOf(first).hash);
    expect(previousChampionOf(tags, 'prod')).toBe('none');
    expect(promotedByOf(tags, 'prod')).toBe('h8-bot');
    expect(copy!.source).toBe(`models:/${p}-dev/${cand}`);
    expect(copy!.run_id).toBeTruthy();
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: copy!.version });
    // lock create + model create + version create + alias + lock delete
    expect(first.writes).toBe(5);
    console.log(`typical copy promotion: ${first.calls} API calls (${first.writes} writes) incl. gathering; re-run below`);

    const again = await cli(['promote', '--config', config]);
    expect(again.code).toBe(0);
    expect(planOf(again).status).toBe('up-to-date');
    expect(again.writes).toBe(0);
    expect(planOf(again).hash).toBe(planOf(first).hash);
    expect(await versionsOf(`${p}-prod`)).toHaveLength(1);
    console.log(`re-run of a finished promotion: ${again.calls} API calls, ${again.writes} writes`);
  });

  it('a duplicate copy that a late create left beside the copy is deleted by the next run; the copy and alias stay', async () => {
    const p = uniq('stray');
    const [, cand] = await seedModel(`${p}-dev`, [older, newer]);
    await setAlias(`${p}-dev`, 'challenger', cand!);
    const config = writeConfig(p, { name: `${p}-\${env}`, promotion: 'copy' });
    expect((await cli(['promote', '--config', config])).code).toBe(0);
    const [copy] = await versionsOf(`${p}-prod`);
    // What a version create applied by the server after the client timed out looks like: a second
    // version with the same identity tag, which nothing points at.
    const identity = tagsOf(copy!)[COPY_IDENTITY_KEY]!;
    await rest('POST', '/model-versions/create', { name: `${p}-prod`, source: copy!.source, run_id: copy!.run_id, tags: [{ key: COPY_IDENTITY_KEY, value: identity }] });
    expect(await versionsOf(`${p}-prod`)).toHaveLength(2);

    const rerun = await cli(['promote', '--config', config]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const copyStep = planOf(rerun).steps.find((s) => s.kind === 'copy-version')!;
    expect(copyStep.message).toMatch(new RegExp(`kept v${copy!.version}; deleted v${Number(copy!.version) + 1} \\(an unused duplicate\\)`));
    expect((await versionsOf(`${p}-prod`)).map((v) => v.version)).toEqual([copy!.version]);
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: copy!.version });
    const again = await cli(['promote', '--config', config]);
    expect(planOf(again).status).toBe('up-to-date');
    expect(again.writes).toBe(0);
  });

  it('the next promotion records the previous champion; rollback restores it; re-running the rollback is a no-op', async () => {
    const p = uniq('roll');
    const [v1, v2] = await seedModel(`${p}-dev`, [older, newer]);
    const config = writeConfig(p, { name: `${p}-\${env}`, promotion: 'copy' });
    await setAlias(`${p}-dev`, 'challenger', v1!);
    expect((await cli(['promote', '--config', config])).code).toBe(0);
    await setAlias(`${p}-dev`, 'challenger', v2!);
    const second = await cli(['promote', '--config', config]);
    expect(second.code, second.stderr).toBe(0);
    expect(planOf(second).previousChampion).toBe('1');
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: '2' });
    expect(previousChampionOf(tagsOf((await versionsOf(`${p}-prod`))[1]!), 'prod')).toBe('1');

    const rollback = await cli(['rollback', '--config', config, '--model', 'm', '--env', 'prod']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(planOf(rollback).status).toBe('applied');
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: '1' });
    expect(await versionsOf(`${p}-prod`)).toHaveLength(2); // never deletes

    const again = await cli(['rollback', '--config', config, '--model', 'm', '--env', 'prod']);
    expect(planOf(again).status).toBe('up-to-date');
    expect(again.writes).toBe(0);
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: '1' });

    const forward = await cli(['rollback', '--config', config, '--model', 'm', '--env', 'prod', '--to-version', '2']);
    expect(forward.code).toBe(0);
    expect(await aliasesOf(`${p}-prod`)).toEqual({ champion: '2' });
  });

  it('--expect-plan refuses when the champion moved since review, and says what changed', async () => {
    const p = uniq('drift');
    const [, v2] = await seedModel(`${p}-dev`, [older, newer]);
    const [old1] = await seedModel(`${p}-prod`, [older]);
    await setAlias(`${p}-prod`, 'champion', old1!);
    await setAlias(`${p}-dev`, 'challenger', v2!);
    const config = writeConfig(p, { name: `${p}-\${env}`, promotion: 'copy' });
    const reviewedPath = join(dir, `${p}-reviewed.json`);
    const sink = { out: '', err: '' };
    expect(await runCli(['promote', '--config', config, '--dry-run', '--format', 'json', '--result', reviewedPath], io({ DEV_URL: url, PROD_URL: url }, sink))).toBe(0);
    const reviewed = JSON.parse(sink.out) as ResultDocument;
    expect(reviewed.targets[0]!.plan!.status).toBe('planned');
    expect(reviewed.requests && countWrites(reviewed)).toBe(0);

    // Someone moves the champion after the review.
    const manual = (await rest<{ model_version: WireVersion }>('POST', '/model-versions/create', { name: `${p}-prod`, source: `models:/${older.name}/${older.version}` }))
      .model_version.version;
    await setAlias(`${p}-prod`, 'champion', String(manual));
    const drift = await cli(['promote', '--config', config, '--expect-plan', reviewedPath]);
    expect(drift.code).toBe(3);
    expect(planOf(drift).status).toBe('drift');
    expect(planOf(drift).message).toMatch(new RegExp(`champion changed since review: it was v${old1}, now v${manual}`));
    expect(drift.writes).toBe(0);

    const byHash = await cli(['promote', '--config', config, '--expect-plan', reviewed.targets[0]!.plan!.hash!]);
    expect(byHash.code).toBe(3);
    expect(planOf(byHash).message).toMatch(/drifted from the reviewed plan/);

    const ok = await cli(['promote', '--config', config, '--expect-plan', planOf(drift).hash!]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(planOf(ok).status).toBe('applied');
  });
});

describe('promote: alias and stage modes', () => {
  it('alias mode moves champion and prod aliases on one model; journals; re-run makes zero writes', async () => {
    const p = uniq('alias');
    const [v1, v2] = await seedModel(p, [older, newer]);
    await setAlias(p, 'champion', v1!);
    await setAlias(p, 'prod', v1!);
    await setAlias(p, 'challenger', v2!);
    const config = writeConfig(p, { name: p, promotion: 'alias' });
    const first = await cli(['promote', '--config', config]);
    expect(first.code, first.stderr).toBe(0);
    expect(planOf(first).status).toBe('applied');
    expect(await aliasesOf(p)).toEqual({ champion: v2, prod: v2, challenger: v2 });
    expect(await versionsOf(p)).toHaveLength(2);
    expect(previousChampionOf(tagsOf((await versionsOf(p))[1]!), 'prod')).toBe(v1);
    const again = await cli(['promote', '--config', config]);
    expect(planOf(again).status).toBe('up-to-date');
    expect(again.writes).toBe(0);
    const rollback = await cli(['rollback', '--config', config, '--model', 'm', '--env', 'prod']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await aliasesOf(p)).toEqual({ champion: v1, prod: v1, challenger: v2 });
  });

  it('stage mode transitions to Production archiving the previous one; re-run makes zero writes', async () => {
    const p = uniq('stage');
    const [v1, v2] = await seedModel(p, [older, newer], { '1': 'Production' });
    await setAlias(p, 'challenger', v2!);
    const config = writeConfig(p, { name: p, promotion: 'stage' });
    const first = await cli(['promote', '--config', config]);
    expect(first.code, first.stderr).toBe(0);
    expect(planOf(first).previousChampion).toBe(v1);
    expect((await versionsOf(p)).map((v) => v.current_stage)).toEqual(['Archived', 'Production']);
    const again = await cli(['promote', '--config', config]);
    expect(planOf(again).status).toBe('up-to-date');
    expect(again.writes).toBe(0);
    const rollback = await cli(['rollback', '--config', config, '--model', 'm', '--env', 'prod']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect((await versionsOf(p)).map((v) => v.current_stage)).toEqual(['Production', 'Archived']);
  });
});

describe('concurrency', () => {
  it('two promotions started together: exactly one proceeds, the other names the holder', async () => {
    const p = uniq('race');
    const [, v2] = await seedModel(`${p}-dev`, [older, newer]);
    await setAlias(`${p}-dev`, 'challenger', v2!);
    const config = writeConfig(p, { name: `${p}-\${env}`, promotion: 'copy' });
    let arrived = 0;
    let release!: () => void;
    const barrier = new Promise<void>((r) => (release = r));
    const beforeLock = async () => {
      if (++arrived === 2) release();
      await barrier;
    };
    const run = (actor: string) => {
      const deps = { ...liveDeps(io({ DEV_URL: url, PROD_URL: url, GITHUB_ACTOR: actor }, { out: '', err: '' })), beforeLock };
      return runPromote(
        { command: 'promote', configPath: config, format: 'json', models: [], to: null, expectPlan: null, dryRun: false, resultPath: null, failOn: 'fail' },
        deps,
      );
    };
    const [a, b] = await Promise.all([run('alice'), run('bob')]);
    const statuses = [a.targets[0]!.plan!.status, b.targets[0]!.plan!.status].sort();
    expect(statuses).toEqual(['applied', 'locked']);
    const loser = a.targets[0]!.plan!.status === 'locked' ? a : b;
    const winner = loser === a ? 'bob' : 'alice';
    expect(loser.targets[0]!.plan!.message).toMatch(new RegExp(`holds the lock .*${winner}`));
    expect(await versionsOf(`${p}-prod`)).toHaveLength(1);
  });
});

describe('fault matrix through the fault proxy', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: url });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const writeSteps: { step: string; method: string; path: string; skip?: number; mode?: 'stage' }[] = [
    { step: 'lock create', method: 'POST', path: `${API}/registered-models/create` },
    // The first registered-models/create of a run is the lock: let it through.
    { step: 'ensure-model', method: 'POST', path: `${API}/registered-models/create`, skip: 1 },
    { step: 'copy-version', method: 'POST', path: `${API}/model-versions/create` },
    { step: 'set-tags', method: 'POST', path: `${API}/model-versions/set-tag` },
    { step: 'move-alias', method: 'POST', path: `${API}/registered-models/alias` },
    { step: 'transition-stage', method: 'POST', path: `${API}/model-versions/transition-stage`, mode: 'stage' },
    { step: 'lock release', method: 'DELETE', path: `${API}/registered-models/delete` },
  ];
  const faults: { label: string; fault: Fault }[] = [
    { label: '5xx', fault: { kind: 'status', status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'injected' } } },
    { label: '429', fault: { kind: 'rate-limit', retryAfter: 0, status: 429 } },
    { label: 'reset', fault: { kind: 'reset' } },
    { label: 'lost response', fault: { kind: 'drop-response' } },
  ];

  const leftoverLocks = async (p: string): Promise<string[]> => {
    const body = await rest<{ registered_models?: { name: string }[] }>('GET', '/registered-models/search', { filter: `name LIKE 'mlops-gate-lock.%${p}%'` });
    return (body.registered_models ?? []).map((m) => m.name);
  };

  for (const w of writeSteps) {
    for (const f of faults) {
      it(`${w.step} × ${f.label}: a re-run converges with no duplicate, a second re-run makes zero writes`, async () => {
        const p = uniq('fault');
        const stage = w.mode === 'stage';
        const model = stage ? p : `${p}-prod`;
        let v2: string;
        if (stage) {
          [, v2] = (await seedModel(p, [older, newer], { '1': 'Production' })) as [string, string];
          await setAlias(p, 'challenger', v2);
        } else {
          [, v2] = (await seedModel(`${p}-dev`, [older, newer])) as [string, string];
          await setAlias(`${p}-dev`, 'challenger', v2);
        }
        if (w.step === 'set-tags') {
          // An existing copy without the journal forces the set-tag calls.
          await seedModel(model, []);
          const id = await import('../../src/registry/journal.js').then((j) => j.copyIdentity(proxy.url.replace(/\/+$/, ''), `${p}-dev`, v2));
          await rest('POST', '/model-versions/create', { name: model, source: `models:/${p}-dev/${v2}`, tags: [{ key: COPY_IDENTITY_KEY, value: id }] });
        }
        const config = stage ? writeConfig(p, { name: p, promotion: 'stage' }) : writeConfig(p, { name: `${p}-\${env}`, promotion: 'copy' });
        const viaProxy = { DEV_URL: proxy.url, PROD_URL: proxy.url };
        // Fault the first matching writes (the client's own retries included).
        const rule = `${w.step}/${f.label}/${p}`;
        proxy.setRules([{ name: rule, method: w.method, path: new RegExp(`^${w.path}`), fault: f.fault, times: 3, skip: w.skip ?? 0 }]);
        const first = await cli(['promote', '--config', config], viaProxy);
        expect(proxy.requests().filter((r) => r.rule === rule).length).toBeGreaterThan(0);
        expect([0, 3]).toContain(first.code);
        proxy.setRules([]);

        const second = await cli(['promote', '--config', config], viaProxy);
        expect(second.code, `${second.stderr} ${planOf(second).message}`).toBe(0);
        expect(['applied', 'up-to-date']).toContain(planOf(second).status);
        if (stage) {
          expect((await versionsOf(p)).map((v) => v.current_stage)).toEqual(['Archived', 'Production']);
          expect((await aliasesOf(p)).champion).toBe(v2);
        } else {
          const copies = (await versionsOf(model)).filter((v) => tagsOf(v)[COPY_IDENTITY_KEY]);
          expect(copies).toHaveLength(1);
          expect(await versionsOf(model)).toHaveLength(1);
          expect(await aliasesOf(model)).toEqual({ champion: copies[0]!.version });
        }

        const third = await cli(['promote', '--config', config], viaProxy);
        expect(planOf(third).status).toBe('up-to-date');
        expect(third.writes).toBe(0);
        expect(await leftoverLocks(p)).toEqual([]);
      });
    }
  }
});
