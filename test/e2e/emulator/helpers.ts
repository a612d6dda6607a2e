// Shared helpers for the emulator e2e tests: real HTTP through undici (which, unlike fetch, lets a
// test set the Host header to reach a workspace by name).

import { request } from 'undici';

export const TOKEN = 'dapi-emulator';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
  text: string;
}

export const call = async (
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: Buffer | string } = {},
): Promise<Reply> => {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await request(`${base}${path}`, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.statusCode, headers: res.headers, json, text };
};

export const catalogsSeed = {
  catalog: { catalogs: [{ name: 'dev', schemas: ['ml'] }, { name: 'prod', schemas: ['ml'] }] },
};
