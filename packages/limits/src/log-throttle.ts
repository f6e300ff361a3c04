export interface LogThrottleOptions {
  /** Length of one window, ms. Default 10 s. */
  windowMs?: number;
  /** Lines let through per key and window; later ones are only counted. Default 20. */
  burst?: number;
  /** Keys remembered at most; past it the oldest windows are forgotten first. Default 4096. */
  maxKeys?: number;
  /** Clock in milliseconds; tests inject their own. */
  now?: () => number;
}

interface Window {
  start: number;
  lines: number;
  suppressed: number;
}

/**
 * Decides whether a repeated warn line (same client, same reason) goes out: a client that hammers a limit
 * 10 000 times gets `burst` lines per window, the rest are counted and the count rides on the next line
 * that goes out. Memory is bounded by `maxKeys` whatever the number of clients (IPv6 makes addresses cheap).
 * Events and metrics are not throttled: only the log.
 */
export class LogThrottle {
  readonly #windowMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  // Insertion order is window-start order (a new window re-inserts its key), so the oldest come first.
  #windows = new Map<string, Window>();

  constructor(options: LogThrottleOptions = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#burst = options.burst ?? 20;
    this.#maxKeys = options.maxKeys ?? 4096;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Call once per event. Returns undefined when the line must be suppressed; otherwise how many lines of
   * this key were suppressed since the last one that went out (0 usually), to put on the line.
   */
  take(key: string): number | undefined {
    const now = this.#now();
    const window = this.#windows.get(key);
    if (window !== undefined && now - window.start < this.#windowMs) {
      if (window.lines >= this.#burst) {
        window.suppressed++;
        return undefined;
      }
      window.lines++;
      return 0;
    }
    const suppressed = window?.suppressed ?? 0;
    this.#windows.delete(key);
    this.#evict(now);
    this.#windows.set(key, { start: now, lines: 1, suppressed: 0 });
    return suppressed;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#windows.size;
  }

  #evict(now: number): void {
    for (const [key, window] of this.#windows) {
      if (this.#windows.size < this.#maxKeys && now - window.start < this.#windowMs) return;
      this.#windows.delete(key);
    }
  }
}
