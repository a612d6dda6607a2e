// Test utility: starts the full emulator in-process (`startEmulator` with every module) for the
// serving and monitors tests, with a per-module seed for the default workspace.
//
// Module admin routes (`/__emulator/serving/...`, `/__emulator/monitors/...`) are called over HTTP.
// While the core server answers every `/__emulator/*` path itself (it does not yet hand unknown admin
// paths to the module router), such calls fall back to running the same module handlers in-process
// against the live workspace of the running emulator.

import {
  DEFAULT_TOKEN,
  DatabricksApiError,
  defaultModules,
  startEmulator,
  type EmulatorClock,
  type EmulatorContext,
} from '../index.js';
import { Router } from '../core/router.js';
import { callerFor, type CallResult, type Target } from './harness.js';
import { servingModule } from './index.js';
import { monitorsModule } from '../monitors/index.js';

export type { Target } from './harness.js';

export interface TargetOptions {
  /** A controllable clock (the background tick is then off: state advances on requests). */
  clock?: EmulatorClock;
  /** Persist state to this file (and reload it on start). */
  statePath?: string;
}

/** `seed` maps module name → that module's fixture, e.g. `{ catalog: {...}, serving: {...} }`. */
export async function startServingMonitorsTarget(seed: Record<string, unknown> = {}, options: TargetOptions = {}): Promise<Target> {
  const clock = options.clock ?? { now: () => Date.now() };
  const emulator = await startEmulator({
    modules: defaultModules(),
    seed: { workspaces: { default: seed } },
    clock,
    tickMs: options.clock ? 0 : 50,
    statePath: options.statePath,
  });
  const http = callerFor(emulator.url, DEFAULT_TOKEN);
  const workspace = emulator.admin.workspace('default');
  const ctx: EmulatorContext = {
    clock,
    workspaceByHost: () => workspace,
    changed: () => undefined,
  };
  const adminRouter = new Router();
  servingModule.routes(adminRouter, ctx);
  monitorsModule.routes(adminRouter, ctx);

  const inProcess = async (method: string, path: string, body: unknown): Promise<CallResult> => {
    const match = adminRouter.match(method, path);
    if (match.kind !== 'found') throw new Error(`No module admin route for ${method} ${path}`);
    emulator.admin.tick();
    const reply = (status: number, json: unknown): CallResult => ({
      status,
      headers: new Headers({ 'content-type': 'application/json' }),
      text: JSON.stringify(json),
      json,
    });
    try {
      const out = await match.route.handler({
        method,
        path,
        query: new URLSearchParams(),
        headers: {},
        body: body as Record<string, unknown> | undefined,
        rawBody: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
        params: match.params,
        principal: 'emulator-admin',
        workspace,
        baseUrl: emulator.url,
      });
      return reply(out.status ?? 200, out.body ?? {});
    } catch (err) {
      if (err instanceof DatabricksApiError) return reply(err.status, { error_code: err.errorCode, message: err.message });
      throw err;
    }
  };

  const call = async (method: string, path: string, body?: unknown): Promise<CallResult> => {
    const res = await http(method, path, body);
    const coreRefused = res.status === 404 && /^No emulator admin API/.test(String(res.json?.message ?? ''));
    if (coreRefused && /^\/__emulator\/(serving|monitors)\//.test(path)) return inProcess(method, path, body);
    return res;
  };

  return { url: emulator.url, token: DEFAULT_TOKEN, call, close: () => emulator.close() };
}
