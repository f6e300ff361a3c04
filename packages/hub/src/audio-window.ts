import type { MediaFrame } from '@flvcast/media';

/**
 * The last `windowMs` of a stream's audio frames (configuration excluded: the stream keeps that), what a new
 * listener of an audio mount gets at once (SRS `fast_cache`). A plain array on the stream, not a consumer:
 * it holds no viewer slot and keeps neither the stream nor an upstream alive; it slides with the publisher's
 * frames whatever the listeners do, and is bounded in bytes and frames as well as in time.
 */
export class AudioWindow {
  #frames: MediaFrame[] = [];
  #bytes = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
    private readonly maxFrames: number,
  ) {}

  get frames(): readonly MediaFrame[] {
    return this.#frames;
  }

  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
  }

  add(frame: MediaFrame): void {
    if (this.windowMs <= 0 || frame.kind !== 'audio' || frame.config) return;
    this.#frames.push(frame);
    this.#bytes += frame.payload.byteLength;
    const oldest = frame.timestamp - this.windowMs;
    let drop = 0;
    const frames = this.#frames;
    while (drop < frames.length && (frames[drop]!.timestamp < oldest || frames.length - drop > this.maxFrames || this.#bytes > this.maxBytes)) {
      this.#bytes -= frames[drop]!.payload.byteLength;
      drop++;
    }
    if (drop > 0) this.#frames = frames.slice(drop);
  }
}
