// MLflow tracking on the emulator: experiments, runs, metrics, params, search, logged models and
// artifact listing over real HTTP.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { call } from './helpers.js';

const ML = '/api/2.0/mlflow';
let emu: RunningEmulator;
let experimentId: string;

const newRun = async (name: string, metrics: Record<string, number>, params: Record<string, string> = {}, startTime = 0) => {
  const r = await call(emu.url, 'POST', `${ML}/runs/create`, { body: { experiment_id: experimentId, run_name: name, start_time: startTime } });
  const runId = (r.json.run as { info: { run_id: string } }).info.run_id;
  await call(emu.url, 'POST', `${ML}/runs/log-batch`, {
    body: {
      run_id: runId,
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: 1, step: 0 })),
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
      tags: [{ key: 'team', value: 'risk' }],
    },
  });
  return runId;
};

beforeAll(async () => {
  emu = await startEmulator({ modules: defaultModules(), tickMs: 0 });
  const exp = await call(emu.url, 'POST', `${ML}/experiments/create`, { body: { name: '/Shared/tracking-test' } });
  experimentId = String(exp.json.experiment_id);
});
afterAll(async () => {
  await emu.close();
});

describe('tracking', () => {
  it('requires absolute experiment names and finds experiments by name', async () => {
    const relative = await call(emu.url, 'POST', `${ML}/experiments/create`, { body: { name: 'churn' } });
    expect(relative.status).toBe(400);
    const dup = await call(emu.url, 'POST', `${ML}/experiments/create`, { body: { name: '/Shared/tracking-test' } });
    expect(dup.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const byName = await call(emu.url, 'GET', `${ML}/experiments/get-by-name?experiment_name=${encodeURIComponent('/Shared/tracking-test')}`);
    expect((byName.json.experiment as { experiment_id: string }).experiment_id).toBe(experimentId);
    const missing = await call(emu.url, 'GET', `${ML}/experiments/get-by-name?experiment_name=/Shared/none`);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('keeps the latest metric per key (highest step) and the full history', async () => {
    const runId = await newRun('history', {});
    for (const [step, value] of [
      [0, 0.5],
      [2, 0.9],
      [1, 0.7],
    ] as const) {
      await call(emu.url, 'POST', `${ML}/runs/log-metric`, { body: { run_id: runId, key: 'auc', value, step, timestamp: 100 + step } });
    }
    const run = await call(emu.url, 'GET', `${ML}/runs/get?run_id=${runId}`);
    const data = (run.json.run as { data: { metrics: Array<{ key: string; value: number; step: number }> } }).data;
    expect(data.metrics.find((m) => m.key === 'auc')).toMatchObject({ value: 0.9, step: 2 });
    const hist = await call(emu.url, 'GET', `${ML}/metrics/get-history?run_id=${runId}&metric_key=auc&max_results=2`);
    expect((hist.json.metrics as Array<{ value: number }>).map((m) => m.value)).toEqual([0.5, 0.9]);
    const next = await call(emu.url, 'GET', `${ML}/metrics/get-history?run_id=${runId}&metric_key=auc&max_results=2&page_token=${String(hist.json.next_page_token)}`);
    expect((next.json.metrics as Array<{ value: number }>).map((m) => m.value)).toEqual([0.7]);
    expect(next.json.next_page_token).toBeUndefined();
  });

  it('refuses to change a logged param', async () => {
    const runId = await newRun('params', {}, { C: '1.0' });
    const same = await call(emu.url, 'POST', `${ML}/runs/log-parameter`, { body: { run_id: runId, key: 'C', value: '1.0' } });
    expect(same.status).toBe(200);
    const changed = await call(emu.url, 'POST', `${ML}/runs/log-parameter`, { body: { run_id: runId, key: 'C', value: '2.0' } });
    expect(changed.status).toBe(400);
    expect(changed.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('searches runs with metric/param/tag filters and orders them', async () => {
    await newRun('low', { score: 0.71 }, { model: 'lr' }, 10);
    await newRun('high', { score: 0.93 }, { model: 'gbm' }, 20);
    const search = async (filter: string, orderBy?: string[]) => {
      const r = await call(emu.url, 'POST', `${ML}/runs/search`, { body: { experiment_ids: [experimentId], filter, order_by: orderBy } });
      expect(r.status).toBe(200);
      return ((r.json.runs ?? []) as Array<{ info: { run_name: string } }>).map((x) => x.info.run_name);
    };
    expect(await search('metrics.score > 0.8')).toEqual(['high']);
    expect(await search("params.model = 'lr' AND tags.team = 'risk'")).toEqual(['low']);
    expect(await search("attributes.run_name IN ('low', 'high')", ['metrics.score DESC'])).toEqual(['high', 'low']);
    expect(await search("attributes.run_name LIKE 'hi_h'")).toEqual(['high']);
    const bad = await call(emu.url, 'POST', `${ML}/runs/search`, { body: { experiment_ids: [experimentId], filter: 'auc >>> 1' } });
    expect(bad.status).toBe(400);
  });

  it('creates, finalizes and lists logged models; lists run artifacts from the Files API store', async () => {
    const runId = await newRun('with-model', { auc: 0.8 });
    const created = await call(emu.url, 'POST', `${ML}/logged-models`, { body: { experiment_id: experimentId, name: 'model', source_run_id: runId } });
    const info = (created.json.model as { info: { model_id: string; status: string; artifact_uri: string } }).info;
    expect(info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(info.status).toBe('LOGGED_MODEL_PENDING');
    expect(info.artifact_uri).toBe(`dbfs:/databricks/mlflow-tracking/${experimentId}/logged_models/${info.model_id}/artifacts`);
    const done = await call(emu.url, 'PATCH', `${ML}/logged-models/${info.model_id}`, { body: { status: 'LOGGED_MODEL_READY' } });
    expect((done.json.model as { info: { status: string } }).info.status).toBe('LOGGED_MODEL_READY');

    const root = `/WorkspaceInternal/Mlflow/Artifacts/${experimentId}/Runs/${runId}/artifacts`;
    await call(emu.url, 'PUT', `/api/2.0/fs/files${root}/model/MLmodel?overwrite=true`, { raw: 'flavors: {}\n' });
    await call(emu.url, 'PUT', `/api/2.0/fs/files${root}/metrics.json?overwrite=true`, { raw: '{}' });
    const top = await call(emu.url, 'GET', `${ML}/artifacts/list?run_id=${runId}`);
    expect(top.json.files).toEqual([
      { path: 'metrics.json', is_dir: false, file_size: 2 },
      { path: 'model', is_dir: true },
    ]);
    const sub = await call(emu.url, 'GET', `${ML}/artifacts/list?run_id=${runId}&path=model`);
    expect(sub.json.files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
  });
});
