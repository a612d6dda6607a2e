import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors.js';
import { mlflowAuthFromEnv } from '../../../src/platform/http/auth.js';
import { createHttpClient } from '../../../src/platform/http/client.js';
import { redact } from '../../../src/platform/http/redact.js';
import { sendJson, startServer, type TestServer } from '../../support/http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('redact()', () => {
  it.each([
    ['Authorization: Bearer abc.def.ghi-123', 'abc.def.ghi-123'],
    ['{"authorization":"Basic YWxpY2U6cHc="}', 'YWxpY2U6cHc='],
    ['GET /api/x?run_id=1&token=qs-secret-1', 'qs-secret-1'],
    ['grant_type=client_credentials&client_secret=form-secret-2', 'form-secret-2'],
    ['{"access_token": "json-secret-3", "expires_in": 3600}', 'json-secret-3'],
    ['proxy at http://bob:pw-secret-4@proxy:3128', 'pw-secret-4'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature-5 here', 'eyJhbGciOiJIUzI1NiJ9'],
  ])('scrubs %s', (text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('scrubs known values, also URL-encoded, and leaves ordinary text alone', () => {
    expect(redact('value p@ss/w0rd and p%40ss%2Fw0rd', ['p@ss/w0rd'])).toBe('value *** and ***');
    const plain = 'GET /api/2.0/mlflow/runs/get: HTTP 404 RESOURCE_DOES_NOT_EXIST: Run abc not found (1 attempt)';
    expect(redact(plain)).toBe(plain);
  });
});

describe('secrets never reach logs or errors', () => {
  const TOKEN = 'mlflow-token-Zx81qQ';
  const PASSWORD = 'hunter2-very-secret';
  const QUERY_SECRET = 'presigned-sig-77aa';

  /** A server that echoes back every credential it got, the way a badly behaved proxy might. */
  const echoServer = async (): Promise<TestServer> => {
    const server = await startServer((req, res, index) => {
      const echo = `auth=${req.headers.authorization ?? ''} url=${req.url ?? ''}`;
      if (index % 3 === 0) return sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: echo });
      if (index % 3 === 1) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        return res.end(`Permission denied. ${echo}`);
      }
      return sendJson(res, 500, { message: echo });
    });
    cleanups.push(() => server.close());
    return server;
  };

  it.each([
    ['bearer', { MLFLOW_TRACKING_TOKEN: TOKEN }],
    ['basic', { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: PASSWORD }],
  ])('%s credentials', async (_kind, env) => {
    const server = await echoServer();
    const lines: string[] = [];
    const client = createHttpClient({
      baseUrl: server.url,
      auth: mlflowAuthFromEnv(env),
      logger: { debug: (l) => lines.push(l) },
      backoffBaseMs: 1,
      backoffMaxMs: 2,
      maxAttempts: 2,
    });
    cleanups.push(() => client.close());
    const messages: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      try {
        await client.request({ method: 'GET', path: '/api/2.0/mlflow-artifacts/artifacts/x', query: { token: QUERY_SECRET, run_id: 'r1' } });
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError);
        messages.push((error as Error).message, JSON.stringify((error as ApiError).details));
      }
    }
    expect(messages).toHaveLength(6);
    expect(server.requests().length).toBeGreaterThanOrEqual(3);
    // The server really did receive (and echo) the secrets, so the assertions below can fail.
    expect(server.requests().some((r) => r.url.includes(QUERY_SECRET))).toBe(true);
    const everything = [...lines, ...messages].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [TOKEN, PASSWORD, QUERY_SECRET, Buffer.from(`alice:${PASSWORD}`).toString('base64')]) {
      expect(everything).not.toContain(secret);
    }
  });
});
