// The Unity Catalog evidence reads issue 16 added, over real HTTP to the emulator (both emulator
// modes: e2e and e2e-strict): registered-model tags, a run's dataset inputs, the version's
// requirements.txt (present, absent, too large), and a CEL policy planned end to end with the CLI.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import type { VersionInfo } from '../../../src/evidence/types.js';
import { createHttpClient, type ClosableHttpClient } from '../../../src/platform/http/index.js';
import { createUnityCatalogPorts } from '../../../src/platform/unity-catalog/adapter.js';
import type { ResultDocument } from '../../../src/result/types.js';

const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };
const EXPERIMENT = '/Shared/churn';
const HUGE = 'numpy>=1.0\n'.repeat(200_000);

const SEED = {
  workspaces: {
    default: {
      catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
      tracking: {
        experiments: [
          {
            name: EXPERIMENT,
            runs: [
              { name: 'old', metrics: { auc: 0.84 }, tags: { 'mlflow.source.git.commit': 'abc1234' }, datasets: [{ name: 'churn_eval', digest: 'c4567977', context: 'eval' }] },
              { name: 'new', metrics: { auc: 0.87 }, tags: { 'mlflow.source.git.commit': 'def5678' }, datasets: [{ name: 'churn_eval', digest: 'c4567977', context: 'eval' }, { name: 'churn_train', digest: '0badc0de', context: 'train' }] },
            ],
          },
        ],
      },
      registry: {
        models: [
          {
            name: 'dev.ml.churn',
            tags: { cost_center: 'risk-42' },
            aliases: { challenger: 2 },
            versions: [
              { run: { experiment: EXPERIMENT, name: 'old' }, signature: SIGNATURE, files: { 'requirements.txt': HUGE } },
              { run: { experiment: EXPERIMENT, name: 'new' }, signature: SIGNATURE, tags: { version: '1.3.0' }, description: 'Churn model retrained on November data.', files: { 'requirements.txt': 'mlflow==3.17.2\nscikit-learn==1.9.1\nnumpy' } },
              { signature: SIGNATURE, source: 'dbfs:/no/requirements' },
            ],
          },
          {
            name: 'prod.ml.churn',
            aliases: { champion: 1 },
            versions: [{ run: { experiment: EXPERIMENT, name: 'old' }, signature: SIGNATURE, tags: { version: '1.2.0' }, files: { 'requirements.txt': 'mlflow==3.17.2' } }],
          },
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

describe('Unity Catalog evidence reads (emulator)', () => {
  const ports = () => createUnityCatalogPorts({ http });
  const get = async (version: string): Promise<VersionInfo> => (await ports().registry.getVersion('dev.ml.churn', version))!;

  it('registered-model tags through registered-models/get; a missing model is not_found', async () => {
    expect(await ports().registry.getModelTags('dev.ml.churn')).toEqual({ cost_center: 'risk-42' });
    expect(await ports().registry.getModelTags('prod.ml.churn')).toEqual({});
    await expect(ports().registry.getModelTags('dev.ml.nothing')).rejects.toMatchObject({ evidenceKind: 'not_found' });
  });

  it('a run\'s dataset inputs come with runs/get, context from the input tag', async () => {
    const run = await ports().runs.getRun((await get('2')).runId!);
    expect(run?.datasets).toEqual([
      { name: 'churn_eval', digest: 'c4567977', context: 'eval', sourceType: 'code' },
      { name: 'churn_train', digest: '0badc0de', context: 'train', sourceType: 'code' },
    ]);
  });

  it('requirements.txt from the Files API: present, absent (null), over 1 MiB (refused unread)', async () => {
    expect(await ports().artifacts.getRequirements(await get('2'))).toEqual({ text: 'mlflow==3.17.2\nscikit-learn==1.9.1\nnumpy', path: 'requirements.txt of dev.ml.churn version 2' });
    expect(await ports().artifacts.getRequirements(await get('3'))).toBeNull();
    await expect(ports().artifacts.getRequirements(await get('1'))).rejects.toThrow(/requirements.txt of dev.ml.churn version 1 is larger than 1 MiB/);
  });
});

describe('a CEL policy planned with the CLI against the emulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'uc-gov-'));
  const config = join(dir, 'mlops.yml');
  writeFileSync(
    config,
    `version: 1
environments:
  dev: { registry: databricks-uc, host: "\${HOST}", catalog: dev, schema: ml }
  prod: { registry: databricks-uc, host: "\${HOST}", catalog: prod, schema: ml, promote_from: dev }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    policies: [governance]
policies:
  governance:
    gates:
      - type: expression
        id: governance/auc-on-same-data
        description: Better AUC than the champion, measured on the same evaluation data.
        expression: >
          candidate.run.metrics["auc"] >= champion.run.metrics["auc"] + 0.05
          && candidate.run.datasets.exists(d, d.context == "eval"
               && champion.run.datasets.exists(c, c.name == d.name && c.digest == d.digest))
        message: "AUC {{ candidate.run.metrics['auc'] }} is not 0.05 above champion v{{ champion.version }}'s {{ champion.run.metrics['auc'] }}"
      - type: expression
        id: governance/cost-center
        expression: candidate.model_tags["cost_center"].re2Matches("^risk-[0-9]+$")
      - { type: semver, id: governance/semver }
      - { type: dataset, id: governance/same-eval-data, context: eval }
      - { type: requirements, id: governance/pinned, severity: warn }
`,
  );
  const plan = async (format: string): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await runCli(['plan', '--config', config, '--format', format], {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      env: { HOST: emu.url, DATABRICKS_TOKEN: DEFAULT_TOKEN },
      cwd: dir,
    });
    return { code, out, err };
  };

  it('judges each gate and renders the messages in the PR comment markdown', async () => {
    const json = await plan('json');
    const result = JSON.parse(json.out) as ResultDocument;
    const outcomes = Object.fromEntries(result.targets[0]!.gates.map((g) => [g.id, [g.outcome, g.message]]));
    expect(outcomes['governance/auc-on-same-data']).toEqual(['fail', "AUC 0.87 is not 0.05 above champion v1's 0.84"]);
    expect(outcomes['governance/cost-center']?.[0]).toBe('pass');
    expect(outcomes['governance/semver']?.[0]).toBe('pass');
    expect(outcomes['governance/same-eval-data']?.[0]).toBe('pass');
    expect(outcomes['governance/pinned']?.[0]).toBe('warn');
    expect(json.code).not.toBe(0);
    const markdown = await plan('markdown');
    expect(markdown.out).toContain("AUC 0.87 is not 0.05 above champion v1's 0.84");
  });
});
