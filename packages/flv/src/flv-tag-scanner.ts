import { FLV_HEADER_SIZE, checkFlvSignature, decodeFlvHeader, type FlvHeader } from './flv-header.js';
import { FLV_TAG_HEADER_SIZE } from './flv-tag.js';
import { TagType } from './tag-type.js';

/** One tag as a scan sees it: where it lies and what it starts with, without its whole payload. */
export interface ScannedTag {
  /** Byte offset of the tag header in the file. */
  readonly offset: number;
  /** Just past the tag's PreviousTagSize. */
  readonly end: number;
  readonly type: number;
  readonly dataSize: number;
  readonly timestamp: number;
  /** The first bytes of the payload (up to `headBytes`): enough to tell keyframes and configurations apart. */
  readonly head: Uint8Array;
  /** The whole payload of a script tag no larger than `maxScriptBytes`; undefined otherwise. */
  readonly script: Uint8Array | undefined;
}

export interface FlvTagScannerOptions {
  /** Payload bytes kept per tag in `head`. Default 256 (an AVC configuration with its SPS fits). */
  headBytes?: number;
  /** Script tags up to this size are kept whole (onMetaData); larger ones are skipped. Default 1 MiB. */
  maxScriptBytes?: number;
}

const u24 = (b: Uint8Array, at: number): number => (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;

/**
 * Incremental FLV tag walker over a file pushed in chunks of any size: it keeps at most one tag header,
 * its `head` and a small script payload, never a media payload, so a 2 GB file is scanned in constant
 * memory. Offsets are absolute (from the file's first byte). A file cut mid-tag simply yields no tag for
 * the torn tail: `offset` then tells where the last whole tag ended.
 */
export class FlvTagScanner {
  header: FlvHeader | undefined;
  readonly #headBytes: number;
  readonly #maxScript: number;
  /** Bytes of the file consumed so far. */
  #pos = 0;
  /** Just past the last whole tag (or the header and PreviousTagSize0). */
  #validEnd = 0;
  /** Bytes being gathered for the current unit (file header, tag header, or a kept payload part). */
  #buf: Uint8Array = new Uint8Array(FLV_HEADER_SIZE);
  #filled = 0;
  #state: 'header' | 'skipHeader' | 'tagHeader' | 'payload' | 'tail' = 'header';
  /** Bytes left to skip in the current unit. */
  #skip = 0;
  #tag: { offset: number; type: number; dataSize: number; timestamp: number } | undefined;
  #problem: string | undefined;

  constructor(options: FlvTagScannerOptions = {}) {
    this.#headBytes = options.headBytes ?? 256;
    this.#maxScript = options.maxScriptBytes ?? 1024 * 1024;
  }

  /** Just past the last whole tag seen: a file truncated there keeps every tag found. */
  get validEnd(): number {
    return this.#validEnd;
  }

  /** Why the scan stopped before the end of what was pushed (a tag header that is no tag); undefined while every tag parsed. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Bytes pushed so far. */
  get consumed(): number {
    return this.#pos;
  }

  /** Scans `chunk`, the next bytes of the file. Throws FlvError for a file that is not FLV. */
  push(chunk: Uint8Array): ScannedTag[] {
    const out: ScannedTag[] = [];
    let i = 0;
    while (i < chunk.length && this.#problem === undefined) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        this.#pos += n;
        if (this.#skip === 0) this.#unitDone(out);
        continue;
      }
      const n = Math.min(this.#buf.length - this.#filled, chunk.length - i);
      this.#buf.set(chunk.subarray(i, i + n), this.#filled);
      this.#filled += n;
      i += n;
      this.#pos += n;
      // A file that is not FLV is refused from its first bytes, not after a whole header.
      if (this.#state === 'header') checkFlvSignature(this.#buf.subarray(0, this.#filled));
      if (this.#filled === this.#buf.length) this.#unitDone(out);
    }
    return out;
  }

  /** The current unit is in (its bytes gathered, or its skipped part passed): parse it and set up the next. */
  #unitDone(out: ScannedTag[]): void {
    switch (this.#state) {
      case 'header': {
        this.header = decodeFlvHeader(this.#buf);
        // The rest of the header (a DataOffset above 9), then PreviousTagSize0.
        this.#skipThen('skipHeader', this.header.headerSize - FLV_HEADER_SIZE + 4);
        return;
      }
      case 'skipHeader':
        this.#validEnd = this.#pos;
        this.#gather('tagHeader', FLV_TAG_HEADER_SIZE);
        return;
      case 'tagHeader': {
        const b = this.#buf;
        // Reserved bits set: no writer puts a tag here, so nothing after it can be trusted as one.
        if ((b[0]! & 0xc0) !== 0) {
          this.#problem = `the tag header at byte ${this.#pos - FLV_TAG_HEADER_SIZE} has reserved bits set (0x${b[0]!.toString(16)}): not a tag boundary`;
          return;
        }
        const type = b[0]! & 0x1f;
        const dataSize = u24(b, 1);
        const timestamp = (u24(b, 4) | (b[7]! << 24)) >>> 0;
        this.#tag = { offset: this.#pos - FLV_TAG_HEADER_SIZE, type, dataSize, timestamp };
        const keep = type === TagType.script && dataSize <= this.#maxScript ? dataSize : Math.min(dataSize, this.#headBytes);
        this.#gather('payload', keep);
        if (keep === 0) this.#unitDone(out);
        return;
      }
      case 'payload':
        // The rest of the payload and the PreviousTagSize are not needed.
        this.#skipThen('tail', this.#tag!.dataSize - this.#buf.length + 4);
        return;
      case 'tail': {
        const tag = this.#tag!;
        const kept = this.#buf;
        out.push({
          ...tag,
          end: this.#pos,
          head: kept.subarray(0, Math.min(kept.length, this.#headBytes)),
          script: tag.type === TagType.script && tag.dataSize <= this.#maxScript ? kept : undefined,
        });
        this.#validEnd = this.#pos;
        this.#tag = undefined;
        this.#gather('tagHeader', FLV_TAG_HEADER_SIZE);
        return;
      }
    }
  }

  #gather(state: 'header' | 'tagHeader' | 'payload', bytes: number): void {
    this.#state = state;
    this.#buf = new Uint8Array(bytes);
    this.#filled = 0;
    this.#skip = 0;
  }

  /** Skips `bytes` (never 0: a PreviousTagSize always follows), then parses what follows in `state`. */
  #skipThen(state: 'skipHeader' | 'tail', bytes: number): void {
    this.#state = state;
    this.#skip = bytes;
  }
}
