// The streaming path of the HTTP client (`stream`), against real node:http servers: bodies sent
// with their exact Content-Length (never chunked) and opened again for each retry, answers handed
// over as streams, inactivity timeouts, credentials, redaction and the request ledger.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors.js';
import { createHttpClient, type ClosableHttpClient, type HttpClientOptions } from '../../../src/platform/http/client.js';
import { createRequestLedger } from '../../../src/platform/http/ledger.js';

type RawHandler = (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const serve = async (handler: RawHandler): Promise<string> => {
  const sockets = new Set<Socket>();
  let index = 0;
  const server = createServer((req, res) => void handler(req, res, index++));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const client = (baseUrl: string, extra: Partial<HttpClientOptions> = {}): ClosableHttpClient => {
  const c = createHttpClient({ baseUrl, backoffBaseMs: 5, backoffMaxMs: 20, ...extra });
  cleanups.push(() => c.close());
  return c;
};

/** `size` bytes of a repeating pattern, in chunks of `chunk`, generated lazily. */
const pattern = (size: number, chunk = 64 * 1024) => ({
  length: size,
  opened: 0,
  open(): AsyncIterable<Uint8Array> {
    this.opened++;
    return (async function* () {
      for (let at = 0; at < size; at += chunk) {
        const n = Math.min(chunk, size - at);
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = (at + i) % 251;
        yield out;
      }
    })();
  },
});

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const expectedSha = (size: number): string => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i % 251;
  return sha(b);
};

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

describe('stream: request bodies', () => {
  it('sends the exact bytes with Content-Length, never chunked', async () => {
    const seen: { headers: IncomingMessage['headers']; sha: string; size: number }[] = [];
    const url = await serve(async (req, res) => {
      const body = await readAll(req);
      seen.push({ headers: req.headers, sha: sha(body), size: body.length });
      res.writeHead(200, { etag: '"abc"' });
      res.end();
    });
    const size = 3 * 1024 * 1024 + 17;
    const ledger = createRequestLedger();
    const res = await client(url, { ledger }).stream({ method: 'PUT', path: '/upload', body: pattern(size), endpoint: 'PUT /upload' });
    for await (const _ of res.body) void _;
    expect(res.headers.etag).toBe('"abc"');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['content-length']).toBe(String(size));
    expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(seen[0]!.size).toBe(size);
    expect(seen[0]!.sha).toBe(expectedSha(size));
    expect(ledger.snapshot().byEndpoint['PUT /upload']).toMatchObject({ count: 1, bytesSent: size });
  });

  it('opens the body again for each retry (a reset, then a 503)', async () => {
    const sizes: number[] = [];
    const url = await serve(async (req, res, i) => {
      if (i === 0) return void req.socket.destroy();
      const body = await readAll(req);
      sizes.push(body.length);
      if (i === 1) {
        res.writeHead(503, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }));
      }
      res.writeHead(201);
      res.end();
    });
    const body = pattern(1024 * 1024);
    const res = await client(url).stream({ method: 'PUT', path: '/part', body });
    expect(res.status).toBe(201);
    expect(body.opened).toBe(3);
    expect(sizes.at(-1)).toBe(1024 * 1024);
  });

  it('retries when the body source itself fails, and gives up like request() after maxAttempts', async () => {
    const url = await serve(async (req, res) => {
      await readAll(req).catch(() => null);
      res.writeHead(200);
      res.end();
    });
    let opened = 0;
    const failing = {
      length: 1000,
      open(): AsyncIterable<Uint8Array> {
        opened++;
        return (async function* () {
          yield new Uint8Array(100);
          throw new Error('the source broke off');
        })();
      },
    };
    const error = await client(url, { maxAttempts: 3 }).stream({ method: 'PUT', path: '/x', body: failing }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).details.kind).toBe('transport');
    expect((error as ApiError).message).toContain('the source broke off');
    expect(opened).toBe(3);
  });

  it('sends no credentials when told not to (presigned URLs carry their own), even to the base origin', async () => {
    const auth: (string | undefined)[] = [];
    const url = await serve(async (req, res) => {
      auth.push(req.headers.authorization);
      await readAll(req);
      res.writeHead(200);
      res.end();
    });
    const c = client(url, { auth: { headers: async () => ({ authorization: 'Bearer dapi-secret-token-1234' }) } });
    await (await c.stream({ method: 'PUT', path: '/presigned', body: pattern(10), authenticate: false })).cancel();
    await (await c.stream({ method: 'GET', path: '/api' })).cancel();
    expect(auth).toEqual([undefined, 'Bearer dapi-secret-token-1234']);
  });
});

describe('stream: answers', () => {
  it('hands a large answer over as a stream and counts its bytes when it ends', async () => {
    const size = 8 * 1024 * 1024;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(size) });
      const chunk = Buffer.alloc(1024 * 1024, 7);
      let left = 8;
      const write = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    });
    const ledger = createRequestLedger();
    const res = await client(url, { ledger }).stream({ method: 'GET', path: '/big', endpoint: 'GET /big' });
    let total = 0;
    for await (const chunk of res.body) total += chunk.byteLength;
    expect(total).toBe(size);
    expect(ledger.snapshot().byEndpoint['GET /big']).toMatchObject({ count: 1, bytesReceived: size, errors: 0 });
  });

  it('throws a transport error when the answer breaks off, and does not retry it', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => req.socket.destroy(), 20);
    });
    const ledger = createRequestLedger();
    const res = await client(url, { ledger }).stream({ method: 'GET', path: '/broken', endpoint: 'GET /broken' });
    const error = await (async () => {
      for await (const _ of res.body) void _;
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).details.kind).toBe('transport');
    expect((error as ApiError).message).toMatch(/broke off after 1000 bytes/);
    expect(ledger.snapshot().byEndpoint['GET /broken']).toMatchObject({ count: 1, errors: 1 });
  });

  it('gives up on an answer that goes silent (inactivity timeout), however long the transfer', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(10));
    });
    const res = await client(url).stream({ method: 'GET', path: '/silent', idleTimeoutMs: 150 });
    const started = Date.now();
    const error = await (async () => {
      for await (const _ of res.body) void _;
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as ApiError).details.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('throws an error answer as request() does, with its code, after retrying 503s', async () => {
    const url = await serve((_req, res, i) => {
      res.writeHead(i === 0 ? 503 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error_code: i === 0 ? 'TEMPORARILY_UNAVAILABLE' : 'NOT_FOUND', message: 'The file being accessed is not found' }));
    });
    const error = await client(url).stream({ method: 'GET', path: '/api/2.0/fs/files/Models/a/b/c/1/x' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).errorCode).toBe('NOT_FOUND');
    expect((error as ApiError).details.attempts).toBe(2);
  });

  it('keeps the presigned signature out of error messages', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    });
    const error = (await client(url)
      .stream({ method: 'PUT', path: `${url}/bucket/key?X-Amz-Signature=deadbeefcafe1234&X-Amz-Credential=AKIA123`, body: pattern(10), authenticate: false })
      .then(
        () => null,
        (e: unknown) => e,
      )) as ApiError;
    expect(error.details.status).toBe(403);
    expect(error.message).not.toContain('deadbeefcafe1234');
    expect(error.message).not.toContain('AKIA123');
  });
});
