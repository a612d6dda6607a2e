// A minimal real HTTP host for emulator feature modules, used by their own tests while (and where)
// the full emulator core is not needed: it mounts modules on node:http through the RouteTable
// contract, ticks them before every request, and turns DatabricksApiError into Databricks JSON.
// No auth, faults or persistence: those belong to the core server.

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from '../core/router.js';
import {
  DatabricksApiError,
  type EmulatorClock,
  type EmulatorContext,
  type EmulatorModule,
  type EmulatorRequest,
  type Workspace,
} from '../types.js';

export interface HarnessOptions {
  modules: EmulatorModule[];
  clock?: EmulatorClock;
  seed?: Record<string, unknown>;
  principal?: string;
}

export interface Harness {
  url: string;
  workspace: Workspace;
  close(): Promise<void>;
}

export async function startModuleHarness(options: HarnessOptions): Promise<Harness> {
  const router = new Router();
  const workspace: Workspace = { id: 'ws-harness', hosts: ['127.0.0.1', 'localhost'], orgId: '1234567890', state: {} };
  const ctx: EmulatorContext = {
    clock: options.clock ?? { now: () => Date.now() },
    workspaceByHost: (host) => (workspace.hosts.includes(host) ? workspace : undefined),
    changed: () => undefined,
  };
  for (const m of options.modules) {
    workspace.state[m.name] = m.initState();
    m.routes(router, ctx);
  }
  for (const m of options.modules) {
    const part = options.seed?.[m.name];
    if (part !== undefined) await m.seed?.(workspace, part, ctx);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://harness');
        const send = (status: number, body: string | Buffer, headers: Record<string, string>) => {
          res.writeHead(status, headers);
          res.end(body);
        };
        try {
          for (const m of options.modules) m.tick?.(workspace, ctx);
          const match = router.match(req.method ?? 'GET', url.pathname);
          if (match.kind !== 'found')
            throw new DatabricksApiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${req.method} ${url.pathname}'`);
          const rawBody = Buffer.concat(chunks);
          let body: Record<string, unknown> | undefined;
          if (rawBody.length > 0 && (req.headers['content-type'] ?? '').includes('json')) {
            try {
              body = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
            } catch {
              throw new DatabricksApiError(400, 'MALFORMED_REQUEST', 'Request body is not valid JSON.');
            }
          }
          const request: EmulatorRequest = {
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body,
            rawBody,
            params: match.params,
            principal: options.principal ?? 'tester@example.com',
            workspace,
            baseUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
          };
          const out = await match.route.handler(request);
          if (out.raw !== undefined) send(out.status ?? 200, out.raw, { ...out.headers });
          else send(out.status ?? 200, JSON.stringify(out.body ?? {}), { 'content-type': 'application/json', ...out.headers });
        } catch (err) {
          if (err instanceof DatabricksApiError)
            send(err.status, JSON.stringify({ error_code: err.errorCode, message: err.message }), {
              'content-type': 'application/json',
              ...err.headers,
            });
          else send(500, JSON.stringify({ error_code: 'INTERNAL_ERROR', message: String(err) }), { 'content-type': 'application/json' });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    workspace,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** A running emulator (or module harness) plus a small JSON caller, shared by the serving and monitors tests. */
export interface Target {
  url: string;
  token: string;
  call(method: string, path: string, body?: unknown): Promise<CallResult>;
  close(): Promise<void>;
}

export const callerFor =
  (url: string, token: string) =>
  async (method: string, path: string, body?: unknown): Promise<CallResult> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

/** The project's Python venv (databricks-sdk), used by the contract tests. */
export const PYTHON = '.cache/venv/bin/python';

/** Runs a contract script with the given environment; never a config file from the user's home. */
export function runPython(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [script], { env: { ...process.env, ...env, DATABRICKS_CONFIG_FILE: '/dev/null' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: null, stdout, stderr: `${stderr}${String(err)}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
