// Copy mode between two MLflow servers: the shared integration server (dev) and a second one
// started here (prod). Artifacts travel through both artifact proxies into a run on prod.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { ARTIFACT_DIGEST_KEY, COPY_IDENTITY_KEY } from '../../src/registry/journal.js';
import { previousChampionOf } from '../support/journal.js';
import type { ResultDocument } from '../../src/result/types.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startMlflowServer, type MlflowServer } from '../support/mlflow-server.js';

const devUrl = inject('mlflowUrl');
const manifest = inject('mlflowManifest');
const API = '/api/2.0/mlflow';

async function rest<T = Record<string, unknown>>(base: string, method: string, path: string, body?: Record<string, unknown>): Promise<T> {
  const isGet = method === 'GET';
  const q = isGet && body ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
  const res = await fetch(`${base}${API}${path}${q}`, { method, headers: { 'content-type': 'application/json' }, ...(isGet ? {} : { body: JSON.stringify(body ?? {}) }) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface WireVersion {
  version: string;
  source?: string;
  run_id?: string;
  tags?: { key: string; value: string }[];
}
const tagsOf = (v: WireVersion) => Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]));
const versionsOf = async (base: string, name: string) =>
  ((await rest<{ model_versions?: WireVersion[] }>(base, 'GET', '/model-versions/search', { filter: `name='${name}'` })).model_versions ?? []).sort(
    (a, b) => Number(a.version) - Number(b.version),
  );

let prod: MlflowServer;
let proxy: FaultProxy;
const dir = mkdtempSync(join(tmpdir(), 'h8-two-'));

beforeAll(async () => {
  prod = await startMlflowServer();
  proxy = await startFaultProxy({ upstream: prod.url });
});
afterAll(async () => {
  await proxy?.close();
  await prod?.stop();
});

async function setup(label: string): Promise<{ config: string; name: string }> {
  const name = `h8-${label}-${Math.random().toString(36).slice(2, 8)}`;
  const seeded = manifest.scenarios['s1-better']!.candidate;
  await rest(devUrl, 'POST', '/registered-models/create', { name: `${name}-dev` });
  const v = await rest<{ model_version: WireVersion }>(devUrl, 'POST', '/model-versions/create', { name: `${name}-dev`, source: `models:/${seeded.name}/${seeded.version}` });
  await rest(devUrl, 'POST', '/registered-models/alias', { name: `${name}-dev`, alias: 'challenger', version: v.model_version.version });
  const config = join(dir, `${name}.yml`);
  writeFileSync(
    config,
    `version: 1
environments:
  dev:
    registry: mlflow
    tracking_uri: \${DEV_URL}
  prod:
    registry: mlflow
    tracking_uri: \${PROD_URL}
    promote_from: dev
models:
  m:
    name: ${name}-\${env}
    promotion: copy
    candidate: { alias: challenger }
    policies: [floor]
policies:
  floor:
    gates:
      - { type: metric_threshold, metric: roc_auc, threshold: 0.5, greater_is_better: true }
`,
  );
  return { config, name };
}

async function promote(config: string, prodUrl: string): Promise<{ code: number; result: ResultDocument; writes: number; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['promote', '--config', config, '--format', 'json'], {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: { DEV_URL: devUrl, PROD_URL: prodUrl, GITHUB_ACTOR: 'h8-bot' },
    cwd: dir,
  });
  if (!out.trim()) throw new Error(`no result (exit ${code}): ${err}`);
  const result = JSON.parse(out) as ResultDocument;
  const writes = Object.entries(result.requests?.byEndpoint ?? {}).reduce((n, [k, c]) => n + (/^(POST|PUT|PATCH|DELETE) /.test(k) && !/\/(runs|experiments)\/search$/.test(k) ? c : 0), 0);
  return { code, result, writes, err };
}

describe('copy mode between two MLflow servers', () => {
  it('transfers the artifacts into a run on the destination, registers from it, and re-runs with zero writes', async () => {
    const { config, name } = await setup('two');
    const first = await promote(config, prod.url);
    expect(first.code, `${first.err} ${first.result.targets[0]?.plan?.message}`).toBe(0);
    const [copy, ...rest_] = await versionsOf(prod.url, `${name}-prod`);
    expect(rest_).toHaveLength(0);
    expect(copy!.source).toMatch(/^runs:\/[0-9a-f]+\/model$/);
    const tags = tagsOf(copy!);
    expect(tags[COPY_IDENTITY_KEY]).toBeTruthy();
    expect(tags[ARTIFACT_DIGEST_KEY]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(previousChampionOf(tags, 'prod')).toBe('none');
    // The MLmodel file is served by the destination now.
    const run = await rest<{ run: { info: { artifact_uri: string } } }>(prod.url, 'GET', '/runs/get', { run_id: copy!.run_id! });
    const path = run.run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const mlmodel = await fetch(`${prod.url}/api/2.0/mlflow-artifacts/artifacts/${path}/model/MLmodel`);
    expect(mlmodel.status).toBe(200);
    expect(await mlmodel.text()).toMatch(/flavors:/);

    const again = await promote(config, prod.url);
    expect(again.result.targets[0]!.plan!.status).toBe('up-to-date');
    expect(again.writes).toBe(0);
  });

  it('a lost create answer on the destination: the re-run reuses the transferred files and the copy, no duplicate', async () => {
    const { config, name } = await setup('two-lost');
    proxy.setRules([{ name: 'lost', method: 'POST', path: `${API}/model-versions/create`, fault: { kind: 'drop-response' }, times: 3 }]);
    const first = await promote(config, proxy.url);
    expect(proxy.requests().filter((r) => r.rule === 'lost').length).toBeGreaterThan(0);
    expect([0, 3]).toContain(first.code);
    proxy.setRules([]);
    const second = await promote(config, proxy.url);
    expect(second.code, second.result.targets[0]?.plan?.message).toBe(0);
    expect(await versionsOf(prod.url, `${name}-prod`)).toHaveLength(1);
    const third = await promote(config, proxy.url);
    expect(third.result.targets[0]!.plan!.status).toBe('up-to-date');
    expect(third.writes).toBe(0);
  });
});
