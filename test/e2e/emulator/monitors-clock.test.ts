// Monitor activation and the refresh timeline under a controlled emulator clock.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServingMonitorsTarget, type Target } from '../../support/emulator-target.js';

describe('monitor and refresh timing on a controlled clock', () => {
  let now = 1_700_000_000_000;
  let target: Target;
  beforeAll(async () => {
    target = await startServingMonitorsTarget(
      {
        catalog: { catalogs: [{ name: 'main', schemas: ['ml', 'mon'] }], tables: [{ name: 'main.ml.t1' }] },
        monitors: { activation_ms: 1_000, refresh_duration_ms: 8_000 },
      },
      { clock: { now: () => now } },
    );
  });
  afterAll(async () => {
    await target?.close();
  });

  it('activates after activation_ms and moves a refresh PENDING → RUNNING (¼) → SUCCESS', async () => {
    const start = now;
    const created = await target.call('POST', '/api/2.1/unity-catalog/tables/main.ml.t1/monitor', {
      output_schema_name: 'main.mon',
      assets_dir: '/Workspace/m',
      snapshot: {},
    });
    expect(created.json.status).toBe('MONITOR_STATUS_PENDING');
    now = start + 999;
    expect((await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.t1/monitor')).json.status).toBe('MONITOR_STATUS_PENDING');
    now = start + 1_000;
    expect((await target.call('GET', '/api/2.1/unity-catalog/tables/main.ml.t1/monitor')).json.status).toBe('MONITOR_STATUS_ACTIVE');

    const base = '/api/2.1/unity-catalog/tables/main.ml.t1/monitor/refreshes';
    const refresh = (await target.call('POST', base)).json;
    const t0 = now;
    expect(refresh).toMatchObject({ state: 'PENDING', start_time_ms: t0 });
    const at = async (offset: number) => {
      now = t0 + offset;
      return (await target.call('GET', `${base}/${refresh.refresh_id}`)).json;
    };
    expect((await at(1_999)).state).toBe('PENDING');
    expect((await at(2_000)).state).toBe('RUNNING');
    expect((await at(7_999)).state).toBe('RUNNING');
    const done = await at(8_000);
    expect(done).toMatchObject({ state: 'SUCCESS', start_time_ms: t0, end_time_ms: t0 + 8_000 });
  });
});
