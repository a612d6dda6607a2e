// Wire shapes of the SQL Statement Execution API (`/api/2.0/sql/statements`), databricks-sdk 0.156.0
// `databricks/sdk/service/sql.py` (StatementResponse, StatementStatus, ResultManifest, ResultData).
// Only the fields we read are typed.

export type WireStatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

export interface WireResultData {
  readonly chunk_index?: number;
  readonly row_count?: number;
  /** Every non-null value is a string; nulls are JSON null. */
  readonly data_array?: readonly (readonly (string | null)[])[];
  readonly next_chunk_index?: number;
  /** An absolute path to join with the workspace host. */
  readonly next_chunk_internal_link?: string;
}

export interface WireStatementResponse {
  readonly statement_id?: string;
  readonly status?: {
    readonly state?: WireStatementState | string;
    readonly error?: { readonly error_code?: string; readonly message?: string };
    readonly sql_state?: string;
  };
  readonly manifest?: {
    readonly format?: string;
    readonly schema?: { readonly column_count?: number; readonly columns?: readonly { readonly name: string; readonly position?: number; readonly type_name?: string }[] };
    readonly total_row_count?: number;
    readonly total_chunk_count?: number;
    readonly truncated?: boolean;
  };
  readonly result?: WireResultData;
}
