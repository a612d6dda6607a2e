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

/**
 * A request body sent as a stream: its exact length (sent as Content-Length, never chunked: cloud
 * storage refuses chunked uploads) and how to open it, again for each retry.
 */
export interface StreamBody {
  readonly length: number;
  open(): AsyncIterable<Uint8Array>;
}

/** A request whose body, answer or both flow as streams; nothing is held in memory whole. */
export interface HttpStreamRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, or an absolute URL (a presigned cloud-storage URL). */
  readonly path: string;
  readonly query?: HttpRequest['query'];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: StreamBody;
  /** As for `request`; PUT of a stream body is idempotent (the body is opened again). */
  readonly idempotent?: boolean;
  readonly endpoint?: string;
  /**
   * Per attempt: the longest silence, in either direction, before the attempt is given up (a
   * multi-GiB body takes as long as it takes while bytes flow). Default: the client's timeoutMs.
   */
  readonly idleTimeoutMs?: number;
  /** false: send no credentials even to the base origin (presigned URLs carry their own). */
  readonly authenticate?: boolean;
}

export interface HttpStreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The answer's body, to be read once. A failure while reading throws an ApiError (`transport`
   * or `timeout`); the request is not retried then (the caller resumes, e.g. with a Range).
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** Stops reading and frees the connection; needed only when the body is not read to its end. */
  cancel(): void;
}

export interface HttpClient {
  /** Throws ApiError (src/errors.ts) for non-2xx answers and transport failures after retries. */
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
  /**
   * The same retries, deadlines, credentials, redaction and accounting, with streamed bodies:
   * retried (opening the body again) until an answer's headers arrive; a 2xx answer's body is then
   * handed over as a stream. Non-2xx answers throw as `request` does.
   */
  stream(req: HttpStreamRequest): Promise<HttpStreamResponse>;
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
