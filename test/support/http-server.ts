// Starts a real node:http server on 127.0.0.1 with an OS-chosen port, for tests that talk
// real HTTP. Records every request it receives (with its receive time) and how many were in
// flight at once, and closes all sockets (keep-alive included) on close().

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  /** Path with query, as sent. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Date.now() when the request headers arrived. */
  readonly receivedAt: number;
}

export type Handler = (
  req: IncomingMessage & { bodyText: string },
  res: ServerResponse,
  index: number,
) => unknown;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Every request received so far, in arrival order. */
  requests(): readonly ReceivedRequest[];
  /** Highest number of requests being handled at the same time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

export const startServer = async (handler: Handler): Promise<TestServer> => {
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const receivedAt = Date.now();
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        inFlight -= 1;
      }
    };
    res.on('finish', finish);
    res.on('close', finish);
    void (async () => {
      const bodyText = await readBody(req);
      const index = received.length;
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: bodyText, receivedAt });
      try {
        await handler(Object.assign(req, { bodyText }), res, index);
      } catch (error) {
        if (!res.headersSent) sendJson(res, 500, { error_code: 'TEST_HANDLER_FAILED', message: String(error) });
      }
    })();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests: () => [...received],
    maxInFlight: () => maxInFlight,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
