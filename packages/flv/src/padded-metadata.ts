import type { Amf0Value } from '@flvcast/amf0';
import { encodeTag } from './flv-tag.js';
import { encodeOnMetaData } from './script-data.js';
import { TagType } from './tag-type.js';

/** A padding entry: key length (2) + `_padN` + string marker (1) + string length (2), before its bytes. */
const ENTRY_OVERHEAD = 2 + 5 + 3;
const MAX_SHORT_STRING = 0xffff;

/**
 * An onMetaData script tag (stamped 0, with its PreviousTagSize) of exactly `tagSize` bytes: `values`,
 * then as many `_padN: "   …"` entries as fill the rest. Every byte is valid AMF0, so players and ffmpeg
 * read the padding as unknown metadata fields. This is how a recording reserves room at its start for the
 * index only known at its end, and fills it in place. Undefined when `values` do not fit (or leave a gap
 * too small for one entry: 1 to 9 bytes).
 */
export function paddedOnMetaDataTag(values: Record<string, Amf0Value>, tagSize: number): Uint8Array | undefined {
  const plain = encodeTag(TagType.script, 0, encodeOnMetaData(values)).length;
  let room = tagSize - plain;
  if (room < 0) return undefined;
  const padding: Record<string, Amf0Value> = {};
  let n = 0;
  while (room > 0) {
    if (room < ENTRY_OVERHEAD) return undefined;
    let len = Math.min(MAX_SHORT_STRING, room - ENTRY_OVERHEAD);
    // Leave either nothing or enough for one more entry.
    const rest = room - ENTRY_OVERHEAD - len;
    if (rest > 0 && rest < ENTRY_OVERHEAD) len -= ENTRY_OVERHEAD;
    padding[`_pad${n++}`] = ' '.repeat(len);
    room -= ENTRY_OVERHEAD + len;
    if (n > 9) return undefined; // keys stay `_pad0`…`_pad9`, 5 bytes each: about 640 KiB at most
  }
  return encodeTag(TagType.script, 0, encodeOnMetaData({ ...values, ...padding }));
}
