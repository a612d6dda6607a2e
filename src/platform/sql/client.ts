// A client for the SQL Statement Execution API: runs one read-only statement on a SQL warehouse
// to completion and hands back its rows.
//
//   POST /api/2.0/sql/statements  {warehouse_id, statement, parameters, wait_timeout: "10s",
//        on_wait_timeout: "CONTINUE", disposition: "INLINE", format: "JSON_ARRAY"}
//   → SUCCEEDED with the first chunk, or PENDING / RUNNING with a statement id: poll
//     GET /api/2.0/sql/statements/{statement_id} (backoff 1 s, 2 s, 4 s … capped at 10 s, on the
//     injected clock) until a terminal state or the deadline, then POST …/cancel (stopping polling
//     does not cancel a statement).
//   → FAILED comes back as HTTP 200 with status.error and status.sql_state: thrown as
//     SqlStatementFailed with the warehouse's own message; CANCELED and CLOSED likewise.
//   → further chunks: next_chunk_internal_link (a path on the workspace host) until absent.
//
// Statements here only read, so the POST may be retried after a lost answer (idempotent).

import { SqlStatementFailed, type SqlParameter, type SqlPort, type SqlResult } from '../../evidence/live.js';
import { systemClock, type ServingClock } from '../../endpoint/ports.js';
import type { HttpClient } from '../http/types.js';
import type { WireResultData, WireStatementResponse } from './wire.js';

export interface SqlClientOptions {
  readonly http: HttpClient;
  readonly warehouseId: string;
  readonly clock?: ServingClock;
  /** Give up (and cancel) after this long, measured on the clock. Default 10 minutes. */
  readonly deadlineMs?: number;
  /** First poll interval and its cap. Default 1 s and 10 s. */
  readonly pollBaseMs?: number;
  readonly pollMaxMs?: number;
  /** At most this many result chunks are read (a larger answer is refused, not cut). Default 20. */
  readonly maxChunks?: number;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']);
/** Server-side wait of the POST (the API takes 0 or 5–50 s); the HTTP timeout leaves room beyond it. */
const WAIT_TIMEOUT = '10s';
const POST_TIMEOUT_MS = 40_000;

const failure = (response: WireStatementResponse, what: string): SqlStatementFailed => {
  const status = response.status ?? {};
  const state = String(status.state ?? 'UNKNOWN');
  const code = status.error?.error_code ?? null;
  const message = status.error?.message ?? (state === 'CLOSED' ? 'the statement was closed; its result is no longer available' : `the statement ended ${state}`);
  const sqlState = status.sql_state ?? null;
  return new SqlStatementFailed(`${what} ended ${state}${code ? ` (${code}${sqlState ? `, SQLSTATE ${sqlState}` : ''})` : sqlState ? ` (SQLSTATE ${sqlState})` : ''}: ${message}`, {
    state,
    errorCode: code,
    sqlState,
    statementId: response.statement_id ?? null,
  });
};

export function createSqlClient(options: SqlClientOptions): SqlPort & { readonly statements: () => number } {
  const { http, warehouseId } = options;
  const clock = options.clock ?? systemClock;
  const deadlineMs = options.deadlineMs ?? 10 * 60_000;
  const base = options.pollBaseMs ?? 1_000;
  const cap = options.pollMaxMs ?? 10_000;
  const maxChunks = options.maxChunks ?? 20;
  let statements = 0;

  const get = async (id: string): Promise<WireStatementResponse> =>
    (await http.request<WireStatementResponse>({ method: 'GET', path: `/api/2.0/sql/statements/${encodeURIComponent(id)}`, endpoint: 'GET /api/2.0/sql/statements/{statement_id}' })).body;

  const cancel = async (id: string): Promise<void> => {
    try {
      await http.request({ method: 'POST', path: `/api/2.0/sql/statements/${encodeURIComponent(id)}/cancel`, body: {}, idempotent: true, endpoint: 'POST /api/2.0/sql/statements/{statement_id}/cancel' });
    } catch {
      // Best effort: the deadline is reported either way; an uncanceled read ends on its own.
    }
  };

  const chunk = async (link: string): Promise<WireResultData> =>
    (await http.request<WireResultData>({ method: 'GET', path: link, endpoint: 'GET /api/2.0/sql/statements/{statement_id}/result/chunks/{chunk_index}' })).body;

  return {
    statements: () => statements,
    async query(statement: string, parameters: readonly SqlParameter[]): Promise<SqlResult> {
      statements++;
      const started = clock.now();
      const posted = await http.request<WireStatementResponse>({
        method: 'POST',
        path: '/api/2.0/sql/statements',
        body: {
          warehouse_id: warehouseId,
          statement,
          parameters: parameters.map((p) => ({ name: p.name, value: p.value, ...(p.type ? { type: p.type } : {}) })),
          wait_timeout: WAIT_TIMEOUT,
          on_wait_timeout: 'CONTINUE',
          disposition: 'INLINE',
          format: 'JSON_ARRAY',
        },
        idempotent: true,
        timeoutMs: POST_TIMEOUT_MS,
        endpoint: 'POST /api/2.0/sql/statements',
      });
      let response = posted.body;
      const id = response.statement_id ?? null;
      for (let attempt = 0; !TERMINAL.has(String(response.status?.state)); attempt++) {
        if (id === null) throw new SqlStatementFailed(`the statement is ${String(response.status?.state)} but the answer has no statement_id to poll`, { state: String(response.status?.state), errorCode: null, sqlState: null, statementId: null });
        const delay = Math.min(cap, base * 2 ** attempt);
        if (clock.now() - started + delay > deadlineMs) {
          await cancel(id);
          throw new SqlStatementFailed(`statement ${id} was still ${String(response.status?.state)} after ${Math.round((clock.now() - started) / 1000)} s; canceled`, {
            state: 'TIMEOUT',
            errorCode: 'DEADLINE_EXCEEDED',
            sqlState: null,
            statementId: id,
          });
        }
        await clock.sleep(delay);
        response = await get(id);
      }
      if (response.status?.state !== 'SUCCEEDED') throw failure(response, `statement ${id ?? '(no id)'}`);
      if (response.manifest?.truncated) {
        throw new SqlStatementFailed(`statement ${id ?? ''} answered a truncated result (row or byte limit); the evidence would be incomplete`, { state: 'SUCCEEDED', errorCode: null, sqlState: null, statementId: id });
      }
      const columns = [...(response.manifest?.schema?.columns ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((c) => c.name);
      const rows: (readonly (string | null)[])[] = [...(response.result?.data_array ?? [])];
      let link = response.result?.next_chunk_internal_link;
      for (let n = 1; link; n++) {
        if (n >= maxChunks) throw new SqlStatementFailed(`statement ${id ?? ''} answered more than ${maxChunks} chunks; refused rather than read in part`, { state: 'SUCCEEDED', errorCode: null, sqlState: null, statementId: id });
        const next = await chunk(link);
        rows.push(...(next.data_array ?? []));
        link = next.next_chunk_internal_link;
      }
      return { statementId: id, columns, rows };
    },
  };
}
