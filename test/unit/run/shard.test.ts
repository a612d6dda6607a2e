// Splitting a release across matrix legs (`--shard I/N`, src/run/shard.ts) and merging the legs'
// results back (src/result/merge.ts): every target in exactly one leg, a model's hops together,
// models sharing an endpoint together, the same split every time; the merge refuses overlaps and
// mixed configs and keeps config order.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/loader.js';
import { listTargets } from '../../../src/config/targets.js';
import { targetKey } from '../../../src/config/types.js';
import { parseCliArgs, parseParallelTargets, parseShard } from '../../../src/invocation.js';
import { readActionInputs } from '../../../src/action/inputs.js';
import { mergeResults, parseResultDocument } from '../../../src/result/merge.js';
import { resultDocument } from '../../../src/result/build.js';
import { exitCodeFor } from '../../../src/result/exit.js';
import type { TargetReport } from '../../../src/result/types.js';
import { shardOfModels, shardTargets } from '../../../src/run/shard.js';

const models = (n: number, shared: readonly number[] = []) =>
  Array.from({ length: n }, (_, i) => `  m${i}:\n    name: m${i}\n    candidate: { alias: challenger }\n    serving: { endpoint: "${shared.includes(i) ? 'shared' : `m${i}`}-\${env}", environments: [prod] }`).join('\n');
const config = (n: number, shared: readonly number[] = []) =>
  loadConfig(
    {
      file: 'mlops.yml',
      text: `version: 1
environments:
  dev:  { registry: databricks-uc, host: "https://ws.example.com", catalog: ml_dev, schema: models }
  test: { registry: databricks-uc, host: "https://ws.example.com", catalog: ml_test, schema: models, promote_from: dev }
  prod: { registry: databricks-uc, host: "https://ws.example.com", catalog: ml_prod, schema: models, promote_from: test }
models:
${models(n, shared)}
`,
    },
    { env: {}, now: new Date('2026-11-23T00:00:00Z'), readFile: () => null },
  ).config;

describe('shards', () => {
  it('every target lands in exactly one leg, with all hops of its model, balanced by targets', () => {
    const c = config(10);
    const all = listTargets(c);
    const legs = [1, 2, 3].map((index) => shardTargets(c, all, { index, count: 3 }));
    expect(legs.flat().map(targetKey).sort()).toEqual(all.map(targetKey).sort());
    for (const leg of legs) for (const t of leg) expect(leg.filter((u) => u.model === t.model)).toHaveLength(2);
    expect(legs.map((l) => l.length)).toEqual([8, 6, 6]);
    // Deterministic: the same config gives the same split.
    expect([1, 2, 3].map((index) => shardTargets(config(10), listTargets(config(10)), { index, count: 3 }))).toEqual(legs);
  });

  it('models that share a serving endpoint go to the same leg, so legs never roll one endpoint at once', () => {
    const c = config(6, [1, 4]);
    const legs = shardOfModels(c, 3);
    expect(legs.get('m1')).toBe(legs.get('m4'));
    // The group counts for its targets: the other legs get the remaining models.
    expect([...legs.values()].filter((l) => l === legs.get('m1'))).toHaveLength(2);
  });

  it('a filtered leg (--to prod) draws the same lines as an unfiltered one', () => {
    const c = config(7);
    const prodOnly = shardTargets(c, listTargets(c, { to: 'prod' }), { index: 2, count: 3 });
    const whole = shardTargets(c, listTargets(c), { index: 2, count: 3 });
    expect(prodOnly).toEqual(whole.filter((t) => t.to === 'prod'));
  });

  it('more legs than models: the extra legs are empty', () => {
    const c = config(2);
    expect(shardTargets(c, listTargets(c), { index: 3, count: 3 })).toEqual([]);
  });
});

describe('--shard, --parallel-targets, merge-results: parsing', () => {
  it('parses I/N and refuses the rest', () => {
    expect(parseShard('--shard', '2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('--shard', undefined)).toBeNull();
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0', '1/300']) expect(() => parseShard('--shard', bad)).toThrow(/--shard must be I\/N/);
    expect(parseCliArgs(['promote', '--shard', '1/2', '--parallel-targets', '8'])).toMatchObject({ shard: { index: 1, count: 2 }, parallelTargets: 8 });
    expect(parseCliArgs(['plan', '--shard', '3/3'])).toMatchObject({ shard: { index: 3, count: 3 } });
    expect(parseCliArgs(['promote'])).toMatchObject({ shard: null, parallelTargets: null });
  });

  it('--parallel-targets is an integer 1..64', () => {
    expect(parseParallelTargets('--parallel-targets', '1')).toBe(1);
    for (const bad of ['0', '65', '2.5', 'many', '-1']) expect(() => parseParallelTargets('--parallel-targets', bad)).toThrow(/--parallel-targets must be an integer 1\.\.64/);
    expect(() => parseCliArgs(['promote', '--parallel-targets', '0'])).toThrow(/--parallel-targets must be an integer/);
  });

  it('the action maps parallel-targets and shard to the flags, and merge-results to its files', () => {
    const env = { MLOPS_GATE_COMMAND: 'promote', MLOPS_GATE_PARALLEL_TARGETS: '6', MLOPS_GATE_SHARD: '2/3' };
    expect(readActionInputs(env).invocation).toMatchObject({ command: 'promote', parallelTargets: 6, shard: { index: 2, count: 3 } });
    expect(readActionInputs({ MLOPS_GATE_COMMAND: 'merge-results', MLOPS_GATE_RESULTS: 'results/\nmore.json' }).invocation).toMatchObject({
      command: 'merge-results',
      files: ['results/', 'more.json'],
      format: 'markdown',
    });
    expect(() => readActionInputs({ MLOPS_GATE_COMMAND: 'merge-results' })).toThrow(/needs input "results"/);
    expect(parseCliArgs(['merge-results', 'a.json', 'dir', '--format', 'json', '--config', 'mlops.yml'])).toEqual({
      command: 'merge-results',
      files: ['a.json', 'dir'],
      format: 'json',
      resultPath: null,
      failOn: 'fail',
      orderConfig: 'mlops.yml',
    });
    expect(() => parseCliArgs(['merge-results'])).toThrow(/name the result files/);
  });
});

describe('mergeResults', () => {
  const target = (model: string, to: string, status: 'applied' | 'failed' | null, verdict: TargetReport['verdict'] = 'pass'): TargetReport =>
    ({
      model,
      from: to === 'test' ? 'dev' : 'test',
      to,
      verdict,
      summary: '',
      gates: [],
      candidate: null,
      champion: null,
      ...(status ? { plan: { mode: 'copy', hash: null, status, message: status, source: null, destination: null, previousChampion: null, steps: [], writes: 1 } } : {}),
    }) as unknown as TargetReport;
  const leg = (targets: TargetReport[], digest = 'sha256:abc', wallMs = 100) =>
    resultDocument({
      command: 'promote',
      config: { file: 'mlops.yml', digest },
      targets,
      diagnostics: [{ severity: 'warning', code: 'w', message: 'same', path: '', position: null }],
      now: new Date('2026-11-23T00:00:00Z'),
      requests: { total: 10, byEndpoint: { 'GET x': 4 }, bytesReceived: 1, bytesSent: 2, retries: 0, wallMs },
    });

  it('joins the legs: targets in config order, requests summed, the wall time of the longest leg, the verdict and exit code of the whole', () => {
    const merged = mergeResults(
      [
        { name: 'leg2.json', doc: leg([target('b', 'test', 'failed'), target('b', 'prod', null, 'fail')], 'sha256:abc', 300) },
        { name: 'leg1.json', doc: leg([target('a', 'test', 'applied'), target('a', 'prod', 'applied')]) },
      ],
      ['a:dev->test', 'a:test->prod', 'b:dev->test', 'b:test->prod'],
    );
    expect(merged.targets.map((t) => `${t.model} ${t.to}`)).toEqual(['a test', 'a prod', 'b test', 'b prod']);
    expect(merged.requests).toMatchObject({ total: 20, byEndpoint: { 'GET x': 8 }, wallMs: 300 });
    expect(merged.diagnostics).toHaveLength(1);
    expect(merged.verdict).toBe('fail');
    expect(exitCodeFor(merged, 'fail')).toBe(3);
    expect(parseResultDocument('m.json', JSON.stringify(merged))).toEqual(merged);
  });

  it('refuses overlapping legs, legs of another config, and files that are not results', () => {
    expect(() => mergeResults([{ name: 'x.json', doc: leg([target('a', 'test', 'applied')]) }, { name: 'y.json', doc: leg([target('a', 'test', 'applied')]) }])).toThrow(/a dev → test is in both x\.json and y\.json/);
    expect(() => mergeResults([{ name: 'x.json', doc: leg([]) }, { name: 'y.json', doc: leg([], 'sha256:other') }])).toThrow(/different configs/);
    expect(() => mergeResults([])).toThrow(/no result files/);
    expect(() => parseResultDocument('e.json', '{"schemaVersion":1,"targets":{}}')).toThrow(/e\.json: not an mlops-gate result document/);
    expect(() => parseResultDocument('e.json', 'nope')).toThrow(/e\.json: not valid JSON/);
  });
});
