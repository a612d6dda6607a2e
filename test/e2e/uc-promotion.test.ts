// Copy-mode promotion into Unity Catalog on the Databricks emulator, driven through the executor
// (applyPromotion) with the UC writer and artifact transfer: catalog → catalog in one workspace,
// workspace → workspace with other credentials, re-runs, lost answers, crashes between create and
// finalize, a source without a signature, and lock contention. Real HTTP throughout.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/apply/lock.js';
import { hasErrorCode } from '../../src/errors.js';
import { applyPromotion, executePlan, promotionJob, type ApplyOptions } from '../../src/apply/executor.js';
import { rollbackJob } from '../../src/apply/rollback.js';
import type { PlanInput } from '../../src/plan/build.js';
import { ARTIFACT_DIGEST_KEY, COPY_IDENTITY_KEY, copyIdentity } from '../../src/registry/journal.js';
import { planHashOf, previousChampionOf, sourceOf } from '../support/journal.js';
import { defaultModules, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createHttpClient, type ClosableHttpClient } from '../../src/platform/http/index.js';
import { digestOf, readVersionFiles } from '../../src/platform/unity-catalog/files.js';
import { createUnityCatalogPromotion, createUnityCatalogPromotionRegistry, LOCK_MODEL_PREFIX } from '../../src/platform/unity-catalog/writer.js';

const SIGNATURE = {
  inputs: [{ type: 'double', name: 'tenure_months', required: true }],
  outputs: [{ type: 'long', required: true }],
};
const MODEL_FILES = { 'model.pkl': { base64: Buffer.from('not really a pickle \u0000\u0001\u0002').toString('base64') }, 'data/notes.txt': 'trained on 2026-11' };

const SEED = {
  workspaces: {
    dev: {
      tokens: { 'dapi-dev': 'ml-engineer@example.com' },
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'staging', schemas: ['ml'] }] },
      tracking: { experiments: [{ name: '/Shared/churn', runs: [{ name: 'baseline', status: 'FINISHED' }] }] },
      registry: {
        models: [
          {
            name: 'dev.ml.churn',
            versions: [
              { run: { experiment: '/Shared/churn', name: 'baseline' }, signature: SIGNATURE, files: MODEL_FILES },
              { signature: SIGNATURE, files: { 'model.pkl': 'retrained' } },
            ],
          },
          { name: 'dev.ml.nosig', versions: [{ mlmodel: { artifact_path: 'model', flavors: { python_function: { loader_module: 'mlflow.sklearn' } } } }] },
          {
            name: 'dev.ml.inputsonly',
            versions: [{ mlmodel: { artifact_path: 'model', flavors: { python_function: {} }, signature: { inputs: JSON.stringify(SIGNATURE.inputs), outputs: null } } }],
          },
        ],
      },
    },
    prod: {
      tokens: { 'dapi-prod': 'deployer@example.com' },
      catalog: { catalogs: [{ name: 'prod', schemas: ['ml'] }] },
    },
  },
};

let emu: RunningEmulator;
const clients: ClosableHttpClient[] = [];
const client = (workspace: 'dev' | 'prod'): ClosableHttpClient => {
  const token = workspace === 'dev' ? 'dapi-dev' : 'dapi-prod';
  const http = createHttpClient({
    baseUrl: emu.workspaceUrl(workspace),
    auth: { headers: async () => ({ authorization: `Bearer ${token}` }) },
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    retryAfterJitterMs: 0,
  });
  clients.push(http);
  return http;
};

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emu.close();
});
beforeEach(async () => {
  await emu.admin.reset();
});

const regId = (workspace: 'dev' | 'prod', schema: string) => `${emu.workspaceUrl(workspace)}#${schema}`;

interface Setup {
  readonly input: PlanInput;
  readonly options: (token?: string) => ApplyOptions;
  readonly dest: ClosableHttpClient;
  readonly source: ClosableHttpClient;
}

/** dev.ml.<model> v1 → <destWorkspace> `<destSchema>.<destModel>`. */
const setup = async (model: string, destWorkspace: 'dev' | 'prod', destSchema: string, destModel = model, version = '1'): Promise<Setup> => {
  const source = client('dev');
  const dest = destWorkspace === 'dev' ? source : client(destWorkspace);
  // The candidate as the evidence reader sees it.
  const found = await createUnityCatalogPromotionRegistry({ http: source, registryId: regId('dev', 'dev.ml') }).getVersion(`dev.ml.${model}`, version);
  const input: PlanInput = {
    model,
    from: 'dev',
    to: 'prod',
    mode: 'copy',
    source: { registry: regId('dev', 'dev.ml'), name: `dev.ml.${model}`, version, source: found!.source, runId: found!.runId },
    destination: { registry: regId(destWorkspace, destSchema), model: `${destSchema}.${destModel}` },
    aliases: ['champion'],
    stage: null,
  };
  const wired = createUnityCatalogPromotion({ destination: dest, registryId: input.destination.registry, source });
  const options = (token: string = randomUUID()): ApplyOptions => ({
    registry: wired.registry,
    transfer: wired.transfer,
    actor: 'release-bot',
    runUrl: 'https://github.com/acme/churn/actions/runs/1',
    now: () => new Date(),
    lockToken: token,
  });
  return { input, options, dest, source };
};

/** Versions of a model as Unity Catalog holds them, status included. */
type WireRow = { version: string; status: string; source: string; run_id?: string; tags?: { key: string; value: string }[] };
/** Versions of a model as Unity Catalog holds them: search lists them (no tags), get reads each one's tags. */
const versionsOf = async (http: ClosableHttpClient, name: string) => {
  // A model that does not exist has no versions (search answers 404 for it).
  const body = await http
    .request<{ model_versions?: WireRow[] }>({
      method: 'GET',
      path: '/api/2.0/mlflow/unity-catalog/model-versions/search',
      query: { filter: `name='${name}'` },
    })
    .then(
      (r) => r.body,
      (e: unknown) => {
        if (hasErrorCode(e, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND')) return {} as { model_versions?: WireRow[] };
        throw e;
      },
    );
  const rows = await Promise.all(
    (body.model_versions ?? []).map(
      async (row) =>
        (await http.request<{ model_version: WireRow }>({ method: 'GET', path: '/api/2.0/mlflow/unity-catalog/model-versions/get', query: { name, version: row.version } })).body
          .model_version,
    ),
  );
  return rows.map((v) => ({ ...v, tags: Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value])) })).sort((a, b) => Number(a.version) - Number(b.version));
};

const writesSince = (seq: number) =>
  emu.admin
    .requests()
    .entries.filter((e) => e.seq > seq && e.method !== 'GET' && e.method !== 'HEAD')
    .map((e) => `${e.method} ${e.path}`);
const lastSeq = () => emu.admin.requests().entries.at(-1)?.seq ?? 0;

describe('Unity Catalog copy promotion', () => {
  it('copies catalog → catalog in one workspace: READY version, identity + digest tags, same files, alias moved', async () => {
    const { input, options, dest, source } = await setup('churn', 'dev', 'staging.ml');
    const { report } = await applyPromotion(input, options());
    expect(report.status, report.message).toBe('applied');

    const [copy, ...others] = await versionsOf(dest, 'staging.ml.churn');
    expect(others).toEqual([]);
    expect(copy).toMatchObject({ version: '1', status: 'READY', source: 'models:/dev.ml.churn/1' });
    // Same workspace: the lineage to the source run is kept.
    expect(input.source.runId).toMatch(/\w+/);
    expect(copy!.run_id).toBe(input.source.runId);
    const sourceFiles = await readVersionFiles(source, 'dev.ml.churn', '1');
    const copiedFiles = await readVersionFiles(dest, 'staging.ml.churn', '1');
    expect([...copiedFiles.keys()]).toEqual(['MLmodel', 'data/notes.txt', 'model.pkl']);
    expect(copiedFiles).toEqual(sourceFiles);
    expect(copy!.tags[COPY_IDENTITY_KEY]).toBe(copyIdentity(input.source.registry, 'dev.ml.churn', '1'));
    expect(copy!.tags[ARTIFACT_DIGEST_KEY]).toBe(digestOf(sourceFiles));
    expect(sourceOf(copy!.tags)).toBe('dev.ml.churn/1');
    expect(previousChampionOf(copy!.tags, 'prod')).toBe('none');

    const model = await createUnityCatalogPromotionRegistry({ http: dest, registryId: input.destination.registry }).getModel('staging.ml.churn');
    expect(model?.aliases).toEqual({ champion: '1' });
    // The lock was taken in the destination schema and released.
    const left = (await dest.request<{ registered_models?: { name: string }[] }>({
      method: 'GET',
      path: '/api/2.1/unity-catalog/models',
      query: { catalog_name: 'staging', schema_name: 'ml' },
    })).body.registered_models?.map((m) => m.name);
    expect(left).toEqual(['churn']);
    expect(emu.admin.count('POST /api/2.0/mlflow/unity-catalog/registered-models/create')).toBe(2); // model + lock
  });

  it('copies to another model name in the same schema without a transfer (files read by the registry itself)', async () => {
    const { input, options, dest, source } = await setup('churn', 'dev', 'dev.ml', 'churn_prod');
    expect(input.source.registry).toBe(input.destination.registry);
    const { report } = await applyPromotion(input, { ...options(), transfer: undefined });
    expect(report.status, report.message).toBe('applied');
    const [copy, ...others] = await versionsOf(dest, 'dev.ml.churn_prod');
    expect(others).toEqual([]);
    expect(copy).toMatchObject({ version: '1', status: 'READY', source: 'models:/dev.ml.churn/1', run_id: input.source.runId });
    const sourceFiles = await readVersionFiles(source, 'dev.ml.churn', '1');
    expect(await readVersionFiles(dest, 'dev.ml.churn_prod', '1')).toEqual(sourceFiles);
    expect(copy!.tags[ARTIFACT_DIGEST_KEY]).toBe(digestOf(sourceFiles));
  });

  it('re-running a finished promotion makes zero write calls', async () => {
    const { input, options } = await setup('churn', 'dev', 'staging.ml');
    expect((await applyPromotion(input, options())).report.status).toBe('applied');
    const seq = lastSeq();
    const { report } = await applyPromotion(input, options());
    expect(report.status).toBe('up-to-date');
    expect(report.writes).toBe(0);
    expect(writesSince(seq)).toEqual([]);
  });

  it('copies across two workspaces with their own credentials; the run id stays behind, the digest travels', async () => {
    const { input, options, dest, source } = await setup('churn', 'prod', 'prod.ml');
    const { report } = await applyPromotion(input, options());
    expect(report.status, report.message).toBe('applied');
    const [copy, ...others] = await versionsOf(dest, 'prod.ml.churn');
    expect(others).toEqual([]);
    expect(copy).toMatchObject({ version: '1', status: 'READY', source: 'models:/dev.ml.churn/1' });
    expect(copy!.run_id).toBeUndefined();
    const sourceFiles = await readVersionFiles(source, 'dev.ml.churn', '1');
    expect(await readVersionFiles(dest, 'prod.ml.churn', '1')).toEqual(sourceFiles);
    expect(copy!.tags[ARTIFACT_DIGEST_KEY]).toBe(digestOf(sourceFiles));
    // Nothing was written into the source workspace.
    expect(emu.admin.requests().entries.filter((e) => e.workspace === 'dev' && e.method !== 'GET')).toEqual([]);

    const seq = lastSeq();
    const again = await applyPromotion(input, options());
    expect(again.report.status).toBe('up-to-date');
    expect(writesSince(seq)).toEqual([]);
  });

  it('a lost answer to model-versions/create: the re-read finds the version by its tag and finishes it, no duplicate', async () => {
    const { input, options, dest } = await setup('churn', 'prod', 'prod.ml');
    const fault = emu.admin.addFault({ kind: 'lost_response', method: 'POST', path: '/api/2.0/mlflow/unity-catalog/model-versions/create', times: 1 });
    const { report } = await applyPromotion(input, options());
    expect(fault.fired).toBe(1);
    expect(report.status, report.message).toBe('applied');
    const copyStep = report.steps.find((s) => s.kind === 'copy-version');
    expect(copyStep).toMatchObject({ status: 'done', version: '1' });
    expect((await versionsOf(dest, 'prod.ml.churn')).map((v) => [v.version, v.status])).toEqual([['1', 'READY']]);
    expect(emu.admin.count('POST /api/2.0/mlflow/unity-catalog/model-versions/create')).toBe(1);
  });

  it('a lost answer reset on finalize: the version is READY and is reused', async () => {
    const { input, options, dest } = await setup('churn', 'dev', 'staging.ml');
    emu.admin.addFault({ kind: 'lost_response', then: 'reset', method: 'POST', path: '/api/2.0/mlflow/unity-catalog/model-versions/finalize', times: 1 });
    const { report } = await applyPromotion(input, options());
    expect(report.status, report.message).toBe('applied');
    expect((await versionsOf(dest, 'staging.ml.churn')).map((v) => [v.version, v.status])).toEqual([['1', 'READY']]);
  });

  it('stopped after create, before finalize: the PENDING version is not promoted; the re-run finishes it', async () => {
    const { input, options, dest } = await setup('churn', 'prod', 'prod.ml');
    // The run dies at finalize (a non-retryable answer stops it there, like a crash would).
    emu.admin.addFault({ kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED', method: 'POST', path: '*/model-versions/finalize', times: 1 });
    const first = await applyPromotion(input, options());
    expect(first.report.status).toBe('failed');
    expect(first.report.message).toMatch(/PERMISSION_DENIED/);
    expect((await versionsOf(dest, 'prod.ml.churn')).map((v) => [v.version, v.status])).toEqual([['1', 'PENDING_REGISTRATION']]);
    // The alias did not move onto the unfinished version.
    expect((await createUnityCatalogPromotionRegistry({ http: dest, registryId: input.destination.registry }).getModel('prod.ml.churn'))?.aliases).toEqual({});

    const second = await applyPromotion(input, options());
    expect(second.report.status, second.report.message).toBe('applied');
    const versions = await versionsOf(dest, 'prod.ml.churn');
    expect(versions.map((v) => [v.version, v.status])).toEqual([['1', 'READY']]);
    expect(emu.admin.count('POST /api/2.0/mlflow/unity-catalog/model-versions/create')).toBe(1);
  });

  it('a PENDING version left by a process that died right after create (no files) is finished, not duplicated', async () => {
    const { input, options, dest } = await setup('churn', 'prod', 'prod.ml');
    await createUnityCatalogPromotionRegistry({ http: dest, registryId: input.destination.registry }).createModel('prod.ml.churn');
    const identity = copyIdentity(input.source.registry, 'dev.ml.churn', '1');
    await dest.request({
      method: 'POST',
      path: '/api/2.0/mlflow/unity-catalog/model-versions/create',
      body: { name: 'prod.ml.churn', source: 'models:/dev.ml.churn/1', tags: [{ key: COPY_IDENTITY_KEY, value: identity }] },
    });
    const { report } = await applyPromotion(input, options());
    expect(report.status, report.message).toBe('applied');
    const versions = await versionsOf(dest, 'prod.ml.churn');
    expect(versions.map((v) => [v.version, v.status])).toEqual([['1', 'READY']]);
    expect(planHashOf(versions[0]!.tags, 'prod')).toBe(report.hash);
    expect((await readVersionFiles(dest, 'prod.ml.churn', '1')).size).toBe(3);
  });

  it('stopped halfway through the upload: the re-run uploads again into the same version and finalizes', async () => {
    const { input, options, dest, source } = await setup('churn', 'prod', 'prod.ml');
    emu.admin.addFault({ kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED', method: 'PUT', path: '/api/2.0/fs/files/Models/prod/*', skip: 1, times: 1 });
    expect((await applyPromotion(input, options())).report.status).toBe('failed');
    expect((await readVersionFiles(dest, 'prod.ml.churn', '1')).size).toBe(1);

    const second = await applyPromotion(input, options());
    expect(second.report.status, second.report.message).toBe('applied');
    expect((await versionsOf(dest, 'prod.ml.churn')).map((v) => [v.version, v.status])).toEqual([['1', 'READY']]);
    expect(await readVersionFiles(dest, 'prod.ml.churn', '1')).toEqual(await readVersionFiles(source, 'dev.ml.churn', '1'));
  });

  it.each([
    ['nosig', /has no signature/],
    ['inputsonly', /signature without outputs/],
  ])('refuses a source without a complete signature (%s), before creating any version', async (model, message) => {
    const { input, options, dest } = await setup(model, 'prod', 'prod.ml');
    const { report } = await applyPromotion(input, options());
    expect(report.status).toBe('failed');
    expect(report.message).toMatch(message);
    expect(report.message).toMatch(/Unity Catalog requires model signatures with both inputs and outputs/);
    expect(await versionsOf(dest, `prod.ml.${model}`)).toEqual([]);
    expect(emu.admin.count('POST /api/2.0/mlflow/unity-catalog/model-versions/create')).toBe(0);
  });

  it('a lock held by another run blocks the promotion without writing a version; once released it proceeds', async () => {
    const { input, options, dest } = await setup('churn', 'prod', 'prod.ml');
    const registry = options().registry;
    const held = await acquireLock(registry, {
      key: promotionJob(input).lockKey,
      owner: 'someone-else',
      token: 'other-run',
      runUrl: 'https://github.com/acme/churn/actions/runs/99',
      ttlMs: 60_000,
      now: () => new Date(),
      purpose: 'promote churn dev→prod',
    });
    expect(held.acquired).toBe(true);
    const lockModels = (await dest.request<{ registered_models?: { name: string }[] }>({
      method: 'GET',
      path: '/api/2.1/unity-catalog/models',
      query: { catalog_name: 'prod', schema_name: 'ml' },
    })).body.registered_models?.map((m) => m.name);
    expect(lockModels).toEqual([expect.stringMatching(new RegExp(`^${LOCK_MODEL_PREFIX}[0-9a-f]{24}_g1$`))]);

    const blocked = await applyPromotion(input, options());
    expect(blocked.report.status).toBe('locked');
    expect(blocked.report.message).toMatch(/someone-else .*runs\/99/);
    expect(await versionsOf(dest, 'prod.ml.churn')).toEqual([]);

    if (held.acquired) await registry.deleteLock(held.lock.name);
    expect((await applyPromotion(input, options())).report.status).toBe('applied');
  });

  it('an expired lock is taken over through the next generation, and both generations are gone afterwards', async () => {
    const { input, options, dest } = await setup('churn', 'prod', 'prod.ml');
    const registry = options().registry;
    const past = new Date(Date.now() - 3_600_000);
    const held = await acquireLock(registry, {
      key: promotionJob(input).lockKey,
      owner: 'crashed-run',
      token: 'dead',
      runUrl: null,
      ttlMs: 60_000,
      now: () => past,
      purpose: 'promote churn dev→prod',
    });
    expect(held.acquired).toBe(true);
    const { report } = await applyPromotion(input, options());
    expect(report.status, report.message).toBe('applied');
    expect(report.message).toMatch(/took over the lock left by crashed-run/);
    const left = (await dest.request<{ registered_models?: { name: string }[] }>({
      method: 'GET',
      path: '/api/2.1/unity-catalog/models',
      query: { catalog_name: 'prod', schema_name: 'ml' },
    })).body.registered_models?.map((m) => m.name);
    expect(left).toEqual(['churn']);
    expect(emu.admin.requests().entries.filter((e) => e.method === 'DELETE').map((e) => e.status)).toEqual([200, 200]);
  });

  it('two runs at once: exactly one copy exists afterwards', async () => {
    const a = await setup('churn', 'prod', 'prod.ml');
    const b = await setup('churn', 'prod', 'prod.ml');
    const results = await Promise.all([applyPromotion(a.input, a.options()), applyPromotion(b.input, b.options())]);
    const statuses = results.map((r) => r.report.status);
    expect(statuses).toContain('applied');
    for (const s of statuses) expect(['applied', 'locked', 'up-to-date']).toContain(s);
    expect((await versionsOf(a.dest, 'prod.ml.churn')).map((v) => [v.version, v.status])).toEqual([['1', 'READY']]);
  });

  it('promotes a second version over the first, then rolls back to it (aliases and tags only, no version deleted)', async () => {
    const first = await setup('churn', 'prod', 'prod.ml');
    expect((await applyPromotion(first.input, first.options())).report.status).toBe('applied');
    const second = await setup('churn', 'prod', 'prod.ml', 'churn', '2');
    const promoted = await applyPromotion(second.input, second.options());
    expect(promoted.report.status, promoted.report.message).toBe('applied');
    expect(promoted.report.previousChampion).toBe('1');
    const registry = second.options().registry;
    expect((await registry.getModel('prod.ml.churn'))?.aliases).toEqual({ champion: '2' });
    expect(previousChampionOf((await registry.getVersion('prod.ml.churn', '2'))!.tags, 'prod')).toBe('1');

    const job = rollbackJob({
      model: 'churn',
      environment: 'prod',
      mode: 'copy',
      registry: second.input.destination.registry,
      modelName: 'prod.ml.churn',
      aliases: ['champion'],
      stage: null,
      toVersion: null,
    });
    const rolled = await executePlan(job, second.options());
    expect(rolled.report.status, rolled.report.message).toBe('applied');
    expect((await registry.getModel('prod.ml.churn'))?.aliases).toEqual({ champion: '1' });
    expect((await versionsOf(second.dest, 'prod.ml.churn')).map((v) => [v.version, v.status])).toEqual([
      ['1', 'READY'],
      ['2', 'READY'],
    ]);
    const seq = lastSeq();
    expect((await executePlan(job, second.options())).report.status).toBe('up-to-date');
    expect(writesSince(seq)).toEqual([]);
  });

  it('stages are refused with a message naming the fix', async () => {
    const { input, options } = await setup('churn', 'prod', 'prod.ml');
    await expect(options().registry.transitionStage(input.destination.model, '1', 'Production', true)).rejects.toThrow(/no model stages.*use aliases/);
  });
});
