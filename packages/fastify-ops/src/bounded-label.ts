/**
 * Keeps one label's values to a fixed set: the first `max` distinct values pass, later new ones become
 * 'other'. Reasons and limit names come from other plugins; a free-text one must not explode the series.
 */
export class BoundedLabel {
  #seen = new Set<string>();

  constructor(private readonly max = 32) {}

  value(v: string): string {
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= this.max) return 'other';
    this.#seen.add(v);
    return v;
  }
}
