// A per-workspace token bucket (opt-in: EmulatorOptions.rateLimit): `perSecond` tokens a second, at
// most `burst` held. A request takes one token or is answered 429 REQUEST_LIMIT_EXCEEDED with a
// Retry-After of the whole seconds until the next token (at least 1, as HTTP's delay-seconds is an
// integer). Counts what it did, so tests judge the client's pacing by counts, never by a clock:
// `wasted` is the tokens that fell off a full bucket between the first and the last request, i.e.
// capacity the client left unused while it still had work.

export interface RateLimitOptions {
  readonly perSecond: number;
  /** Tokens held at most (and at start). Default: one second's worth. */
  readonly burst?: number;
}

export interface RateLimitStats {
  readonly perSecond: number;
  readonly burst: number;
  /** Requests that got a token. */
  readonly admitted: number;
  /** Requests answered 429. */
  readonly limited: number;
  /** Tokens lost to a full bucket after the first request. */
  readonly wasted: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number | null = null;
  private admitted = 0;
  private limited = 0;
  private wasted = 0;
  readonly burst: number;

  constructor(
    readonly perSecond: number,
    burst: number | undefined,
    private readonly now: () => number,
  ) {
    if (!(perSecond > 0)) throw new Error('rateLimit.perSecond must be positive');
    this.burst = Math.max(1, burst ?? perSecond);
    this.tokens = this.burst;
  }

  /** null: admitted; else the Retry-After in whole seconds. */
  take(): number | null {
    const now = this.now();
    if (this.last !== null) {
      const refill = ((now - this.last) / 1000) * this.perSecond;
      const room = this.burst - this.tokens;
      if (refill > room) this.wasted += refill - room;
      this.tokens = Math.min(this.burst, this.tokens + refill);
    }
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.admitted += 1;
      return null;
    }
    this.limited += 1;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }

  stats(): RateLimitStats {
    return { perSecond: this.perSecond, burst: this.burst, admitted: this.admitted, limited: this.limited, wasted: Math.round(this.wasted) };
  }
}
