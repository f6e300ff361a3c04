import type { Format } from '@flvcast/media';
import { rtmpFormat } from '@flvcast/mux';

/** Distinct player formats kept; beyond it (a client creating stream after stream), formats are made uncached. */
const MAX_CACHED = 64;

/**
 * The RTMP player formats of one plugin instance. The hub keys a stream's outputs by Format identity: players
 * given the same Format (same chunk size, message stream id and tracks) share every encoded packet. Nearly
 * every player plays on stream id 1 with both tracks, so a handful of entries covers them; the cache is
 * bounded all the same (stream ids grow with each createStream on a connection).
 */
export class PlayerFormats {
  readonly #cache = new Map<string, Format>();

  constructor(private readonly chunkSize: number) {}

  get(streamId: number, audio: boolean, video: boolean): Format {
    const key = `${streamId}/${audio ? 'a' : ''}${video ? 'v' : ''}`;
    let format = this.#cache.get(key);
    if (format === undefined) {
      format = rtmpFormat({ chunkSize: this.chunkSize, streamId, audio, video });
      if (this.#cache.size < MAX_CACHED) this.#cache.set(key, format);
    }
    return format;
  }

  get size(): number {
    return this.#cache.size;
  }
}
