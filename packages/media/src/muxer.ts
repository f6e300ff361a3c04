import type { Frame } from './frame.js';
import type { StreamState, TrackLayout } from './stream-state.js';

/**
 * One container's encoder for one stream (FLV, and later TS, ADTS, MP3...). The hub creates it when the
 * first viewer of its format arrives and calls `encode` once per frame, however many viewers share the
 * bytes; it may keep per-stream state (continuity counters, the last configuration seen).
 */
export interface Muxer {
  /**
   * The bytes a viewer's stream starts with, for a viewer starting now with this layout: container header,
   * metadata, decoder configurations stamped `startTimestamp` (the first frame it will get).
   */
  begin(layout: TrackLayout, startTimestamp: number): Uint8Array[];
  /** One frame in this container, or undefined when the format carries nothing for it. */
  encode(frame: Frame): Uint8Array | undefined;
  /** The stream's metadata changed: what a viewer already playing with this layout gets, if anything. */
  metadataChanged(layout: TrackLayout): Uint8Array | undefined;
}

/** A container format: its name (as in logs, the API and metrics) and how to make a muxer for a stream. */
export interface Format {
  readonly name: string;
  createMuxer(stream: StreamState): Muxer;
}
