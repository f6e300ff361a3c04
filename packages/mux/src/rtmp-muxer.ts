import { Amf0Error, encodeAmf0 } from '@flvcast/amf0';
import type { Format, Frame, Muxer, StreamState, TrackLayout } from '@flvcast/media';
import { ChunkStreamId, ChunkWriter, MAX_PROTOCOL_CHUNK_SIZE, MessageType, RtmpError } from '@flvcast/rtmp';
import { playerMetadata } from './player-metadata.js';

/** What the bytes of an RTMP player depend on: players that agree on all four share every packet. */
export interface RtmpFormatOptions {
  /** The outgoing chunk size the player's connection announced. */
  readonly chunkSize: number;
  /** The message stream id the player plays on (createStream's answer; 1 for nearly every player). */
  readonly streamId: number;
  /** receiveAudio / receiveVideo: a track the player turned off is not encoded for it at all. */
  readonly audio: boolean;
  readonly video: boolean;
}

/**
 * RTMP for players: each frame becomes one complete RTMP message in chunks, made once per stream and
 * shared by reference by every player of the same (chunk size, stream id, tracks). Every message starts
 * with a type-0 chunk header (absolute timestamp, length, type, stream id), so its bytes stand alone
 * whatever the player got before; continuation chunks are type 3 and repeat an extended timestamp. The
 * messages travel on chunk streams the sessions' own writers never use (`ChunkStreamId.Shared*`), so a
 * connection's header compression state for its commands is never disturbed by them.
 */
export class RtmpMuxer implements Muxer {
  readonly #writer = new ChunkWriter();

  constructor(
    private readonly stream: StreamState,
    private readonly options: RtmpFormatOptions,
  ) {
    this.#writer.setChunkSize(options.chunkSize);
  }

  /**
   * onMetaData (a plain data message, no `@setDataFrame` wrapper; stamped 0, as ffmpeg's FLV reader takes
   * script data at any other time for a data track), then the decoder configurations stamped `startTimestamp`.
   */
  begin(layout: TrackLayout, startTimestamp: number): Uint8Array[] {
    const out = [this.#metadata(layout)];
    const { video, audio } = this.stream;
    if (layout.hasVideo && this.options.video && video.config !== undefined) out.push(this.#message(ChunkStreamId.SharedVideo, MessageType.Video, startTimestamp, video.config.payload));
    if (layout.hasAudio && this.options.audio && audio.config !== undefined) out.push(this.#message(ChunkStreamId.SharedAudio, MessageType.Audio, startTimestamp, audio.config.payload));
    return out;
  }

  encode(frame: Frame): Uint8Array | undefined {
    if (frame.kind === 'data') {
      // Script data AMF0 cannot carry again, or too big for a message: players go without it.
      try {
        return this.#message(ChunkStreamId.SharedData, MessageType.DataAmf0, frame.timestamp, encodeAmf0(frame.name, frame.value));
      } catch (err) {
        if (err instanceof Amf0Error || err instanceof RtmpError) return undefined;
        throw err;
      }
    }
    if (frame.kind === 'video') return this.options.video ? this.#message(ChunkStreamId.SharedVideo, MessageType.Video, frame.timestamp, frame.payload) : undefined;
    return this.options.audio ? this.#message(ChunkStreamId.SharedAudio, MessageType.Audio, frame.timestamp, frame.payload) : undefined;
  }

  metadataChanged(layout: TrackLayout): Uint8Array {
    return this.#metadata(layout);
  }

  #metadata(layout: TrackLayout): Uint8Array {
    const own = { hasAudio: layout.hasAudio && this.options.audio, hasVideo: layout.hasVideo && this.options.video };
    return this.#message(ChunkStreamId.SharedData, MessageType.DataAmf0, 0, playerMetadata(this.stream, own));
  }

  #message(csid: number, type: number, timestamp: number, payload: Uint8Array): Uint8Array {
    // Forgetting the chunk stream's state makes the writer start with a type-0 header: bytes that stand alone.
    this.#writer.reset(csid);
    return this.#writer.write({ csid, type, streamId: this.options.streamId, timestamp, payload });
  }
}

/**
 * A new RTMP player format. The hub keys a stream's outputs by Format identity, so whoever serves players
 * keeps one Format per distinct options (the RTMP plugin caches them) for their packets to be shared.
 */
export function rtmpFormat(options: RtmpFormatOptions): Format {
  const { chunkSize, streamId } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_PROTOCOL_CHUNK_SIZE) throw new RangeError(`RTMP chunk size must be an integer from 1 to ${MAX_PROTOCOL_CHUNK_SIZE}, got ${chunkSize}`);
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffffff) throw new RangeError(`RTMP message stream id must be a 32-bit unsigned integer, got ${streamId}`);
  const own: RtmpFormatOptions = Object.freeze({ chunkSize, streamId, audio: options.audio, video: options.video });
  return {
    name: 'rtmp',
    createMuxer: (stream) => new RtmpMuxer(stream, own),
    // RTMP carries every codec the hub carries (it all came over RTMP or FLV); which ones a player may get
    // depends on what it announced in connect, which its connection checks. Defined so that
    // `stream.whenDecided(format)` waits until the codecs are known, not only the track layout.
    unsupported: () => undefined,
  };
}
