// The release scheduler (src/run/schedule.ts): which targets wait for which (a model's earlier hop,
// the same serving endpoint, the same lock), that independent ones run side by side at most N at a
// time, that a later hop is held when the earlier one did not go through, and that results come
// back in config order whatever order they finished in. No wall clock: every "duration" is a
// promise the test resolves by hand.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/loader.js';
import { listTargets } from '../../../src/config/targets.js';
import type { Target } from '../../../src/config/types.js';
import { releaseGraph, releaseResources, runSchedule, type ReleaseGraph, type ReleaseNode, type ReleaseResource } from '../../../src/run/schedule.js';

const t = (model: string, from: string, to: string): Target => ({ model, from, to });
const none = (): ReleaseResource[] => [];
const waits = (g: ReleaseGraph) => g.nodes.map((n) => n.after.map((e) => `${e.after}:${e.reason}`));

const config = (text: string) => loadConfig({ file: 'mlops.yml', text }, { env: {}, now: new Date('2026-11-23T00:00:00Z'), readFile: () => null }).config;

const UC = `version: 1
environments:
  dev:  { registry: databricks-uc, host: "https://ws.example.com", catalog: ml_dev, schema: models }
  test: { registry: databricks-uc, host: "https://ws.example.com", catalog: ml_test, schema: models, promote_from: dev }
  prod: { registry: databricks-uc, host: "https://ws.example.com", catalog: ml_prod, schema: models, promote_from: test }
models:
  churn:
    name: churn
    candidate: { alias: challenger }
    serving: { endpoint: "churn-\${env}", environments: [prod] }
  fraud:
    name: fraud
    candidate: { alias: challenger }
    serving: { endpoint: "shared-\${env}", environments: [prod] }
  risk:
    name: risk
    candidate: { alias: challenger }
    serving: { endpoint: "shared-\${env}", environments: [prod] }
`;

/** A run whose targets finish when the test says so; records what started, in order. */
function manual() {
  const started: string[] = [];
  const pending = new Map<string, (status: string) => void>();
  let running = 0;
  let peak = 0;
  const name = (n: ReleaseNode) => `${n.target.model} ${n.target.from}→${n.target.to}`;
  const run = (n: ReleaseNode) =>
    new Promise<string>((resolve) => {
      started.push(name(n));
      running++;
      peak = Math.max(peak, running);
      pending.set(name(n), (status) => {
        running--;
        resolve(status);
      });
    });
  const flush = () => new Promise((r) => setImmediate(r));
  const finish = async (which: string, status = 'applied') => {
    const f = pending.get(which);
    if (!f) throw new Error(`${which} is not running (running: ${[...pending.keys()].join(', ')})`);
    pending.delete(which);
    f(status);
    await flush();
  };
  return { started, run, finish, flush, running: () => [...pending.keys()], peak: () => peak };
}

const options = (m: ReturnType<typeof manual>, concurrency: number) => ({
  concurrency,
  run: m.run,
  holdsLaterHops: (r: string) => r === 'failed' || r === 'held',
  held: () => 'held',
});

describe('releaseGraph: ordering reasons', () => {
  it('independent targets wait for nothing', () => {
    const g = releaseGraph([t('a', 'dev', 'test'), t('b', 'dev', 'test'), t('c', 'dev', 'test')], none);
    expect(waits(g)).toEqual([[], [], []]);
    expect(g.order).toEqual([0, 1, 2]);
  });

  it('a model\'s later hop waits for its earlier hop, even when the environments are declared the other way round', () => {
    const g = releaseGraph([t('a', 'test', 'prod'), t('a', 'dev', 'test'), t('b', 'test', 'prod')], none);
    expect(waits(g)).toEqual([['1:hop'], [], []]);
    expect(g.order).toEqual([1, 0, 2]);
  });

  it('two environments fed by one (test → prod and test → prod_eu) both wait for dev → test, not for each other', () => {
    const g = releaseGraph([t('a', 'dev', 'test'), t('a', 'test', 'prod'), t('a', 'test', 'prod_eu')], none);
    expect(waits(g)).toEqual([[], ['0:hop'], ['0:hop']]);
  });

  it('targets on one endpoint or one lock form a chain in config order', () => {
    const res: Record<string, ReleaseResource[]> = {
      a: [{ reason: 'endpoint', key: 'ws|shared' }],
      b: [{ reason: 'endpoint', key: 'ws|shared' }, { reason: 'lock', key: 'L' }],
      c: [{ reason: 'endpoint', key: 'ws|shared' }],
      d: [{ reason: 'lock', key: 'L' }],
    };
    const g = releaseGraph(['a', 'b', 'c', 'd'].map((m) => t(m, 'dev', 'prod')), (x) => res[x.model]!);
    expect(waits(g)).toEqual([[], ['0:endpoint'], ['1:endpoint'], ['1:lock']]);
  });

  it('reads the resources from the config: the lock by destination model and environment, the endpoint by workspace and name', () => {
    const c = config(UC);
    const targets = listTargets(c);
    const g = releaseGraph(targets, (x) => releaseResources(c, x));
    const named = g.nodes.map((n) => `${n.target.model} ${n.target.to}: ${n.after.map((e) => `${g.nodes[e.after]!.target.model} ${g.nodes[e.after]!.target.to} (${e.reason})`).join(', ')}`);
    expect(named).toEqual([
      'churn test: ',
      'churn prod: churn test (hop)',
      'fraud test: ',
      'fraud prod: fraud test (hop)',
      'risk test: ',
      // risk's prod endpoint is fraud's: one after the other.
      'risk prod: risk test (hop), fraud prod (endpoint)',
    ]);
    // The lock key is the executor's (destination model × environment), compared as Unity Catalog compares names.
    expect(releaseResources(c, t('churn', 'dev', 'test'))[0]!.key).toBe('https://ws.example.com|ml_test.models.churn|test');
    expect(releaseResources(c, t('fraud', 'test', 'prod'))).toEqual([
      { reason: 'lock', key: expect.stringContaining('|prod') },
      { reason: 'endpoint', key: 'https://ws.example.com|shared-prod' },
    ]);
  });
});

describe('runSchedule', () => {
  it('runs independent targets side by side, at most N at a time, and returns results in config order whatever order they finished in', async () => {
    const targets = ['a', 'b', 'c', 'd', 'e'].map((m) => t(m, 'dev', 'test'));
    const m = manual();
    const done = runSchedule(releaseGraph(targets, none), { ...options(m, 2), run: async (n) => `${await m.run(n)} ${n.target.model}` });
    await m.flush();
    expect(m.running()).toEqual(['a dev→test', 'b dev→test']);
    await m.finish('b dev→test');
    expect(m.running()).toEqual(['a dev→test', 'c dev→test']);
    await m.finish('c dev→test');
    await m.finish('d dev→test');
    await m.finish('e dev→test');
    await m.finish('a dev→test');
    expect(m.peak()).toBe(2);
    expect(m.started).toEqual(['a dev→test', 'b dev→test', 'c dev→test', 'd dev→test', 'e dev→test']);
    expect(await done).toEqual(['applied a', 'applied b', 'applied c', 'applied d', 'applied e']);
  });

  it('concurrency 1 is today\'s behaviour: one target after another, in config order', async () => {
    const targets = [t('a', 'dev', 'test'), t('a', 'test', 'prod'), t('b', 'dev', 'test')];
    const m = manual();
    const done = runSchedule(releaseGraph(targets, none), options(m, 1));
    await m.flush();
    for (const name of ['a dev→test', 'a test→prod', 'b dev→test']) {
      expect(m.running()).toEqual([name]);
      await m.finish(name);
    }
    expect(await done).toEqual(['applied', 'applied', 'applied']);
  });

  it('a later hop starts only when the earlier hop finished; other models do not wait for it', async () => {
    const targets = [t('a', 'dev', 'test'), t('a', 'test', 'prod'), t('b', 'dev', 'test'), t('b', 'test', 'prod')];
    const m = manual();
    const done = runSchedule(releaseGraph(targets, none), options(m, 4));
    await m.flush();
    expect(m.running()).toEqual(['a dev→test', 'b dev→test']);
    await m.finish('b dev→test');
    expect(m.running()).toEqual(['a dev→test', 'b test→prod']);
    await m.finish('a dev→test');
    expect(m.running()).toEqual(['b test→prod', 'a test→prod']);
    await m.finish('a test→prod');
    await m.finish('b test→prod');
    expect(await done).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  it('a failed hop holds the model\'s later hops (transitively) without taking a slot, and holds nobody else', async () => {
    const targets = [t('a', 'dev', 'test'), t('a', 'test', 'prod'), t('a', 'prod', 'live'), t('b', 'dev', 'test')];
    const m = manual();
    const heldBecause: string[] = [];
    const done = runSchedule(releaseGraph(targets, none), {
      ...options(m, 1),
      held: (n, because, result) => {
        heldBecause.push(`${n.target.to} because ${because.target.to} ${result}`);
        return 'held';
      },
    });
    await m.flush();
    await m.finish('a dev→test', 'failed');
    // Both later hops of a are held at once; b runs in the one slot.
    expect(m.running()).toEqual(['b dev→test']);
    await m.finish('b dev→test');
    expect(await done).toEqual(['failed', 'held', 'held', 'applied']);
    expect(heldBecause).toEqual(['prod because test failed', 'live because prod held']);
    expect(m.started).toEqual(['a dev→test', 'b dev→test']);
  });

  it('a shared endpoint or lock only orders: the second target runs even when the first failed', async () => {
    const res = (): ReleaseResource[] => [{ reason: 'endpoint', key: 'ws|shared' }];
    const targets = [t('a', 'dev', 'prod'), t('b', 'dev', 'prod')];
    const m = manual();
    const done = runSchedule(releaseGraph(targets, res), options(m, 4));
    await m.flush();
    expect(m.running()).toEqual(['a dev→prod']);
    await m.finish('a dev→prod', 'failed');
    expect(m.running()).toEqual(['b dev→prod']);
    await m.finish('b dev→prod');
    expect(await done).toEqual(['failed', 'applied']);
  });

  it('when a target throws (a kill), nothing more starts, the running ones finish, and the error comes out', async () => {
    const targets = ['a', 'b', 'c'].map((x) => t(x, 'dev', 'test'));
    const m = manual();
    let rejectA: (e: Error) => void = () => undefined;
    const done = runSchedule(releaseGraph(targets, none), {
      ...options(m, 2),
      run: (n) => (n.target.model === 'a' ? new Promise<string>((_, reject) => (rejectA = reject)) : m.run(n)),
    });
    let settled = false;
    void done.catch(() => undefined).finally(() => (settled = true));
    await m.flush();
    rejectA(new Error('killed'));
    await m.flush();
    expect(settled).toBe(false);
    expect(m.running()).toEqual(['b dev→test']);
    await m.finish('b dev→test');
    await expect(done).rejects.toThrow('killed');
    expect(m.started).toEqual(['b dev→test']);
  });

  it('an empty release resolves to no results', async () => {
    expect(await runSchedule(releaseGraph([], none), { concurrency: 4, run: async () => 'x', holdsLaterHops: () => false, held: () => 'held' })).toEqual([]);
  });
});
