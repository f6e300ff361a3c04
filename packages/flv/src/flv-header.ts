import { FlvError, FlvErrorCode } from './flv-error.js';

/** Size of the FLV file header as written by us (version 1 has no optional fields). */
export const FLV_HEADER_SIZE = 9;

export interface FlvHeaderFlags {
  hasAudio: boolean;
  hasVideo: boolean;
}

export interface FlvHeader extends FlvHeaderFlags {
  /** DataOffset field: bytes from the file start to PreviousTagSize0 (9 for version 1). */
  headerSize: number;
}

const FLAG_AUDIO = 0x04;
const FLAG_VIDEO = 0x01;

/**
 * The FLV file header followed by PreviousTagSize0 (always 0): 13 bytes, ready to be
 * sent before the first tag. The flags must tell the truth: players wait for every
 * announced track before starting playback.
 */
export function encodeFlvHeader({ hasAudio, hasVideo }: FlvHeaderFlags): Uint8Array {
  const out = new Uint8Array(FLV_HEADER_SIZE + 4);
  out[0] = 0x46; // 'F'
  out[1] = 0x4c; // 'L'
  out[2] = 0x56; // 'V'
  out[3] = 1; // version
  out[4] = (hasAudio ? FLAG_AUDIO : 0) | (hasVideo ? FLAG_VIDEO : 0);
  out[8] = FLV_HEADER_SIZE; // DataOffset, big-endian UI32 (bytes 5..8)
  // bytes 9..12: PreviousTagSize0 = 0
  return out;
}

/**
 * Decodes the 9-byte FLV header at the start of `bytes`. Throws ERR_FLV_TRUNCATED when
 * fewer than 9 bytes are given, ERR_FLV_BAD_SIGNATURE when they don't start with "FLV".
 */
export function decodeFlvHeader(bytes: Uint8Array): FlvHeader {
  checkFlvSignature(bytes);
  if (bytes.length < FLV_HEADER_SIZE) {
    throw new FlvError(FlvErrorCode.truncated, `FLV header needs ${FLV_HEADER_SIZE} bytes, got ${bytes.length}`);
  }
  const flags = bytes[4]!;
  const headerSize = ((bytes[5]! << 24) | (bytes[6]! << 16) | (bytes[7]! << 8) | bytes[8]!) >>> 0;
  if (headerSize < FLV_HEADER_SIZE) {
    throw new FlvError(FlvErrorCode.badHeader, `FLV DataOffset ${headerSize} is smaller than the header itself`);
  }
  return { hasAudio: (flags & FLAG_AUDIO) !== 0, hasVideo: (flags & FLAG_VIDEO) !== 0, headerSize };
}

/**
 * Checks the "FLV" signature on as many of the first 3 bytes as are present, so an
 * incremental reader can reject a non-FLV stream from its very first byte.
 */
export function checkFlvSignature(bytes: Uint8Array): void {
  const signature = [0x46, 0x4c, 0x56];
  const n = Math.min(3, bytes.length);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== signature[i]) {
      throw new FlvError(FlvErrorCode.badSignature, 'not an FLV stream: signature is not "FLV"');
    }
  }
}
