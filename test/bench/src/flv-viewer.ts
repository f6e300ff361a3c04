/**
 * One viewer's FLV bookkeeping, shared by the HTTP-FLV and WS-FLV connections: every byte goes through
 * `FlvDemuxer` (framing verified for every viewer), bytes and tags are counted, a sampled viewer records
 * each media tag's arrival time while the measurement runs, and a late joiner notes its first keyframe.
 */
import { FlvDemuxer, inspectVideo, type FlvTag } from '@flvcast/flv';
import { FLV_TAG_OVERHEAD } from './ingest-log.js';
import type { StreamViewer } from './stream-viewer.js';

/** What a viewer reports into (one per worker process). */
export interface ViewerSink {
  bytes: number;
  tags: number;
  framingErrors: number;
  tagSizeMismatches: number;
  /** TS viewers: continuity counter breaks on media PIDs */
  continuityErrors: number;
  /** true between `mark` and `end` */
  recording: boolean;
  /** [type, timestamp, size, arrivalWallMs] × n; size −1: a frame known by its time stamp alone (TS: DTS in ms) */
  samples: number[];
  /** video jumps forward by more than GAP_MS: the server dropped media for this viewer */
  gaps: number;
  /** …of which did not resume on a keyframe (an undecodable stream until the next one) */
  offKeyframeResumes: number;
}

/** A sink with nothing counted yet. */
export function emptySink(): ViewerSink {
  return { bytes: 0, tags: 0, framingErrors: 0, tagSizeMismatches: 0, continuityErrors: 0, recording: false, samples: [], gaps: 0, offKeyframeResumes: 0 };
}

/** A forward jump in video time larger than this is a gap (frames are 33 ms apart in the inputs). */
const GAP_MS = 500;

export class FlvViewer implements StreamViewer {
  readonly #demuxer = new FlvDemuxer();
  readonly #sink: ViewerSink;
  readonly sampled: boolean;
  /** FLV bytes received (the HTTP body after de-chunking, or the WS message payloads) */
  bytes = 0;
  /** bytes at the start of the measurement window */
  markBytes = 0;
  /** FLV viewers are measured in FLV bytes */
  mediaBytes = 0;
  markMediaBytes = 0;
  /** a framing error stopped this viewer's parsing */
  broken = false;
  #mismatches = 0;
  #lastVideoTs: number | undefined;
  /** set for a late joiner: called once, with the arrival time of the first video keyframe */
  onKeyframe: ((at: number) => void) | undefined;

  constructor(sink: ViewerSink, sampled: boolean) {
    this.#sink = sink;
    this.sampled = sampled;
  }

  /** FLV body bytes, `at` = wall-clock arrival of the socket read that carried them. */
  push(chunk: Uint8Array, at: number): void {
    this.bytes += chunk.length;
    this.#sink.bytes += chunk.length;
    if (this.broken) return;
    let tags;
    try {
      tags = this.#demuxer.push(chunk);
    } catch {
      this.fail();
      return;
    }
    const mismatches = this.#demuxer.previousTagSizeMismatches;
    if (mismatches !== this.#mismatches) {
      this.#sink.tagSizeMismatches += mismatches - this.#mismatches;
      this.#mismatches = mismatches;
    }
    this.#onTags(tags, at);
  }

  /**
   * One message of a container that is not FLV but carries FLV's tag bodies (an RTMP player's audio, video
   * and data messages): counted as the FLV bytes it would have been (header + payload + PreviousTagSize), so
   * it compares with the FLV bytes at the RTMP socket, then handled like a demuxed tag.
   */
  pushTag(tag: FlvTag, at: number): void {
    const flvBytes = tag.payload.length + FLV_TAG_OVERHEAD;
    this.bytes += flvBytes;
    this.#sink.bytes += flvBytes;
    if (this.broken) return;
    this.#onTags([tag], at);
  }

  #onTags(tags: readonly FlvTag[], at: number): void {
    this.#sink.tags += tags.length;
    for (const tag of tags) {
      if (tag.type !== 9) continue;
      const last = this.#lastVideoTs;
      this.#lastVideoTs = tag.timestamp;
      if (last === undefined || tag.timestamp - last <= GAP_MS) continue;
      this.#sink.gaps++;
      if (!isKeyframeOrConfig(tag.payload)) this.#sink.offKeyframeResumes++;
    }
    if (this.sampled && this.#sink.recording) {
      const samples = this.#sink.samples;
      for (const tag of tags) {
        if (tag.type === 8 || tag.type === 9) samples.push(tag.type, tag.timestamp, tag.payload.length, at);
      }
    }
    if (this.onKeyframe !== undefined) {
      for (const tag of tags) {
        if (tag.type !== 9) continue;
        let keyframe = false;
        try {
          const info = inspectVideo(tag.payload);
          keyframe = info.isKeyframe && !info.isSequenceHeader;
        } catch {
          // not a keyframe we can recognise
        }
        if (keyframe) {
          const cb = this.onKeyframe;
          this.onKeyframe = undefined;
          cb(at);
          break;
        }
      }
    }
  }

  /** A framing error (counted once per viewer; its parsing stops, its bytes are still counted). */
  fail(): void {
    if (this.broken) return;
    this.broken = true;
    this.#sink.framingErrors++;
  }
}

function isKeyframeOrConfig(payload: Uint8Array): boolean {
  try {
    const info = inspectVideo(payload);
    return info.isKeyframe || info.isSequenceHeader;
  } catch {
    return false;
  }
}
