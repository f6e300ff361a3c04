import { concatBytes, readUint24BE, readUint32BE } from './bytes.js';
import type { RtmpMessage } from './rtmp-message.js';
import { RtmpError, RtmpErrorCode } from './rtmp-error.js';

export const DEFAULT_CHUNK_SIZE = 128;
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
/** Largest chunk size the spec allows (31 bits; the top bit must be 0). */
export const MAX_PROTOCOL_CHUNK_SIZE = 0x7fffffff;
export const MAX_CSID = 65599;

export interface ChunkReaderOptions {
  /** largest message length a header may declare (default 16 MiB) */
  maxMessageSize?: number;
  /** largest chunk size the peer may set (default: the protocol maximum) */
  maxChunkSize?: number;
  /** how many chunk streams may hold state at once (default 64; encoders use a handful) */
  maxChunkStreams?: number;
  /** bytes of partially received messages held across all chunk streams (default 2 × maxMessageSize) */
  maxPendingBytes?: number;
}

/** What the last header on one chunk stream said, and the message being reassembled there. */
interface ChunkStreamState {
  type: number;
  streamId: number;
  length: number;
  /** absolute timestamp of the current (or last) message */
  timestamp: number;
  /** delta applied when a new message starts with a type 1/2/3 header */
  delta: number;
  /** the last type 0/1/2 header used the extended timestamp, so type-3 chunks repeat it */
  extended: boolean;
  /** the message being reassembled: grown as its bytes come, never beyond its declared length */
  body: Uint8Array | undefined;
  received: number;
}

/**
 * Reassembles RTMP messages from the chunk stream (RTMP 1.0 §5.3). Feed it any split of the bytes.
 * Payload bytes are copied as they arrive, so only a partial chunk header (≤ 18 bytes) is ever carried
 * over between pushes, and memory is bounded by the received bytes of unfinished messages (each message is
 * reassembled in one buffer that at most doubles what was received, whatever the size of the pieces pushed).
 * Set Chunk Size (type 1) and Abort (type 2) messages are applied by the reader itself as soon as they
 * complete (they affect the following chunks) and returned like any other message.
 */
export class ChunkReader {
  #chunkSize = DEFAULT_CHUNK_SIZE;
  readonly #maxMessageSize: number;
  readonly #maxChunkSize: number;
  readonly #maxChunkStreams: number;
  readonly #maxPendingBytes: number;
  readonly #streams = new Map<number, ChunkStreamState>();
  #pendingBytes = 0;
  /** leftover bytes of an incomplete chunk header */
  #remainder: Uint8Array = new Uint8Array(0);
  /** chunk stream whose chunk body we are in, and how many body bytes are still due */
  #bodyCsid = -1;
  #bodyLeft = 0;
  /** body bytes of an aborted chunk still to skip */
  #discardLeft = 0;

  constructor(opts: ChunkReaderOptions = {}) {
    this.#maxMessageSize = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#maxChunkSize = opts.maxChunkSize ?? MAX_PROTOCOL_CHUNK_SIZE;
    this.#maxChunkStreams = opts.maxChunkStreams ?? 64;
    this.#maxPendingBytes = opts.maxPendingBytes ?? 2 * this.#maxMessageSize;
  }

  get chunkSize(): number {
    return this.#chunkSize;
  }

  /**
   * Bytes held between pushes: the received parts of unfinished messages plus a partial chunk header.
   * Never more than maxPendingBytes + 18 (the longest chunk header); the buffers holding them are at most
   * twice as large (4 KiB at least per unfinished message).
   */
  get bufferedBytes(): number {
    return this.#pendingBytes + this.#remainder.length;
  }

  /** Applies the peer's Set Chunk Size (takes effect for the next chunk). */
  setChunkSize(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > MAX_PROTOCOL_CHUNK_SIZE) {
      throw new RtmpError(RtmpErrorCode.ChunkSize, `invalid chunk size ${n}`);
    }
    if (n > this.#maxChunkSize) {
      throw new RtmpError(RtmpErrorCode.ChunkSize, `chunk size ${n} exceeds the limit ${this.#maxChunkSize}`);
    }
    this.#chunkSize = n;
  }

  /** Abort Message: drop the partly received message on this chunk stream. */
  abort(csid: number): void {
    const s = this.#streams.get(csid);
    if (s === undefined) return;
    this.#pendingBytes -= s.received;
    s.body = undefined;
    s.received = 0;
    if (this.#bodyCsid === csid) {
      // The rest of the chunk in flight still has to be skipped on the wire: keep reading it, but discard.
      this.#discardLeft = this.#bodyLeft;
      this.#bodyLeft = 0;
      this.#bodyCsid = -1;
    }
  }

  push(bytes: Uint8Array): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    let buf = bytes;
    if (this.#remainder.length > 0) {
      buf = concatBytes([this.#remainder, bytes]);
      this.#remainder = new Uint8Array(0);
    }
    let pos = 0;
    while (pos < buf.length) {
      if (this.#discardLeft > 0) {
        const n = Math.min(this.#discardLeft, buf.length - pos);
        this.#discardLeft -= n;
        pos += n;
        continue;
      }
      if (this.#bodyLeft > 0) {
        const s = this.#streams.get(this.#bodyCsid) as ChunkStreamState;
        const n = Math.min(this.#bodyLeft, buf.length - pos);
        this.#append(s, buf.subarray(pos, pos + n));
        pos += n;
        this.#bodyLeft -= n;
        if (this.#bodyLeft === 0) this.#finishChunk(this.#bodyCsid, s, out);
        continue;
      }
      const used = this.#readHeader(buf, pos, out);
      if (used === 0) {
        this.#remainder = buf.slice(pos);
        break;
      }
      pos += used;
    }
    return out;
  }

  #append(s: ChunkStreamState, part: Uint8Array): void {
    if (part.length === 0) return;
    this.#pendingBytes += part.length;
    if (this.#pendingBytes > this.#maxPendingBytes) {
      throw new RtmpError(RtmpErrorCode.MessageTooLarge, `more than ${this.#maxPendingBytes} bytes of unfinished messages buffered`);
    }
    // Copy into the message's own buffer: the caller may reuse its buffer, a subarray would pin the whole
    // socket chunk, and a list of the pieces would cost an object per piece (a peer dripping a message a
    // byte at a time made 1 MiB of body hold over 200 MiB of heap). The buffer starts at up to 4 KiB and
    // doubles, capped at the declared length: at most twice what was received, or 4 KiB.
    const need = s.received + part.length;
    if (s.body === undefined || s.body.length < need) {
      const grown = new Uint8Array(Math.min(s.length, Math.max(need, 2 * (s.body?.length ?? 0), 4096)));
      if (s.body !== undefined) grown.set(s.body.subarray(0, s.received));
      s.body = grown;
    }
    s.body.set(part, s.received);
    s.received = need;
  }

  #finishChunk(csid: number, s: ChunkStreamState, out: RtmpMessage[]): void {
    this.#bodyCsid = -1;
    if (s.received < s.length) return;
    const payload = s.body ?? new Uint8Array(0);
    this.#pendingBytes -= s.received;
    s.body = undefined;
    s.received = 0;
    // Set Chunk Size and Abort change how the very next chunk is read, so they are applied here,
    // mid-push, rather than by the caller after the whole buffer was parsed. They are still returned.
    if (s.type === 1 && payload.length >= 4) this.setChunkSize(readUint32BE(payload, 0));
    else if (s.type === 2 && payload.length >= 4) this.abort(readUint32BE(payload, 0));
    out.push({ csid, type: s.type, streamId: s.streamId, timestamp: s.timestamp, payload });
  }

  /** Parses one chunk header at pos; returns its size, or 0 if it is not complete yet. */
  #readHeader(buf: Uint8Array, pos: number, out: RtmpMessage[]): number {
    const avail = buf.length - pos;
    const b0 = buf[pos] as number;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let p = pos + 1;
    if (csid === 0) {
      if (avail < 2) return 0;
      csid = 64 + (buf[p] as number);
      p += 1;
    } else if (csid === 1) {
      if (avail < 3) return 0;
      csid = 64 + (buf[p] as number) + (buf[p + 1] as number) * 256;
      p += 2;
    }
    const headerSize = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (buf.length - p < headerSize) return 0;

    const s = this.#streams.get(csid);
    if (s === undefined) {
      if (fmt !== 0) {
        throw new RtmpError(RtmpErrorCode.ChunkStream, `chunk stream ${csid} starts with a type ${fmt} header (needs type 0)`);
      }
      if (this.#streams.size >= this.#maxChunkStreams) {
        throw new RtmpError(RtmpErrorCode.ChunkStream, `more than ${this.#maxChunkStreams} chunk streams in use`);
      }
    }
    const inMessage = s !== undefined && s.received > 0;
    if (inMessage && fmt !== 3) {
      throw new RtmpError(RtmpErrorCode.ChunkStream, `type ${fmt} header on chunk stream ${csid} in the middle of a message`);
    }

    let tsField = 0;
    let extended: boolean;
    if (fmt === 3) {
      extended = (s as ChunkStreamState).extended;
    } else {
      tsField = readUint24BE(buf, p);
      extended = tsField === 0xffffff;
    }
    if (buf.length - p < headerSize + (extended ? 4 : 0)) return 0;

    // The whole header is here: commit it.
    if (fmt === 0) {
      const length = readUint24BE(buf, p + 3);
      this.#checkLength(csid, length);
      const type = buf[p + 6] as number;
      // Message stream id is the one little-endian field of RTMP.
      const streamId = ((buf[p + 7] as number) | ((buf[p + 8] as number) << 8) | ((buf[p + 9] as number) << 16) | ((buf[p + 10] as number) << 24)) >>> 0;
      const timestamp = extended ? readUint32BE(buf, p + 11) : tsField;
      // Like ffmpeg and SRS: a type-3 header that follows a type 0 reuses its timestamp as the delta.
      this.#streams.set(csid, { type, streamId, length, timestamp, delta: timestamp, extended, body: undefined, received: 0 });
    } else if (fmt === 1 || fmt === 2) {
      const st = s as ChunkStreamState;
      const delta = extended ? readUint32BE(buf, p + headerSize) : tsField;
      if (fmt === 1) {
        const length = readUint24BE(buf, p + 3);
        this.#checkLength(csid, length);
        st.length = length;
        st.type = buf[p + 6] as number;
      }
      st.delta = delta;
      st.extended = extended;
      st.timestamp = (st.timestamp + delta) >>> 0;
    } else {
      const st = s as ChunkStreamState;
      if (!inMessage) {
        // A type-3 header that starts a message repeats the previous delta; if it carries an extended
        // timestamp, that is the delta (as ffmpeg writes it).
        if (extended) st.delta = readUint32BE(buf, p);
        st.timestamp = (st.timestamp + st.delta) >>> 0;
      }
      // On a continuation chunk the extended timestamp is only a repetition: skip it.
    }
    const used = p + headerSize + (extended ? 4 : 0) - pos;
    const st = this.#streams.get(csid) as ChunkStreamState;
    const bodyLeft = Math.min(this.#chunkSize, st.length - st.received);
    this.#bodyCsid = csid;
    this.#bodyLeft = bodyLeft;
    if (bodyLeft === 0) this.#finishChunk(csid, st, out); // zero-length message
    return used;
  }

  #checkLength(csid: number, length: number): void {
    if (length > this.#maxMessageSize) {
      throw new RtmpError(
        RtmpErrorCode.MessageTooLarge,
        `message of ${length} bytes on chunk stream ${csid} exceeds the limit of ${this.#maxMessageSize}`,
      );
    }
  }
}
