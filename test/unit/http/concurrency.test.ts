import { describe, expect, it } from 'vitest';
import { AimdLimiter, DEFAULT_CONCURRENCY_CEILING } from '../../../src/platform/http/concurrency.js';
import { TokenBucket } from '../../../src/emulator/core/rate-limit.js';

/** A limiter on a manual clock with manual timers. */
const manual = (options: ConstructorParameters<typeof AimdLimiter>[0] = {}) => {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const limiter = new AimdLimiter({ now: () => now, setTimer: (fn, ms) => void timers.push({ at: now + ms, fn }), ...options });
  const advance = (ms: number) => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers.splice(0, timers.length, ...timers.filter((t) => t.at > now));
    for (const t of due) t.fn();
  };
  return { limiter, advance, timers };
};

const flush = () => new Promise((r) => setImmediate(r));

describe('AimdLimiter', () => {
  it('starts at the initial window and queues beyond it, FIFO', async () => {
    const { limiter } = manual({ initial: 2, ceiling: 10 });
    const order: number[] = [];
    const tickets = await Promise.all([limiter.acquire(), limiter.acquire()]);
    expect(limiter.inFlight).toBe(2);
    const third = limiter.acquire().then((t) => (order.push(3), t));
    const fourth = limiter.acquire().then((t) => (order.push(4), t));
    await flush();
    expect(order).toEqual([]);
    // A neutral answer (transport failure) frees the slot without growing the window.
    limiter.release(tickets[0]!, 'neutral');
    await flush();
    expect(order).toEqual([3]);
    expect(limiter.limit).toBe(2);
    limiter.release(tickets[1]!, 'neutral');
    await flush();
    expect(order).toEqual([3, 4]);
    limiter.release(await third, 'neutral');
    limiter.release(await fourth, 'neutral');
    expect(limiter.inFlight).toBe(0);
  });

  it('slow start: one more slot per answered request until the first overload, never above the ceiling', async () => {
    const { limiter } = manual({ initial: 4, ceiling: 12 });
    for (let i = 0; i < 4; i++) limiter.release(await limiter.acquire(), 'ok');
    expect(limiter.limit).toBe(8);
    for (let i = 0; i < 20; i++) limiter.release(await limiter.acquire(), 'ok');
    expect(limiter.limit).toBe(12);
    expect(limiter.peak).toBe(12);
  });

  it('halves on overload once per window, then grows by one per window of answers', async () => {
    const { limiter } = manual({ initial: 16, ceiling: 64 });
    const sent = await Promise.all(Array.from({ length: 16 }, () => limiter.acquire()));
    // Sixteen requests of the same window all see 429: one decrease, not sixteen.
    for (const t of sent) limiter.release(t, 'overload');
    expect(limiter.limit).toBe(8);
    expect(limiter.decreases).toBe(1);
    // Additive increase now: about one window of answers (1/window each) → +1.
    for (let i = 0; i < 8; i++) limiter.release(await limiter.acquire(), 'ok');
    expect(limiter.limit).toBe(8);
    limiter.release(await limiter.acquire(), 'ok');
    expect(limiter.limit).toBe(9);
    // A later overload (a request sent after the decrease) halves again, not below min.
    limiter.release(await limiter.acquire(), 'overload');
    expect(limiter.limit).toBe(4);
    for (let i = 0; i < 5; i++) limiter.release(await limiter.acquire(), 'overload');
    expect(limiter.limit).toBe(1);
  });

  it('honours Retry-After: nothing starts before it has passed', async () => {
    const { limiter, advance } = manual({ initial: 4, ceiling: 4 });
    const t = await limiter.acquire();
    limiter.release(t, 'overload', 1000);
    let started = false;
    const next = limiter.acquire().then((ticket) => ((started = true), ticket));
    await flush();
    expect(started).toBe(false);
    advance(999);
    await flush();
    expect(started).toBe(false);
    advance(1);
    await flush();
    expect(started).toBe(true);
    limiter.release(await next, 'ok');
  });

  it('defaults: starts at 8, ceiling 64', () => {
    const limiter = new AimdLimiter();
    expect(limiter.limit).toBe(8);
    expect(limiter.ceiling).toBe(DEFAULT_CONCURRENCY_CEILING);
    expect(new AimdLimiter({ ceiling: 3 }).limit).toBe(3);
  });
});

describe('the emulator token bucket', () => {
  it('admits a burst, then one request per 1/rate, answering Retry-After in whole seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    for (let i = 0; i < 5; i++) expect(bucket.take()).toBeNull();
    expect(bucket.take()).toBe(1);
    now += 100; // one token
    expect(bucket.take()).toBeNull();
    expect(bucket.take()).toBe(1);
    expect(bucket.stats()).toMatchObject({ admitted: 6, limited: 2, wasted: 0 });
  });

  it('counts the tokens that fell off a full bucket between requests as wasted', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    bucket.take(); // 4 left
    now += 1000; // +10: 1 fits, 9 wasted
    bucket.take();
    expect(bucket.stats().wasted).toBe(9);
  });
});
