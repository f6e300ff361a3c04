/**
 * Ingest bitrate and frame rate over the last complete window (not since publish began), so the figures
 * follow an encoder that changes its rate. Updated per message with one comparison; no timers.
 */
export class IngestRate {
  #windowStart: number | undefined;
  #bytes = 0;
  #videoFrames = 0;
  /** Figures of the last complete window; 0 until one completes. */
  kbps = 0;
  fps = 0;

  constructor(private readonly windowMs = 2000) {}

  add(now: number, bytes: number, videoFrame: boolean): void {
    if (this.#windowStart === undefined) this.#windowStart = now;
    const elapsed = now - this.#windowStart;
    if (elapsed >= this.windowMs) {
      this.kbps = Math.round((this.#bytes * 8) / elapsed);
      this.fps = Math.round((this.#videoFrames * 10_000) / elapsed) / 10;
      this.#windowStart = now;
      this.#bytes = 0;
      this.#videoFrames = 0;
    }
    this.#bytes += bytes;
    if (videoFrame) this.#videoFrames++;
  }

  reset(): void {
    this.#windowStart = undefined;
    this.#bytes = 0;
    this.#videoFrames = 0;
    this.kbps = 0;
    this.fps = 0;
  }
}
