import { isAud, isRandomAccess, isSps, nalUnitType, type VideoCodec } from './nal-units.js';

/** The 4-byte start code (zero_byte + start_code_prefix_one_3bytes) before every NAL unit. Never written to. */
const START_CODE = Uint8Array.of(0, 0, 0, 1);

/**
 * Access unit delimiters (H.264 7.3.2.4, HEVC 7.3.2.5): H.264 primary_pic_type 7 (any slice type), HEVC
 * nal_unit_type 35 with temporal id 1 and pic_type 2 (any), each with its stop bit. Some players (and
 * every TS analyser) find access units by them.
 */
const AUD: Readonly<Record<VideoCodec, Uint8Array>> = {
  avc: Uint8Array.of(0x09, 0xf0),
  hevc: Uint8Array.of(0x46, 0x01, 0x50),
};

/** An access unit in Annex B byte-stream form, as parts to copy out in order (no copy made here). */
export interface AnnexBAccessUnit {
  readonly parts: Uint8Array[];
  readonly length: number;
  /** It holds a random access picture (IDR/IRAP) or was said to be a keyframe: parameter sets lead it. */
  readonly randomAccess: boolean;
}

/**
 * The Annex B form of one access unit: our AUD first (the publisher's own are dropped, so there is never
 * two), then, before a keyframe that carries no SPS of its own, the parameter sets of the current decoder
 * configuration (VPS, SPS, PPS in that order), then the NAL units, each behind a start code. A player
 * joining at any keyframe can decode it without the out-of-band configuration TS has no place for.
 */
export function annexBAccessUnit(codec: VideoCodec, nalUnits: readonly Uint8Array[], parameterSets: readonly Uint8Array[], keyframe: boolean): AnnexBAccessUnit {
  let randomAccess = keyframe;
  let ownSps = false;
  for (const nal of nalUnits) {
    const type = nalUnitType(codec, nal);
    if (isRandomAccess(codec, type)) randomAccess = true;
    else if (isSps(codec, type)) ownSps = true;
  }
  const parts: Uint8Array[] = [START_CODE, AUD[codec]];
  let length = START_CODE.length + AUD[codec].length;
  if (randomAccess && !ownSps) {
    for (const ps of parameterSets) {
      parts.push(START_CODE, ps);
      length += START_CODE.length + ps.length;
    }
  }
  for (const nal of nalUnits) {
    if (isAud(codec, nalUnitType(codec, nal))) continue;
    parts.push(START_CODE, nal);
    length += START_CODE.length + nal.length;
  }
  return { parts, length, randomAccess };
}
