import type { Amf0Value } from '@flvcast/amf0';
import { encodeFlvHeader, encodeOnMetaData, encodeTag, FLV_TAG_HEADER_SIZE, paddedOnMetaDataTag, TagType } from '@flvcast/flv';

/** A tag as the recorder hands it on: the FLV tag body as received, its stream time and what it is. */
export interface RecordedTag {
  readonly type: 8 | 9 | 18;
  /** Stream time (ms), before the file's rebase. */
  readonly timestamp: number;
  readonly payload: Uint8Array;
  /** A video picture that starts a GOP. */
  readonly keyframe: boolean;
  /** A decoder configuration (sequence header). */
  readonly config: boolean;
}

/** Index entries the metadata's reserved room is sized for: 2 h at a 1 s GOP. More: the file is rewritten once. */
export const DEFAULT_INDEX_CAPACITY = 7200;

/** Room for metadata fields beyond the publisher's (duration, filesize, flags, frame rate…), in bytes. */
const SPARE_BYTES = 512;

/** Fields the recorder computes at the end; the publisher's own values of these are dropped. */
const COMPUTED = ['duration', 'filesize', 'keyframes', 'hasKeyframes', 'lasttimestamp', 'lastkeyframetimestamp'];

/** What a finished file is, for the hooks and the API. */
export interface RecordingFileSummary {
  readonly bytes: number;
  readonly durationMs: number;
  readonly keyframes: number;
}

/**
 * The bytes of one recording file, pure: the FLV header, an onMetaData tag with room reserved for the
 * keyframes index, the decoder configurations, then every tag with its timestamp rebased so the file starts
 * at 0. It knows every tag's file offset as it goes, so at the end it makes the final onMetaData (duration,
 * filesize, the `keyframes { times, filepositions }` index, codec ids, size, frame rate) of exactly the
 * reserved size, to be written over the placeholder in place; or, past `indexCapacity` keyframes, says that
 * the file must be rewritten once (`finalMetadata()` undefined).
 */
export class RecordingFile {
  /** Bytes of the file so far (the next tag's offset). */
  size = 0;
  readonly metadataSize: number;
  #base: number | undefined;
  #last = 0;
  #videoFrames = 0;
  #videoCodecId: number | undefined;
  #audioCodecId: number | undefined;
  readonly #times: number[] = [];
  readonly #positions: number[] = [];
  #values: Record<string, Amf0Value>;

  constructor(
    readonly tracks: { readonly hasAudio: boolean; readonly hasVideo: boolean },
    metadata: Record<string, Amf0Value>,
    readonly indexCapacity = DEFAULT_INDEX_CAPACITY,
  ) {
    this.#values = withoutComputed(metadata);
    this.metadataSize = reservedSize(this.#values, indexCapacity);
  }

  /** The file's first bytes: header, the placeholder onMetaData, the configurations stamped 0. */
  begin(configs: readonly RecordedTag[]): Uint8Array[] {
    const head = encodeFlvHeader(this.tracks);
    const meta = paddedOnMetaDataTag(this.#placeholder(), this.metadataSize)!;
    this.size = head.length + meta.length;
    const out = [head, meta];
    for (const tag of configs) out.push(...this.#tag(tag, 0));
    return out;
  }

  /** The chunks of one tag, rebased (the first media tag written is time 0). */
  tag(tag: RecordedTag): Uint8Array[] {
    if (tag.type !== TagType.script && !tag.config) this.#base ??= tag.timestamp;
    const ts = Math.max(0, tag.timestamp - (this.#base ?? tag.timestamp));
    if (!tag.config) this.#last = Math.max(this.#last, ts);
    return this.#tag(tag, ts);
  }

  /** The publisher updated its metadata: the final onMetaData takes it (the file's start cannot change now). */
  updateMetadata(metadata: Record<string, Amf0Value>): void {
    this.#values = withoutComputed(metadata);
  }

  get durationMs(): number {
    return this.#last;
  }

  get keyframes(): number {
    return this.#times.length;
  }

  /** Media time since the file's first media tag (ms) of a tag at stream time `timestamp`. */
  elapsedAt(timestamp: number): number {
    return this.#base === undefined ? 0 : timestamp - this.#base;
  }

  /** The final onMetaData tag, exactly `metadataSize` bytes (it goes at offset 13); undefined when it does not fit. */
  finalMetadata(): Uint8Array | undefined {
    return paddedOnMetaDataTag(this.finalValues(), this.metadataSize);
  }

  /** The final onMetaData's values. */
  finalValues(): Record<string, Amf0Value> {
    const duration = this.#last / 1000;
    const found: Record<string, Amf0Value> = {};
    if (this.#videoCodecId !== undefined) found.videocodecid = this.#videoCodecId;
    if (this.#audioCodecId !== undefined) found.audiocodecid = this.#audioCodecId;
    if (this.#videoFrames > 1 && duration > 0) found.framerate = Math.round(((this.#videoFrames - 1) / duration) * 1000) / 1000;
    return {
      ...found,
      ...this.#values,
      duration,
      filesize: this.size,
      hasAudio: this.tracks.hasAudio,
      hasVideo: this.tracks.hasVideo,
      hasKeyframes: this.#times.length > 0,
      lasttimestamp: duration,
      lastkeyframetimestamp: this.#times.at(-1) ?? 0,
      keyframes: { times: [...this.#times], filepositions: [...this.#positions] },
    };
  }

  summary(): RecordingFileSummary {
    return { bytes: this.size, durationMs: this.#last, keyframes: this.#times.length };
  }

  #tag(tag: RecordedTag, ts: number): Uint8Array[] {
    const offset = this.size;
    // The payload goes as it is (shared with the live viewers): only the 11-byte header and the 4-byte
    // PreviousTagSize are new.
    const size = tag.payload.length;
    const head = tagHeader(tag.type, ts, size);
    const total = FLV_TAG_HEADER_SIZE + size;
    const tail = Uint8Array.of((total >>> 24) & 0xff, (total >> 16) & 0xff, (total >> 8) & 0xff, total & 0xff);
    this.size += total + 4;
    if (tag.type === TagType.video && !tag.config && size > 0) {
      this.#videoCodecId ??= tag.payload[0]! & 0x80 ? undefined : tag.payload[0]! & 0x0f;
      this.#videoFrames++;
      if (tag.keyframe) {
        this.#times.push(ts / 1000);
        this.#positions.push(offset);
      }
    }
    if (tag.type === TagType.audio && size > 0) this.#audioCodecId ??= tag.payload[0]! >> 4;
    return [head, tag.payload, tail];
  }

  /** The start's onMetaData: the publisher's values and a live duration of 0 (a crash leaves it so; the repair fills it in). */
  #placeholder(): Record<string, Amf0Value> {
    return { ...this.#values, duration: 0, hasAudio: this.tracks.hasAudio, hasVideo: this.tracks.hasVideo };
  }
}

/** An FLV tag header: type, DataSize, the timestamp (24 bits and the extension byte), StreamID 0. */
function tagHeader(type: number, ts: number, size: number): Uint8Array {
  return Uint8Array.of(type, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, (ts >>> 24) & 0xff, 0, 0, 0);
}

function withoutComputed(values: Record<string, Amf0Value>): Record<string, Amf0Value> {
  const out = { ...values };
  for (const key of COMPUTED) delete out[key];
  return out;
}

/** The placeholder's size: the values, the computed fields and an index of `capacity` entries, plus spare room. */
function reservedSize(values: Record<string, Amf0Value>, capacity: number): number {
  const full = new Array<number>(capacity).fill(0);
  const probe = {
    ...values,
    duration: 0,
    filesize: 0,
    hasAudio: true,
    hasVideo: true,
    hasKeyframes: true,
    lasttimestamp: 0,
    lastkeyframetimestamp: 0,
    videocodecid: 0,
    audiocodecid: 0,
    framerate: 0,
    keyframes: { times: full, filepositions: full },
  };
  return encodeTag(TagType.script, 0, encodeOnMetaData(probe)).length + SPARE_BYTES;
}

