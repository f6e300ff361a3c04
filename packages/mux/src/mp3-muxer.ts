import { FlvError, inspectAudio } from '@flvcast/flv';
import type { Format, Frame, Muxer } from '@flvcast/media';
import { audioTrackProblem } from './audio-track-problem.js';

/**
 * The audio track as a bare MP3 stream (HTTP-MP3, as SRS's `.mp3` mount): MPEG audio frames are
 * self-describing and self-synchronising, so each tag's body goes out as it came (FLV sound format 2, the
 * 8 kHz format 14, or Enhanced RTMP `.mp3`), shared by reference. Nothing else is carried.
 */
export class Mp3Muxer implements Muxer {
  begin(): Uint8Array[] {
    return [];
  }

  encode(frame: Frame): Uint8Array | undefined {
    if (frame.kind !== 'audio' || frame.codec !== 'mp3' || frame.config) return undefined;
    let info: ReturnType<typeof inspectAudio>;
    try {
      info = inspectAudio(frame.payload);
    } catch (err) {
      if (err instanceof FlvError) return undefined;
      throw err;
    }
    if (info.isSequenceHeader || info.isEndOfSequence || info.trackId !== undefined) return undefined;
    const body = frame.payload.subarray(info.bodyOffset);
    return body.byteLength === 0 ? undefined : body;
  }

  metadataChanged(): undefined {
    return undefined;
  }
}

/** `.mp3`: the MP3 audio alone. */
export const mp3Format: Format = {
  name: 'mp3',
  audioOnly: true,
  createMuxer: () => new Mp3Muxer(),
  unsupported: (stream) => audioTrackProblem(stream, 'mp3', 'mp3'),
};
