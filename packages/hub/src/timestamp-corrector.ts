/**
 * Per-stream timestamp correction: output time starts at 0, is never negative, never goes backwards on a
 * track, and a discontinuity (encoder restart, 32-bit wrap, publisher reconnect) continues smoothly instead
 * of jumping.
 * One offset is shared by all tracks, so audio and video stay in sync through a correction.
 */
export class TimestampCorrector {
  #offset: number | undefined;
  #last = -1;
  #lastByType = new Map<number, number>();
  #lastDelta = 20;
  /** Gap to leave at the next discontinuity (e.g. the wall-clock time a publisher was away). */
  #nextGap: number | undefined;

  constructor(private readonly jumpMs: number) {}

  /** The next timestamp belongs to a new publisher: continue after `gapMs` instead of trusting its clock. */
  restart(gapMs: number): void {
    this.#offset = undefined;
    this.#nextGap = Math.max(0, Math.round(gapMs));
  }

  get last(): number {
    return this.#last;
  }

  correct(type: number, timestamp: number): number {
    if (this.#offset === undefined) {
      const start = this.#last < 0 ? 0 : this.#last + (this.#nextGap ?? this.#lastDelta);
      this.#offset = start - timestamp;
      this.#nextGap = undefined;
    }
    let out = timestamp + this.#offset;
    if (this.#last >= 0 && (out > this.#last + this.jumpMs || out < this.#last - this.jumpMs)) {
      this.#offset = this.#last + this.#lastDelta - timestamp;
      out = this.#last + this.#lastDelta;
    }
    // The stream starts at 0 with its first message; another track's first one may be a little earlier
    // (video at 1000, then audio at 954). FLV time is unsigned: that is 0, not -46 (2^32 - 46 once written).
    if (out < 0) out = 0;
    const lastOfType = this.#lastByType.get(type);
    if (lastOfType !== undefined) {
      if (out < lastOfType) out = lastOfType;
      else if (out > lastOfType && out - lastOfType < 1000) this.#lastDelta = out - lastOfType;
    }
    this.#lastByType.set(type, out);
    if (out > this.#last) this.#last = out;
    return out;
  }
}
