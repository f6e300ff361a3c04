/**
 * A minimal incremental MPEG-TS reader for the benchmark's TS viewers (ISO/IEC 13818-1): push any split of
 * the byte stream, get back each PES start of the program's audio and video PIDs with its PTS/DTS, and the
 * elementary-stream bytes per PID. It reads the PAT and PMT only to know which PID is which; no CRC checks,
 * no descriptors. Lost sync (a packet not starting with 0x47) is a framing error: the reader stops.
 */

export const TS_PACKET = 188;
const SYNC = 0x47;

/** Stream types that are video (H.264, HEVC) here; everything else in the PMT is taken as audio. */
const VIDEO_STREAM_TYPES = new Set([0x1b, 0x24]);

export interface PesStart {
  pid: number;
  kind: 'audio' | 'video';
  /** 90 kHz, 33 bits */
  pts: number | undefined;
  /** 90 kHz; the PTS when the PES has no DTS */
  dts: number | undefined;
  /** the adaptation field's random_access_indicator, or an IDR/IRAP NAL unit in this packet's payload */
  randomAccess: boolean;
  /** the push (see `pushes`) that carried the last packet of the PID's previous PES, −1 for its first */
  previousEndPush: number;
}

export class TsFramingError extends Error {
  readonly code = 'ERR_BENCH_TS_FRAMING';
}

export class TsPesReader {
  /** elementary-stream payload bytes (PES payload after its header), all PIDs of the program */
  esBytes = 0;
  /** continuity counter breaks on media PIDs (a packet lost or repeated) */
  continuityErrors = 0;
  /** calls of `push` so far, this one included */
  pushes = 0;
  /** per PID, the push that carried its last packet */
  readonly #lastPush = new Int32Array(8192).fill(-1);
  #rest: Uint8Array | undefined;
  #pmtPid: number | undefined;
  /** media PID → its PMT stream type */
  readonly #types = new Map<number, number>();
  readonly #cc = new Map<number, number>();

  /** Reads every whole packet of `chunk` (plus what was left over); throws TsFramingError on lost sync. */
  push(chunk: Uint8Array): PesStart[] {
    this.pushes++;
    const out: PesStart[] = [];
    let off = 0;
    if (this.#rest !== undefined) {
      // only the packet split across reads is copied
      const need = TS_PACKET - this.#rest.length;
      if (chunk.length < need) {
        const rest = new Uint8Array(this.#rest.length + chunk.length);
        rest.set(this.#rest);
        rest.set(chunk, this.#rest.length);
        this.#rest = rest;
        return out;
      }
      const packet = new Uint8Array(TS_PACKET);
      packet.set(this.#rest);
      packet.set(chunk.subarray(0, need), this.#rest.length);
      this.#rest = undefined;
      this.#one(packet, 0, out);
      off = need;
    }
    for (; off + TS_PACKET <= chunk.length; off += TS_PACKET) this.#one(chunk, off, out);
    // a copy: the caller's buffer may be reused
    if (off < chunk.length) this.#rest = chunk.slice(off);
    return out;
  }

  #one(p: Uint8Array, off: number, out: PesStart[]): void {
    if (p[off] !== SYNC) throw new TsFramingError(`no sync byte at a packet boundary (0x${p[off]!.toString(16)})`);
    const start = this.#packet(p, off);
    if (start !== undefined) out.push(start);
  }

  #packet(p: Uint8Array, off: number): PesStart | undefined {
    const pusi = (p[off + 1]! & 0x40) !== 0;
    const pid = ((p[off + 1]! & 0x1f) << 8) | p[off + 2]!;
    const afc = (p[off + 3]! >> 4) & 3;
    const cc = p[off + 3]! & 0x0f;
    let pos = off + 4;
    let randomAccess = false;
    if (afc & 2) {
      const len = p[pos]!;
      if (len > 0) randomAccess = (p[pos + 1]! & 0x40) !== 0;
      pos += 1 + len;
    }
    const end = off + TS_PACKET;
    if ((afc & 1) === 0 || pos >= end) return undefined;
    if (pid === 0) {
      if (pusi) this.#pat(p, pos + 1 + p[pos]!, end);
      return undefined;
    }
    if (pid === this.#pmtPid) {
      if (pusi) this.#pmt(p, pos + 1 + p[pos]!, end);
      return undefined;
    }
    const type = this.#types.get(pid);
    if (type === undefined) return undefined;
    const kind = VIDEO_STREAM_TYPES.has(type) ? 'video' : 'audio';
    const last = this.#cc.get(pid);
    if (last !== undefined && cc !== ((last + 1) & 0x0f)) this.continuityErrors++;
    this.#cc.set(pid, cc);
    const previousEndPush = this.#lastPush[pid]!;
    this.#lastPush[pid] = this.pushes;
    if (!pusi) {
      this.esBytes += end - pos;
      return undefined;
    }
    // PES header: 00 00 01, stream_id, length(2), flags(2), header length, optional fields
    if (end - pos < 9 || p[pos] !== 0 || p[pos + 1] !== 0 || p[pos + 2] !== 1) return undefined;
    const flags = p[pos + 7]! >> 6;
    const headerEnd = pos + 9 + p[pos + 8]!;
    const pts = flags & 2 ? timestamp(p, pos + 9) : undefined;
    const dts = flags === 3 ? timestamp(p, pos + 14) : pts;
    if (headerEnd < end) {
      this.esBytes += end - headerEnd;
      if (kind === 'video' && !randomAccess) randomAccess = hasRandomAccessNal(p, headerEnd, end, type === 0x24);
    }
    return { pid, kind, pts, dts, randomAccess, previousEndPush };
  }

  /** The first program's PMT PID. */
  #pat(p: Uint8Array, pos: number, end: number): void {
    const sectionEnd = Math.min(end, pos + 3 + (((p[pos + 1]! & 0x0f) << 8) | p[pos + 2]!)) - 4;
    for (let i = pos + 8; i + 4 <= sectionEnd; i += 4) {
      const program = (p[i]! << 8) | p[i + 1]!;
      if (program !== 0) {
        this.#pmtPid = ((p[i + 2]! & 0x1f) << 8) | p[i + 3]!;
        return;
      }
    }
  }

  #pmt(p: Uint8Array, pos: number, end: number): void {
    const sectionEnd = Math.min(end, pos + 3 + (((p[pos + 1]! & 0x0f) << 8) | p[pos + 2]!)) - 4;
    const programInfo = ((p[pos + 10]! & 0x0f) << 8) | p[pos + 11]!;
    for (let i = pos + 12 + programInfo; i + 5 <= sectionEnd; ) {
      const type = p[i]!;
      const pid = ((p[i + 1]! & 0x1f) << 8) | p[i + 2]!;
      this.#types.set(pid, type);
      i += 5 + (((p[i + 3]! & 0x0f) << 8) | p[i + 4]!);
    }
  }
}

/** A 33-bit PTS/DTS field (5 bytes with marker bits). */
function timestamp(p: Uint8Array, i: number): number {
  return (((p[i]! >> 1) & 0x07) * 2 ** 30) + (((p[i + 1]! << 7) | (p[i + 2]! >> 1)) << 15) + ((p[i + 3]! << 7) | (p[i + 4]! >> 1));
}

/** An H.264 IDR (type 5) or HEVC IRAP (types 16–23) NAL unit after a start code in [from, to). */
function hasRandomAccessNal(p: Uint8Array, from: number, to: number, hevc: boolean): boolean {
  for (let i = from; i + 3 < to; i++) {
    if (p[i] !== 0 || p[i + 1] !== 0 || p[i + 2] !== 1) continue;
    const b = p[i + 3]!;
    if (hevc ? ((b >> 1) & 0x3f) >= 16 && ((b >> 1) & 0x3f) <= 23 : (b & 0x1f) === 5) return true;
  }
  return false;
}
