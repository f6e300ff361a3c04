import type { MediaFrame } from '@flvcast/media';
import { AudioWindow } from './audio-window.js';

/**
 * The frames since the last video keyframe, so a new viewer can start decoding at once. Bounded in frames and
 * bytes: a GOP that outgrows the bounds is dropped and caching resumes at the next keyframe. For streams
 * without video it keeps a sliding window of `audioWindowMs` of audio instead (SRS `fast_cache`), the same
 * kind of window the stream keeps for audio mounts.
 */
export class GopCache {
  #frames: MediaFrame[] = [];
  #bytes = 0;
  /** The current GOP overflowed the bounds; wait for the next keyframe. */
  #overflowed = false;
  /** Audio-only streams: the window that stands in for a GOP. */
  readonly #audio: AudioWindow;

  constructor(
    private readonly maxFrames: number,
    private readonly maxBytes: number,
    audioWindowMs: number,
  ) {
    this.#audio = new AudioWindow(audioWindowMs, maxBytes, maxFrames);
  }

  get frames(): readonly MediaFrame[] {
    return this.#audio.frames.length > 0 ? this.#audio.frames : this.#frames;
  }

  get bytes(): number {
    return this.#bytes + this.#audio.bytes;
  }

  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
    this.#overflowed = false;
    this.#audio.clear();
  }

  /** `videoSeen`: the stream carries video, so GOPs (not an audio window) are what's cached. */
  add(frame: MediaFrame, videoSeen: boolean): void {
    if (frame.config) return; // sequence headers are kept by the stream itself, always fresh
    if (!videoSeen) {
      this.#audio.add(frame);
      return;
    }
    this.#audio.clear(); // video came: GOPs from now on
    if (frame.keyframe) {
      this.#frames = [frame];
      this.#bytes = frame.payload.byteLength;
      this.#overflowed = false;
      return;
    }
    if (this.#overflowed || this.#frames.length === 0) return; // no keyframe yet: nothing decodable to cache
    if (this.#frames.length >= this.maxFrames || this.#bytes + frame.payload.byteLength > this.maxBytes) {
      this.clear();
      this.#overflowed = true;
      return;
    }
    this.#frames.push(frame);
    this.#bytes += frame.payload.byteLength;
  }
}
