import { inspectAudio } from './audio-tag.js';
import type { FlvHeader } from './flv-header.js';
import { FlvTagScanner, type ScannedTag } from './flv-tag-scanner.js';
import { TagType } from './tag-type.js';
import { inspectVideo } from './video-tag.js';

/** Where a whole tag lies in a file: from its header to just past its PreviousTagSize. */
export interface TagSpan {
  readonly offset: number;
  readonly end: number;
}

/** What a player needs to start a file anywhere: where its keyframes, metadata and decoder configurations are. */
export interface FlvSeekIndex {
  readonly header: FlvHeader;
  /** Just past the last whole tag (a crash's torn tail is after it). */
  readonly validEnd: number;
  readonly tags: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  /** The first media tag's timestamp (ms): keyframe times and start times count from it. */
  readonly firstTimestamp: number;
  /** From the first to the last media tag's timestamp. */
  readonly durationMs: number;
  /** Video keyframes: times (s, from the first media tag) and the byte offsets of their tags, ascending. */
  readonly keyframes: { readonly times: readonly number[]; readonly filepositions: readonly number[] };
  /** The first script tag named onMetaData. */
  readonly metadata: TagSpan | undefined;
  /** Sequence headers (decoder configurations) in file order, each kind on its own; see `configurationsBefore`. */
  readonly sequenceHeaders: { readonly audio: readonly TagSpan[]; readonly video: readonly TagSpan[] };
  /** Why the scan stopped early (a tag that is no tag), if it did. */
  readonly problem: string | undefined;
}

/**
 * Configuration changes kept per kind; a file with more (not a real recording) keeps its first ones, and a
 * start past the last one kept re-sends that one.
 */
export const MAX_SEQUENCE_HEADERS = 1024;

/** AMF0 string "onMetaData" as a script tag's payload begins: type 2, length 10. */
const ON_METADATA = [0x02, 0x00, 0x0a, ...Array.from('onMetaData', (c) => c.charCodeAt(0))];

const isOnMetaData = (head: Uint8Array): boolean => head.length >= ON_METADATA.length && ON_METADATA.every((b, i) => head[i] === b);

/** A tag's head read without trusting it: an unreadable one is neither a keyframe nor a configuration. */
function videoKind(head: Uint8Array): 'keyframe' | 'config' | undefined {
  try {
    const info = inspectVideo(head);
    return info.isSequenceHeader ? 'config' : info.isKeyframe ? 'keyframe' : undefined;
  } catch {
    return undefined;
  }
}

function isAudioConfig(head: Uint8Array): boolean {
  try {
    return inspectAudio(head).isSequenceHeader;
  } catch {
    return false;
  }
}

/**
 * Builds a file's FlvSeekIndex from its bytes pushed in order (a stream of any length, in constant memory
 * but for the index itself): the incremental twin of `indexFlv`, which keeps the whole file.
 */
export class FlvSeekIndexer {
  readonly #scanner = new FlvTagScanner();
  #tags = 0;
  #first: number | undefined;
  #last = 0;
  #hasAudio = false;
  #hasVideo = false;
  readonly #times: number[] = [];
  readonly #positions: number[] = [];
  #metadata: TagSpan | undefined;
  readonly #audioConfigs: TagSpan[] = [];
  readonly #videoConfigs: TagSpan[] = [];

  /** Takes the file's next bytes. Throws FlvError when the file does not start as an FLV file. */
  push(chunk: Uint8Array): void {
    for (const tag of this.#scanner.push(chunk)) this.#add(tag);
  }

  /** The index of what was pushed; undefined when not even the file header was whole. */
  result(): FlvSeekIndex | undefined {
    const header = this.#scanner.header;
    if (header === undefined) return undefined;
    const first = this.#first ?? 0;
    return {
      header,
      validEnd: this.#scanner.validEnd,
      tags: this.#tags,
      hasAudio: this.#hasAudio,
      hasVideo: this.#hasVideo,
      firstTimestamp: first,
      durationMs: Math.max(0, this.#last - first),
      keyframes: { times: this.#times.map((t) => (t - first) / 1000), filepositions: [...this.#positions] },
      metadata: this.#metadata,
      sequenceHeaders: { audio: [...this.#audioConfigs], video: [...this.#videoConfigs] },
      problem: this.#scanner.problem,
    };
  }

  #add(tag: ScannedTag): void {
    this.#tags++;
    const span = { offset: tag.offset, end: tag.end };
    if (tag.type === TagType.script) {
      if (this.#metadata === undefined && isOnMetaData(tag.head)) this.#metadata = span;
      return;
    }
    if (tag.type !== TagType.audio && tag.type !== TagType.video) return;
    if (tag.dataSize === 0) return;
    this.#first ??= tag.timestamp;
    this.#last = Math.max(this.#last, tag.timestamp);
    if (tag.type === TagType.audio) {
      this.#hasAudio = true;
      if (isAudioConfig(tag.head) && this.#audioConfigs.length < MAX_SEQUENCE_HEADERS) this.#audioConfigs.push(span);
      return;
    }
    this.#hasVideo = true;
    const kind = videoKind(tag.head);
    if (kind === 'config' && this.#videoConfigs.length < MAX_SEQUENCE_HEADERS) this.#videoConfigs.push(span);
    if (kind === 'keyframe') {
      this.#times.push(tag.timestamp);
      this.#positions.push(tag.offset);
    }
  }
}

/** The configurations in force at `offset`: the last sequence header of each kind before it, in file order. */
export function configurationsBefore(index: FlvSeekIndex, offset: number): TagSpan[] {
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
