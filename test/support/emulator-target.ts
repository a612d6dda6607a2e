// Test utility: starts the full emulator in-process (`startEmulator` with every module) for the
// serving and monitors tests, with a per-module seed for the default workspace.
//
// Module admin routes (`/__emulator/serving/...`, `/__emulator/monitors/...`) are called over HTTP
// like every other route.

import { spawn } from 'node:child_process';
import { DEFAULT_TOKEN, defaultModules, startEmulator, type EmulatorClock } from '../../src/emulator/index.js';
import type { StrictOption } from '../../src/emulator/core/strict.js';

export interface TargetOptions {
  /** A controllable clock (the background tick is then off: state advances on requests). */
  clock?: EmulatorClock;
  /** Persist state to this file (and reload it on start). */
  statePath?: string;
  /** Strict behaviours (test/support/strict.ts). Default none. */
  strict?: StrictOption;
}

/** The model the serving tests serve: a serving config may only name versions that exist and are READY. */
export const SERVED_MODEL = 'main.ml.churn';
/** Versions 1…SERVED_VERSIONS of SERVED_MODEL exist, READY, in every serving test workspace. */
export const SERVED_VERSIONS = 20;

const SIGNATURE = { inputs: [{ type: 'double', name: 'x', required: true }], outputs: [{ type: 'double', name: 'y', required: true }] };

/**
 * Adds catalog `main` (schema `ml`) and the registered model SERVED_MODEL with versions 1…N to a
 * workspace seed (keeping what it already has), so serving configs name versions that exist.
 */
export function withServedModels(seed: Record<string, unknown>, versions = SERVED_VERSIONS): Record<string, unknown> {
  const catalog = { ...((seed.catalog as Record<string, unknown> | undefined) ?? {}) };
  const catalogs = [...((catalog.catalogs as { name: string; schemas?: string[] }[] | undefined) ?? [])];
  const main = catalogs.find((c) => c.name === 'main');
  if (!main) catalogs.push({ name: 'main', schemas: ['ml'] });
  else if (!(main.schemas ?? []).includes('ml')) catalogs[catalogs.indexOf(main)] = { ...main, schemas: [...(main.schemas ?? []), 'ml'] };
  const registry = { ...((seed.registry as Record<string, unknown> | undefined) ?? {}) };
  const models = [...((registry.models as { name: string }[] | undefined) ?? [])];
  if (!models.some((m) => m.name === SERVED_MODEL)) {
    models.push({ name: SERVED_MODEL, versions: Array.from({ length: versions }, (_, i) => ({ description: `v${i + 1}`, signature: SIGNATURE })) } as { name: string });
  }
  return { ...seed, catalog: { ...catalog, catalogs }, registry: { ...registry, models } };
}

/**
 * `seed` maps module name → that module's fixture, e.g. `{ catalog: {...}, serving: {...} }`. The
 * workspace also has SERVED_MODEL (withServedModels).
 */
export async function startServingMonitorsTarget(seed: Record<string, unknown> = {}, options: TargetOptions = {}): Promise<Target> {
  const clock = options.clock ?? { now: () => Date.now() };
  const emulator = await startEmulator({
    modules: defaultModules(),
    seed: { workspaces: { default: withServedModels(seed) } },
    clock,
    tickMs: options.clock ? 0 : 50,
    statePath: options.statePath,
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
  });
  const http = callerFor(emulator.url, DEFAULT_TOKEN);
  const call = (method: string, path: string, body?: unknown): Promise<CallResult> => http(method, path, body);

  return { url: emulator.url, token: DEFAULT_TOKEN, call, close: () => emulator.close() };
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
