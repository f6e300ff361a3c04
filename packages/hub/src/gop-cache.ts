import type { MediaFrame } from '@flvcast/media';

/**
 * The frames since the last video keyframe, so a new viewer can start decoding at once. Bounded in frames and
 * bytes: a GOP that outgrows the bounds is dropped and caching resumes at the next keyframe. For streams
 * without video it keeps a sliding window of `audioWindowMs` of audio instead (SRS `fast_cache`).
 */
export class GopCache {
  #frames: MediaFrame[] = [];
  #bytes = 0;
  /** The current GOP overflowed the bounds; wait for the next keyframe. */
  #overflowed = false;

  constructor(
    private readonly maxFrames: number,
    private readonly maxBytes: number,
    private readonly audioWindowMs: number,
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
    this.#overflowed = false;
  }

  /** `videoSeen`: the stream carries video, so GOPs (not an audio window) are what's cached. */
  add(frame: MediaFrame, videoSeen: boolean): void {
    if (frame.config) return; // sequence headers are kept by the stream itself, always fresh
    if (frame.keyframe) {
      this.#frames = [frame];
      this.#bytes = frame.payload.byteLength;
      this.#overflowed = false;
      return;
    }
    if (videoSeen) {
      if (this.#overflowed || this.#frames.length === 0) return; // no keyframe yet: nothing decodable to cache
      if (this.#frames.length >= this.maxFrames || this.#bytes + frame.payload.byteLength > this.maxBytes) {
        this.clear();
        this.#overflowed = true;
        return;
      }
      this.#push(frame);
      return;
    }
    if (this.audioWindowMs <= 0) return;
    this.#push(frame);
    // Slide the audio window; also bounded by the same byte/frame limits.
    const oldest = frame.timestamp - this.audioWindowMs;
    let drop = 0;
    while (
      drop < this.#frames.length - 1 &&
      (this.#frames[drop]!.timestamp < oldest || this.#frames.length - drop > this.maxFrames || this.#bytes > this.maxBytes)
    ) {
      this.#bytes -= this.#frames[drop]!.payload.byteLength;
      drop++;
    }
    if (drop > 0) this.#frames.splice(0, drop);
  }

  #push(frame: MediaFrame): void {
    this.#frames.push(frame);
    this.#bytes += frame.payload.byteLength;
  }
}
