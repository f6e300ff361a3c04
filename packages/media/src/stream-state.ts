import type { Amf0Value } from '@flvcast/amf0';
import type { MediaFrame } from './frame.js';

/** What a stream knows of one track, for viewers' headers and for the API. */
export interface TrackState {
  /** Codec name from the last configuration or frame ('avc', 'hevc', 'aac', …). */
  codec?: string;
  /** The latest decoder configuration (sequence header). */
  config?: MediaFrame;
  /** Frames seen since this publish began (configuration included). */
  frames: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

/** The tracks a viewer's stream announces (an FLV header's flags; a TS PMT's streams). */
export interface TrackLayout {
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

/** The stream state a muxer may read: owned and updated by the hub, read-only here. */
export interface StreamState {
  /** `app/stream` or `vhost/app/stream`. */
  readonly name: string;
  /** The publisher's onMetaData, as sent (keys and values), or undefined before any came. */
  readonly metadata: Readonly<Record<string, Amf0Value>> | undefined;
  readonly audio: Readonly<TrackState>;
  readonly video: Readonly<TrackState>;
}
