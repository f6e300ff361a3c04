import { AvMultitrackType } from './av-multitrack-type.js';
import { FlvError, FlvErrorCode } from './flv-error.js';
import { readFourCc } from './four-cc.js';

/** Packet type values that mean the same thing for Enhanced RTMP audio and video. */
const MOD_EX = 7;

/**
 * Cursor over an Enhanced RTMP audio/video tag header; the two share the ModEx and
 * multitrack layouts and differ only in the packet-type numbers, passed in by the caller.
 */
export class ExHeaderReader {
  pos: number;
  readonly #bytes: Uint8Array;
  readonly #what: string;

  constructor(bytes: Uint8Array, pos: number, what: string) {
    this.#bytes = bytes;
    this.pos = pos;
    this.#what = what;
  }

  need(n: number): void {
    if (this.pos + n > this.#bytes.length) {
      throw new FlvError(FlvErrorCode.truncated, `${this.#what} tag truncated at byte ${this.pos}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.#bytes[this.pos++]!;
  }

  u16(): number {
    return this.u8() * 0x100 + this.u8();
  }

  u24(): number {
    return this.u16() * 0x100 + this.u8();
  }

  fourCc(): string {
    this.need(4);
    const s = readFourCc(this.#bytes, this.pos);
    this.pos += 4;
    return s;
  }

  /**
   * Skips ModEx blocks (size-prefixed modifier data, e.g. nanosecond timestamp offsets,
   * which we don't interpret) and returns the real packet type that follows them.
   */
  skipModEx(packetType: number): number {
    let type = packetType;
    while (type === MOD_EX) {
      let size = this.u8() + 1;
      if (size === 256) size = this.u16() + 1;
      this.need(size);
      this.pos += size;
      type = this.u8() & 0x0f; // high nibble: ModEx type, low nibble: next packet type
    }
    return type;
  }

  /**
   * Reads the multitrack header and the first track's prefix. The info we return
   * describes that first track (by convention the default / best one).
   */
  multitrack(): { packetType: number; fourcc: string; trackId: number; multitrackType: number } {
    const b = this.u8();
    const multitrackType = b >>> 4;
    const packetType = b & 0x0f;
    // The shared FourCC (header) and the per-track FourCC of ManyTracksManyCodecs (body)
    // both sit right here for the first track.
    const fourcc = this.fourCc();
    const trackId = this.u8();
    if (multitrackType !== AvMultitrackType.oneTrack) this.u24(); // sizeOfTrack: only needed to walk to the next one
    return { packetType, fourcc, trackId, multitrackType };
  }
}
