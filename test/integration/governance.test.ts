// Issue 16 on the real MLflow server of the integration setup: the dataset gate over runs that
// logged their evaluation data with mlflow.log_input, the requirements gate over the requirements.txt
// MLflow wrote (and a 10 MB one), registered-model tags, CEL expressions with the request economy
// they keep, and the quarantine cycle: promote → rollback → plan blocked → waiver → plan passes.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { quarantineKey } from '../../src/registry/journal.js';
import type { ResultDocument } from '../../src/result/types.js';

const url = inject('mlflowUrl');
const manifest = inject('mlflowManifest');
const API = '/api/2.0/mlflow';
const dir = mkdtempSync(join(tmpdir(), 'gov-'));
const uniq = (label: string): string => `gov-${label}-${Math.random().toString(36).slice(2, 8)}`;

async function rest<T = Record<string, unknown>>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
  const isGet = method === 'GET';
  const q = isGet && body ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]))}` : '';
  const res = await fetch(`${url}${API}${path}${q}`, { method, headers: { 'content-type': 'application/json' }, ...(isGet ? {} : { body: JSON.stringify(body ?? {}) }) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const tagsOf = async (name: string, version: string): Promise<Record<string, string>> => {
  const body = await rest<{ model_version: { tags?: { key: string; value: string }[] } }>('GET', '/model-versions/get', { name, version });
  return Object.fromEntries((body.model_version.tags ?? []).map((t) => [t.key, t.value]));
};

interface Outcome {
  readonly code: number;
  readonly result: ResultDocument;
  readonly stderr: string;
  readonly stdout: string;
}

async function cli(config: string, args: readonly string[], format = 'json'): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args, '--config', config, '--format', format], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { MLFLOW_URL: url, GITHUB_ACTOR: 'gov-bot' },
    cwd: dir,
  });
  return { code, result: format === 'json' ? (JSON.parse(stdout) as ResultDocument) : ({} as ResultDocument), stderr, stdout };
}

const writeConfig = (label: string, body: string): string => {
  const path = join(dir, `${label}.yml`);
  writeFileSync(path, `version: 1
environments:
  dev: { registry: mlflow, tracking_uri: "\${MLFLOW_URL}" }
  prod: { registry: mlflow, tracking_uri: "\${MLFLOW_URL}", promote_from: dev }
defaults: { champion_alias: champion, promotion: copy }
${body}`);
  return path;
};

const scenarioModel = (id: string, policies: string): string => `  ${id}:
    name: ${id}-\${env}
    candidate: { alias: challenger }
    policies: [${policies}]
`;

const gate = (r: Outcome, model: string, id: string) => {
  const g = r.result.targets.find((t) => t.model === model)?.gates.find((x) => x.id === id);
  if (!g) throw new Error(`no gate ${id} for ${model}: ${JSON.stringify(r.result.targets.map((t) => [t.model, t.summary]))} ${r.stderr}`);
  return g;
};

describe('dataset, requirements and model tags on real MLflow', () => {
  const config = () =>
    writeConfig(
      'data',
      `models:
${['s1-better', 's9-same-data', 's10-other-data', 's11-no-baseline-data', 's12-huge-requirements'].map((id) => scenarioModel(id, 'gov')).join('')}
policies:
  gov:
    gates:
      - { type: dataset, id: gov/data, context: eval }
      - { type: requirements, id: gov/pins }
      - { type: required_tags, id: gov/cost, on: model, tags: { cost_center: "risk-\\\\d+" } }
`,
    );

  it('same evaluation data passes; other rows under the same name, or none logged, fail with the reason', async () => {
    const r = await cli(config(), ['plan']);
    const s9 = gate(r, 's9-same-data', 'gov/data');
    const digest = manifest.runs[manifest.models['s9-same-data-dev']!.versions['1']!.run_id]!.eval_digest;
    expect(s9.outcome, s9.message).toBe('pass');
    expect(s9.message).toContain(`breast_cancer_eval@${String(digest)}`);
    const s10 = gate(r, 's10-other-data', 'gov/data');
    expect(s10.outcome).toBe('fail');
    expect(s10.message).toMatch(/the same name with different content: breast_cancer_eval \(candidate digest [0-9a-f]{8}, champion [0-9a-f]{8}\)/);
    const s11 = gate(r, 's11-no-baseline-data', 'gov/data');
    expect(s11).toMatchObject({ outcome: 'fail', measured: { baseline: 'no_dataset' } });
    expect(s11.message).toContain('logged no dataset with context eval');
    const s1 = gate(r, 's1-better', 'gov/data');
    expect(s1.outcome).toBe('fail');
    expect(s1.message).toContain('logged no dataset inputs (mlflow.log_input)');
  });

  it('requirements.txt as MLflow wrote it: pinned passes, the seeds\' unpinned fail, 10 MB is refused unread', async () => {
    const r = await cli(config(), ['plan']);
    expect(gate(r, 's9-same-data', 'gov/pins').outcome, gate(r, 's9-same-data', 'gov/pins').message).toBe('pass');
    const unpinned = gate(r, 's1-better', 'gov/pins');
    expect(unpinned.outcome).toBe('fail');
    expect(unpinned.message).toContain('not pinned with ==: scikit-learn, pandas, numpy');
    const huge = gate(r, 's12-huge-requirements', 'gov/pins');
    expect(huge.outcome).toBe('error');
    expect(huge.message).toMatch(/larger than 1 MiB/);
  });

  it('registered-model tags: read from the candidate\'s registered model', async () => {
    const r = await cli(config(), ['plan']);
    expect(gate(r, 's9-same-data', 'gov/cost').outcome).toBe('pass');
    expect(gate(r, 's1-better', 'gov/cost')).toMatchObject({ outcome: 'fail', measured: { cost_center: null } });
  });
});

describe('expression (CEL) on real MLflow', () => {
  const config = (expression: string, message = 'no') =>
    writeConfig(
      uniq('cel'),
      `models:
${scenarioModel('s9-same-data', 'cel')}
policies:
  cel:
    gates:
      - type: expression
        id: cel/rule
        expression: '${expression}'
        message: '${message}'
`,
    );

  it('reads metrics, datasets, tags and signatures; gathers only what the expression reads', async () => {
    // What plan reads with an expression that reads no evidence: the candidate and champion lookups
    // and the promotion plan's view of the destination.
    const base = await cli(config('target.to == "prod"'), ['plan']);
    expect(gate(base, 's9-same-data', 'cel/rule').outcome).toBe('pass');
    const baseline = base.result.requests!.total;
    const tagsOnly = await cli(config('candidate.tags["owner"] == "risk-team" && candidate.model_tags["cost_center"].startsWith("risk")'), ['plan']);
    expect(gate(tagsOnly, 's9-same-data', 'cel/rule').outcome).toBe('pass');
    // Version tags come with the candidate; the registered model's tags come in the same batched
    // registered-models/search as the lookups (src/platform/mlflow/batch.ts): no request more (one
    // object at a time they were one registered-models/get more).
    expect(tagsOnly.result.requests!.total, JSON.stringify(tagsOnly.result.requests)).toBe(baseline);
    console.log(`expression request economy: ${String(baseline)} requests for an expression reading no evidence, ${String(tagsOnly.result.requests!.total)} with registered-model tags`);

    const full = await cli(
      config(
        'candidate.run.metrics["roc_auc"] >= champion.run.metrics["roc_auc"] && candidate.run.datasets.exists(d, d.context == "eval" && champion.run.datasets.exists(c, c.digest == d.digest)) && size(candidate.signature.inputs) == size(champion.signature.inputs)',
        'AUC {{ candidate.run.metrics["roc_auc"] }} vs {{ champion.run.metrics["roc_auc"] }}',
      ),
      ['plan'],
    );
    const rule = gate(full, 's9-same-data', 'cel/rule');
    expect(rule.outcome, rule.message).toBe('pass');
    // + both runs and both MLmodel files.
    expect(full.result.requests!.total, JSON.stringify(full.result.requests)).toBe(baseline + 4);
    console.log(`expression request economy: ${String(full.result.requests!.total)} requests with both runs and both signatures`);

    const worse = await cli(config('candidate.run.metrics["roc_auc"] < champion.run.metrics["roc_auc"]', 'AUC {{ candidate.run.metrics["roc_auc"] }} is not below {{ champion.run.metrics["roc_auc"] }}'), ['plan']);
    const g = gate(worse, 's9-same-data', 'cel/rule');
    expect(g.outcome).toBe('fail');
    expect(g.message).toMatch(/^AUC 0\.\d+ is not below 0\.\d+$/);
    expect(worse.code).not.toBe(0);
  });

  it('a type error is reported by validate at file:line:column, and plan contacts nothing', async () => {
    const path = config('candidate.run.metrics["roc_auc"] >= "high"');
    for (const command of ['validate', 'plan']) {
      const r = await cli(path, [command], 'text');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:17:22: error: invalid expression: no such overload: double >= string`));
      expect(r.stderr).toContain('nothing was contacted');
    }
  });
});

describe('quarantine: promote → rollback → plan blocked → waiver → plan passes', () => {
  it('a rolled-back version is not promoted again until a waiver names the gate', async () => {
    const p = uniq('q');
    const s1 = manifest.scenarios['s1-better']!;
    const older = { name: s1.candidate.name, version: String(Number(s1.candidate.version) - 1) };
    await rest('POST', '/registered-models/create', { name: `${p}-dev` });
    for (const s of [older, s1.candidate]) {
      const seeded = manifest.models[s.name]!.versions[s.version]!;
      await rest('POST', '/model-versions/create', { name: `${p}-dev`, source: seeded.source, run_id: seeded.run_id, description: 'Breast-cancer classifier for the quarantine cycle.' });
    }
    const alias = (version: string) => rest('POST', '/registered-models/alias', { name: `${p}-dev`, alias: 'challenger', version });
    const body = (waiver: string) => `models:
  m:
    name: ${p}-\${env}
    candidate: { alias: challenger }
    policies: [q]
policies:
  q:
    extends: [builtin:baseline]
    gates: []
${waiver}`;
    const path = writeConfig(p, body(''));

    await alias('1');
    const first = await cli(path, ['promote']);
    expect(first.code, JSON.stringify(first.result.targets.map((t) => [t.summary, t.gates.map((g) => [g.id, g.outcome, g.message])]))).toBe(0);
    await alias('2');
    const promoted = await cli(path, ['promote']);
    expect(promoted.code, JSON.stringify(promoted.result.targets.map((t) => [t.summary, t.plan?.message, t.gates.map((g) => [g.id, g.outcome, g.message])]))).toBe(0);

    const back = await cli(path, ['rollback', '--model', 'm', '--env', 'prod']);
    expect(back.code, back.stderr).toBe(0);
    const mark = quarantineKey('prod');
    expect((await tagsOf(`${p}-prod`, '2'))[mark]).toMatch(/^v2 of gov-q-\w+-prod rolled back to v1 in prod by gov-bot at \d{4}-/);
    // The copy's source on the same server is marked too: re-promoting it is recognised.
    expect((await tagsOf(`${p}-dev`, '2'))[mark]).toBe((await tagsOf(`${p}-prod`, '2'))[mark]);

    const blocked = await cli(path, ['plan']);
    expect(blocked.code).not.toBe(0);
    const q = gate(blocked, 'm', 'baseline/quarantine');
    expect(q.outcome).toBe('fail');
    expect(q.message).toContain(`is quarantined: it was rolled back in prod`);
    expect(q.message).toContain('{gate: baseline/quarantine, models: [m], environments: [prod], owner:');
    const markdown = await cli(path, ['plan'], 'markdown');
    expect(markdown.stdout).toContain('baseline/quarantine');

    writeFileSync(path, `version: 1
environments:
  dev: { registry: mlflow, tracking_uri: "\${MLFLOW_URL}" }
  prod: { registry: mlflow, tracking_uri: "\${MLFLOW_URL}", promote_from: dev }
defaults: { champion_alias: champion, promotion: copy }
${body(`waivers:
  - gate: baseline/quarantine
    models: [m]
    environments: [prod]
    owner: alice
    reason: the drift alert that caused the rollback was a broken feature pipeline, fixed in #4521
    expires: 2099-12-31
`)}`);
    const waived = await cli(path, ['plan']);
    expect(waived.code, waived.stderr).toBe(0);
    expect(gate(waived, 'm', 'baseline/quarantine')).toMatchObject({ outcome: 'waived', waiver: { owner: 'alice', expires: '2099-12-31' } });
  });
});
