import { Amf0EcmaArray, type Amf0Value } from '@flvcast/amf0';
import { inspectAudio } from './audio-tag.js';
import { parseAvcDecoderConfig } from './avc-decoder-config.js';
import { FlvError, FlvErrorCode } from './flv-error.js';
import { FLV_HEADER_SIZE, encodeFlvHeader, type FlvHeader } from './flv-header.js';
import { encodeTag } from './flv-tag.js';
import { FlvTagScanner, type ScannedTag } from './flv-tag-scanner.js';
import { isPaddingKey } from './padded-metadata.js';
import { decodeScriptData, encodeOnMetaData } from './script-data.js';
import { TagType } from './tag-type.js';
import { inspectVideo } from './video-tag.js';

/** Where a whole tag lies in a file: from its header to just past its PreviousTagSize. */
export interface TagSpan {
  readonly offset: number;
  readonly end: number;
}

/**
 * Decoder configurations kept per kind; a file with more (not a real recording) keeps its first ones, and a
 * start past the last one kept re-sends that one.
 */
export const MAX_SEQUENCE_HEADERS = 1024;

/**
 * What a scan of an FLV file finds: enough to rebuild its onMetaData with a seek index (recordings, repair,
 * `flvcast index`), and to start playing it at any keyframe (VOD's `?start=`).
 */
export interface FlvFileIndex {
  readonly header: FlvHeader;
  /** Just past the last whole tag and its PreviousTagSize: what follows is a torn tail (a crash mid-write). */
  readonly validEnd: number;
  readonly tags: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  /** Seconds from the first to the last tag's timestamp. */
  readonly duration: number;
  /** The first media tag's timestamp (ms): keyframe times count from it. */
  readonly firstTimestamp: number;
  /** Video keyframes (not sequence headers): their times (s) and the byte offsets of their tags, in this file. */
  readonly keyframes: { readonly times: readonly number[]; readonly filepositions: readonly number[] };
  /** The first onMetaData's values, and where its tag (with its PreviousTagSize) lies. */
  readonly metadata: { readonly values: Record<string, Amf0Value>; readonly offset: number; readonly end: number } | undefined;
  /** Video tags that carry pictures (not configurations): with `duration`, the frame rate. */
  readonly videoFrames: number;
  /** The FLV codec ids of the first media tags (VIDEODATA's CodecID, AUDIODATA's SoundFormat). */
  readonly videoCodecId: number | undefined;
  readonly audioCodecId: number | undefined;
  /** From the first AVC configuration, when it parses. */
  readonly width: number | undefined;
  readonly height: number | undefined;
  /** Sequence headers (decoder configurations) in file order, each kind on its own; see `configurationsBefore`. */
  readonly sequenceHeaders: { readonly audio: readonly TagSpan[]; readonly video: readonly TagSpan[] };
  /** Why the scan stopped before the end (a tag header that is no tag), if it did. */
  readonly problem: string | undefined;
}

/**
 * Builds a FlvFileIndex from a file pushed in chunks (over FlvTagScanner: constant memory whatever the
 * file's size). A script tag that is not valid AMF0 is kept but not read.
 */
export class FlvFileIndexer {
  readonly #scanner = new FlvTagScanner();
  #tags = 0;
  #first: number | undefined;
  #last = 0;
  #hasAudio = false;
  #hasVideo = false;
  #videoFrames = 0;
  #videoCodecId: number | undefined;
  #audioCodecId: number | undefined;
  #width: number | undefined;
  #height: number | undefined;
  readonly #times: number[] = [];
  readonly #positions: number[] = [];
  #metadata: FlvFileIndex['metadata'];
  readonly #audioConfigs: TagSpan[] = [];
  readonly #videoConfigs: TagSpan[] = [];

  /** The next bytes of the file. Throws FlvError when it is not an FLV file. */
  push(chunk: Uint8Array): void {
    for (const tag of this.#scanner.push(chunk)) this.#add(tag);
  }

  /** The index of what was pushed (up to the last whole tag). Throws FlvError when not even the FLV header came. */
  result(): FlvFileIndex {
    const header = this.#scanner.header;
    if (header === undefined) throw new FlvError(FlvErrorCode.truncated, `FLV header needs ${FLV_HEADER_SIZE} bytes`);
    const start = this.#first ?? 0;
    return {
      header,
      // A file cut inside PreviousTagSize0 keeps what it has of it (nothing after it is whole anyway).
      validEnd: Math.max(this.#scanner.validEnd, Math.min(header.headerSize + 4, this.#scanner.consumed)),
      tags: this.#tags,
      hasAudio: this.#hasAudio,
      hasVideo: this.#hasVideo,
      duration: Math.max(0, this.#last - start) / 1000,
      firstTimestamp: start,
      keyframes: { times: this.#times.map((t) => (t - start) / 1000), filepositions: [...this.#positions] },
      metadata: this.#metadata,
      videoFrames: this.#videoFrames,
      videoCodecId: this.#videoCodecId,
      audioCodecId: this.#audioCodecId,
      width: this.#width,
      height: this.#height,
      sequenceHeaders: { audio: [...this.#audioConfigs], video: [...this.#videoConfigs] },
      problem: this.#scanner.problem,
    };
  }

  #add(tag: ScannedTag): void {
    const { type, timestamp, head } = tag;
    this.#tags++;
    if (type === TagType.audio || type === TagType.video) {
      this.#first ??= timestamp;
      this.#last = Math.max(this.#last, timestamp);
    }
    if (type === TagType.audio && tag.dataSize > 0) {
      this.#hasAudio = true;
      this.#audioCodecId ??= head[0]! >> 4;
      if (isAudioConfig(head) && this.#audioConfigs.length < MAX_SEQUENCE_HEADERS) this.#audioConfigs.push({ offset: tag.offset, end: tag.end });
    }
    if (type === TagType.video && tag.dataSize > 0) {
      this.#hasVideo = true;
      this.#video(tag);
    }
    if (type === TagType.script && this.#metadata === undefined && tag.script !== undefined) {
      try {
        const { name, value } = decodeScriptData(tag.script);
        if (name === 'onMetaData' && value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
          this.#metadata = { values: (value instanceof Amf0EcmaArray ? value.entries : value) as Record<string, Amf0Value>, offset: tag.offset, end: tag.end };
        }
      } catch {
        // Not readable: the tag is kept as it is.
      }
    }
  }

  #video(tag: ScannedTag): void {
    let info;
    try {
      info = inspectVideo(tag.head);
    } catch {
      return; // a tag too short to tell: neither a frame nor a keyframe
    }
    if (info.codecId !== undefined) this.#videoCodecId ??= info.codecId;
    if (info.isSequenceHeader) {
      if (this.#videoConfigs.length < MAX_SEQUENCE_HEADERS) this.#videoConfigs.push({ offset: tag.offset, end: tag.end });
      if (this.#width === undefined && info.codec === 'avc' && !info.enhanced) {
        try {
          const avc = parseAvcDecoderConfig(tag.head.subarray(5));
          this.#width = avc.width;
          this.#height = avc.height;
        } catch {
          // no size from this configuration
        }
      }
      return;
    }
    if (info.isCommandFrame || info.isEndOfSequence) return;
    this.#videoFrames++;
    if (info.isKeyframe) {
      this.#times.push(tag.timestamp);
      this.#positions.push(tag.offset);
    }
  }
}

/** A tag's head read without trusting it: an unreadable one is no configuration. */
function isAudioConfig(head: Uint8Array): boolean {
  try {
    return inspectAudio(head).isSequenceHeader;
  } catch {
    return false;
  }
}

/** The configurations in force at `offset`: the last sequence header of each kind before it, in file order. */
export function configurationsBefore(index: FlvFileIndex, offset: number): TagSpan[] {
  const last = (spans: readonly TagSpan[]): TagSpan | undefined => {
    let found: TagSpan | undefined;
    for (const span of spans) {
      if (span.offset >= offset) break;
      found = span;
    }
    return found;
  };
  return [last(index.sequenceHeaders.video), last(index.sequenceHeaders.audio)]
    .filter((s): s is TagSpan => s !== undefined)
    .sort((a, b) => a.offset - b.offset);
}

/**
 * Scans an FLV file's tags (bytes in, index out). Stops at the first tag that is not whole, so a file cut
 * by a crash indexes up to its last complete tag.
 */
export function indexFlv(bytes: Uint8Array): FlvFileIndex {
  const indexer = new FlvFileIndexer();
  indexer.push(bytes);
  return indexer.result();
}
/** onMetaData fields a rewrite computes; the file's own values of these are replaced. */
const COMPUTED = new Set(['duration', 'filesize', 'keyframes', 'hasKeyframes', 'hasAudio', 'hasVideo', 'lasttimestamp', 'lastkeyframetimestamp']);

/** A seekable copy of an FLV file: new first bytes, then ranges of the original, in order. */
export interface SeekableLayout {
  /** The FLV header, PreviousTagSize0 and the new onMetaData tag. */
  readonly head: Uint8Array;
  /** Byte ranges of the original file that follow `head` (every whole tag but the old onMetaData). */
  readonly copy: readonly { readonly start: number; readonly end: number }[];
  /** The new file's size. */
  readonly size: number;
}

/**
 * How to make the file seekable: the FLV header, an onMetaData with `duration`, `filesize` and a
 * `keyframes { times, filepositions }` index (what flv.js/mpegts.js seek with, and what yamdi and flvmeta
 * add), then every tag but the old onMetaData, up to the last whole one. The file's other metadata fields
 * are kept; codec ids, size and frame rate are added when it has none. AMF0 numbers are 8 bytes whatever
 * their value, so the index's own size is known before its positions are: one pass. Pure: the copy may be
 * done in memory (withKeyframeIndex) or streamed from disk.
 */
export function seekableLayout(index: FlvFileIndex): SeekableLayout {
  const first = index.header.headerSize + 4;
  const meta = index.metadata;
  const copy = meta === undefined ? [{ start: first, end: index.validEnd }] : [{ start: first, end: meta.offset }, { start: meta.end, end: index.validEnd }];
  const bodySize = copy.reduce((n, r) => n + Math.max(0, r.end - r.start), 0);
  const removed = meta === undefined ? 0 : meta.end - meta.offset;
  const values = metadataValues(index);
  const tag = (base: number, filesize: number): Uint8Array =>
    encodeTag(
      TagType.script,
      0,
      encodeOnMetaData({
        ...values,
        filesize,
        keyframes: {
          times: [...index.keyframes.times],
          filepositions: index.keyframes.filepositions.map((p) => base + p - first - (meta !== undefined && p >= meta.end ? removed : 0)),
        },
      }),
    );
  // The header with PreviousTagSize0: 13 bytes.
  const header = encodeFlvHeader({ hasAudio: index.hasAudio, hasVideo: index.hasVideo });
  const metaSize = tag(0, 0).length;
  const size = header.length + metaSize + bodySize;
  const head = new Uint8Array(header.length + metaSize);
  head.set(header, 0);
  head.set(tag(header.length + metaSize, size), header.length);
  return { head, copy: copy.filter((r) => r.end > r.start), size };
}

/** The onMetaData of a seekable file but its filesize and keyframes (which depend on where it goes). */
function metadataValues(index: FlvFileIndex): Record<string, Amf0Value> {
  const found: Record<string, Amf0Value> = {};
  if (index.videoCodecId !== undefined) found.videocodecid = index.videoCodecId;
  if (index.audioCodecId !== undefined) found.audiocodecid = index.audioCodecId;
  if (index.width !== undefined) found.width = index.width;
  if (index.height !== undefined) found.height = index.height;
  if (index.videoFrames > 1 && index.duration > 0) found.framerate = Math.round(((index.videoFrames - 1) / index.duration) * 1000) / 1000;
  // A recorder's padding (paddedOnMetaDataTag) is room, not data: the rewrite has room for its index.
  const kept = Object.fromEntries(Object.entries(index.metadata?.values ?? {}).filter(([k]) => !COMPUTED.has(k) && !isPaddingKey(k)));
  return {
    ...found,
    ...kept,
    duration: index.duration,
    hasAudio: index.hasAudio,
    hasVideo: index.hasVideo,
    hasKeyframes: index.keyframes.times.length > 0,
    lasttimestamp: index.duration,
    lastkeyframetimestamp: index.keyframes.times.at(-1) ?? 0,
  };
}

/** The file again, seekable (see seekableLayout), in memory. */
export function withKeyframeIndex(bytes: Uint8Array, index: FlvFileIndex = indexFlv(bytes)): Uint8Array {
  const layout = seekableLayout(index);
  const out = new Uint8Array(layout.size);
  out.set(layout.head, 0);
  let w = layout.head.length;
  for (const { start, end } of layout.copy) {
    out.set(bytes.subarray(start, end), w);
    w += end - start;
  }
  return out;
}
