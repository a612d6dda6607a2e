// A tiny forward proxy for tests: tunnels CONNECT and forwards absolute-form requests, counting
// both, and optionally demanding Proxy-Authorization.

import { createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ForwardProxy {
  readonly url: string;
  /** `CONNECT host:port` targets seen, in order. */
  connects(): string[];
  /** Absolute-form request URLs forwarded, in order. */
  forwarded(): string[];
  /** Proxy-Authorization header values seen. */
  proxyAuthorizations(): string[];
  close(): Promise<void>;
}

export const startForwardProxy = async (requiredAuth?: string): Promise<ForwardProxy> => {
  const connects: string[] = [];
  const forwarded: string[] = [];
  const auths: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const auth = req.headers['proxy-authorization'];
    if (auth) auths.push(auth);
    if (requiredAuth && auth !== requiredAuth) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic' }).end();
      return;
    }
    forwarded.push(req.url ?? '');
    const target = new URL(req.url ?? '');
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, clientSocket: Socket, head) => {
    const auth = req.headers['proxy-authorization'];
    if (auth) auths.push(auth);
    if (requiredAuth && auth !== requiredAuth) {
      clientSocket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    connects.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects: () => [...connects],
    forwarded: () => [...forwarded],
    proxyAuthorizations: () => [...auths],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
