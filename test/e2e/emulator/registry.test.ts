// Unity Catalog registry state machine, REST 2.1 shapes, Files API, seed fixtures and persistence,
// all over real HTTP.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { defaultModules, loadFixture, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { call, catalogsSeed } from './helpers.js';

const UC = '/api/2.0/mlflow/unity-catalog';
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ modules: defaultModules(), tickMs: 0, seed: { workspaces: { default: catalogsSeed } } });
});
afterAll(async () => {
  await emu.close();
});

const putFile = (path: string, content: string) => call(emu.url, 'PUT', `/api/2.0/fs/files${path}?overwrite=true`, { raw: content, headers: { 'content-type': 'application/octet-stream' } });

describe('model version registration', () => {
  it('goes PENDING_REGISTRATION → (upload) → finalize → READY', async () => {
    expect((await call(emu.url, 'POST', `${UC}/registered-models/create`, { body: { name: 'dev.ml.flow' } })).status).toBe(200);
    const created = await call(emu.url, 'POST', `${UC}/model-versions/create`, { body: { name: 'dev.ml.flow', source: 'dbfs:/x' } });
    const mv = created.json.model_version as Record<string, unknown>;
    expect(mv).toMatchObject({ name: 'dev.ml.flow', version: '1', status: 'PENDING_REGISTRATION', source: 'dbfs:/x' });
    expect(String(mv.storage_location)).toMatch(/^s3:\/\//);

    expect((await putFile('/Models/dev/ml/flow/1/MLmodel', 'artifact_path: model\n')).status).toBe(204);
    const done = await call(emu.url, 'POST', `${UC}/model-versions/finalize`, { body: { name: 'dev.ml.flow', version: '1' } });
    expect((done.json.model_version as Record<string, unknown>).status).toBe('READY');
    const again = await call(emu.url, 'POST', `${UC}/model-versions/finalize`, { body: { name: 'dev.ml.flow', version: '1' } });
    expect((again.json.model_version as Record<string, unknown>).status).toBe('READY');

    const creds = await call(emu.url, 'POST', `${UC}/model-versions/generate-temporary-credentials`, {
      body: { name: 'dev.ml.flow', version: '1', operation: 'MODEL_VERSION_OPERATION_READ_WRITE' },
    });
    expect(creds.status).toBe(400);
    expect(creds.json.error_code).toBe('INVALID_STATE');
  });

  it('fails registration when finalize comes before any MLmodel was uploaded, and refuses to finalize it again', async () => {
    const created = await call(emu.url, 'POST', `${UC}/model-versions/create`, { body: { name: 'dev.ml.flow', source: 'dbfs:/y' } });
    const version = (created.json.model_version as { version: string }).version;
    expect(version).toBe('2');
    const creds = await call(emu.url, 'POST', `${UC}/model-versions/generate-temporary-credentials`, {
      body: { name: 'dev.ml.flow', version, operation: 'MODEL_VERSION_OPERATION_READ_WRITE' },
    });
    expect(creds.json).toMatchObject({ credentials: { storage_mode: 'DEFAULT_STORAGE' } });
    const done = await call(emu.url, 'POST', `${UC}/model-versions/finalize`, { body: { name: 'dev.ml.flow', version } });
    expect(done.json.model_version).toMatchObject({ status: 'FAILED_REGISTRATION' });
    const again = await call(emu.url, 'POST', `${UC}/model-versions/finalize`, { body: { name: 'dev.ml.flow', version } });
    expect(again.status).toBe(400);
    expect(again.json.error_code).toBe('INVALID_STATE');
  });

  it('validates three-level names and requires the catalog and schema', async () => {
    const two = await call(emu.url, 'POST', `${UC}/registered-models/create`, { body: { name: 'ml.flow' } });
    expect(two.status).toBe(400);
    expect(two.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const noCatalog = await call(emu.url, 'POST', `${UC}/registered-models/create`, { body: { name: 'nope.ml.flow' } });
    expect(noCatalog.status).toBe(404);
    expect(noCatalog.json.error_code).toBe('CATALOG_DOES_NOT_EXIST');
    const dup = await call(emu.url, 'POST', `${UC}/registered-models/create`, { body: { name: 'dev.ml.flow' } });
    expect(dup.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('moves aliases, shows them in both API families, and drops them with the version', async () => {
    await call(emu.url, 'POST', `${UC}/registered-models/alias`, { body: { name: 'dev.ml.flow', alias: 'champion', version: '1' } });
    const mlflowView = await call(emu.url, 'GET', `${UC}/registered-models/get?name=dev.ml.flow`);
    expect((mlflowView.json.registered_model as { aliases: unknown }).aliases).toEqual([{ alias: 'champion', version: '1' }]);
    const restView = await call(emu.url, 'GET', '/api/2.1/unity-catalog/models/dev.ml.flow?include_aliases=true');
    expect(restView.json.aliases).toEqual([{ alias_name: 'champion', version_num: 1, catalog_name: 'dev', schema_name: 'ml', model_name: 'flow' }]);
    const restVersion = await call(emu.url, 'GET', '/api/2.1/unity-catalog/models/dev.ml.flow/versions/1');
    expect(restVersion.json).toMatchObject({ version: 1, status: 'READY', model_name: 'flow', catalog_name: 'dev' });
    expect(restVersion.json.tags).toBeUndefined();

    const reserved = await call(emu.url, 'POST', `${UC}/registered-models/alias`, { body: { name: 'dev.ml.flow', alias: 'v3', version: '1' } });
    expect(reserved.status).toBe(400);

    await call(emu.url, 'DELETE', `${UC}/model-versions/delete`, { body: { name: 'dev.ml.flow', version: '1' } });
    const gone = await call(emu.url, 'GET', `${UC}/registered-models/alias?name=dev.ml.flow&alias=champion`);
    expect(gone.status).toBe(404);
    const files = await call(emu.url, 'GET', '/api/2.0/fs/files/Models/dev/ml/flow/1/MLmodel');
    expect(files.status).toBe(404);
  });

  it('accepts the older tag paths as well as set-tag / delete-tag', async () => {
    await call(emu.url, 'POST', `${UC}/registered-models/tags`, { body: { name: 'dev.ml.flow', key: 'a', value: '1' } });
    await call(emu.url, 'POST', `${UC}/registered-models/set-tag`, { body: { name: 'dev.ml.flow', key: 'b', value: '2' } });
    await call(emu.url, 'DELETE', `${UC}/registered-models/delete-tag`, { body: { name: 'dev.ml.flow', key: 'a' } });
    const got = await call(emu.url, 'GET', `${UC}/registered-models/get?name=dev.ml.flow`);
    expect((got.json.registered_model as { tags: unknown }).tags).toEqual([{ key: 'b', value: '2' }]);
  });
});

describe('what each route answers', () => {
  it('searches answer no tags and no aliases (Unity Catalog); get and get-by-alias answer both', async () => {
    await call(emu.url, 'POST', `${UC}/registered-models/create`, { body: { name: 'dev.ml.shown', tags: [{ key: 'team', value: 'a' }] } });
    const v = await call(emu.url, 'POST', `${UC}/model-versions/create`, { body: { name: 'dev.ml.shown', source: 'models:/dev.ml.flow/2', run_id: 'r1', tags: [{ key: 'copy', value: 'x' }] } });
    expect((v.json.model_version as { tags?: unknown }).tags).toEqual([{ key: 'copy', value: 'x' }]);
    await putFile('/Models/dev/ml/shown/1/MLmodel', 'artifact_path: model\n');
    await call(emu.url, 'POST', `${UC}/model-versions/finalize`, { body: { name: 'dev.ml.shown', version: '1' } });
    await call(emu.url, 'POST', `${UC}/registered-models/alias`, { body: { name: 'dev.ml.shown', alias: 'champion', version: '1' } });

    const search = await call(emu.url, 'GET', `${UC}/model-versions/search?filter=${encodeURIComponent("name='dev.ml.shown'")}`);
    const row = (search.json.model_versions as Record<string, unknown>[])[0]!;
    expect(row).toMatchObject({ name: 'dev.ml.shown', version: '1', source: 'models:/dev.ml.flow/2', run_id: 'r1', status: 'READY' });
    expect(row.tags).toBeUndefined();
    expect(row.aliases).toBeUndefined();
    const models = await call(emu.url, 'GET', `${UC}/registered-models/search?max_results=1000`);
    const model = (models.json.registered_models as Record<string, unknown>[]).find((m) => m.name === 'dev.ml.shown')!;
    expect(model.tags).toBeUndefined();
    expect(model.aliases).toBeUndefined();
    const rest = await call(emu.url, 'GET', '/api/2.1/unity-catalog/models/dev.ml.shown/versions');
    expect((rest.json.model_versions as Record<string, unknown>[])[0]).not.toHaveProperty('aliases');

    const got = await call(emu.url, 'GET', `${UC}/model-versions/get?name=dev.ml.shown&version=1`);
    expect(got.json.model_version).toMatchObject({ tags: [{ key: 'copy', value: 'x' }], aliases: [{ alias: 'champion', version: '1' }] });
    const byAlias = await call(emu.url, 'GET', `${UC}/registered-models/alias?name=dev.ml.shown&alias=champion`);
    expect(byAlias.json.model_version).toMatchObject({ tags: [{ key: 'copy', value: 'x' }] });
    const gotModel = await call(emu.url, 'GET', `${UC}/registered-models/get?name=dev.ml.shown`);
    expect(gotModel.json.registered_model).toMatchObject({ tags: [{ key: 'team', value: 'a' }], aliases: [{ alias: 'champion', version: '1' }] });
  });

  it('limits names as Unity Catalog does: 255 characters, no control characters; hyphens are allowed', async () => {
    const create = (name: string) => call(emu.url, 'POST', `${UC}/registered-models/create`, { body: { name } });
    expect((await create(`dev.ml.${'a'.repeat(255)}`)).status).toBe(200);
    const long = await create(`dev.ml.${'a'.repeat(256)}`);
    expect(long.status).toBe(400);
    expect(long.json.message).toMatch(/cannot exceed 255 characters/);
    const control = await create('dev.ml.bad\u0007name');
    expect(control.status).toBe(400);
    expect(control.json.message).toMatch(/control character U\+0007/);
    const del = await create('dev.ml.bad\u007fname');
    expect(del.json.message).toMatch(/U\+007F/);
    const space = await create('dev.ml.two words');
    expect(space.json.message).toMatch(/a space/);
    expect((await create('dev.ml.with-hyphen')).status).toBe(200);
    const restLong = await call(emu.url, 'POST', '/api/2.1/unity-catalog/models', { body: { catalog_name: 'dev', schema_name: 'ml', name: 'x'.repeat(256) } });
    expect(restLong.status).toBe(400);
    const catalog = await call(emu.url, 'POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'c'.repeat(256) } });
    expect(catalog.status).toBe(400);
    expect(catalog.json.message).toMatch(/cannot exceed 255 characters/);
  });

  it('pages REST 2.1 model lists as the SDK documents: 10000 within a schema, else 100 (cap 1000)', async () => {
    const many = { ...catalogsSeed, registry: { models: Array.from({ length: 1001 }, (_, i) => ({ name: `dev.ml.m${String(i).padStart(4, '0')}` })) } };
    const e = await startEmulator({ modules: defaultModules(), tickMs: 0, seed: { workspaces: { default: many } } });
    try {
      const schema = await call(e.url, 'GET', '/api/2.1/unity-catalog/models?catalog_name=dev&schema_name=ml');
      expect((schema.json.registered_models as unknown[]).length).toBe(1001);
      expect(schema.json.next_page_token).toBeUndefined();
      const all = await call(e.url, 'GET', '/api/2.1/unity-catalog/models');
      expect((all.json.registered_models as unknown[]).length).toBe(100);
      expect(all.json.next_page_token).toEqual(expect.any(String));
      const capped = await call(e.url, 'GET', '/api/2.1/unity-catalog/models?max_results=5000');
      expect((capped.json.registered_models as unknown[]).length).toBe(1000);
    } finally {
      await e.close();
    }
  });

  it('answers the Files-API switch as seeded: true, false, or the field left out', async () => {
    for (const flag of [true, false, null] as const) {
      const e = await startEmulator({ modules: defaultModules(), tickMs: 0, seed: { workspaces: { default: { ...catalogsSeed, registry: { sdk_models_artifact_repository_enabled: flag } } } } });
      try {
        const r = await call(e.url, 'GET', `${UC}/registered-models:is-databricks-sdk-models-artifact-repository-enabled`);
        expect(r.json).toEqual(flag === null ? {} : { is_databricks_sdk_models_artifact_repository_enabled: flag });
      } finally {
        await e.close();
      }
    }
  });
});

describe('Files API', () => {
  it('overwrites unless overwrite=false, lists directories, serves ranges', async () => {
    expect((await putFile('/Volumes/dev/ml/raw/a.txt', 'first')).status).toBe(204);
    // "If true or unspecified, an existing file will be overwritten. If false, an error will be returned."
    const unspecified = await call(emu.url, 'PUT', '/api/2.0/fs/files/Volumes/dev/ml/raw/a.txt', { raw: 'second' });
    expect(unspecified.status).toBe(204);
    expect((await call(emu.url, 'GET', '/api/2.0/fs/files/Volumes/dev/ml/raw/a.txt')).text).toBe('second');
    const noOverwrite = await call(emu.url, 'PUT', '/api/2.0/fs/files/Volumes/dev/ml/raw/a.txt?overwrite=false', { raw: 'x' });
    expect(noOverwrite.status).toBe(409);
    expect(noOverwrite.json.error_code).toBe('ALREADY_EXISTS');
    expect((await putFile('/Volumes/dev/ml/raw/a.txt', 'hello world')).status).toBe(204);
    const list = await call(emu.url, 'GET', '/api/2.0/fs/directories/Volumes/dev/ml');
    expect(list.json.contents).toEqual([{ path: '/Volumes/dev/ml/raw', name: 'raw', is_directory: true }]);
    const range = await call(emu.url, 'GET', '/api/2.0/fs/files/Volumes/dev/ml/raw/a.txt', { headers: { range: 'bytes=6-' } });
    expect(range.status).toBe(206);
    expect(range.text).toBe('world');
    const head = await call(emu.url, 'HEAD', '/api/2.0/fs/directories/Volumes/nope');
    expect(head.status).toBe(404);
  });
});

describe('seed fixture', () => {
  it('loads the example fixture: models, versions with MLmodel files, runs, aliases, serving', async () => {
    const fixture = await loadFixture('test/fixtures/emulator/seed.example.json');
    const seeded = await startEmulator({ modules: defaultModules(), tickMs: 0, seed: fixture });
    try {
      const alias = await call(seeded.url, 'GET', `${UC}/registered-models/alias?name=dev.ml.churn&alias=champion`);
      const mv = alias.json.model_version as Record<string, string>;
      expect(mv).toMatchObject({ version: '1', status: 'READY' });
      const run = await call(seeded.url, 'GET', `/api/2.0/mlflow/runs/get?run_id=${mv.run_id}`);
      const metrics = (run.json.run as { data: { metrics: Array<{ key: string; value: number }> } }).data.metrics;
      expect(metrics.find((m) => m.key === 'auc')?.value).toBe(0.861);
      expect(metrics.find((m) => m.key === 'log_loss')?.value).toBe(0.41);
      const mlmodel = await call(seeded.url, 'GET', '/api/2.0/fs/files/Models/dev/ml/churn/1/MLmodel');
      expect(mlmodel.text).toMatch(/signature:/);
      expect(mlmodel.text).toMatch(/tenure_months/);
      const artifacts = await call(seeded.url, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${(await runIdOf(seeded, 'churn-lr-tuned'))}`);
      expect(artifacts.json.files).toEqual([{ path: 'eval', is_dir: true }]);
      const endpoint = await call(seeded.url, 'GET', '/api/2.0/serving-endpoints/churn-prod');
      expect(endpoint.status).toBe(200);
      const staging = await call(seeded.workspaceUrl('staging'), 'GET', '/api/2.1/unity-catalog/catalogs', { token: 'dapi-staging' });
      expect((staging.json.catalogs as Array<{ name: string }>).map((c) => c.name)).toEqual(['test']);
    } finally {
      await seeded.close();
    }
  });
});

describe('YAML seed fixture', () => {
  it('is read by loadFixture and seeds a workspace by id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emu-yaml-'));
    try {
      const path = join(dir, 'seed.yaml');
      await writeFile(
        path,
        [
          'workspaces:',
          '  lab:',
          '    tokens: { dapi-lab: lab-user }',
          '    catalog: { catalogs: [{ name: lab, schemas: [ml] }] }',
          '    registry:',
          '      models:',
          '        - name: lab.ml.m',
          '          versions: [{ description: first }, { status: PENDING_REGISTRATION }]',
          '',
        ].join('\n'),
      );
      const e = await startEmulator({ modules: defaultModules(), tickMs: 0, seedPath: path });
      try {
        const r = await call(e.url, 'GET', '/api/2.1/unity-catalog/models/lab.ml.m/versions', { token: 'dapi-lab' });
        expect((r.json.model_versions as Array<{ version: number; status: string }>).map((v) => [v.version, v.status])).toEqual([
          [2, 'PENDING_REGISTRATION'],
          [1, 'READY'],
        ]);
      } finally {
        await e.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const runIdOf = async (e: RunningEmulator, name: string): Promise<string> => {
  const r = await call(e.url, 'POST', '/api/2.0/mlflow/runs/search', { body: { filter: `attributes.run_name = '${name}'` } });
  return (r.json.runs as Array<{ info: { run_id: string } }>)[0]!.info.run_id;
};

describe('persistence', () => {
  it('writes state atomically and reloads it on the next start instead of the seed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emu-state-'));
    const statePath = join(dir, 'state.json');
    try {
      const first = await startEmulator({ modules: defaultModules(), tickMs: 0, statePath, seed: { workspaces: { default: catalogsSeed } } });
      await call(first.url, 'POST', `${UC}/registered-models/create`, { body: { name: 'prod.ml.kept', description: 'survives restarts' } });
      await call(first.url, 'POST', `${UC}/model-versions/create`, { body: { name: 'prod.ml.kept', source: 'dbfs:/k' } });
      await call(first.url, 'PUT', '/api/2.0/fs/files/Models/prod/ml/kept/1/MLmodel?overwrite=true', { raw: Buffer.from([0, 1, 2, 255]) });
      await first.close();

      const onDisk = JSON.parse(await readFile(statePath, 'utf8')) as { format: string };
      expect(onDisk.format).toBe('mlops-gate-emulator-state/v1');
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

      const second = await startEmulator({ modules: defaultModules(), tickMs: 0, statePath, seed: { workspaces: { default: {} } } });
      try {
        const got = await call(second.url, 'GET', `${UC}/registered-models/get?name=prod.ml.kept`);
        expect((got.json.registered_model as { description: string }).description).toBe('survives restarts');
        const version = await call(second.url, 'GET', `${UC}/model-versions/get?name=prod.ml.kept&version=1`);
        expect((version.json.model_version as { status: string }).status).toBe('PENDING_REGISTRATION');
        const file = await request(`${second.url}/api/2.0/fs/files/Models/prod/ml/kept/1/MLmodel`, { headers: { authorization: 'Bearer dapi-emulator' } });
        expect([...Buffer.from(await file.body.arrayBuffer())]).toEqual([0, 1, 2, 255]);
        await second.admin.reset();
        const afterReset = await call(second.url, 'GET', `${UC}/registered-models/get?name=prod.ml.kept`);
        expect(afterReset.status).toBe(404);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('seed fixtures', () => {
  it('are copied: a write changes neither the fixture, nor the state after a reset, nor another emulator seeded from it', async () => {
    const fixture = {
      workspaces: {
        default: { ...catalogsSeed, registry: { models: [{ name: 'prod.ml.seeded', tags: { team: 'a' }, versions: [{ tags: { owner: 'x' } }] }] } },
      },
    };
    const before = JSON.stringify(fixture);
    const emu = await startEmulator({ modules: defaultModules(), tickMs: 0, seed: fixture });
    const other = await startEmulator({ modules: defaultModules(), tickMs: 0, seed: fixture });
    try {
      await call(emu.url, 'POST', `${UC}/model-versions/set-tag`, { body: { name: 'prod.ml.seeded', version: '1', key: 'owner', value: 'changed' } });
      await call(emu.url, 'POST', `${UC}/registered-models/set-tag`, { body: { name: 'prod.ml.seeded', key: 'team', value: 'changed' } });
      expect(JSON.stringify(fixture)).toBe(before);
      const tagsOf = async (url: string) => {
        const v = await call(url, 'GET', `${UC}/model-versions/get?name=prod.ml.seeded&version=1`);
        return (v.json.model_version as { tags?: { key: string; value: string }[] }).tags;
      };
      expect(await tagsOf(other.url)).toEqual([{ key: 'owner', value: 'x' }]);
      await emu.admin.reset();
      expect(await tagsOf(emu.url)).toEqual([{ key: 'owner', value: 'x' }]);
    } finally {
      await emu.close();
      await other.close();
    }
  });
});
