/**
 * One `.aac` listener's bookkeeping: the body is ADTS (ISO/IEC 14496-3 1.A.2), read frame by frame through
 * each header's sync word and frame length, so a byte lost or added anywhere is a framing error. Counts the
 * raw AAC bytes (frames without their 7- or 9-byte headers), which must equal the AAC data the publisher
 * sent. ADTS has no time stamps: no latency samples; a late joiner's first frame is its first whole frame.
 */
import type { ViewerSink } from './flv-viewer.js';
import type { StreamViewer } from './stream-viewer.js';

export class AdtsViewer implements StreamViewer {
  readonly #sink: ViewerSink;
  bytes = 0;
  markBytes = 0;
  mediaBytes = 0;
  markMediaBytes = 0;
  broken = false;
  onKeyframe: ((at: number) => void) | undefined;
  /** bytes of a frame split across reads */
  #rest: Uint8Array | undefined;

  constructor(sink: ViewerSink) {
    this.#sink = sink;
  }

  push(chunk: Uint8Array, at: number): void {
    this.bytes += chunk.length;
    this.#sink.bytes += chunk.length;
    if (this.broken) return;
    let data = chunk;
    if (this.#rest !== undefined) {
      data = new Uint8Array(this.#rest.length + chunk.length);
      data.set(this.#rest);
      data.set(chunk, this.#rest.length);
      this.#rest = undefined;
    }
    let off = 0;
    let frames = 0;
    while (off + 7 <= data.length) {
      if (data[off] !== 0xff || (data[off + 1]! & 0xf6) !== 0xf0) return this.fail();
      const length = ((data[off + 3]! & 0x03) << 11) | (data[off + 4]! << 3) | (data[off + 5]! >> 5);
      const header = data[off + 1]! & 0x01 ? 7 : 9;
      if (length <= header) return this.fail();
      if (off + length > data.length) break;
      this.mediaBytes += length - header;
      frames++;
      off += length;
    }
    if (off < data.length) this.#rest = data.slice(off);
    this.#sink.tags += frames;
    if (frames > 0 && this.onKeyframe !== undefined) {
      const cb = this.onKeyframe;
      this.onKeyframe = undefined;
      cb(at);
    }
  }

  fail(): void {
    if (this.broken) return;
    this.broken = true;
    this.#sink.framingErrors++;
  }
}
