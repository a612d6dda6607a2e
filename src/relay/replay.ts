// Delivery ids already accepted, so a captured delivery cannot be played again. An id only needs
// to be remembered while its timestamp is still fresh (older deliveries are refused as stale), so
// the cache is bounded by time and by size; when it is full of fresh ids it refuses new ones
// instead of forgetting any (the sender retries later; a forgotten id would be replayable).

export class ReplayCache {
  /** delivery id → until when (ms) it must be remembered; Map keeps insertion order. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`replay cache capacity must be a positive integer (got ${capacity})`);
  }

  has(id: string, nowMs: number): boolean {
    const until = this.seen.get(id);
    return until !== undefined && until > nowMs;
  }

  /** Remember `id` until `untilMs`; false when the cache is full of ids that are still fresh. */
  add(id: string, untilMs: number, nowMs: number): boolean {
    this.prune(nowMs);
    if (this.seen.size >= this.capacity) return false;
    this.seen.set(id, untilMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(nowMs: number): void {
    // Entries expire roughly in insertion order; stop at the first fresh one, with a full sweep
    // only when the cache is full (an out-of-order expiry hides behind a fresh entry).
    for (const [id, until] of this.seen) {
      if (until > nowMs) break;
      this.seen.delete(id);
    }
    if (this.seen.size >= this.capacity) {
      for (const [id, until] of this.seen) if (until <= nowMs) this.seen.delete(id);
    }
  }
}
