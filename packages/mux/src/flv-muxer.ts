import { Amf0EcmaArray, Amf0Error, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { FlvError, encodeFlvHeader, encodeOnMetaData, encodeTag } from '@flvcast/flv';
import type { Format, Frame, Muxer, StreamState, TrackLayout } from '@flvcast/media';

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
   * onMetaData as players get it: the publisher's keys plus explicit track flags mpegts.js honours. Always
   * stamped 0: ffmpeg's FLV reader takes script data at any other time for a data track.
   */
  #onMetaData(layout: TrackLayout): Uint8Array {
    const meta: Record<string, Amf0Value> = { ...(this.stream.metadata ?? {}) };
    // A live stream has no length or size; a file's values would make players treat it as a recording.
    delete meta.duration;
    delete meta.filesize;
    const { video } = this.stream;
    if (video.width !== undefined && meta.width === undefined) meta.width = video.width;
    if (video.height !== undefined && meta.height === undefined) meta.height = video.height;
    meta.hasAudio = layout.hasAudio;
    meta.hasVideo = layout.hasVideo;
    meta.server = 'flvcast';
    try {
      return encodeTag(18, 0, encodeOnMetaData(meta));
    } catch (err) {
      if (!(err instanceof Amf0Error || err instanceof FlvError)) throw err;
    }
    // The publisher's metadata cannot be sent on as it is (a key AMF0 cannot hold, or more than a tag can):
    // every viewer's start would fail. Its entries that encode go, if they fit; the track flags always do.
    const fitting: Record<string, Amf0Value> = {};
    for (const [key, value] of Object.entries(meta)) {
      if (encodes(key, value)) Object.defineProperty(fitting, key, { value, enumerable: true, writable: true, configurable: true });
    }
    try {
      return encodeTag(18, 0, encodeOnMetaData(fitting));
    } catch (err) {
      if (!(err instanceof Amf0Error || err instanceof FlvError)) throw err;
      const own: Record<string, Amf0Value> = { hasAudio: layout.hasAudio, hasVideo: layout.hasVideo, server: 'flvcast' };
      if (video.width !== undefined) own.width = video.width;
      if (video.height !== undefined) own.height = video.height;
      return encodeTag(18, 0, encodeOnMetaData(own));
    }
  }
}

function encodes(key: string, value: Amf0Value): boolean {
  try {
    encodeAmf0(new Amf0EcmaArray({ [key]: value }));
    return true;
  } catch (err) {
    if (err instanceof Amf0Error) return false;
    throw err;
  }
}

/** The FLV container: `hub.subscribe(key, flvFormat, ...)`. */
export const flvFormat: Format = {
  name: 'flv',
  createMuxer: (stream) => new FlvMuxer(stream),
};
