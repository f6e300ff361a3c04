import { FlvError, FlvErrorCode } from './flv-error.js';

/** Tag header size: type(1) + data size(3) + timestamp(3) + extended timestamp(1) + stream id(3). */
export const FLV_TAG_HEADER_SIZE = 11;

/** Largest payload a tag can carry: DataSize is a 24-bit field. */
export const FLV_MAX_TAG_DATA_SIZE = 0xffffff;

export interface FlvTag {
  /** TagType (8 audio, 9 video, 18 script); other values are passed through as read. */
  type: number;
  /** Milliseconds, 32-bit unsigned (extended byte already folded in). */
  timestamp: number;
  payload: Uint8Array;
}

/**
 * Serializes one tag as it goes on the wire: tag header + payload + PreviousTagSize,
 * in ONE buffer so the result can be shared by every viewer and written with a single
 * call. One allocation and one copy of the payload: this runs once per media message.
 * The timestamp is taken modulo 2^32 (RTMP timestamps wrap the same way).
 */
export function encodeTag(type: number, timestamp: number, payload: Uint8Array): Uint8Array {
  const size = payload.length;
  if (size > FLV_MAX_TAG_DATA_SIZE) {
    throw new FlvError(FlvErrorCode.tagTooLarge, `tag payload of ${size} bytes exceeds the 24-bit DataSize field`);
  }
  const tagSize = FLV_TAG_HEADER_SIZE + size;
  const out = new Uint8Array(tagSize + 4);
  const ts = timestamp >>> 0;
  out[0] = type & 0x1f;
  out[1] = size >>> 16;
  out[2] = (size >>> 8) & 0xff;
  out[3] = size & 0xff;
  // Lower 24 bits first, then the upper 8 bits in the "extended" byte (FLV's odd order).
  out[4] = (ts >>> 16) & 0xff;
  out[5] = (ts >>> 8) & 0xff;
  out[6] = ts & 0xff;
  out[7] = ts >>> 24;
  // out[8..10]: StreamID, always 0 (already zero-filled).
  out.set(payload, FLV_TAG_HEADER_SIZE);
  out[tagSize] = tagSize >>> 24;
  out[tagSize + 1] = (tagSize >>> 16) & 0xff;
  out[tagSize + 2] = (tagSize >>> 8) & 0xff;
  out[tagSize + 3] = tagSize & 0xff;
  return out;
}
