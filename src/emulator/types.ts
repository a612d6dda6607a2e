// Contracts inside the Databricks emulator. The server core (server.ts) owns routing, auth, fault
// injection, the request log and persistence; feature modules (registry, tracking, files, serving,
// monitors, ...) each own a slice of workspace state and register their routes.

import type { IncomingHttpHeaders } from 'node:http';
import type { StrictBehaviour } from './core/strict.js';

/** Time source for the emulator; tests may pass a controllable clock. */
export interface EmulatorClock {
  now(): number;
}

export interface EmulatorRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/api/2.0/serving-endpoints/churn-prod`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body (object) when the content is JSON, else undefined. */
  readonly body: Record<string, unknown> | undefined;
  readonly rawBody: Buffer;
  /** Path parameters from the matched route pattern (`:name`, and `*rest` for the tail). */
  readonly params: Readonly<Record<string, string>>;
  /** Identity established by auth (service principal / user name). */
  readonly principal: string;
  readonly workspace: Workspace;
  /**
   * The workspace URL as this client addressed it (`http://host:port`, plus `/ws/<id>` when the
   * path prefix was used). Use it to build URLs handed back to clients (presigned URLs, discovery).
   */
  readonly baseUrl?: string;
}

export interface EmulatorResponse {
  readonly status?: number;
  /** JSON-encoded unless `raw` or `stream` is set. */
  readonly body?: unknown;
  readonly raw?: Buffer | string;
  /** A body streamed from disk (large files); its length goes in `headers['content-length']`. */
  readonly stream?: () => NodeJS.ReadableStream;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface RouteTable {
  /** Pattern segments: literals, `:param`, or a final `*rest` capturing the remainder (may contain `/`). */
  add(method: string, pattern: string, handler: RouteHandler): void;
}

/** Errors in Databricks' JSON shape: `{ "error_code": ..., "message": ... }` with the matching status. */
export class DatabricksApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** One emulated workspace (its own host name, org id, state). */
export interface Workspace {
  readonly id: string;
  /** Host names (Host header, without port) that route to this workspace. */
  readonly hosts: readonly string[];
  readonly orgId: string;
  /** Per-module state slices, keyed by module name; each module defines its own shape. */
  readonly state: Record<string, unknown>;
}

/**
 * A feature module. `initState` creates an empty slice; `routes` registers handlers; `seed` loads
 * the module's part of a seed fixture; `tick` advances asynchronous state machines (called before
 * each request and by a timer) so reads observe time passing.
 */
export interface EmulatorModule {
  readonly name: string;
  initState(): unknown;
  routes(table: RouteTable, ctx: EmulatorContext): void;
  seed?(workspace: Workspace, fixture: unknown, ctx: EmulatorContext): void | Promise<void>;
  tick?(workspace: Workspace, ctx: EmulatorContext): void;
}

export interface EmulatorContext {
  readonly clock: EmulatorClock;
  /** Look up another workspace (cross-workspace copies). */
  workspaceByHost(host: string): Workspace | undefined;
  /** Mark state dirty so the persistence layer writes it (atomic file write, debounced). */
  changed(): void;
  /** Whether this behaviour answers with its strict reading (src/emulator/core/strict.ts). */
  strict(behaviour: StrictBehaviour): boolean;
}
