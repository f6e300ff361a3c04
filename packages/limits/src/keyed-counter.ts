/**
 * Open things counted per key (per client address, per stream). A key whose count drops to zero is
 * forgotten, so the map never outgrows what is open right now.
 */
export class KeyedCounter {
  #counts = new Map<string, number>();
  #total = 0;

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  add(key: string): void {
    this.#counts.set(key, this.get(key) + 1);
    this.#total++;
  }

  /** Undoes one add(); a key that was never added is ignored. */
  remove(key: string): void {
    const n = this.#counts.get(key);
    if (n === undefined) return;
    this.#total--;
    if (n <= 1) this.#counts.delete(key);
    else this.#counts.set(key, n - 1);
  }

  /** Sum over all keys. */
  get total(): number {
    return this.#total;
  }

  /** Keys with a count above zero. */
  get size(): number {
    return this.#counts.size;
  }
}
