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
  /**
   * What a viewer needs just before `frame`'s packet when it did not get the packet before it: its first
   * packet, or the first after packets were dropped for it (skip to keyframe, waiting for a keyframe). A
   * container whose packets stand alone (FLV) has no such method; MPEG-TS uses it to keep each viewer's
   * continuity counters unbroken while every viewer shares the same packets. Only asked for frames this
   * muxer encoded. `first`: this is the viewer's first packet (nothing came before it, so nothing is
   * discontinuous); otherwise packets were dropped just before it.
   */
  resync?(frame: Frame, first: boolean): Uint8Array | undefined;
}

/** A container format: its name (as in logs, the API and metrics) and how to make a muxer for a stream. */
export interface Format {
  readonly name: string;
  createMuxer(stream: StreamState): Muxer;
  /**
   * The format carries the audio track alone (ADTS, MP3): its viewers' layout is audio only and they start
   * with the stream's recent audio (the hub's `audioFastCacheMs`) instead of the GOP cache.
   */
  readonly audioOnly?: boolean;
  /**
   * The container announces its tracks in packets all its viewers share (MPEG-TS's PMT), not in a header
   * of each viewer's own (FLV's flags): every viewer gets every track the muxer carries, whatever layout its
   * start was given, since leaving out one viewer's packets of a track would break the shared tables and
   * counters (a resync before every packet, and no PCR for a viewer without the video PID).
   */
  readonly sharedTrackList?: boolean;
  /**
   * Why this stream cannot be served in this format, naming the codec (`"audio codec speex; .mp3 carries
   * MP3 only"`), or undefined when it can (or its codecs are not known yet). Transports answer 415 with it
   * before any body byte.
   */
  unsupported?(stream: StreamState): string | undefined;
}
