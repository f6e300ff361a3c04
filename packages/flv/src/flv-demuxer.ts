import { FlvError, FlvErrorCode } from './flv-error.js';
import { FLV_HEADER_SIZE, checkFlvSignature, decodeFlvHeader, type FlvHeader } from './flv-header.js';
import { FLV_TAG_HEADER_SIZE, type FlvTag } from './flv-tag.js';

export interface FlvDemuxerOptions {
  /** Largest accepted tag DataSize; bigger tags throw ERR_FLV_TAG_TOO_LARGE. Default 16 MiB. */
  maxTagSize?: number;
  /**
   * Whether the stream starts with the FLV file header (default true). Pass false to
   * read a bare sequence of tags, e.g. the body of an RTMP aggregate message.
   */
  expectHeader?: boolean;
}

/** DataOffset values above this are treated as garbage rather than buffered. */
const MAX_HEADER_SIZE = 1024 * 1024;

/**
 * Incremental FLV reader: push chunks split anywhere, get whole tags back.
 *
 * Returned payloads are copy-free `subarray` views, either of a pushed chunk or of a
 * buffer the demuxer allocated to join split chunks. The demuxer never writes into
 * either afterwards, so views stay valid as long as the caller doesn't mutate the
 * chunks it pushed (copy them first if it reuses its read buffers).
 *
 * Split data is kept as a list of chunks and joined only once enough bytes for the
 * next header or whole tag are buffered, so byte-by-byte feeding stays linear.
 *
 * Errors (bad signature, oversized tag) are fatal: the push throws, tags completed
 * earlier in that same chunk are dropped, and every later push throws the same error.
 */
export class FlvDemuxer {
  /** The file header, once it has been read (stays undefined with expectHeader: false). */
  header: FlvHeader | undefined;
  /** Tags whose trailing PreviousTagSize didn't match; counted, never fatal. */
  previousTagSizeMismatches = 0;

  readonly #maxTagSize: number;
  #pending: Uint8Array[] = [];
  #buffered = 0;
  /** Bytes needed before parsing can make progress. */
  #need: number;
  #inHeader: boolean;
  #error: FlvError | undefined;

  constructor(options: FlvDemuxerOptions = {}) {
    this.#maxTagSize = options.maxTagSize ?? 16 * 1024 * 1024;
    this.#inHeader = options.expectHeader ?? true;
    this.#need = this.#inHeader ? FLV_HEADER_SIZE : FLV_TAG_HEADER_SIZE;
  }

  /** Bytes held back waiting for the rest of a header or tag. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  push(chunk: Uint8Array): FlvTag[] {
    // A stream that failed once is not resynchronised: keep reporting the same error.
    if (this.#error) throw this.#error;
    if (chunk.length === 0) return [];
    if (this.#inHeader && this.#buffered < 3) {
      // Reject a non-FLV stream on its first bytes instead of waiting for 9 of them.
      const head = this.#buffered === 0 ? chunk : concat([...this.#pending, chunk], Math.min(3, this.#buffered + chunk.length));
      this.#guard(() => checkFlvSignature(head));
    }
    this.#pending.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered < this.#need) return [];

    const buf = this.#pending.length === 1 ? chunk : concat(this.#pending, this.#buffered);
    const tags: FlvTag[] = [];
    const offset = this.#guard(() => this.#parse(buf, tags));
    const rest = offset === buf.length ? undefined : buf.subarray(offset);
    this.#pending = rest ? [rest] : [];
    this.#buffered = rest ? rest.length : 0;
    return tags;
  }

  #parse(buf: Uint8Array, tags: FlvTag[]): number {
    let pos = 0;
    if (this.#inHeader) {
      const header = decodeFlvHeader(buf);
      if (header.headerSize > MAX_HEADER_SIZE) {
        throw new FlvError(FlvErrorCode.badHeader, `FLV DataOffset ${header.headerSize} is implausibly large`);
      }
      // The header is followed by PreviousTagSize0; its value carries no information.
      const end = header.headerSize + 4;
      if (buf.length < end) {
        this.#need = end;
        return 0;
      }
      this.header = header;
      this.#inHeader = false;
      pos = end;
    }
    for (;;) {
      const left = buf.length - pos;
      if (left < FLV_TAG_HEADER_SIZE) {
        this.#need = FLV_TAG_HEADER_SIZE;
        return pos;
      }
      const size = (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
      if (size > this.#maxTagSize) {
        throw new FlvError(FlvErrorCode.tagTooLarge, `FLV tag of ${size} bytes exceeds maxTagSize ${this.#maxTagSize}`);
      }
      const total = FLV_TAG_HEADER_SIZE + size + 4;
      if (left < total) {
        this.#need = total;
        return pos;
      }
      const b0 = buf[pos]!;
      // Timestamp: 24 lower bits, then the extended byte holds bits 24..31.
      const timestamp = ((buf[pos + 7]! << 24) | (buf[pos + 4]! << 16) | (buf[pos + 5]! << 8) | buf[pos + 6]!) >>> 0;
      const dataStart = pos + FLV_TAG_HEADER_SIZE;
      const end = dataStart + size;
      const previousTagSize = ((buf[end]! << 24) | (buf[end + 1]! << 16) | (buf[end + 2]! << 8) | buf[end + 3]!) >>> 0;
      // Some muxers write 0 or the payload size here; the data size field is what we trust.
      if (previousTagSize !== FLV_TAG_HEADER_SIZE + size) this.previousTagSizeMismatches++;
      tags.push({ type: b0 & 0x1f, timestamp, payload: buf.subarray(dataStart, end) });
      pos = end + 4;
    }
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FlvError) this.#error = err;
      throw err;
    }
  }
}

/** Joins chunks into one new buffer holding (at most) their first `length` bytes. */
function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    if (at >= length) break;
    const part = c.length <= length - at ? c : c.subarray(0, length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}
