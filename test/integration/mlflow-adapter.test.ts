// The MLflow adapter against a real, seeded MLflow tracking server (see global-setup.ts).

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import type { RegistryPorts } from '../../src/evidence/ports.js';
import { createHttpClient, type ClosableHttpClient } from '../../src/platform/http/client.js';
import { createRequestLedger } from '../../src/platform/http/ledger.js';
import type { RequestLedger } from '../../src/platform/http/types.js';
import { createMlflowPorts } from '../../src/platform/mlflow/adapter.js';
import { RegistryAnswerError } from '../../src/platform/mlflow/wire.js';
import { startFaultProxy } from '../support/fault-proxy.js';

const url = inject('mlflowUrl');
const manifest = inject('mlflowManifest');

const versionOf = (name: string, version: string) => {
  const v = manifest.models[name]?.versions[version];
  if (!v) throw new Error(`manifest has no ${name} v${version}`);
  return v;
};
const scenario = (id: string) => {
  const s = manifest.scenarios[id];
  if (!s) throw new Error(`manifest has no scenario ${id}`);
  return s;
};

let http: ClosableHttpClient;
let ledger: RequestLedger;
let ports: RegistryPorts;

const countOf = (endpoint: string): number => ledger.snapshot().byEndpoint[endpoint]?.count ?? 0;

beforeAll(() => {
  ledger = createRequestLedger();
  http = createHttpClient({ baseUrl: url, ledger, maxAttempts: 2 });
  ports = createMlflowPorts({ http, trackingUri: url });
});
afterAll(async () => {
  await http.close();
});

describe('registry.getVersion', () => {
  it('maps a runs:/ version with tags, aliases, description and links', async () => {
    const s = scenario('s1-better');
    const seeded = versionOf(s.candidate.name, s.candidate.version);
    const v = await ports.registry.getVersion(s.candidate.name, s.candidate.version);
    expect(v).toEqual({
      name: 's1-better-dev',
      version: s.candidate.version,
      status: 'READY',
      description: seeded.description,
      tags: manifest.required_tags,
      aliases: ['challenger'],
      source: `runs:/${seeded.run_id}/model`,
      runId: seeded.run_id,
      modelId: null,
      createdAtMs: expect.any(Number),
      url: `${url}/#/models/s1-better-dev/versions/${s.candidate.version}`,
    });
  });

  it('takes the MLflow 3 logged-model id from a models:/ source (the OSS server does not echo model_id)', async () => {
    const s = scenario('s8-mlflow3');
    const seeded = versionOf(s.candidate.name, s.candidate.version);
    const v = await ports.registry.getVersion(s.candidate.name, s.candidate.version);
    expect(seeded.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(v?.source).toBe(`models:/${seeded.model_id}`);
    expect(v?.modelId).toBe(seeded.model_id);
    expect(v?.runId).toBe(seeded.run_id);
  });

  it('answers null for a missing version and for a missing model', async () => {
    expect(await ports.registry.getVersion('s1-better-dev', '999')).toBeNull();
    expect(await ports.registry.getVersion('no-such-model-anywhere', '1')).toBeNull();
  });

  it('does not hide a bad request: a non-numeric version is INVALID_PARAMETER_VALUE', async () => {
    const error = await ports.registry.getVersion('s1-better-dev', 'abc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).errorCode).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('registry.getVersionByAlias', () => {
  it('finds the champion by alias', async () => {
    const s = scenario('s1-better');
    const v = await ports.registry.getVersionByAlias('s1-better-prod', 'champion');
    expect(v?.version).toBe(s.champion!.version);
    expect(v?.aliases).toEqual(['champion']);
    expect(v?.runId).toBe(versionOf('s1-better-prod', s.champion!.version).run_id);
  });

  it('answers null for a missing alias (OSS: INVALID_PARAMETER_VALUE) and a missing model (RESOURCE_DOES_NOT_EXIST)', async () => {
    expect(await ports.registry.getVersionByAlias('s3-first-prod', 'champion')).toBeNull();
    expect(await ports.registry.getVersionByAlias('no-such-model-anywhere', 'champion')).toBeNull();
  });

  it('still raises an INVALID_PARAMETER_VALUE that is not "alias not found" (decided on code and message, not status)', async () => {
    const error = await ports.registry.getVersionByAlias('s1-better-prod', 'bad alias!').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((error as ApiError).message).toMatch(/Invalid alias name/);
  });
});

describe('registry.getLatestVersion', () => {
  it('returns the highest version, with its aliases', async () => {
    const s2 = scenario('s2-worse');
    const latest = await ports.registry.getLatestVersion('s2-worse-dev');
    expect(latest?.version).toBe(s2.candidate.version);
    expect(latest?.aliases).toEqual([]);
    const s1 = await ports.registry.getLatestVersion('s1-better-dev');
    expect(s1?.version).toBe('2');
    expect(s1?.aliases).toEqual(['challenger']);
    expect(s1?.tags).toEqual(manifest.required_tags);
  });

  it('orders numerically (12 > 9), in one request', async () => {
    const before = countOf('GET /api/2.0/mlflow/registered-models/get');
    const latest = await ports.registry.getLatestVersion('paging-dev');
    expect(latest?.version).toBe('12');
    expect(latest?.tags['index']).toBe('12');
    expect(countOf('GET /api/2.0/mlflow/registered-models/get') - before).toBe(1);
  });

  it('answers null for a missing model', async () => {
    expect(await ports.registry.getLatestVersion('no-such-model-anywhere')).toBeNull();
  });

  it('falls back to model-versions/search (ordered by version_number DESC) when latest_versions is absent', async () => {
    // A registry that stopped sending the stage-era latest_versions, played by the fault proxy.
    const proxy = await startFaultProxy({ upstream: url });
    const viaProxy = createHttpClient({ baseUrl: proxy.url, maxAttempts: 1 });
    try {
      proxy.setRules([
        {
          path: '/api/2.0/mlflow/registered-models/get',
          fault: { kind: 'status', status: 200, body: { registered_model: { name: 'paging-dev', aliases: [{ alias: 'top', version: '12' }] } } },
        },
      ]);
      const latest = await createMlflowPorts({ http: viaProxy, trackingUri: url }).registry.getLatestVersion('paging-dev');
      expect(latest?.version).toBe('12');
      expect(latest?.aliases).toEqual(['top']);
      expect(proxy.count({ path: '/api/2.0/mlflow/model-versions/search' })).toBe(1);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });
});

describe('registry.searchVersionsByTags', () => {
  it('pages through results with a small page size, newest first', async () => {
    const small = createMlflowPorts({ http, trackingUri: url, pageSize: 2 });
    const before = countOf('GET /api/2.0/mlflow/model-versions/search');
    const found = await small.registry.searchVersionsByTags('paging-dev', { batch: 'b' });
    expect(found.map((v) => v.version)).toEqual(['12', '9', '6', '3']);
    // 4 results at 2 per page: two pages. (MLflow looks one row ahead, so the second page has no token.)
    expect(countOf('GET /api/2.0/mlflow/model-versions/search') - before).toBe(2);
    for (const v of found) expect(v.tags['batch']).toBe('b');
  });

  it('quotes dotted tag keys and combines clauses with AND', async () => {
    const found = await ports.registry.searchVersionsByTags('paging-dev', { 'ci.job-name': 'nightly-a', index: '4' });
    expect(found.map((v) => v.version)).toEqual(['4']);
  });

  it('fills in aliases, which the OSS search answer leaves out', async () => {
    const s7 = scenario('s7-running');
    const found = await ports.registry.searchVersionsByTags('s1-better-dev', { validation_status: 'approved' });
    expect(found.map((v) => [v.version, v.aliases])).toEqual([
      ['2', ['challenger']],
      ['1', []],
    ]);
    const running = await ports.registry.searchVersionsByTags('s7-running-dev', { stage: 'candidate' });
    expect(running[0]?.version).toBe(s7.candidate.version);
  });

  it('answers an empty list when nothing matches or the model does not exist', async () => {
    expect(await ports.registry.searchVersionsByTags('paging-dev', { batch: 'zzz' })).toEqual([]);
    expect(await ports.registry.searchVersionsByTags('no-such-model-anywhere', { batch: 'a' })).toEqual([]);
  });
});

describe('runs.getRun', () => {
  it('maps a finished run: latest metrics, params, tags, link', async () => {
    const s = scenario('s1-better');
    const runId = versionOf(s.candidate.name, s.candidate.version).run_id;
    const seeded = manifest.runs[runId]!;
    const run = await ports.runs.getRun(runId);
    expect(run).toMatchObject({
      runId,
      status: 'FINISHED',
      metrics: seeded.metrics,
      params: seeded.params,
      url: `${url}/#/experiments/${manifest.experiment_id}/runs/${runId}`,
    });
    expect(run?.tags['mlflow.source.git.commit']).toBe(manifest.git_commit);
    expect(run?.startTimeMs).toEqual(expect.any(Number));
    expect(run?.endTimeMs).toEqual(expect.any(Number));
  });

  it('reports a RUNNING run as such (no end time)', async () => {
    const s = scenario('s7-running');
    const runId = versionOf(s.candidate.name, s.candidate.version).run_id;
    const run = await ports.runs.getRun(runId);
    expect(run?.status).toBe('RUNNING');
    expect(run?.endTimeMs).toBeNull();
    expect(run?.metrics).toEqual(manifest.runs[runId]!.metrics);
  });

  it('reads metrics of an MLflow 3 run whose metrics are linked to its logged model', async () => {
    const s = scenario('s8-mlflow3');
    const runId = versionOf(s.candidate.name, s.candidate.version).run_id;
    const run = await ports.runs.getRun(runId);
    expect(run?.metrics).toEqual(manifest.runs[runId]!.metrics);
  });

  it('answers null for a missing run', async () => {
    expect(await ports.runs.getRun('0123456789abcdef0123456789abcdef')).toBeNull();
  });
});

describe('artifacts.getSignature', () => {
  const columns = (names: readonly string[], type = 'double') => names.map((name) => ({ name, type, required: true }));

  it('reads the MLmodel of a runs:/ version through /get-artifact', async () => {
    const s = scenario('s1-better');
    const version = (await ports.registry.getVersion(s.candidate.name, s.candidate.version))!;
    const before = countOf('GET /get-artifact');
    const sig = await ports.artifacts.getSignature(version);
    expect(countOf('GET /get-artifact') - before).toBe(1);
    expect(sig).toEqual({
      inputs: columns(manifest.features),
      outputs: [{ name: null, type: 'tensor:int64', required: true }],
      inputExamplePath: 'input_example.json',
    });
  });

  it('reads the MLmodel of an MLflow 3 models:/m-... version through the logged-model files route', async () => {
    const s = scenario('s8-mlflow3');
    const version = (await ports.registry.getVersion(s.candidate.name, s.candidate.version))!;
    const endpoint = 'GET /ajax-api/2.0/mlflow/logged-models/{id}/artifacts/files';
    const before = countOf(endpoint);
    const sig = await ports.artifacts.getSignature(version);
    expect(countOf(endpoint) - before).toBe(1);
    expect(sig?.inputs).toEqual(columns(manifest.features));
    expect(sig?.inputExamplePath).toBe('input_example.json');
  });

  it('reports the removed and retyped columns of the breaking candidate', async () => {
    const s = scenario('s5-breaking');
    const version = (await ports.registry.getVersion(s.candidate.name, s.candidate.version))!;
    const sig = await ports.artifacts.getSignature(version);
    expect(sig?.inputs).toEqual([
      ...columns(['mean radius', 'mean texture', 'mean perimeter']),
      { name: 'mean area', type: 'long', required: true },
    ]);
  });

  it('answers null when the MLmodel has no signature', async () => {
    const s = scenario('s4-nosig');
    const version = (await ports.registry.getVersion(s.candidate.name, s.candidate.version))!;
    expect(await ports.artifacts.getSignature(version)).toBeNull();
  });

  it('reads other sources (here mlflow-artifacts:/...) through the version route', async () => {
    const s = scenario('s8-mlflow3');
    const modelId = versionOf(s.candidate.name, s.candidate.version).model_id!;
    const logged = await http.request<{ model: { info: { artifact_uri: string } } }>({
      method: 'GET',
      path: `/api/2.0/mlflow/logged-models/${modelId}`,
    });
    const storage = logged.body.model.info.artifact_uri;
    expect(storage).toMatch(/^mlflow-artifacts:\//);
    const name = `plain-source-${Date.now()}`;
    await http.request({ method: 'POST', path: '/api/2.0/mlflow/registered-models/create', body: { name } });
    await http.request({ method: 'POST', path: '/api/2.0/mlflow/model-versions/create', body: { name, source: storage, model_id: modelId } });
    const version = (await ports.registry.getVersion(name, '1'))!;
    expect(version.source).toBe(storage);
    expect(version.modelId).toBeNull(); // the OSS server does not echo model_id
    const before = countOf('GET /model-versions/get-artifact');
    const sig = await ports.artifacts.getSignature(version);
    expect(countOf('GET /model-versions/get-artifact') - before).toBe(1);
    expect(sig?.inputs).toEqual(columns(manifest.features));
  });

  it('throws a clear error when the version has no MLmodel at all', async () => {
    const s = scenario('s1-better');
    const runId = versionOf(s.candidate.name, s.candidate.version).run_id;
    const name = `no-mlmodel-${Date.now()}`;
    await http.request({ method: 'POST', path: '/api/2.0/mlflow/registered-models/create', body: { name } });
    const created = await http.request<{ model_version: { version: string } }>({
      method: 'POST',
      path: '/api/2.0/mlflow/model-versions/create',
      body: { name, source: `runs:/${runId}/not-a-model`, run_id: runId },
    });
    const version = (await ports.registry.getVersion(name, created.body.model_version.version))!;
    const error = await ports.artifacts.getSignature(version).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryAnswerError);
    expect((error as Error).message).toBe(`no MLmodel file found for ${name} version 1 (source runs:/${runId}/not-a-model)`);
  });
});
