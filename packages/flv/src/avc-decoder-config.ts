import { parseAvcSps } from './avc-sps.js';
import { FlvError, FlvErrorCode } from './flv-error.js';

export interface AvcDecoderConfig {
  profile: number;
  compatibility: number;
  level: number;
  /** Bytes per NAL unit length prefix in coded frames (1, 2 or 4). */
  nalLengthSize: number;
  sps: Uint8Array[];
  pps: Uint8Array[];
  /** From the first SPS; absent when it can't be parsed. */
  width?: number;
  height?: number;
}

/**
 * Parses an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1), the body of an
 * AVC sequence header tag. SPS/PPS are subarray views of `bytes`. Throws FlvError when
 * the record itself is truncated; an unparsable SPS only leaves width/height unset.
 */
export function parseAvcDecoderConfig(bytes: Uint8Array): AvcDecoderConfig {
  if (bytes.length < 7) {
    throw new FlvError(FlvErrorCode.truncated, `AVCDecoderConfigurationRecord needs 7 bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== 1) {
    throw new FlvError(FlvErrorCode.badDecoderConfig, `unsupported AVCDecoderConfigurationRecord version ${bytes[0]}`);
  }
  let pos = 5;
  const nalLengthSize = (bytes[4]! & 0x03) + 1;
  const readNals = (count: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (pos + 2 > bytes.length) throw truncated();
      const len = (bytes[pos]! << 8) | bytes[pos + 1]!;
      pos += 2;
      if (pos + len > bytes.length) throw truncated();
      out.push(bytes.subarray(pos, pos + len));
      pos += len;
    }
    return out;
  };
  const sps = readNals(bytes[pos++]! & 0x1f);
  if (pos >= bytes.length) throw truncated();
  const pps = readNals(bytes[pos++]!);
  const config: AvcDecoderConfig = {
    profile: bytes[1]!,
    compatibility: bytes[2]!,
    level: bytes[3]!,
    nalLengthSize,
    sps,
    pps,
  };
  const first = sps[0];
  if (first) {
    try {
      const info = parseAvcSps(first);
      config.width = info.width;
      config.height = info.height;
    } catch (err) {
      if (!(err instanceof FlvError)) throw err;
    }
  }
  return config;
}

function truncated(): FlvError {
  return new FlvError(FlvErrorCode.truncated, 'AVCDecoderConfigurationRecord truncated');
}
