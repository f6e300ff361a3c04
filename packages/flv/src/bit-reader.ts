import { FlvError, FlvErrorCode } from './flv-error.js';

/**
 * MSB-first bit reader with Exp-Golomb codes, for SPS/VPS style bitstreams.
 * Reading past the end throws ERR_FLV_TRUNCATED (the input is untrusted).
 */
export class BitReader {
  readonly #bytes: Uint8Array;
  #bit = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get bitsLeft(): number {
    return this.#bytes.length * 8 - this.#bit;
  }

  /** Reads up to 32 bits as an unsigned number. */
  bits(n: number): number {
    if (n > this.bitsLeft) {
      throw new FlvError(FlvErrorCode.truncated, 'bitstream ended early');
    }
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.#bytes[this.#bit >>> 3]!;
      // Multiply rather than shift so values of 32 bits stay unsigned.
      value = value * 2 + ((byte >>> (7 - (this.#bit & 7))) & 1);
      this.#bit++;
    }
    return value;
  }

  bool(): boolean {
    return this.bits(1) === 1;
  }

  skip(n: number): void {
    if (n > this.bitsLeft) {
      throw new FlvError(FlvErrorCode.truncated, 'bitstream ended early');
    }
    this.#bit += n;
  }

  /** ue(v): unsigned Exp-Golomb. */
  ue(): number {
    let zeros = 0;
    while (this.bits(1) === 0) {
      // 32 leading zeros would encode a value no valid stream uses.
      if (++zeros > 31) throw new FlvError(FlvErrorCode.badSps, 'Exp-Golomb code too long');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** se(v): signed Exp-Golomb (1, -1, 2, -2, ...). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/**
 * Removes emulation-prevention bytes (00 00 03 -> 00 00) from a NAL unit so its RBSP
 * can be read bit by bit. Returns the input itself when there is nothing to remove.
 */
export function nalToRbsp(nal: Uint8Array): Uint8Array {
  let zeros = 0;
  let first = -1;
  for (let i = 0; i < nal.length; i++) {
    if (zeros >= 2 && nal[i] === 3) {
      first = i;
      break;
    }
    zeros = nal[i] === 0 ? zeros + 1 : 0;
  }
  if (first < 0) return nal;
  const out = new Uint8Array(nal.length);
  out.set(nal.subarray(0, first));
  let n = first;
  zeros = 0;
  for (let i = first + 1; i < nal.length; i++) {
    const b = nal[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}
