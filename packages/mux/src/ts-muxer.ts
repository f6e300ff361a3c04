import {
  AudioPacketType,
  AvMultitrackType,
  AvcPacketType,
  FlvError,
  VideoPacketType,
  adtsHeader,
  inspectAudio,
  inspectVideo,
  parseAudioSpecificConfig,
  parseAvcDecoderConfig,
  parseHevcDecoderConfig,
  type AudioInfo,
  type AudioSpecificConfig,
  type VideoInfo,
} from '@flvcast/flv';
import type { Format, Frame, MediaFrame, Muxer, StreamState, TrackLayout } from '@flvcast/media';
import { MpegTsError, TICKS_PER_MS, TsWriter, splitLengthPrefixed, type TsAudioTrack, type TsSnapshot, type TsVideoTrack } from '@flvcast/mpegts';

/** Video codecs a TS carries here, and audio codecs. */
const TS_VIDEO = new Set(['avc', 'hevc']);
const TS_AUDIO = new Set(['aac', 'mp3', 'opus']);

interface VideoState extends TsVideoTrack {
  readonly nalLengthSize: number;
}

/**
 * MPEG-TS for live viewers (HTTP-TS, WS-TS): the hub's frames as one program of H.264/HEVC and AAC/MP3/Opus
 * (@flvcast/mpegts writes the bytes). Each frame is written once and its packets are shared by every TS viewer
 * of the stream; since a TS carries running continuity counters, the muxer keeps, for every frame it wrote,
 * the counters and tables before it (a small snapshot in a WeakMap, gone with the frame), and `resync` gives a
 * viewer whose sequence broke (or begins) the tables and packets that make the next one continuous for it.
 */
export class TsMuxer implements Muxer {
  readonly #writer: TsWriter;
  /** Where the shared sequence stood before each frame written (gone with the frame). */
  readonly #before = new WeakMap<Frame, TsSnapshot>();
  #video: VideoState | undefined;
  #audio: TsAudioTrack | undefined;
  #asc: AudioSpecificConfig | undefined;

  constructor(private readonly stream: StreamState) {
    this.#writer = new TsWriter({ serviceName: stream.name });
    // The muxer may start mid-stream (its first viewer): take the configuration the stream has now.
    const { video, audio } = stream;
    if (video.config !== undefined) this.#encode(video.config);
    else if (video.codec !== undefined && TS_VIDEO.has(video.codec)) this.#setVideo({ codec: video.codec as 'avc' | 'hevc', parameterSets: [], nalLengthSize: 4 });
    if (audio.config !== undefined) this.#encode(audio.config);
    else if (audio.codec === 'mp3') this.#setAudio({ codec: 'mp3', lowSamplingRate: (audio.sampleRate ?? 44100) < 32000 });
  }

  /**
   * Nothing: a TS response starts with the resync the hub writes before a viewer's first packet, which holds
   * PAT, PMT and SDT with counters that run on into the shared packets (a separate start would leave a
   * jump in the PSI counters that VLC reports as an error). The tables list what the shared packets carry, so
   * they are the same for every viewer, whatever its layout.
   */
  begin(_layout: TrackLayout, _startTimestamp: number): Uint8Array[] {
    return [];
  }

  encode(frame: Frame): Uint8Array | undefined {
    if (frame.kind === 'data') return undefined; // a TS has no place for AMF script data
    const before = this.#writer.snapshot();
    const bytes = this.#encode(frame);
    if (bytes === undefined || bytes.length === 0) return undefined;
    this.#before.set(frame, before);
    return bytes;
  }

  metadataChanged(): undefined {
    return undefined;
  }

  resync(frame: Frame, first: boolean): Uint8Array | undefined {
    const before = this.#before.get(frame);
    return before === undefined ? undefined : this.#writer.resync(before, first);
  }

  #encode(frame: MediaFrame): Uint8Array | undefined {
    this.#dropGoneTracks(frame);
    try {
      return frame.kind === 'video' ? this.#encodeVideo(frame) : this.#encodeAudio(frame);
    } catch (err) {
      // A frame or configuration we cannot read (truncated, malformed NAL lengths): viewers go without it.
      if (err instanceof FlvError || err instanceof MpegTsError) return undefined;
      throw err;
    }
  }

  #encodeVideo(frame: MediaFrame): Uint8Array | undefined {
    const payload = frame.payload;
    const info = inspectVideo(payload);
    if (info.isCommandFrame || info.isEndOfSequence || !TS_VIDEO.has(info.codec) || !firstTrackOnly(info, payload, VideoPacketType.multitrack)) return undefined;
    const codec = info.codec as 'avc' | 'hevc';
    const body = payload.subarray(info.bodyOffset);
    if (info.isSequenceHeader) {
      const config = codec === 'avc' ? parseAvcDecoderConfig(body) : parseHevcDecoderConfig(body);
      const parameterSets = codec === 'avc' ? [...config.sps, ...config.pps] : [...(config as { vps: Uint8Array[] }).vps, ...config.sps, ...config.pps];
      return this.#tablesIf(this.#setVideo({ codec, parameterSets, nalLengthSize: config.nalLengthSize }));
    }
    const coded = info.enhanced
      ? info.packetType === VideoPacketType.codedFrames || info.packetType === VideoPacketType.codedFramesX
      : info.packetType === AvcPacketType.nalu;
    if (!coded) return undefined;
    // Frames of a codec we have no configuration for (it changed without a sequence header): 4-byte lengths, parameter sets in band.
    if (this.#video?.codec !== codec) this.#setVideo({ codec, parameterSets: [], nalLengthSize: 4 });
    const nalUnits = splitLengthPrefixed(body, this.#video!.nalLengthSize);
    if (nalUnits.length === 0) return undefined;
    const dts = frame.timestamp * TICKS_PER_MS;
    return this.#writer.writeVideo({ dts, pts: dts + frame.compositionTime * TICKS_PER_MS, keyframe: frame.keyframe, nalUnits });
  }

  #encodeAudio(frame: MediaFrame): Uint8Array | undefined {
    const payload = frame.payload;
    const info = inspectAudio(payload);
    if (info.isEndOfSequence || !TS_AUDIO.has(info.codec) || !firstTrackOnly(info, payload, AudioPacketType.multitrack)) return undefined;
    const body = payload.subarray(info.bodyOffset);
    const pts = frame.timestamp * TICKS_PER_MS;
    const coded = info.packetType === undefined || info.packetType === AudioPacketType.codedFrames; // AAC raw is 1 as well
    switch (info.codec) {
      case 'aac': {
        if (info.isSequenceHeader) {
          const asc = parseAudioSpecificConfig(body);
          // A configuration ADTS cannot express (an explicit rate, an object type beyond its 2 bits): not carried.
          this.#asc = adtsHeader(asc, 0) === undefined ? undefined : asc;
          return this.#tablesIf(this.#setAudio(this.#asc === undefined ? undefined : { codec: 'aac' }));
        }
        if (!coded || this.#asc === undefined || this.#audio?.codec !== 'aac' || body.length === 0) return undefined;
        const header = adtsHeader(this.#asc, body.length);
        return header === undefined ? undefined : this.#writer.writeAudio({ pts, parts: [header, body] });
      }
      case 'mp3': {
        if (info.isSequenceHeader || !coded || body.length < 4) return undefined;
        this.#setAudio({ codec: 'mp3', lowSamplingRate: mp3LowSamplingRate(body) ?? (this.stream.audio.sampleRate ?? 44100) < 32000 });
        return this.#writer.writeAudio({ pts, parts: [body] });
      }
      default: {
        if (info.isSequenceHeader) return this.#tablesIf(this.#setAudio({ codec: 'opus', channels: info.channels ?? 2 }));
        if (!coded || body.length === 0) return undefined;
        if (this.#audio?.codec !== 'opus') this.#setAudio({ codec: 'opus', channels: 2 });
        return this.#writer.writeAudio({ pts, parts: [body] });
      }
    }
  }

  /**
   * A track the stream no longer has (a new publisher came without it; the hub counts frames per publish)
   * leaves the PMT, so players stop waiting for it: audio at the first video keyframe without any audio, video
   * after 50 audio frames without any video.
   */
  #dropGoneTracks(frame: MediaFrame): void {
    const { audio, video } = this.stream;
    if (frame.kind === 'video' && frame.keyframe && this.#audio !== undefined && audio.frames === 0) {
      this.#asc = undefined;
      this.#setAudio(undefined);
    } else if (frame.kind === 'audio' && this.#video !== undefined && video.frames === 0 && audio.frames >= 50) {
      this.#video = undefined;
      this.#setProgram();
    }
  }

  /** Returns whether the PMT changed (the writer then sends the tables before its next access unit anyway). */
  #setVideo(video: VideoState): boolean {
    this.#video = video;
    return this.#setProgram();
  }

  #setAudio(audio: TsAudioTrack | undefined): boolean {
    this.#audio = audio;
    return this.#setProgram();
  }

  #setProgram(): boolean {
    return this.#writer.setProgram({ ...(this.#video && { video: this.#video }), ...(this.#audio && { audio: this.#audio }) });
  }

  /** A configuration frame's packet: the new tables at once when the program changed, else nothing. */
  #tablesIf(changed: boolean): Uint8Array | undefined {
    return changed ? this.#writer.tables() : undefined;
  }
}

/** Enhanced RTMP multitrack: only a lone track 0 is carried; the other tracks (and many-track packets) are skipped. */
function firstTrackOnly(info: VideoInfo | AudioInfo, payload: Uint8Array, multitrack: number): boolean {
  if (info.trackId === undefined) return true;
  // Without ModEx before it, the multitrack packet type is the first byte's low nibble and the multitrack
  // type the next byte's high nibble.
  return info.trackId === 0 && (payload[0]! & 0x0f) === multitrack && payload[1]! >>> 4 === AvMultitrackType.oneTrack;
}

/** From an MP3 frame header: MPEG-2 or 2.5 (the low rates), or undefined without a frame sync. */
function mp3LowSamplingRate(frame: Uint8Array): boolean | undefined {
  if (frame[0] !== 0xff || (frame[1]! & 0xe0) !== 0xe0) return undefined;
  return ((frame[1]! >> 3) & 0x03) !== 0x03; // version ID '11' is MPEG-1
}

/** The MPEG-TS container: `hub.subscribe(key, tsFormat, ...)`. */
export const tsFormat: Format = {
  name: 'ts',
  createMuxer: (stream) => new TsMuxer(stream),
  sharedTrackList: true,
  unsupported(stream) {
    const video = stream.video.codec;
    if (video !== undefined && !TS_VIDEO.has(video)) return `video codec ${video}: .ts carries H.264 and HEVC`;
    const audio = stream.audio.codec;
    if (audio !== undefined && !TS_AUDIO.has(audio)) return `audio codec ${audio}: .ts carries AAC, MP3 and Opus`;
    return undefined;
  },
};
