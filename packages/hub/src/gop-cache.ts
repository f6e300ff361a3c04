import type { MediaTag } from './media-tag.js';

/**
 * The tags since the last video keyframe, so a new viewer can start decoding at once. Bounded in frames and
 * bytes: a GOP that outgrows the bounds is dropped and caching resumes at the next keyframe. For streams
 * without video it keeps a sliding window of `audioWindowMs` of audio instead (SRS `fast_cache`).
 */
export class GopCache {
  #tags: MediaTag[] = [];
  #bytes = 0;
  /** The current GOP overflowed the bounds; wait for the next keyframe. */
  #overflowed = false;

  constructor(
    private readonly maxFrames: number,
    private readonly maxBytes: number,
    private readonly audioWindowMs: number,
  ) {}

  get tags(): readonly MediaTag[] {
    return this.#tags;
  }

  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#tags = [];
    this.#bytes = 0;
    this.#overflowed = false;
  }

  /** `videoSeen`: the stream carries video, so GOPs (not an audio window) are what's cached. */
  add(tag: MediaTag, videoSeen: boolean): void {
    if (tag.config) return; // sequence headers are kept by the stream itself, always fresh
    if (tag.keyframe) {
      this.#tags = [tag];
      this.#bytes = tag.bytes.byteLength;
      this.#overflowed = false;
      return;
    }
    if (videoSeen) {
      if (this.#overflowed || this.#tags.length === 0) return; // no keyframe yet: nothing decodable to cache
      if (this.#tags.length >= this.maxFrames || this.#bytes + tag.bytes.byteLength > this.maxBytes) {
        this.clear();
        this.#overflowed = true;
        return;
      }
      this.#push(tag);
      return;
    }
    if (this.audioWindowMs <= 0) return;
    this.#push(tag);
    // Slide the audio window; also bounded by the same byte/frame limits.
    const oldest = tag.timestamp - this.audioWindowMs;
    let drop = 0;
    while (
      drop < this.#tags.length - 1 &&
      (this.#tags[drop]!.timestamp < oldest || this.#tags.length - drop > this.maxFrames || this.#bytes > this.maxBytes)
    ) {
      this.#bytes -= this.#tags[drop]!.bytes.byteLength;
      drop++;
    }
    if (drop > 0) this.#tags.splice(0, drop);
  }

  #push(tag: MediaTag): void {
    this.#tags.push(tag);
    this.#bytes += tag.bytes.byteLength;
  }
}
