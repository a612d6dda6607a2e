// The HTTP port every platform adapter talks through. One implementation (./client.ts, on undici)
// does auth, retries, timeouts, per-host concurrency, proxies and request accounting.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Path below the client's base URL (e.g. `/api/2.0/mlflow/runs/get`), or an absolute URL. */
  readonly path: string;
  /** Encoded as a query string; undefined values are dropped; arrays repeat the key. */
  readonly query?: Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;
  /** JSON body (objects) or raw bytes/text. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Whether the request may be retried after a 5xx or a connection reset. Defaults to true for
   * GET/HEAD/PUT/DELETE and false for POST/PATCH. 429 and 503 are always retried (the server
   * did not process the request).
   */
  readonly idempotent?: boolean;
  /**
   * A read of a registry object (not a poll of something that changes while we wait): in a
   * read-only run an identical request is answered from the client's read memo. Polls (SQL
   * statements, serving endpoints) leave it unset and are always sent.
   */
  readonly memo?: boolean;
  /**
   * A POST that only reads (a search): it does not empty the client's read memo as a write does.
   * Its answer is not memoised (only GET and HEAD are).
   */
  readonly read?: boolean;
  /** Label for request accounting; defaults to `METHOD path` with ids elided. */
  readonly endpoint?: string;
  /** Per-request timeout override, ms. */
  readonly timeoutMs?: number;
  /** `json` (default) parses the body; `bytes` returns raw bytes; `text` a string. */
  readonly responseType?: 'json' | 'bytes' | 'text';
  /** A smaller response size limit for this request (bytes); over it the answer is refused (`too-large`). */
  readonly maxResponseBytes?: number;
}

export interface HttpResponse<T = unknown> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: T;
}

export interface HttpClient {
  /** Throws ApiError (src/errors.ts) for non-2xx answers and transport failures after retries. */
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
  readonly baseUrl: string;
}

export interface EndpointStats {
  count: number;
  bytesSent: number;
  bytesReceived: number;
  totalMs: number;
  retries: number;
  errors: number;
}

/** Shared across all clients of one run so reports and benchmarks can read totals. */
export interface RequestLedger {
  record(entry: {
    readonly host: string;
    readonly endpoint: string;
    readonly status: number | null;
    readonly bytesSent: number;
    readonly bytesReceived: number;
    readonly ms: number;
    readonly retry: boolean;
  }): void;
  snapshot(): { readonly total: number; readonly retries: number; readonly byEndpoint: Readonly<Record<string, EndpointStats>> };
}

/**
 * Supplies the auth headers for each attempt. Token-based providers implement `invalidate` so
 * the client can drop a token the server rejected (401) and retry once with a fresh one.
 */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  invalidate?(): void;
}

/** Debug sink. Lines passed to it are already redacted. */
export interface HttpLogger {
  debug(msg: string): void;
}
