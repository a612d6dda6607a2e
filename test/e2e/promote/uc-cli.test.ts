// `mlops-gate promote` / `rollback` into Unity Catalog through the CLI (runCli) on the Databricks
// emulator: catalog → catalog in one workspace, workspace → workspace with per-environment
// credentials (`/ws/<id>`, DATABRICKS_TOKEN_PROD), zero-write re-runs, rollback, and the up-front
// refusal of `promotion: stage`. Real HTTP throughout.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { runCliOnConfigText } from '../../support/run-cli.js';
import { promotedByOf, sourceOf } from '../../support/journal.js';

const SIGNATURE = {
  inputs: [{ type: 'double', name: 'tenure_months', required: true }],
  outputs: [{ type: 'long', required: true }],
};
const version = (files: Record<string, string>) => ({
  description: 'Gradient boosting on the 2026-11 snapshot.',
  tags: { owner: 'churn-team' },
  signature: SIGNATURE,
  files,
});

const SEED = {
  workspaces: {
    dev: {
      tokens: { 'dapi-dev': 'ml-engineer@example.com' },
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'staging', schemas: ['ml'] }] },
      registry: {
        models: [{ name: 'dev.ml.churn', aliases: { challenger: 2 }, versions: [version({ 'model.pkl': 'v1' }), version({ 'model.pkl': 'v2' })] }],
      },
    },
    prod: {
      tokens: { 'dapi-prod': 'deployer@example.com' },
      catalog: { catalogs: [{ name: 'prod', schemas: ['ml'] }] },
    },
  },
};

let emu: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: SEED, modules: defaultModules(), tickMs: 0 });
  dir = mkdtempSync(join(tmpdir(), 'mlops-gate-uc-cli-'));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.admin.reset();
});

const config = (to: { host: string; catalog: string }, promotion = 'copy') => `version: 1
environments:
  dev:
    registry: databricks-uc
    host: ${emu.workspaceUrl('dev')}
    catalog: dev
    schema: ml
  prod:
    registry: databricks-uc
    host: ${to.host}
    catalog: ${to.catalog}
    schema: ml
    promote_from: dev
models:
  churn:
    name: churn
    promotion: ${promotion}
    candidate: { alias: challenger }
    policies: [release]
policies:
  release:
    gates:
      - type: required_tags
        tags: { owner: ".+" }
`;

// The prod workspace only knows its own token: DATABRICKS_TOKEN_PROD must be the one used there.
const ENV = { DATABRICKS_TOKEN: 'dapi-dev', DATABRICKS_TOKEN_PROD: 'dapi-prod', GITHUB_ACTOR: 'release-bot' };
const ONE_WORKSPACE = { DATABRICKS_TOKEN: 'dapi-dev', GITHUB_ACTOR: 'release-bot' };

const cli = (argv: string[], text: string, env: Record<string, string> = ENV) => runCliOnConfigText(argv, text, dir, { env });

const writes = (from: number) =>
  emu.admin
    .requests()
    .entries.filter((e) => e.seq > from && e.method !== 'GET' && e.method !== 'HEAD')
    .map((e) => `${e.method} ${e.path}`);
const lastSeq = () => emu.admin.requests().entries.at(-1)?.seq ?? 0;

const ucGet = async <T>(workspace: string, token: string, path: string, query: Record<string, string>): Promise<T> => {
  const res = await fetch(`${emu.workspaceUrl(workspace)}${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
type UcVersionRow = { version: string; status: string; tags?: { key: string; value: string }[] };
/** Every version with its tags: UC search lists the versions (without tags), get reads each one. */
const versionsOf = async (workspace: string, token: string, name: string): Promise<UcVersionRow[]> => {
  const rows = (
    (await ucGet<{ model_versions?: UcVersionRow[] }>(workspace, token, '/api/2.0/mlflow/unity-catalog/model-versions/search', { filter: `name='${name}'` })).model_versions ?? []
  ).sort((a, b) => Number(a.version) - Number(b.version));
  return Promise.all(
    rows.map(async (row) => (await ucGet<{ model_version: UcVersionRow }>(workspace, token, '/api/2.0/mlflow/unity-catalog/model-versions/get', { name, version: row.version })).model_version),
  );
};
const aliasesOf = async (workspace: string, token: string, name: string) =>
  Object.fromEntries(
    ((await ucGet<{ registered_model: { aliases?: { alias: string; version: string | number }[] } }>(
      workspace,
      token,
      '/api/2.0/mlflow/unity-catalog/registered-models/get',
      { name },
    )).registered_model.aliases ?? []).map((a) => [a.alias, String(a.version)]),
  );

describe('promote into Unity Catalog through the CLI', () => {
  it('copies across catalogs in one workspace; a re-run writes nothing; rollback restores the previous champion', async () => {
    const text = config({ host: emu.workspaceUrl('dev'), catalog: 'staging' });
    // First promotion: v1 (the challenger alias is moved to v1 first).
    const first = await cli(['promote'], text.replace('{ alias: challenger }', '{ version: "1" }'), ONE_WORKSPACE);
    expect(first.code, JSON.stringify(first.result?.targets[0]?.plan ?? first.stderr)).toBe(0);
    expect(first.result!.targets[0]!.plan).toMatchObject({ status: 'applied', mode: 'copy', destination: { model: 'staging.ml.churn', version: '1' } });

    const second = await cli(['promote'], text, ONE_WORKSPACE);
    expect(second.code, second.stderr).toBe(0);
    const plan = second.result!.targets[0]!.plan!;
    expect(plan).toMatchObject({ status: 'applied', previousChampion: '1', destination: { model: 'staging.ml.churn', version: '2' } });
    expect(plan.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await aliasesOf('dev', 'dapi-dev', 'staging.ml.churn')).toEqual({ champion: '2' });
    const versions = await versionsOf('dev', 'dapi-dev', 'staging.ml.churn');
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      ['1', 'READY'],
      ['2', 'READY'],
    ]);

    const seq = lastSeq();
    const again = await cli(['promote'], text, ONE_WORKSPACE);
    expect(again.code, again.stderr).toBe(0);
    expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0, hash: plan.hash });
    expect(writes(seq)).toEqual([]);

    const back = await cli(['rollback', '--model', 'churn', '--env', 'prod'], text, ONE_WORKSPACE);
    expect(back.code, back.stderr).toBe(0);
    expect(back.result!.targets[0]!.plan).toMatchObject({ status: 'applied', mode: 'rollback' });
    expect(await aliasesOf('dev', 'dapi-dev', 'staging.ml.churn')).toEqual({ champion: '1' });
    const seq2 = lastSeq();
    const backAgain = await cli(['rollback', '--model', 'churn', '--env', 'prod'], text, ONE_WORKSPACE);
    expect(backAgain.code, backAgain.stderr).toBe(0);
    expect(writes(seq2)).toEqual([]);
  });

  it('copies across two workspaces with per-environment credentials', async () => {
    const text = config({ host: emu.workspaceUrl('prod'), catalog: 'prod' });
    const { code, stderr, result } = await cli(['promote'], text);
    expect(code, stderr).toBe(0);
    expect(result!.targets[0]!.plan).toMatchObject({ status: 'applied', destination: { model: 'prod.ml.churn', version: '1' } });
    const [copy, ...others] = await versionsOf('prod', 'dapi-prod', 'prod.ml.churn');
    expect(others).toEqual([]);
    expect(copy!.status).toBe('READY');
    const tags = Object.fromEntries((copy!.tags ?? []).map((t) => [t.key, t.value]));
    expect(sourceOf(tags)).toBe('dev.ml.churn/2');
    expect(promotedByOf(tags, 'prod')).toBe('release-bot');
    expect(await aliasesOf('prod', 'dapi-prod', 'prod.ml.churn')).toEqual({ champion: '1' });
    // Nothing was written to the source workspace.
    const devWrites = emu.admin.requests().entries.filter((e) => e.method !== 'GET' && e.workspace !== 'prod');
    expect(devWrites.map((e) => `${e.method} ${e.path}`)).toEqual([]);

    const seq = lastSeq();
    const again = await cli(['promote'], text);
    expect(again.result!.targets[0]!.plan).toMatchObject({ status: 'up-to-date', writes: 0 });
    expect(writes(seq)).toEqual([]);
  });

  it('refuses promotion: stage on Unity Catalog before any request, pointing at the model', async () => {
    const seq = lastSeq();
    const { code, stderr, result } = await cli(['promote'], config({ host: emu.workspaceUrl('dev'), catalog: 'staging' }, 'stage'));
    expect(code).toBe(2);
    expect(result).toBeNull();
    expect(stderr).toMatch(/mlops-[a-z0-9]+\.yml:\d+:\d+: error: model "churn": promotion: stage needs legacy registry stages/);
    expect(emu.admin.requests().entries.filter((e) => e.seq > seq)).toEqual([]);
  });
});
