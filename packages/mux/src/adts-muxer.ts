import { AacPacketType, FlvError, adtsHeader, inspectAudio, parseAudioSpecificConfig, type AudioSpecificConfig } from '@flvcast/flv';
import type { Format, Frame, MediaFrame, Muxer, StreamState } from '@flvcast/media';
import { audioTrackProblem } from './audio-track-problem.js';

/**
 * The audio track as an ADTS stream (HTTP-AAC, as SRS's `.aac` mount): every raw AAC frame behind a 7-byte
 * ADTS header made from the current AudioSpecificConfig. Legacy FLV AAC and Enhanced RTMP `mp4a` alike. A
 * sequence header only replaces the configuration; video and script data carry nothing here. ADTS has no
 * stream header: a listener's stream starts at any frame.
 */
export class AdtsMuxer implements Muxer {
  #config: AudioSpecificConfig | undefined;

  constructor(stream: StreamState) {
    // Made when the first listener comes, long after the sequence header went by: start from the stream's.
    const config = stream.audio.config;
    if (config !== undefined) this.#configure(config);
  }

  begin(): Uint8Array[] {
    return [];
  }

  encode(frame: Frame): Uint8Array | undefined {
    if (frame.kind !== 'audio' || frame.codec !== 'aac') return undefined;
    if (frame.config) {
      this.#configure(frame);
      return undefined;
    }
    const raw = rawAacFrame(frame);
    if (raw === undefined || raw.byteLength === 0 || this.#config === undefined) return undefined;
    const header = adtsHeader(this.#config, raw.byteLength);
    if (header === undefined) return undefined;
    const out = new Uint8Array(header.byteLength + raw.byteLength);
    out.set(header, 0);
    out.set(raw, header.byteLength);
    return out;
  }

  metadataChanged(): undefined {
    return undefined;
  }

  #configure(frame: MediaFrame): void {
    const body = configBody(frame);
    if (body === undefined) return;
    try {
      this.#config = parseAudioSpecificConfig(body);
    } catch (err) {
      // A configuration we cannot read: the last good one stays (the hub already refuses broken ones).
      if (!(err instanceof FlvError)) throw err;
    }
  }
}

/** The AudioSpecificConfig of a sequence header, legacy or Enhanced RTMP. */
function configBody(frame: MediaFrame): Uint8Array | undefined {
  const info = safeInspect(frame.payload);
  if (info === undefined || !info.isSequenceHeader || info.trackId !== undefined) return undefined;
  return frame.payload.subarray(info.bodyOffset);
}

/**
 * The raw AAC frame of a coded-frames tag. Multitrack tags are left out: which of their tracks a
 * single-track container should carry is not ours to guess.
 */
function rawAacFrame(frame: MediaFrame): Uint8Array | undefined {
  const info = safeInspect(frame.payload);
  if (info === undefined || info.isSequenceHeader || info.isEndOfSequence || info.trackId !== undefined) return undefined;
  if (!info.enhanced && info.packetType !== AacPacketType.raw) return undefined;
  return frame.payload.subarray(info.bodyOffset);
}

function safeInspect(payload: Uint8Array): ReturnType<typeof inspectAudio> | undefined {
  try {
    return inspectAudio(payload);
  } catch (err) {
    if (err instanceof FlvError) return undefined;
    throw err;
  }
}

/** Why ADTS cannot carry the stream's AAC: a profile or sample rate its header has no field for. */
function adtsProblem(stream: StreamState): string | undefined {
  const config = stream.audio.config;
  if (config === undefined) return undefined;
  const body = configBody(config);
  if (body === undefined) return undefined;
  let asc: AudioSpecificConfig;
  try {
    asc = parseAudioSpecificConfig(body);
  } catch (err) {
    if (err instanceof FlvError) return undefined;
    throw err;
  }
  return adtsHeader(asc, 0) === undefined ? `audio codec aac (object type ${asc.objectType}, sampling index ${asc.samplingFrequencyIndex}): ADTS cannot signal it` : undefined;
}

/** `.aac`: the AAC audio alone, as ADTS. */
export const adtsFormat: Format = {
  name: 'aac',
  audioOnly: true,
  createMuxer: (stream) => new AdtsMuxer(stream),
  unsupported: (stream) => audioTrackProblem(stream, 'aac', 'aac') ?? adtsProblem(stream),
};
