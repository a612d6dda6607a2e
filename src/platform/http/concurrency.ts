// Adaptive concurrency per host (origin): how many requests may be in flight at once, found from
// the server's answers instead of a guess. AIMD, as TCP does it:
// - slow start: from `initial`, one more slot per answered request (the window doubles every round
//   trip) until the first sign of overload;
// - additive increase afterwards: one more slot per window's worth of answered requests;
// - multiplicative decrease: the window halves on 429, 503 or a timeout, at most once per window
//   (the answers to requests sent before the last decrease do not halve it again);
// - Retry-After pauses the whole host: no request starts before it has passed.
// Never below `min`, never above `ceiling` (MLOPS_GATE_HTTP_MAX_CONCURRENCY, default 64).

export interface AimdOptions {
  /** The window at start. Default 8. */
  readonly initial?: number;
  /** Never below this. Default 1. */
  readonly min?: number;
  /** Never above this. Default 64. */
  readonly ceiling?: number;
  /** Factor applied on overload. Default 0.5. */
  readonly decrease?: number;
  /** The clock (ms), injected by tests. */
  readonly now?: () => number;
  /** Timer, injected by tests. */
  readonly setTimer?: (fn: () => void, ms: number) => void;
}

export type Signal = 'ok' | 'overload' | 'neutral';

export interface Ticket {
  /** The decrease generation the request was sent in. */
  readonly generation: number;
}

export const DEFAULT_CONCURRENCY_CEILING = 64;
export const DEFAULT_CONCURRENCY_INITIAL = 8;

export class AimdLimiter {
  private window: number;
  private active = 0;
  private slowStart = true;
  private generation = 0;
  private pausedUntil = 0;
  private timerSet = false;
  private readonly waiting: Array<() => void> = [];
  readonly min: number;
  readonly ceiling: number;
  private readonly factor: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => void;
  /** Highest window reached, and how many decreases happened (reported by benchmarks and tests). */
  peak: number;
  decreases = 0;

  constructor(options: AimdOptions = {}) {
    this.ceiling = Math.max(1, Math.floor(options.ceiling ?? DEFAULT_CONCURRENCY_CEILING));
    this.min = Math.min(this.ceiling, Math.max(1, Math.floor(options.min ?? 1)));
    this.window = Math.min(this.ceiling, Math.max(this.min, options.initial ?? DEFAULT_CONCURRENCY_INITIAL));
    this.factor = options.decrease ?? 0.5;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => void setTimeout(fn, ms));
    this.peak = this.window;
  }

  /** The current window (requests allowed in flight). */
  get limit(): number {
    return Math.floor(this.window);
  }

  get inFlight(): number {
    return this.active;
  }

  /** Waits for a slot (FIFO); the ticket goes back with `release`. */
  async acquire(): Promise<Ticket> {
    if (this.waiting.length === 0 && this.canStart()) {
      this.active += 1;
      return { generation: this.generation };
    }
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
    return { generation: this.generation };
  }

  /**
   * Gives the slot back with what the answer said: `ok` (a 2xx or any answer that is not overload),
   * `overload` (429, 503, timeout), `neutral` (a transport failure: says nothing about load).
   * `retryAfterMs`: the server asked every client to wait this long.
   */
  release(ticket: Ticket, signal: Signal, retryAfterMs: number | null = null): void {
    this.active -= 1;
    if (signal === 'ok') {
      this.window = Math.min(this.ceiling, this.window + (this.slowStart ? 1 : 1 / this.window));
      this.peak = Math.max(this.peak, this.limit);
    } else if (signal === 'overload' && ticket.generation === this.generation) {
      this.slowStart = false;
      this.window = Math.max(this.min, this.window * this.factor);
      this.generation += 1;
      this.decreases += 1;
    }
    if (retryAfterMs !== null && retryAfterMs > 0) this.pausedUntil = Math.max(this.pausedUntil, this.now() + retryAfterMs);
    this.drain();
  }

  private canStart(): boolean {
    return this.active < this.limit && this.now() >= this.pausedUntil;
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.canStart()) {
      this.active += 1;
      this.waiting.shift()!();
    }
    this.schedule();
  }

  /** While paused with requests waiting, wake up when the pause ends. */
  private schedule(): void {
    if (this.timerSet || this.waiting.length === 0) return;
    const wait = this.pausedUntil - this.now();
    if (wait <= 0) return;
    this.timerSet = true;
    this.setTimer(() => {
      this.timerSet = false;
      this.drain();
    }, wait);
  }
}
