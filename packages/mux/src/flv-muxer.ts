import { Amf0Error, encodeAmf0 } from '@flvcast/amf0';
import { FlvError, encodeFlvHeader, encodeTag } from '@flvcast/flv';
import type { Format, Frame, Muxer, StreamState, TrackLayout } from '@flvcast/media';
import { playerMetadata } from './player-metadata.js';

/**
 * FLV for live viewers (HTTP-FLV, WS-FLV): a header whose track flags tell the truth, a clean onMetaData,
 * the decoder configurations, then one tag per frame. The frame payload is the FLV tag body already, so
 * a tag is its 11-byte header, the payload and the PreviousTagSize.
 */
export class FlvMuxer implements Muxer {
  constructor(private readonly stream: StreamState) {}

  begin(layout: TrackLayout, startTimestamp: number): Uint8Array[] {
    const out = [encodeFlvHeader(layout), this.#onMetaData(layout)];
    const { video, audio } = this.stream;
    if (layout.hasVideo && video.config !== undefined) out.push(encodeTag(9, startTimestamp, video.config.payload));
    if (layout.hasAudio && audio.config !== undefined) out.push(encodeTag(8, startTimestamp, audio.config.payload));
    return out;
  }

  encode(frame: Frame): Uint8Array | undefined {
    if (frame.kind === 'data') {
      // Script data a publisher sent that AMF0 cannot carry again (a key of more than 64 KiB once its bad
      // UTF-8 became U+FFFD) or that no tag can hold: viewers go without it.
      try {
        return encodeTag(18, frame.timestamp, encodeAmf0(frame.name, frame.value));
      } catch (err) {
        if (err instanceof Amf0Error || err instanceof FlvError) return undefined;
        throw err;
      }
    }
    return encodeTag(frame.kind === 'video' ? 9 : 8, frame.timestamp, frame.payload);
  }

  metadataChanged(layout: TrackLayout): Uint8Array {
    return this.#onMetaData(layout);
  }

  /**
   * onMetaData as players get it (see playerMetadata). Always stamped 0: ffmpeg's FLV reader takes script data
   * at any other time for a data track.
   */
  #onMetaData(layout: TrackLayout): Uint8Array {
    return encodeTag(18, 0, playerMetadata(this.stream, layout));
  }
}

/** The FLV container: `hub.subscribe(key, flvFormat, ...)`. */
export const flvFormat: Format = {
  name: 'flv',
  createMuxer: (stream) => new FlvMuxer(stream),
};
