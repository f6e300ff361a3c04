/**
 * What an edge remembers of its origins: one that could not be reached is "down" for a back-off period, and
 * is tried after the others meanwhile (SRS's edge goes round-robin on each reconnect with no memory of which
 * origin just failed, ossrs/srs#3401). A success clears it; each failure in a row doubles the period, capped.
 */
export class OriginHealth {
  readonly #down = new Map<string, { until: number; periodMs: number }>();

  constructor(
    readonly backoffMs: number,
    readonly maxBackoffMs: number = backoffMs * 8,
    private readonly now: () => number = Date.now,
  ) {}

  isDown(origin: string): boolean {
    const d = this.#down.get(origin);
    return d !== undefined && d.until > this.now();
  }

  failed(origin: string): void {
    const before = this.#down.get(origin);
    const periodMs = before === undefined ? this.backoffMs : Math.min(this.maxBackoffMs, before.periodMs * 2);
    this.#down.set(origin, { until: this.now() + periodMs, periodMs });
  }

  ok(origin: string): void {
    this.#down.delete(origin);
  }

  /** `origins` in their order, the healthy ones first. */
  order<T extends string>(origins: readonly T[]): T[] {
    return [...origins.filter((o) => !this.isDown(o)), ...origins.filter((o) => this.isDown(o))];
  }

  /** Origins down now, for the status. */
  get down(): string[] {
    return [...this.#down.keys()].filter((o) => this.isDown(o));
  }
}
