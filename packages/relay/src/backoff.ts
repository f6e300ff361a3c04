/**
 * Capped exponential back-off between reconnects: `minMs`, doubling up to `maxMs` (1 s … 30 s by default;
 * SRS retries every 3 s, nginx-rtmp's push every `push_reconnect` 3 s). `reset()` after a success.
 */
export class Backoff {
  #next: number;

  constructor(
    readonly minMs = 1000,
    readonly maxMs = 30_000,
  ) {
    this.#next = minMs;
  }

  /** The wait before the next attempt; each call doubles the one after, up to maxMs. */
  next(): number {
    const ms = this.#next;
    this.#next = Math.min(this.maxMs, ms * 2);
    return ms;
  }

  reset(): void {
    this.#next = this.minMs;
  }
}
