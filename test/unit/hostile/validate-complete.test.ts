// `validate` ✓ means the release accepts the config: every refusal that plan, promote or rollback
// can make without the network is made by validate too, at the same position. Each case runs
// through the CLI's own core (runCli) as validate, plan, promote --dry-run and rollback --dry-run;
// all four must exit 2 at the same file:line:column, and the registry (a local server that records
// every request) must not have been contacted. A valid control config shows the server would have
// recorded a request.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { sendJson, startServer, type TestServer } from '../../support/http-server.js';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer((_req, res) => sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'not here' }));
  dir = mkdtempSync(join(tmpdir(), 'validate-complete-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Credentials for both registry kinds, so nothing is refused for want of them. */
const ENV = { DATABRICKS_TOKEN: 'dapi-test', MLFLOW_TRACKING_TOKEN: 'mlflow-test' };

const UC_ENVS = [
  'environments:',
  '  dev: { registry: databricks-uc, host: "HOST", catalog: ml_dev, schema: models }',
  '  prod: { registry: databricks-uc, host: "HOST", catalog: ml_prod, schema: models, promote_from: dev }',
];
const MLFLOW_ENVS = [
  'environments:',
  '  dev: { registry: mlflow, tracking_uri: "HOST" }',
  '  prod: { registry: mlflow, tracking_uri: "HOST", promote_from: dev }',
];
const MONITOR = [
  '    monitor:',
  '      table: ml_${env}.logs.payload',
  '      output_schema: ml_${env}.monitoring',
  '      inference_log: { problem_type: classification, prediction_col: p, timestamp_col: ts, model_id_col: v }',
];

interface Case {
  readonly name: string;
  /** Lines of mlops.yml; "HOST" becomes the recording server's URL (never before a position under test on its line). */
  readonly lines: readonly string[];
  /** Raw bytes instead (for encodings). */
  readonly bytes?: Buffer;
  readonly line: number;
  readonly column: number;
  readonly code: RegExp;
}

const config = (envs: readonly string[], ...model: string[]): string[] => ['version: 1', ...envs, 'models:', '  churn:', ...model];

const CASES: Case[] = [
  { name: 'promotion: stage on Unity Catalog', lines: config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', '    promotion: stage'), line: 9, column: 16, code: /promotion: stage needs legacy registry stages/ },
  { name: 'promotion: stage from defaults on Unity Catalog', lines: [...config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }'), 'defaults:', '  promotion: stage'], line: 10, column: 14, code: /promotion: stage needs legacy registry stages/ },
  { name: 'not a three-level Unity Catalog name', lines: config(UC_ENVS, '    name: team.churn', '    candidate: { alias: challenger }'), line: 7, column: 11, code: /not a three-level Unity Catalog name/ },
  { name: 'a Unity Catalog name with a space', lines: config(UC_ENVS, '    name: "churn model"', '    candidate: { alias: challenger }'), line: 7, column: 11, code: /contains a space/ },
  { name: 'two models on one registered model', lines: [...config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }'), '  twin:', '    name: churn', '    candidate: { latest: true }'], line: 10, column: 11, code: /both resolve to the registered model/ },
  { name: 'promotion: alias across MLflow → Unity Catalog', lines: config(['environments:', '  dev: { registry: mlflow, tracking_uri: "HOST" }', '  prod: { registry: databricks-uc, promote_from: dev, host: "HOST", catalog: ml, schema: models }'], '    name: churn', '    candidate: { alias: challenger }', '    promotion: alias'), line: 4, column: 50, code: /promotion between an MLflow server and Unity Catalog is not supported/ },
  { name: 'promotion: copy into the same model', lines: config(MLFLOW_ENVS, '    name: churn', '    candidate: { alias: challenger }'), line: 7, column: 11, code: /promotion: copy needs a different model/ },
  { name: 'promotion: alias across two models', lines: config(MLFLOW_ENVS, '    name: churn-${env}', '    candidate: { alias: challenger }', '    promotion: alias'), line: 9, column: 16, code: /promotion: alias moves aliases within one model/ },
  { name: 'serving: on MLflow-only environments', lines: config(MLFLOW_ENVS, '    name: churn-${env}', '    candidate: { alias: challenger }', '    serving: { endpoint: churn }'), line: 9, column: 5, code: /serving: every environment is an MLflow server/ },
  { name: 'monitor: on MLflow-only environments', lines: config(MLFLOW_ENVS, '    name: churn-${env}', '    candidate: { alias: challenger }', ...MONITOR), line: 9, column: 5, code: /monitor: every environment is an MLflow server/ },
  { name: 'a monitor table that is not catalog.schema.table', lines: config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', ...MONITOR.map((l) => l.replace('ml_${env}.logs.payload', 'payload'))), line: 10, column: 14, code: /monitor table "payload" \(in "prod"\) is not a three-level name/ },
  { name: 'a monitor granularity the API refuses', lines: config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', ...MONITOR, '      schedule: { cron: "0 0 2 * * ?" }').map((l) => l.replace('model_id_col: v }', 'model_id_col: v, granularities: ["2 days"] }')), line: 12, column: 125, code: /monitor granularity "2 days" is not supported/ },
  { name: 'an invalid cron expression (Quartz)', lines: config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', ...MONITOR, '      schedule: { cron: "0 0 25 * * ?" }'), line: 13, column: 30, code: /hours field: 25 is outside 0-23/ },
  { name: 'a 5-field (Unix) cron expression', lines: config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', ...MONITOR, '      schedule: { cron: "0 2 * * 1" }'), line: 13, column: 26, code: /has 6 or 7 fields, got 5/ },
  {
    name: 'bytes that are not UTF-8',
    lines: [],
    bytes: Buffer.concat([Buffer.from(config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', '    champion_alias: "caf').join('\n')), Buffer.from([0xe9, 0x22, 0x0a])]),
    line: 9,
    column: 25,
    code: /not valid UTF-8/,
  },
  { name: 'a champion alias the registry refuses', lines: config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', '    champion_alias: latest'), line: 9, column: 21, code: /"latest" is reserved/ },
  { name: 'a required_tags pattern with a backreference', lines: [...config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }', '    policies: [p]'), 'policies:', '  p:', '    gates:', '      - { type: required_tags, tags: { owner: "(a)\\\\1" } }'], line: 13, column: 47, code: /backreferences such as \\1 are not supported/ },
];

const COMMANDS: readonly (readonly string[])[] = [['validate'], ['plan'], ['promote', '--dry-run'], ['rollback', '--model', 'churn', '--env', 'prod', '--dry-run']];

interface Outcome {
  readonly code: number;
  readonly stderr: string;
  /** file:line:column of the first error printed. */
  readonly at: string | null;
}

const run = async (argv: readonly string[], file: string): Promise<Outcome> => {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--config', file], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: ENV, cwd: dir });
  const at = /^(\S+?:\d+:\d+): error:/m.exec(stderr)?.[1] ?? null;
  return { code, stderr: stderr + stdout, at };
};

const writeCase = (c: Case, index: number): string => {
  const file = join(dir, `case-${index}.yml`);
  writeFileSync(file, c.bytes ?? `${c.lines.join('\n').replaceAll('HOST', server.url)}\n`);
  return file;
};

describe('validate is complete: every network-free refusal, through every command, at one position', () => {
  test('the table covers the refusals of issue 13', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  test.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, index) => {
    const file = writeCase(c, index);
    const before = server.requests().length;
    const outcomes = [];
    for (const argv of COMMANDS) outcomes.push({ command: argv[0], ...(await run(argv, file)) });
    const expected = `${file}:${c.line}:${c.column}`;
    for (const o of outcomes) {
      expect({ command: o.command, code: o.code, at: o.at }, o.stderr).toEqual({ command: o.command, code: 2, at: expected });
      expect(o.stderr).toMatch(c.code);
      expect(o.stderr).toMatch(/nothing was contacted/);
      expect(o.stderr).not.toMatch(/\n\s+at |internal error|Exception|RE2JS|YAML\.\w+\(/);
    }
    expect(server.requests().length - before, 'requests made to the registry').toBe(0);
  }, 60_000);

  test('control: a valid config does reach the registry, so "nothing contacted" above means something', async () => {
    const file = writeCase({ name: 'valid', lines: config(UC_ENVS, '    name: churn', '    candidate: { alias: challenger }'), line: 0, column: 0, code: /./ }, 999);
    expect((await run(['validate'], file)).code).toBe(0);
    const before = server.requests().length;
    const plan = await run(['plan'], file);
    expect(plan.code).not.toBe(2);
    expect(server.requests().length - before).toBeGreaterThan(0);
  });
});
