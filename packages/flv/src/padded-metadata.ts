import type { Amf0Value } from '@flvcast/amf0';
import { encodeTag } from './flv-tag.js';
import { encodeOnMetaData } from './script-data.js';
import { TagType } from './tag-type.js';

/** The padding entry's fixed cost: key length (2), `_pad` (4), strict-array marker (1), count (4). */
const ENTRY_OVERHEAD = 2 + 4 + 1 + 4;
/** An AMF0 number: marker and 8 bytes. */
const NUMBER_SIZE = 9;

/** Whether an onMetaData key is a recording's padding (see paddedOnMetaDataTag). */
export const isPaddingKey = (key: string): boolean => /^_pad_{0,8}$/.test(key);

/**
 * An onMetaData script tag (stamped 0, with its PreviousTagSize) of exactly `tagSize` bytes: `values`,
 * then one `_pad: [0, 0, …]` entry that fills the rest (its key gets up to 8 `_` more, so any size is
 * reached in 9-byte numbers). Every byte is valid AMF0, and a strict array is what ffmpeg, ffprobe and
 * mpegts.js skip without a word (ffmpeg refuses strings over 255 bytes, and lists other top-level values as
 * metadata). This is how a recording reserves room at its start for the index only known at its end, and
 * fills it in place. Undefined when `values` do not fit, or leave a gap smaller than the entry (1–10 bytes).
 */
export function paddedOnMetaDataTag(values: Record<string, Amf0Value>, tagSize: number): Uint8Array | undefined {
  const room = tagSize - encodeTag(TagType.script, 0, encodeOnMetaData(values)).length;
  if (room === 0) return encodeTag(TagType.script, 0, encodeOnMetaData(values));
  if (room < ENTRY_OVERHEAD) return undefined;
  const extra = (room - ENTRY_OVERHEAD) % NUMBER_SIZE;
  const count = (room - ENTRY_OVERHEAD - extra) / NUMBER_SIZE;
  const key = `_pad${'_'.repeat(extra)}`;
  return encodeTag(TagType.script, 0, encodeOnMetaData({ ...values, [key]: new Array<number>(count).fill(0) }));
}
