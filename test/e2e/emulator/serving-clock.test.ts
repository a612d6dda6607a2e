// The serving state machine under a controlled emulator clock: exact duration boundaries, and state that
// survives an emulator restart mid-update (persistence).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const entity = (version: string) => ({ entity_name: 'main.ml.churn', entity_version: version });

describe('serving durations on a controlled clock', () => {
  let now = 1_700_000_000_000;
  let target: Target;
  beforeAll(async () => {
    target = await startServingMonitorsTarget(
      {
        serving: {
          update_duration_ms: 10_000,
          ready_delay_ms: 5_000,
          endpoints: [{ name: 'seeded', config: { served_entities: [entity('7')] }, tags: [{ key: 'env', value: 'prod' }] }],
        },
      },
      { clock: { now: () => now } },
    );
  });
  afterAll(async () => {
    await target?.close();
  });
  const state = async (name: string): Promise<Json> => (await target.call('GET', `/api/2.0/serving-endpoints/${name}`)).json;

  it('serves seeded endpoints READY at config_version 1, and their next update is version 2', async () => {
    const seeded = await state('seeded');
    expect(seeded.state).toEqual({ ready: 'READY', config_update: 'NOT_UPDATING' });
    expect(seeded.config.config_version).toBe(1);
    expect(seeded.tags).toEqual([{ key: 'env', value: 'prod' }]);
    const scored = await target.call('POST', '/serving-endpoints/seeded/invocations', { instances: [[1, 2]] });
    expect(scored.json.predictions).toHaveLength(1);
    const update = await target.call('PUT', '/api/2.0/serving-endpoints/seeded/config', { served_entities: [entity('8')] });
    expect(update.json.pending_config.config_version).toBe(2);
  });

  it('stays IN_PROGRESS until exactly update_duration_ms, then waits ready_delay_ms for READY', async () => {
    const created = await target.call('POST', '/api/2.0/serving-endpoints', { name: 'clocked', config: { served_entities: [entity('1')] } });
    expect(created.json.creation_timestamp).toBe(now);
    expect(created.json.pending_config.start_time).toBe(now);
    const start = now;

    now = start + 9_999;
    expect((await state('clocked')).state).toEqual({ ready: 'NOT_READY', config_update: 'IN_PROGRESS' });
    now = start + 10_000;
    const live = await state('clocked');
    expect(live.state).toEqual({ ready: 'NOT_READY', config_update: 'NOT_UPDATING' });
    expect(live.config.config_version).toBe(1);
    expect(live.last_updated_timestamp).toBe(start + 10_000);
    now = start + 14_999;
    expect((await state('clocked')).state.ready).toBe('NOT_READY');
    now = start + 15_000;
    expect((await state('clocked')).state.ready).toBe('READY');
  });

  it('keeps READY and the old config during a later update; pending start_time is the update time', async () => {
    const start = now;
    const update = await target.call('PUT', '/api/2.0/serving-endpoints/clocked/config', { served_entities: [entity('2')] });
    expect(update.json.pending_config.start_time).toBe(start);
    now = start + 5_000;
    const mid = await state('clocked');
    expect(mid.state).toEqual({ ready: 'READY', config_update: 'IN_PROGRESS' });
    expect(mid.config.served_entities[0].entity_version).toBe('1');
    now = start + 10_000;
    const after = await state('clocked');
    expect(after.state).toEqual({ ready: 'READY', config_update: 'NOT_UPDATING' });
    expect(after.config.served_entities[0].entity_version).toBe('2');
  });
});

describe('serving state across an emulator restart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serving-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes an in-flight update after a restart from the state file', async () => {
    let now = 1_800_000_000_000;
    const clock = { now: () => now };
    const statePath = join(dir, 'state.json');
    const first = await startServingMonitorsTarget({ serving: { update_duration_ms: 10_000 } }, { clock, statePath });
    await first.call('POST', '/api/2.0/serving-endpoints', { name: 'durable', config: { served_entities: [entity('4')] } });
    await first.close();

    const second = await startServingMonitorsTarget({}, { clock, statePath });
    try {
      const during = (await second.call('GET', '/api/2.0/serving-endpoints/durable')).json;
      expect(during.state.config_update).toBe('IN_PROGRESS');
      expect(during.pending_config.served_entities[0].name).toBe('churn-4');
      now += 10_000;
      const done = (await second.call('GET', '/api/2.0/serving-endpoints/durable')).json;
      expect(done.state).toEqual({ ready: 'READY', config_update: 'NOT_UPDATING' });
      expect(done.config.config_version).toBe(1);
    } finally {
      await second.close();
    }
  });
});
