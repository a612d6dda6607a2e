// The read memo of a read-only run (HttpClientOptions.readMemo): registry reads marked `memo` are
// sent once and shared; polls (unmarked GETs) are always sent; a write empties the memo, a POST
// that only reads (`read: true`) does not; without readMemo nothing is shared.
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type ClosableHttpClient } from '../../../src/platform/http/client.js';
import { sendJson, startServer, type TestServer } from '../../support/http-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const setup = async (readMemo: boolean): Promise<{ server: TestServer; c: ClosableHttpClient; hits: () => number }> => {
  let n = 0;
  const server = await startServer((req, res) => {
    if (req.method === 'GET') n += 1;
    sendJson(res, 200, { n });
  });
  const c = createHttpClient({ baseUrl: server.url, readMemo });
  cleanups.push(() => server.close(), () => c.close());
  return { server, c, hits: () => n };
};

describe('read memo', () => {
  it('shares identical memo reads, always sends polls, and forgets everything at a write', async () => {
    const { c, hits } = await setup(true);
    const read = () => c.request<{ n: number }>({ method: 'GET', path: '/model', query: { name: 'm' }, memo: true });
    const [a, b] = await Promise.all([read(), read()]);
    expect(a.body).toEqual(b.body);
    expect(hits()).toBe(1);
    await c.request({ method: 'GET', path: '/model', query: { name: 'other' }, memo: true });
    expect(hits()).toBe(2);
    // A poll of something that changes while we wait is never answered from the memo.
    const p1 = await c.request<{ n: number }>({ method: 'GET', path: '/statement' });
    const p2 = await c.request<{ n: number }>({ method: 'GET', path: '/statement' });
    expect(p2.body.n).toBe(p1.body.n + 1);
    // A POST that only reads keeps the memo; a write empties it.
    await c.request({ method: 'POST', path: '/runs/search', body: {}, read: true });
    await read();
    expect(hits()).toBe(4);
    await c.request({ method: 'POST', path: '/set-tag', body: {} });
    await read();
    expect(hits()).toBe(5);
  });

  it('is off unless asked for', async () => {
    const { c, hits } = await setup(false);
    await c.request({ method: 'GET', path: '/model', memo: true });
    await c.request({ method: 'GET', path: '/model', memo: true });
    expect(hits()).toBe(2);
  });
});
