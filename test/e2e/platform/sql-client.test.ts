// The SQL Statement Execution client (src/platform/sql/client.ts) against the emulator over real
// HTTP, on a clock the polls advance: an answer within wait_timeout (one request), a warehouse that
// has to start (PENDING → RUNNING → SUCCEEDED, polled with backoff), FAILED answers as typed
// failures (missing table, no permission), a statement past the deadline (canceled), and results in
// several chunks.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqlStatementFailed } from '../../../src/evidence/live.js';
import { driftStatement } from '../../../src/evidence/live-sql.js';
import { errorKind } from '../../../src/evidence/errors.js';
import { createSqlClient } from '../../../src/platform/sql/client.js';
import { startBed, type Bed } from '../rollout/harness.js';

const DAY = 86_400_000;
const drift = (column: string, js: number, end: number) => ({ window: { start: end - DAY, end }, granularity: '1 day', slice_key: null, column_name: column, data_type: 'double', drift_type: 'BASELINE', js_distance: js });

let bed: Bed;
beforeAll(async () => {
  bed = await startBed({
    sql: {
      statement_duration_ms: 2_000,
      warehouse_start_ms: 45_000,
      warehouses: [
        { id: 'hot', state: 'RUNNING' },
        { id: 'cold', state: 'STOPPED' },
      ],
      tables: {
        'main.mon.churn_drift_metrics': { rows: [drift('a', 0.1, DAY), drift('b', 0.2, DAY), drift('c', 0.3, DAY), drift('a', 0.9, 0)] },
        'main.mon.secret_drift_metrics': { rows: [], denied: true },
      },
    },
  });
});
afterAll(async () => {
  await bed?.close();
});
beforeEach(async () => {
  await bed.emulator.admin.reset();
  bed.emulator.admin.clearRequests();
});

const params = (table: string) => [
  { name: 'drift_table', value: table },
  { name: 'granularity', value: '1 day' },
  { name: 'drift_type', value: 'BASELINE' },
];
const client = (warehouseId: string, extra: Partial<Parameters<typeof createSqlClient>[0]> = {}) => createSqlClient({ http: bed.http, warehouseId, clock: bed.clock, ...extra });
const routes = () => bed.emulator.admin.requests().entries.filter((e) => !e.path.startsWith('/__emulator')).map((e) => e.route);

describe('SQL Statement Execution client', () => {
  it('a statement that ends within wait_timeout: one POST, the rows of the latest window', async () => {
    const r = await client('hot').query(driftStatement(false), params('main.mon.churn_drift_metrics'));
    expect(r.columns.slice(0, 5)).toEqual(['column_name', 'data_type', 'window_start_ms', 'window_end_ms', 'js_distance']);
    expect(r.rows.map((row) => [row[0], row[4]])).toEqual([
      ['a', '0.1'],
      ['b', '0.2'],
      ['c', '0.3'],
    ]);
    expect(routes()).toEqual(['POST /api/2.0/sql/statements']);
  });

  it('a warehouse that has to start: PENDING, then RUNNING, then SUCCEEDED, polled with backoff on the clock', async () => {
    const started = bed.clock.now();
    const r = await client('cold').query(driftStatement(false), params('main.mon.churn_drift_metrics'));
    expect(r.rows).toHaveLength(3);
    // 45 s to start + 2 s to run; polls after 1, 2, 4, 8, 10, 10, 10, 10 s = 55 s.
    expect(bed.clock.now() - started).toBe(55_000);
    expect(routes()).toEqual(['POST /api/2.0/sql/statements', ...Array(8).fill('GET /api/2.0/sql/statements/:id')]);
    const states = (await bed.call('GET', '/__emulator/sql/statements')).json.statements.map((s: { state: string }) => s.state);
    expect(states).toEqual(['SUCCEEDED']);
  });

  it('FAILED answers (HTTP 200) become typed failures: a missing table is not_found, no SELECT is denied', async () => {
    const missing = await client('hot').query(driftStatement(false), params('main.mon.nope_drift_metrics')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SqlStatementFailed);
    expect((missing as Error).message).toMatch(/^statement \w+ ended FAILED \(BAD_REQUEST, SQLSTATE 42P01\): \[TABLE_OR_VIEW_NOT_FOUND\] The table or view `main`\.`mon`\.`nope_drift_metrics` cannot be found/);
    expect(errorKind(missing)).toBe('not_found');
    const denied = await client('hot').query(driftStatement(false), params('main.mon.secret_drift_metrics')).catch((e: unknown) => e);
    expect((denied as Error).message).toMatch(/SQLSTATE 42501\): \[INSUFFICIENT_PERMISSIONS\]/);
    expect(errorKind(denied)).toBe('denied');
  });

  it('a statement still running at the deadline is canceled and reported, never read in part', async () => {
    await bed.call('PATCH', '/__emulator/sql/settings', { statement_duration_ms: 30 * 60_000 });
    const e = await client('hot', { deadlineMs: 60_000 }).query('SELECT 1 AS one', []).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SqlStatementFailed);
    expect((e as Error).message).toMatch(/was still RUNNING after \d+ s; canceled/);
    expect(errorKind(e)).toBe('unavailable');
    expect(routes().at(-1)).toBe('POST /api/2.0/sql/statements/:id/cancel');
    const states = (await bed.call('GET', '/__emulator/sql/statements')).json.statements.map((s: { state: string }) => s.state);
    expect(states).toEqual(['CANCELED']);
  });

  it('follows next_chunk_internal_link until the last chunk', async () => {
    await bed.call('PATCH', '/__emulator/sql/settings', { rows_per_chunk: 1 });
    const r = await client('hot').query(driftStatement(false), params('main.mon.churn_drift_metrics'));
    expect(r.rows.map((row) => row[0])).toEqual(['a', 'b', 'c']);
    expect(routes()).toEqual(['POST /api/2.0/sql/statements', 'GET /api/2.0/sql/statements/:id/result/chunks/:index', 'GET /api/2.0/sql/statements/:id/result/chunks/:index']);
    // More chunks than the client reads: refused, not cut.
    const capped = await client('hot', { maxChunks: 2 }).query(driftStatement(false), params('main.mon.churn_drift_metrics')).catch((e: unknown) => e);
    expect((capped as Error).message).toMatch(/more than 2 chunks; refused rather than read in part/);
  });
});
