import { BitReader, nalToRbsp } from './bit-reader.js';
import { FlvError, FlvErrorCode } from './flv-error.js';

export interface HevcSps {
  profile: number;
  tier: number;
  level: number;
  chromaFormat: number;
  /** Displayed size: pic_width/height_in_luma_samples minus the conformance window. */
  width: number;
  height: number;
}

/** HEVC NAL unit type of a sequence parameter set. */
const NAL_SPS = 33;

/**
 * Parses an H.265 SPS NAL unit (with its 2-byte NAL header) up to the picture size
 * (H.265 7.3.2.2). Throws FlvError on a truncated or non-SPS unit, and on one whose picture is
 * empty once the conformance window is applied (ERR_FLV_BAD_SPS).
 */
export function parseHevcSps(nal: Uint8Array): HevcSps {
  if (nal.length < 3 || ((nal[0]! >>> 1) & 0x3f) !== NAL_SPS) {
    throw new FlvError(FlvErrorCode.badSps, 'not an H.265 SPS NAL unit');
  }
  const r = new BitReader(nalToRbsp(nal.subarray(2)));
  r.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.bits(3);
  r.skip(1); // sps_temporal_id_nesting_flag
  // profile_tier_level(1, maxSubLayersMinus1)
  r.skip(2); // general_profile_space
  const tier = r.bits(1);
  const profile = r.bits(5);
  r.skip(32 + 4 + 43 + 1); // compatibility flags, source flags, constraint bits, inbld/reserved
  const level = r.bits(8);
  const subLayerProfile: boolean[] = [];
  const subLayerLevel: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subLayerProfile.push(r.bool());
    subLayerLevel.push(r.bool());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subLayerProfile[i]) r.skip(88);
    if (subLayerLevel[i]) r.skip(8);
  }
  r.ue(); // sps_seq_parameter_set_id
  const chromaFormat = r.ue();
  const separateColourPlane = chromaFormat === 3 ? r.bool() : false;
  const codedWidth = r.ue();
  const codedHeight = r.ue();
  let left = 0;
  let right = 0;
  let top = 0;
  let bottom = 0;
  if (r.bool()) {
    left = r.ue();
    right = r.ue();
    top = r.ue();
    bottom = r.ue();
  }
  // Window offsets are in chroma sample units (SubWidthC/SubHeightC, H.265 table 6-1).
  const chromaArrayType = separateColourPlane ? 0 : chromaFormat;
  const subWidth = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeight = chromaArrayType === 1 ? 2 : 1;
  const width = codedWidth - subWidth * (left + right);
  const height = codedHeight - subHeight * (top + bottom);
  // A zero-sized picture, or a conformance window as large as it, leaves nothing to show: the SPS is corrupt.
  if (width <= 0 || height <= 0) {
    throw new FlvError(FlvErrorCode.badSps, `SPS conformance window leaves a ${width}x${height} picture`);
  }
  return { profile, tier, level, chromaFormat, width, height };
}
