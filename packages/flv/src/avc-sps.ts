import { BitReader, nalToRbsp } from './bit-reader.js';
import { FlvError, FlvErrorCode } from './flv-error.js';

export interface AvcSps {
  profile: number;
  /** constraint_set flags byte. */
  compatibility: number;
  level: number;
  chromaFormat: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** Displayed size: coded macroblocks minus the frame cropping window. */
  width: number;
  height: number;
}

/** Profiles whose SPS carries chroma_format_idc, bit depths and scaling lists (H.264 7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/**
 * Parses an H.264 sequence parameter set NAL unit (with its 1-byte NAL header) far
 * enough to get the picture size. Throws FlvError on a truncated or non-SPS unit, and on one whose
 * cropping window leaves no picture (ERR_FLV_BAD_SPS).
 */
export function parseAvcSps(nal: Uint8Array): AvcSps {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) {
    throw new FlvError(FlvErrorCode.badSps, 'not an H.264 SPS NAL unit');
  }
  const r = new BitReader(nalToRbsp(nal.subarray(1)));
  const profile = r.bits(8);
  const compatibility = r.bits(8);
  const level = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) separateColourPlane = r.bool();
    bitDepthLuma = r.ue() + 8;
    bitDepthChroma = r.ue() + 8;
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.bool()) {
      // seq_scaling_matrix_present_flag: lists must be walked to reach the fields after them.
      const lists = chromaFormat !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.bool()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const picOrderCntType = r.ue();
  if (picOrderCntType === 0) {
    r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (picOrderCntType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.se(); // offset_for_ref_frame
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.ue() + 1;
  const heightInMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bool();
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  let cropLeft = 0;
  let cropRight = 0;
  let cropTop = 0;
  let cropBottom = 0;
  if (r.bool()) {
    cropLeft = r.ue();
    cropRight = r.ue();
    cropTop = r.ue();
    cropBottom = r.ue();
  }
  // Crop offsets are in chroma sample units (H.264 7.4.2.1.1, CropUnitX/CropUnitY).
  const fieldFactor = frameMbsOnly ? 1 : 2;
  const chromaArrayType = separateColourPlane ? 0 : chromaFormat;
  const cropUnitX = chromaArrayType === 0 ? 1 : chromaFormat === 3 ? 1 : 2;
  const cropUnitY = (chromaArrayType === 0 ? 1 : chromaFormat === 1 ? 2 : 1) * fieldFactor;
  const width = widthInMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = fieldFactor * heightInMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
  // A cropping window as large as the coded picture leaves nothing to show: the SPS is corrupt.
  if (width <= 0 || height <= 0) {
    throw new FlvError(FlvErrorCode.badSps, `SPS cropping leaves a ${width}x${height} picture`);
  }
  return { profile, compatibility, level, chromaFormat, bitDepthLuma, bitDepthChroma, width, height };
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}
