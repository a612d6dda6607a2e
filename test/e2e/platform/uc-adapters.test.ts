// The Unity Catalog adapters without tags from search: Unity Catalog's model-versions/search
// answers no tags and no aliases, so the evidence reader (latest version, tag-selected candidates)
// and the promotion writer (copy identity, strays, pending copies) read tags per version with
// model-versions/get, after narrowing by what search does answer. Real HTTP to the emulator; runs
// in both emulator modes (vitest projects e2e and e2e-strict).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { createHttpClient, type ClosableHttpClient } from '../../../src/platform/http/index.js';
import { createUnityCatalogPorts } from '../../../src/platform/unity-catalog/adapter.js';
import { createUnityCatalogPromotionRegistry } from '../../../src/platform/unity-catalog/writer.js';
import { COPY_IDENTITY_KEY } from '../../../src/registry/journal.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
const v = (extra: Record<string, unknown>) => ({ signature: SIGNATURE, ...extra });

const SEED = {
  workspaces: {
    default: {
      catalog: { catalogs: [{ name: 'prod', schemas: ['ml'] }] },
      registry: {
        models: [
          {
            name: 'prod.ml.churn',
            aliases: { champion: 3 },
            versions: [
              v({ source: 'dbfs:/seeded/model', tags: { owner: 'a' } }),
              v({ source: 'models:/dev.ml.churn/4', tags: { [COPY_IDENTITY_KEY]: 'id-of-dev-4', validated: 'true' } }),
              v({ source: 'models:/dev.ml.churn/5', tags: { [COPY_IDENTITY_KEY]: 'id-of-dev-5', validated: 'true' } }),
              v({ source: 'models:/dev.ml.churn/5', tags: { [COPY_IDENTITY_KEY]: 'id-of-dev-5' }, status: 'PENDING_REGISTRATION' }),
            ],
          },
          { name: 'prod.ml.empty' },
        ],
      },
    },
  },
};

let emu: RunningEmulator;
let http: ClosableHttpClient;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0 });
  http = createHttpClient({ baseUrl: emu.url, auth: { headers: async () => ({ authorization: `Bearer ${DEFAULT_TOKEN}` }) } });
});
afterAll(async () => {
  await http?.close();
  await emu?.close();
});
beforeEach(async () => {
  await emu.admin.reset();
});

/** Requests since the last reset, as `METHOD route (version)`. */
const seen = () =>
  emu.admin
    .requests()
    .entries.filter((e) => !e.path.startsWith('/__emulator'))
    .map((e) => `${e.method} ${e.path.replace('/api/2.0/mlflow/unity-catalog', '')}`);

describe('evidence reader (createUnityCatalogPorts)', () => {
  const ports = () => createUnityCatalogPorts({ http });

  it('the latest version comes with its tags and aliases: search for the numbers, then get the newest', async () => {
    const latest = await ports().registry.getLatestVersion('prod.ml.churn');
    expect(latest).toMatchObject({ version: '4', status: 'PENDING_REGISTRATION', tags: { [COPY_IDENTITY_KEY]: 'id-of-dev-5' } });
    const champion = await ports().registry.getVersion('prod.ml.churn', '3');
    expect(champion).toMatchObject({ aliases: ['champion'], tags: { validated: 'true' }, url: expect.stringContaining('/explore/data/models/prod/ml/churn/version/3') });
    expect(seen()).toEqual(['GET /model-versions/search', 'GET /model-versions/get', 'GET /model-versions/get']);
  });

  it('tag-selected candidates are found by reading each version, newest first', async () => {
    const found = await ports().registry.searchVersionsByTags('prod.ml.churn', { validated: 'true' });
    expect(found.map((x) => [x.version, x.tags.validated, x.aliases])).toEqual([
      ['3', 'true', ['champion']],
      ['2', 'true', []],
    ]);
    expect(seen().filter((r) => r.endsWith('/model-versions/get'))).toHaveLength(4);
    expect(await ports().registry.searchVersionsByTags('prod.ml.churn', { validated: 'no' })).toEqual([]);
  });

  it('a model with no versions, or none at all, has no latest version; a missing alias is null', async () => {
    expect(await ports().registry.getLatestVersion('prod.ml.empty')).toBeNull();
    expect(await ports().registry.getLatestVersion('prod.ml.nothing')).toBeNull();
    expect(await ports().registry.searchVersionsByTags('prod.ml.nothing', { a: 'b' })).toEqual([]);
    expect(await ports().registry.getVersionByAlias('prod.ml.churn', 'nope')).toBeNull();
    expect(await ports().registry.getVersion('prod.ml.churn', '99')).toBeNull();
  });
});

describe('promotion writer (createUnityCatalogPromotionRegistry)', () => {
  const writer = () => createUnityCatalogPromotionRegistry({ http, registryId: `${emu.url}#prod.ml` });

  it('finds a copy by its identity tag: only versions whose source may be a copy are read, and what one read showed is remembered', async () => {
    const w = writer();
    const copies = await w.findVersionsByTag('prod.ml.churn', COPY_IDENTITY_KEY, 'id-of-dev-5');
    expect(copies.map((x) => [x.version, x.status])).toEqual([
      ['3', 'READY'],
      ['4', 'PENDING_REGISTRATION'],
    ]);
    expect(copies[0]).toMatchObject({ aliases: ['champion'], tags: { validated: 'true' }, source: 'models:/dev.ml.churn/5', stage: null });
    const gets = () => seen().filter((r) => r.endsWith('/model-versions/get'));
    // v1 (source dbfs:/…) cannot be a copy: 3 reads, not 4.
    expect(gets()).toHaveLength(3);
    emu.admin.clearRequests();
    // Again (the executor's refresh after a step): v2's identity is known to differ; v3, v4 are read again.
    expect((await w.findVersionsByTag('prod.ml.churn', COPY_IDENTITY_KEY, 'id-of-dev-5')).map((x) => x.version)).toEqual(['3', '4']);
    expect(gets()).toHaveLength(2);
    expect(await w.findVersionsByTag('prod.ml.churn', COPY_IDENTITY_KEY, 'id-of-nothing')).toEqual([]);
    expect(await w.findVersionsByTag('prod.ml.nothing', COPY_IDENTITY_KEY, 'id-of-dev-5')).toEqual([]);
  });

  it('any other tag is read on every version; listVersions reads them all with tags', async () => {
    const w = writer();
    expect((await w.findVersionsByTag('prod.ml.churn', 'owner', 'a')).map((x) => x.version)).toEqual(['1']);
    const all = await w.listVersions('prod.ml.churn');
    expect(all.map((x) => [x.version, Object.keys(x.tags).length > 0])).toEqual([
      ['1', true],
      ['2', true],
      ['3', true],
      ['4', true],
    ]);
  });

  it('refuses to create a version unless the workspace says model files go through the Files API (a missing field is false)', async () => {
    for (const flag of [false, null] as const) {
      const e = await startEmulator({
        port: 0,
        seed: { workspaces: { default: { ...SEED.workspaces.default, registry: { ...SEED.workspaces.default.registry, sdk_models_artifact_repository_enabled: flag } } } },
        modules: defaultModules(),
        tickMs: 0,
      });
      const client = createHttpClient({ baseUrl: e.url, auth: { headers: async () => ({ authorization: `Bearer ${DEFAULT_TOKEN}` }) } });
      try {
        const w = createUnityCatalogPromotionRegistry({ http: client, registryId: `${e.url}#prod.ml` });
        await expect(w.createVersion({ name: 'prod.ml.churn', source: 'models:/prod.ml.churn/1', runId: null, tags: {} })).rejects.toThrow(
          new RegExp(`does not serve Unity Catalog model files through the Files API \\(is-databricks-sdk-models-artifact-repository-enabled is ${flag === null ? 'absent' : 'false'}\\)`),
        );
        expect(e.admin.requests().entries.filter((x) => x.method !== 'GET')).toEqual([]);
      } finally {
        await client.close();
        await e.close();
      }
    }
  });
});
