import { FlvError, FlvErrorCode } from './flv-error.js';
import { parseHevcSps } from './hevc-sps.js';

export interface HevcDecoderConfig {
  profile: number;
  tier: number;
  level: number;
  chromaFormat: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** Bytes per NAL unit length prefix in coded frames. */
  nalLengthSize: number;
  vps: Uint8Array[];
  sps: Uint8Array[];
  pps: Uint8Array[];
  /** From the first SPS; absent when it can't be parsed. */
  width?: number;
  height?: number;
}

/** Fixed part of the record before numOfArrays. */
const HVCC_FIXED_SIZE = 22;

const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;

/**
 * Parses an HEVCDecoderConfigurationRecord (hvcC, ISO/IEC 14496-15 8.3.3.1), the body
 * of an HEVC sequence header. NAL units are subarray views of `bytes`. Throws FlvError
 * when the record is truncated; an unparsable SPS only leaves width/height unset.
 */
export function parseHevcDecoderConfig(bytes: Uint8Array): HevcDecoderConfig {
  if (bytes.length < HVCC_FIXED_SIZE + 1) {
    throw new FlvError(FlvErrorCode.truncated, `HEVCDecoderConfigurationRecord needs 23 bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== 1) {
    throw new FlvError(FlvErrorCode.badDecoderConfig, `unsupported HEVCDecoderConfigurationRecord version ${bytes[0]}`);
  }
  const config: HevcDecoderConfig = {
    profile: bytes[1]! & 0x1f,
    tier: (bytes[1]! >>> 5) & 0x01,
    level: bytes[12]!,
    chromaFormat: bytes[16]! & 0x03,
    bitDepthLuma: (bytes[17]! & 0x07) + 8,
    bitDepthChroma: (bytes[18]! & 0x07) + 8,
    nalLengthSize: (bytes[21]! & 0x03) + 1,
    vps: [],
    sps: [],
    pps: [],
  };
  const arrays = bytes[HVCC_FIXED_SIZE]!;
  let pos = HVCC_FIXED_SIZE + 1;
  for (let a = 0; a < arrays; a++) {
    if (pos + 3 > bytes.length) throw truncated();
    const nalType = bytes[pos]! & 0x3f;
    const count = (bytes[pos + 1]! << 8) | bytes[pos + 2]!;
    pos += 3;
    const list = nalType === NAL_VPS ? config.vps : nalType === NAL_SPS ? config.sps : nalType === NAL_PPS ? config.pps : undefined;
    for (let i = 0; i < count; i++) {
      if (pos + 2 > bytes.length) throw truncated();
      const len = (bytes[pos]! << 8) | bytes[pos + 1]!;
      pos += 2;
      if (pos + len > bytes.length) throw truncated();
      // SEI and other arrays are skipped: nothing here needs them.
      list?.push(bytes.subarray(pos, pos + len));
      pos += len;
    }
  }
  const first = config.sps[0];
  if (first) {
    try {
      const info = parseHevcSps(first);
      config.width = info.width;
      config.height = info.height;
    } catch (err) {
      if (!(err instanceof FlvError)) throw err;
    }
  }
  return config;
}

function truncated(): FlvError {
  return new FlvError(FlvErrorCode.truncated, 'HEVCDecoderConfigurationRecord truncated');
}
