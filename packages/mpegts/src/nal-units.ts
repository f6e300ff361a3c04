import { MpegTsError, MpegTsErrorCode } from './mpegts-error.js';

export type VideoCodec = 'avc' | 'hevc';

/**
 * The NAL units of an access unit in length-prefixed form (ISO/IEC 14496-15, as MP4 and FLV carry them),
 * as views of `bytes`. Throws ERR_MPEGTS_BAD_NAL_UNITS when a length runs past the end. Fewer bytes at the
 * end than a length prefix are padding, not a unit, and are left out.
 */
export function splitLengthPrefixed(bytes: Uint8Array, nalLengthSize: number): Uint8Array[] {
  if (nalLengthSize < 1 || nalLengthSize > 4) throw new MpegTsError(MpegTsErrorCode.badNalUnits, `NAL length size ${nalLengthSize}`);
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + nalLengthSize > bytes.length) break;
    let len = 0;
    for (let i = 0; i < nalLengthSize; i++) len = len * 256 + bytes[p + i]!;
    p += nalLengthSize;
    if (p + len > bytes.length) throw new MpegTsError(MpegTsErrorCode.badNalUnits, `NAL unit of ${len} bytes at byte ${p} runs past the ${bytes.length}-byte access unit`);
    if (len > 0) out.push(bytes.subarray(p, p + len));
    p += len;
  }
  return out;
}

/** nal_unit_type: 5 bits of the first byte for H.264, 6 bits after the forbidden bit for HEVC. */
export function nalUnitType(codec: VideoCodec, nal: Uint8Array): number {
  const b = nal[0] ?? 0;
  return codec === 'avc' ? b & 0x1f : (b >> 1) & 0x3f;
}

/** NAL unit types that matter here, per codec. */
export const NalType = {
  avc: { idr: 5, sps: 7, pps: 8, aud: 9 },
  hevc: { irapFirst: 16, irapLast: 23, vps: 32, sps: 33, pps: 34, aud: 35 },
} as const;

/** An access unit delimiter: we write our own, one per access unit. */
export function isAud(codec: VideoCodec, type: number): boolean {
  return type === (codec === 'avc' ? NalType.avc.aud : NalType.hevc.aud);
}

/** A picture a decoder can start at: H.264 IDR, HEVC IRAP (BLA, IDR, CRA). */
export function isRandomAccess(codec: VideoCodec, type: number): boolean {
  return codec === 'avc' ? type === NalType.avc.idr : type >= NalType.hevc.irapFirst && type <= NalType.hevc.irapLast;
}

export function isSps(codec: VideoCodec, type: number): boolean {
  return type === (codec === 'avc' ? NalType.avc.sps : NalType.hevc.sps);
}
