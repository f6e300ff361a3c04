import { checkFlvSignature, decodeFlvHeader, FLV_HEADER_SIZE, type FlvHeader } from './flv-header.js';
import { FLV_TAG_HEADER_SIZE } from './flv-tag.js';

/** One whole tag seen by the scanner: where it lies and what its header says; its payload is skipped. */
export interface ScannedTag {
  /** Byte offset of the tag header in the file. */
  readonly offset: number;
  /** Just past the tag's PreviousTagSize: the next tag's offset. */
  readonly end: number;
  /** 8 audio, 9 video, 18 script (the filter bit masked off). */
  readonly type: number;
  readonly dataSize: number;
  /** Milliseconds, with the extended byte. */
  readonly timestamp: number;
  /** The first bytes of the payload (up to `headBytes`): enough to tell a keyframe or a sequence header. */
  readonly head: Uint8Array;
}

/** Head bytes kept per tag by default: an Enhanced RTMP ModEx/multitrack video header fits in this. */
const DEFAULT_HEAD_BYTES = 32;

const u24 = (b: Uint8Array, at: number): number => (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;

/**
 * Walks an FLV file's tags from chunks pushed in order, keeping only tag headers and the first bytes of
 * each payload: a file of any size is scanned in constant memory. A tag is reported once its last byte
 * (PreviousTagSize included) has arrived, so what a scan reports of a file torn by a crash is exactly its
 * whole tags; `validEnd` is where they end. A tag header with reserved bits set is no tag boundary: the
 * scan stops there (`problem` says why) and ignores what follows, as a reader of that file would have to.
 */
export class FlvTagScanner {
  readonly #headBytes: number;
  /** Bytes of the file header or of the current tag's header + head, not yet complete. */
  #pending = new Uint8Array(0);
  /** File offset of the next byte pushed. */
  #position = 0;
  #header: FlvHeader | undefined;
  /** The tag being skipped: reported when `#position` reaches its end. */
  #current: ScannedTag | undefined;
  #validEnd = 0;
  #problem: string | undefined;

  constructor(opts: { headBytes?: number } = {}) {
    this.#headBytes = opts.headBytes ?? DEFAULT_HEAD_BYTES;
  }

  /** The file header, once its bytes (and PreviousTagSize0) have been pushed. */
  get header(): FlvHeader | undefined {
    return this.#header;
  }

  /** Just past the last whole tag (or the header): a file cut here loses nothing that was whole. */
  get validEnd(): number {
    return this.#validEnd;
  }

  /** Why the scan stopped before the end of what was pushed; undefined while every tag parsed. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Scans `chunk`, the file's next bytes; returns the tags it completed. Throws FlvError on a non-FLV start. */
  push(chunk: Uint8Array): ScannedTag[] {
    const tags: ScannedTag[] = [];
    let at = 0;
    while (at < chunk.length && this.#problem === undefined) {
      if (this.#header === undefined) {
        at += this.#fill(chunk, at, this.#headerNeed());
        if (!this.#headerDone()) continue;
      } else if (this.#current === undefined) {
        // The header first: its DataSize says how many head bytes there are to keep.
        at += this.#fill(chunk, at, FLV_TAG_HEADER_SIZE);
        if (this.#pending.length < FLV_TAG_HEADER_SIZE) continue;
        const need = FLV_TAG_HEADER_SIZE + this.#pendingHead();
        at += this.#fill(chunk, at, need);
        if (this.#pending.length < need || !this.#startTag()) continue;
      } else {
        // Skip the rest of the payload and PreviousTagSize without keeping them.
        const step = Math.min(chunk.length - at, this.#current.end - this.#position);
        at += step;
        this.#position += step;
      }
      if (this.#current !== undefined && this.#position === this.#current.end) {
        tags.push(this.#current);
        this.#validEnd = this.#current.end;
        this.#current = undefined;
      }
    }
    return tags;
  }

  /** Bytes needed for the header: 9 to read DataOffset, then DataOffset + PreviousTagSize0. */
  #headerNeed(): number {
    if (this.#pending.length < FLV_HEADER_SIZE) return FLV_HEADER_SIZE;
    return decodeFlvHeader(this.#pending).headerSize + 4;
  }

  #headerDone(): boolean {
    if (this.#pending.length < FLV_HEADER_SIZE) {
      checkFlvSignature(this.#pending);
      return false;
    }
    const header = decodeFlvHeader(this.#pending);
    if (this.#pending.length < header.headerSize + 4) return false;
    this.#header = header;
    this.#validEnd = this.#position;
    this.#pending = new Uint8Array(0);
    return true;
  }

  /** Payload head bytes to collect for the tag whose header is pending. */
  #pendingHead(): number {
    return Math.min(this.#headBytes, u24(this.#pending, 1));
  }

  /** Appends up to `need - pending` bytes of `chunk` from `at`; returns how many it took. */
  #fill(chunk: Uint8Array, at: number, need: number): number {
    const take = Math.min(need - this.#pending.length, chunk.length - at);
    if (take <= 0) return 0;
    const next = new Uint8Array(this.#pending.length + take);
    next.set(this.#pending);
    next.set(chunk.subarray(at, at + take), this.#pending.length);
    this.#pending = next;
    this.#position += take;
    return take;
  }

  /** Takes the pending tag header; false (and the scan over) when it cannot be one. */
  #startTag(): boolean {
    const b = this.#pending;
    const offset = this.#position - b.length;
    const dataSize = u24(b, 1);
    if ((b[0]! & 0xc0) !== 0) {
      this.#problem = `the tag header at byte ${offset} has reserved bits set (0x${b[0]!.toString(16)}): not a tag boundary`;
      return false;
    }
    this.#current = {
      offset,
      end: offset + FLV_TAG_HEADER_SIZE + dataSize + 4,
      type: b[0]! & 0x1f,
      dataSize,
      timestamp: (u24(b, 4) | (b[7]! << 24)) >>> 0,
      head: b.slice(FLV_TAG_HEADER_SIZE),
    };
    this.#pending = new Uint8Array(0);
    return true;
  }
}
