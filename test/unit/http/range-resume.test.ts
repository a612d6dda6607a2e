// The ranged reader of the Unity Catalog copy (src/platform/unity-catalog/transfer.ts): an answer
// that breaks off mid-body is resumed from the byte reached, with If-Unmodified-Since the first
// answer's Last-Modified, so a file that changed meanwhile is refused instead of stitched.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../src/platform/http/client.js';
import { readFileRange } from '../../../src/platform/unity-catalog/transfer.js';

const FILE = Buffer.from(Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 7) % 256));
const STAMP = 'Wed, 02 Dec 2026 10:00:00 GMT';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const serve = async (handler: (req: IncomingMessage, res: ServerResponse, i: number) => void): Promise<{ url: string; seen: IncomingMessage['headers'][] }> => {
  const seen: IncomingMessage['headers'][] = [];
  let i = 0;
  const server = createServer((req, res) => {
    seen.push(req.headers);
    handler(req, res, i++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  server.on('connection', (s) => cleanups.push(async () => void s.destroy()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
};

const answerRange = (req: IncomingMessage, res: ServerResponse, breakAfter: number | null): void => {
  const m = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range));
  const start = Number(m?.[1] ?? 0);
  const end = m?.[2] ? Number(m[2]) : FILE.length - 1;
  res.writeHead(206, { 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${FILE.length}`, 'last-modified': STAMP });
  if (breakAfter === null) return void res.end(FILE.subarray(start, end + 1));
  res.write(FILE.subarray(start, start + breakAfter), () => setTimeout(() => req.socket.destroy(), 10));
};

const collect = async (it: AsyncIterable<Uint8Array>): Promise<Buffer> => {
  const chunks: Uint8Array[] = [];
  for await (const c of it) chunks.push(c);
  return Buffer.concat(chunks);
};

describe('ranged reads of the Unity Catalog copy', () => {
  it('resumes an answer that broke off from the byte it reached, asking If-Unmodified-Since', async () => {
    const server = await serve((req, res, i) => answerRange(req, res, i === 0 ? 1_000_000 : null));
    const http = createHttpClient({ baseUrl: server.url });
    cleanups.push(() => http.close());
    const bytes = await collect(readFileRange(http, '/Models/c/s/m/1/model.bin', FILE.length, 0, FILE.length - 1));
    expect(bytes.equals(FILE)).toBe(true);
    expect(server.seen.map((h) => [h.range, h['if-unmodified-since']])).toEqual([
      [`bytes=0-${FILE.length - 1}`, undefined],
      [`bytes=1000000-${FILE.length - 1}`, STAMP],
    ]);
  });

  it('refuses to stitch a file that changed meanwhile (412 on the resume)', async () => {
    const server = await serve((req, res, i) => {
      if (i === 0) return answerRange(req, res, 500_000);
      res.writeHead(412, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: 'PRECONDITION_FAILED', message: 'modified' }));
    });
    const http = createHttpClient({ baseUrl: server.url });
    cleanups.push(() => http.close());
    const error = await collect(readFileRange(http, '/Models/c/s/m/1/model.bin', FILE.length, 0, FILE.length - 1)).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/changed while it was being copied/);
  });

  it('gives up after three recoveries that make no progress', async () => {
    const server = await serve((req, res) => answerRange(req, res, 0));
    const http = createHttpClient({ baseUrl: server.url, backoffBaseMs: 1, backoffMaxMs: 2 });
    cleanups.push(() => http.close());
    const error = await collect(readFileRange(http, '/Models/c/s/m/1/model.bin', FILE.length, 0, FILE.length - 1)).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).not.toBeNull();
    expect(server.seen.length).toBe(3);
  });
});
