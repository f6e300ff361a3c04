import { writeUint24BE, writeUint32BE } from './bytes.js';
import { DEFAULT_CHUNK_SIZE, MAX_CSID, MAX_PROTOCOL_CHUNK_SIZE } from './chunk-reader.js';
import type { RtmpMessage } from './rtmp-message.js';
import { RtmpError, RtmpErrorCode } from './rtmp-error.js';

/** What we last told the peer on one chunk stream: the basis for header compression. */
interface WrittenState {
  type: number;
  streamId: number;
  length: number;
  timestamp: number;
  /** delta of the last type 1/2 header; undefined after a type 0 (see below) */
  delta: number | undefined;
  extended: boolean;
}

const MAX_TIMESTAMP_FIELD = 0xffffff;

/**
 * Splits messages into chunks (RTMP 1.0 §5.3) with header compression: type 0 the first time on a
 * chunk stream (or when the stream id changes or time goes backwards), type 1 or 2 when only
 * length/type or nothing but the time changed, type 3 for continuation chunks and for a message that
 * repeats the previous delta exactly.
 */
export class ChunkWriter {
  #chunkSize = DEFAULT_CHUNK_SIZE;
  readonly #streams = new Map<number, WrittenState>();

  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Use after sending Set Chunk Size to the peer (the message itself goes out with the old size). */
  setChunkSize(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > MAX_PROTOCOL_CHUNK_SIZE) {
      throw new RtmpError(RtmpErrorCode.ChunkSize, `invalid chunk size ${n}`);
    }
    this.#chunkSize = n;
  }

  /** Forget the header state of a chunk stream (after sending Abort, say): its next message uses type 0. */
  reset(csid: number): void {
    this.#streams.delete(csid);
  }

  write(msg: RtmpMessage): Uint8Array {
    const { csid, type, payload } = msg;
    if (!Number.isInteger(csid) || csid < 2 || csid > MAX_CSID) {
      throw new RtmpError(RtmpErrorCode.ChunkStream, `chunk stream id ${csid} out of range 2..${MAX_CSID}`);
    }
    if (payload.length > 0xffffff) {
      throw new RtmpError(RtmpErrorCode.MessageTooLarge, `message of ${payload.length} bytes does not fit a 24-bit length`);
    }
    const timestamp = msg.timestamp >>> 0;
    const streamId = msg.streamId >>> 0;
    const length = payload.length;
    const prev = this.#streams.get(csid);

    let fmt: 0 | 1 | 2 | 3;
    let tsValue: number; // what goes in the timestamp field (absolute for type 0, delta otherwise)
    // Backwards time is sent as an absolute type 0 rather than a huge wrapped delta.
    if (prev === undefined || prev.streamId !== streamId || timestamp < prev.timestamp) {
      fmt = 0;
      tsValue = timestamp;
    } else {
      const delta = timestamp - prev.timestamp;
      tsValue = delta;
      if (prev.type !== type || prev.length !== length) fmt = 1;
      // Type 3 for a new message only after a real delta was sent: readers disagree on what delta
      // a type 3 implies right after a type 0.
      else if (prev.delta === delta) fmt = 3;
      else fmt = 2;
    }
    const extended = fmt === 3 ? (prev as WrittenState).extended : tsValue >= MAX_TIMESTAMP_FIELD;
    this.#streams.set(csid, {
      type,
      streamId,
      length,
      timestamp,
      delta: fmt === 0 ? undefined : tsValue,
      extended,
    });

    const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
    const firstHeader = basic + (fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0) + (extended ? 4 : 0);
    const contHeader = basic + (extended ? 4 : 0);
    const chunks = Math.max(1, Math.ceil(length / this.#chunkSize));
    const out = new Uint8Array(firstHeader + (chunks - 1) * contHeader + length);

    let o = writeBasicHeader(out, 0, fmt, csid);
    if (fmt !== 3) {
      writeUint24BE(out, o, extended ? MAX_TIMESTAMP_FIELD : tsValue);
      o += 3;
      if (fmt !== 2) {
        writeUint24BE(out, o, length);
        out[o + 3] = type;
        o += 4;
        if (fmt === 0) {
          out[o] = streamId & 0xff;
          out[o + 1] = (streamId >>> 8) & 0xff;
          out[o + 2] = (streamId >>> 16) & 0xff;
          out[o + 3] = (streamId >>> 24) & 0xff;
          o += 4;
        }
      }
    }
    if (extended) {
      writeUint32BE(out, o, tsValue);
      o += 4;
    }
    for (let i = 0; i < length; i += this.#chunkSize) {
      if (i > 0) {
        o = writeBasicHeader(out, o, 3, csid);
        // Continuation chunks repeat the extended timestamp, as the spec and ffmpeg/librtmp/OBS do.
        if (extended) {
          writeUint32BE(out, o, tsValue);
          o += 4;
        }
      }
      const n = Math.min(this.#chunkSize, length - i);
      out.set(payload.subarray(i, i + n), o);
      o += n;
    }
    return out;
  }
}

function writeBasicHeader(out: Uint8Array, o: number, fmt: number, csid: number): number {
  if (csid < 64) {
    out[o] = (fmt << 6) | csid;
    return o + 1;
  }
  if (csid < 320) {
    out[o] = fmt << 6; // csid field 0: one more byte, csid - 64
    out[o + 1] = csid - 64;
    return o + 2;
  }
  out[o] = (fmt << 6) | 1; // csid field 1: two more bytes, csid - 64 little-endian
  out[o + 1] = (csid - 64) & 0xff;
  out[o + 2] = (csid - 64) >>> 8;
  return o + 3;
}
