import { Amf0EcmaArray, type Amf0Value } from '@flvcast/amf0';
import { decodeFlvHeader, encodeFlvHeader, type FlvHeader } from './flv-header.js';
import { encodeTag, FLV_TAG_HEADER_SIZE } from './flv-tag.js';
import { decodeScriptData, encodeOnMetaData } from './script-data.js';
import { TagType } from './tag-type.js';
import { inspectVideo } from './video-tag.js';

/** What a scan of a whole FLV file finds: enough to rebuild its onMetaData with a seek index. */
export interface FlvFileIndex {
  readonly header: FlvHeader;
  /** Just past the last whole tag and its PreviousTagSize: what follows is a torn tail (a crash mid-write). */
  readonly validEnd: number;
  readonly tags: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  /** Seconds from the first to the last tag's timestamp. */
  readonly duration: number;
  /** Video keyframes (not sequence headers): their times (s) and the byte offsets of their tags, in this file. */
  readonly keyframes: { readonly times: readonly number[]; readonly filepositions: readonly number[] };
  /** The first onMetaData's values, and where its tag (with its PreviousTagSize) lies. */
  readonly metadata: { readonly values: Record<string, Amf0Value>; readonly offset: number; readonly end: number } | undefined;
}

const u24 = (b: Uint8Array, at: number): number => (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;

/**
 * Scans an FLV file's tags (bytes in, index out). Stops at the first tag that is not whole, so a file cut
 * by a crash indexes up to its last complete tag. A script tag that is not valid AMF0 is kept but not read.
 */
export function indexFlv(bytes: Uint8Array): FlvFileIndex {
  const header = decodeFlvHeader(bytes);
  let at = header.headerSize + 4;
  let validEnd = Math.min(at, bytes.length);
  let tags = 0;
  let first: number | undefined;
  let last = 0;
  let hasAudio = false;
  let hasVideo = false;
  const times: number[] = [];
  const filepositions: number[] = [];
  let metadata: FlvFileIndex['metadata'];
  while (at + FLV_TAG_HEADER_SIZE <= bytes.length) {
    const type = bytes[at]! & 0x1f;
    const size = u24(bytes, at + 1);
    const end = at + FLV_TAG_HEADER_SIZE + size + 4;
    if (end > bytes.length) break;
    const timestamp = (u24(bytes, at + 4) | (bytes[at + 7]! << 24)) >>> 0;
    const payload = bytes.subarray(at + FLV_TAG_HEADER_SIZE, at + FLV_TAG_HEADER_SIZE + size);
    if (type === TagType.audio || type === TagType.video) {
      first ??= timestamp;
      last = Math.max(last, timestamp);
    }
    if (type === TagType.audio) hasAudio = true;
    if (type === TagType.video && size > 0) {
      hasVideo = true;
      if (inspectVideo(payload).isKeyframe) {
        times.push(timestamp / 1000);
        filepositions.push(at);
      }
    }
    if (type === TagType.script && metadata === undefined) {
      try {
        const { name, value } = decodeScriptData(payload);
        if (name === 'onMetaData' && value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
          metadata = { values: (value instanceof Amf0EcmaArray ? value.entries : value) as Record<string, Amf0Value>, offset: at, end };
        }
      } catch {
        // Not readable: the tag is kept as it is.
      }
    }
    tags++;
    at = end;
    validEnd = end;
  }
  const start = first ?? 0;
  return {
    header,
    validEnd,
    tags,
    hasAudio,
    hasVideo,
    duration: Math.max(0, last - start) / 1000,
    keyframes: { times: times.map((t) => t - start / 1000), filepositions },
    metadata,
  };
}

/** onMetaData fields a rewrite computes; the file's own values of these are replaced. */
const COMPUTED = new Set(['duration', 'filesize', 'keyframes', 'hasKeyframes', 'hasAudio', 'hasVideo', 'lasttimestamp', 'lastkeyframetimestamp']);

/**
 * The file again, seekable: the FLV header, an onMetaData with `duration`, `filesize` and a
 * `keyframes { times, filepositions }` index (what flv.js/mpegts.js seek with, and what yamdi and flvmeta
 * add), then every tag but the old onMetaData, up to the last whole one. The file's other metadata fields
 * are kept. AMF0 numbers are 8 bytes whatever their value, so the index's own size is known before its
 * positions are: one pass.
 */
export function withKeyframeIndex(bytes: Uint8Array, index: FlvFileIndex = indexFlv(bytes)): Uint8Array {
  const kept = Object.fromEntries(Object.entries(index.metadata?.values ?? {}).filter(([k]) => !COMPUTED.has(k)));
  const body: Uint8Array[] = [];
  let bodySize = 0;
  let at = index.header.headerSize + 4;
  const moved: { from: number; to: number }[] = [];
  while (at < index.validEnd) {
    const end = at + FLV_TAG_HEADER_SIZE + u24(bytes, at + 1) + 4;
    if (index.metadata === undefined || at !== index.metadata.offset) {
      moved.push({ from: at, to: bodySize });
      body.push(bytes.subarray(at, end));
      bodySize += end - at;
    }
    at = end;
  }
  const newOffset = new Map(moved.map((m) => [m.from, m.to]));
  const meta = (base: number, filesize: number): Uint8Array =>
    encodeTag(
      TagType.script,
      0,
      encodeOnMetaData({
        ...kept,
        duration: index.duration,
        filesize,
        hasAudio: index.hasAudio,
        hasVideo: index.hasVideo,
        hasKeyframes: index.keyframes.times.length > 0,
        lasttimestamp: index.duration,
        lastkeyframetimestamp: index.keyframes.times.at(-1) ?? 0,
        keyframes: { times: [...index.keyframes.times], filepositions: index.keyframes.filepositions.map((p) => base + newOffset.get(p)!) },
      }),
    );
  // The header with PreviousTagSize0: 13 bytes.
  const head = encodeFlvHeader({ hasAudio: index.hasAudio, hasVideo: index.hasVideo });
  const prefix = head.length;
  const metaSize = meta(0, 0).length;
  const total = prefix + metaSize + bodySize;
  const out = new Uint8Array(total);
  out.set(head, 0);
  out.set(meta(prefix + metaSize, total), prefix);
  let w = prefix + metaSize;
  for (const part of body) {
    out.set(part, w);
    w += part.length;
  }
  return out;
}
