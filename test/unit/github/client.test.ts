import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, describeError, RateLimitError, rateLimitWaitMs } from '../../../src/platform/github/client.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-api.js';
import { startForwardProxy } from '../http/forward-proxy.js';

const TOKEN = 'ghs_secretTokenValue123';

describe('GitHub client', () => {
  let api: GitHubStandIn;
  let waits: number[];
  beforeEach(async () => {
    api = await startGitHubStandIn({ token: TOKEN, prefix: '/api/v3' });
    api.commits.add('a'.repeat(40));
    waits = [];
  });
  afterEach(() => api.close());

  const client = (extra: Partial<Parameters<typeof createGitHubClient>[0]> = {}) =>
    createGitHubClient({ token: TOKEN, apiUrl: api.url, sleep: async (ms) => void waits.push(ms), now: () => 1_700_000_000_000, ...extra });

  it('talks to a GHES-style base URL with the token in the Authorization header', async () => {
    const { data } = await client().rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) });
    expect(data.sha).toBe('a'.repeat(40));
    expect(api.calls[0]?.path).toBe(`/repos/o/r/commits/${'a'.repeat(40)}`);
    expect(api.calls[0]?.authorization).toBe(`token ${TOKEN}`);
  });

  it('waits as long as retry-after says on a secondary rate limit, then succeeds', async () => {
    api.failNext('GET', /\/commits\//, { status: 403, headers: { 'retry-after': '7' }, body: { message: 'You have exceeded a secondary rate limit' } });
    api.failNext('GET', /\/commits\//, { status: 429, headers: { 'retry-after': '2' } });
    const { data } = await client().rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) });
    expect(data.sha).toBe('a'.repeat(40));
    expect(waits).toEqual([7000, 2000]);
    expect(api.callsTo('GET', /\/commits\//)).toHaveLength(3);
  });

  it('waits until x-ratelimit-reset when the primary limit is used up', async () => {
    const reset = 1_700_000_000 + 30;
    api.failNext('GET', /\/commits\//, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded' },
    });
    await client().rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) });
    expect(waits).toEqual([31_000]);
  });

  it('gives up with a clear message when the wait is longer than allowed', async () => {
    api.failNext('GET', /\/commits\//, { status: 429, headers: { 'retry-after': '3600' } });
    const error = await client()
      .rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(String((error as Error).message)).toMatch(/wait 3600 s, more than the 60 s/);
    expect(waits).toEqual([]);
  });

  it('a persisting secondary limit without headers: one minute, then gives up instead of doubling past the budget', async () => {
    api.failNext('GET', /\/commits\//, { status: 429 }, { status: 429 });
    const error = await client()
      .rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) })
      .catch((e: unknown) => e);
    expect(waits).toEqual([60_000]);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toMatch(/wait 120 s, more than the 60 s this run allows/);
  });

  it('does not retry a plain 403 (permissions)', async () => {
    api.failNext('GET', /\/commits\//, { status: 403, body: { message: 'Resource not accessible by integration' } });
    const error = await client()
      .rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) })
      .catch((e: unknown) => e);
    expect(describeError(error)).toBe('HTTP 403: Resource not accessible by integration');
    expect(api.callsTo('GET', /\/commits\//)).toHaveLength(1);
  });

  it('retries 5xx on GET with backoff, bounded', async () => {
    for (let i = 0; i < 5; i++) api.failNext('GET', /\/commits\//, { status: 502 });
    const error = await client({ maxRetries: 3 })
      .rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) })
      .catch((e: unknown) => e);
    expect(describeError(error)).toMatch(/^HTTP 502/);
    expect(api.callsTo('GET', /\/commits\//)).toHaveLength(4);
    expect(waits).toEqual([500, 1000, 2000]);
  });

  it('does not repeat a POST after a 5xx (it might have been applied)', async () => {
    api.failNext('POST', /\/comments$/, { status: 500 });
    await client()
      .rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'x' })
      .catch(() => undefined);
    expect(api.callsTo('POST', /\/comments$/)).toHaveLength(1);
  });

  it('never puts the token into error messages', async () => {
    const bad = createGitHubClient({ token: TOKEN + 'x', apiUrl: api.url, sleep: async () => undefined });
    const error = await bad.rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) }).catch((e: unknown) => e);
    expect(describeError(error)).toBe('HTTP 401: Bad credentials');
    expect(describeError(error)).not.toContain(TOKEN);
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  it('rateLimitWaitMs: a plain 403 is not a rate limit; a 429 without headers waits a minute', () => {
    const err = (status: number, headers: Record<string, string> = {}, message = 'x') => ({ status, response: { headers, data: { message } } });
    expect(rateLimitWaitMs(err(403), 0)).toBeNull();
    expect(rateLimitWaitMs(err(404, { 'retry-after': '1' }), 0)).toBeNull();
    expect(rateLimitWaitMs(err(429), 0)).toBe(60_000);
    expect(rateLimitWaitMs(err(403, {}, 'You have exceeded a secondary rate limit'), 0)).toBe(60_000);
    expect(rateLimitWaitMs(err(429), 0, 2)).toBe(240_000);
  });

  it('goes through HTTPS_PROXY/HTTP_PROXY like the registry clients, and honours NO_PROXY', async () => {
    const proxy = await startForwardProxy();
    try {
      const via = client({ env: { HTTP_PROXY: proxy.url } });
      await via.rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) });
      const host = new URL(api.url).host;
      const used = () => proxy.connects().filter((c) => c === host).length + proxy.forwarded().filter((u) => u.includes(host)).length;
      expect(used()).toBeGreaterThan(0);
      const direct = client({ env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
      const before = used();
      await direct.rest.repos.getCommit({ owner: 'o', repo: 'r', ref: 'a'.repeat(40) });
      expect(used()).toBe(before);
    } finally {
      await proxy.close();
    }
  });
});
