import type { Amf0Value } from '@flvcast/amf0';

/**
 * One audio or video frame as the hub carries it: container-neutral facts plus the payload exactly as the
 * source sent it (the RTMP/FLV message body, as SRS keeps it). Shared by reference by every output and
 * viewer: nobody may mutate it.
 */
export interface MediaFrame {
  readonly kind: 'audio' | 'video';
  /** Corrected stream time, ms (monotonic per stream, continuous across publisher reconnects). */
  readonly timestamp: number;
  /** Video: presentation minus decode time, ms (from the tag header); 0 for audio and when absent. */
  readonly compositionTime: number;
  /** A video frame a decoder can start at (starts a GOP); false for configuration. */
  readonly keyframe: boolean;
  /** Decoder configuration (sequence header: avcC, hvcC, AudioSpecificConfig...): never dropped. */
  readonly config: boolean;
  /** 'avc', 'hevc', 'av1', 'aac', 'mp3', 'opus'... (see @flvcast/flv inspectVideo/inspectAudio). */
  readonly codec: string;
  /** The RTMP/FLV audio or video body as received (header bytes included). */
  readonly payload: Uint8Array;
}

/** Script data other than onMetaData (which is stream state): `@setDataFrame`-less name and value. */
export interface DataFrame {
  readonly kind: 'data';
  readonly timestamp: number;
  readonly keyframe: false;
  readonly config: false;
  readonly name: string;
  readonly value: Amf0Value;
}

export type Frame = MediaFrame | DataFrame;

/** Media a player renders: not configuration, not script data. */
export function isRenderable(frame: Frame): boolean {
  return frame.kind !== 'data' && !frame.config;
}
