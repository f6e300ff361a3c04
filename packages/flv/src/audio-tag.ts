import { parseAudioSpecificConfig } from './audio-specific-config.js';
import { ExHeaderReader } from './ex-header-reader.js';
import { FlvError, FlvErrorCode } from './flv-error.js';

/** SoundFormat (high nibble of AUDIODATA's first byte). */
export const SoundFormat = {
  lpcmPlatformEndian: 0,
  adpcm: 1,
  mp3: 2,
  lpcmLittleEndian: 3,
  nellymoser16kMono: 4,
  nellymoser8kMono: 5,
  nellymoser: 6,
  g711ALaw: 7,
  g711MuLaw: 8,
  /** Enhanced RTMP: the low nibble is an AudioPacketType and a FourCC follows. */
  exHeader: 9,
  aac: 10,
  speex: 11,
  mp38k: 14,
  native: 15,
} as const;

export const AacPacketType = {
  sequenceHeader: 0,
  raw: 1,
} as const;

/** Enhanced RTMP AudioPacketType. */
export const AudioPacketType = {
  sequenceStart: 0,
  codedFrames: 1,
  sequenceEnd: 2,
  multichannelConfig: 4,
  multitrack: 5,
  modEx: 7,
} as const;

export interface AudioInfo {
  /** True for an Enhanced RTMP ExAudioTagHeader (SoundFormat 9 + FourCC). */
  enhanced: boolean;
  /** 'aac' | 'mp3' | 'opus' | 'flac' | 'ac3' | 'eac3' | 'lpcm' | 'lpcm-platform' | 'adpcm' | 'nellymoser' | 'g711a' | 'g711u' | 'speex' | 'native', an unknown FourCC as is, or 'unknown'. */
  codec: string;
  fourcc?: string;
  soundFormat: number;
  /** AACPacketType for legacy AAC, AudioPacketType (after ModEx/multitrack) for enhanced tags. */
  packetType?: number;
  /** Decoder configuration (AudioSpecificConfig, OpusHead, FLAC STREAMINFO): cache and resend it. */
  isSequenceHeader: boolean;
  isEndOfSequence: boolean;
  /** Known when the header or the sequence header states it; legacy AAC's flags are ignored (always 44 kHz stereo). */
  sampleRate?: number;
  channels?: number;
  /** Bits per sample from legacy SoundSize (meaningful for uncompressed formats). */
  sampleSize?: number;
  /** Multitrack tags: id of the first track, the one described here. */
  trackId?: number;
  /** Offset in the payload where the codec data starts. */
  bodyOffset: number;
}

const LEGACY_CODECS: Record<number, string> = {
  0: 'lpcm-platform',
  1: 'adpcm',
  2: 'mp3',
  3: 'lpcm',
  4: 'nellymoser',
  5: 'nellymoser',
  6: 'nellymoser',
  7: 'g711a',
  8: 'g711u',
  10: 'aac',
  11: 'speex',
  14: 'mp3',
  15: 'native',
};

const FOURCC_CODECS: Record<string, string> = {
  mp4a: 'aac',
  '.mp3': 'mp3',
  Opus: 'opus',
  fLaC: 'flac',
  'ac-3': 'ac3',
  'ec-3': 'eac3',
};

const LEGACY_RATES = [5512, 11025, 22050, 44100];

/**
 * Reads the (Ex)AudioTagHeader of an audio tag payload, plus sample rate and channels
 * from an AAC/Opus/FLAC sequence header when the tag is one. Throws ERR_FLV_TRUNCATED on
 * an empty payload (RTMP's "silence" message) or one too short for its header.
 */
export function inspectAudio(payload: Uint8Array): AudioInfo {
  if (payload.length === 0) {
    throw new FlvError(FlvErrorCode.truncated, 'empty audio tag');
  }
  const b0 = payload[0]!;
  const soundFormat = b0 >>> 4;
  return soundFormat === SoundFormat.exHeader ? inspectEnhanced(payload, b0 & 0x0f) : inspectLegacy(payload, b0);
}

function inspectLegacy(payload: Uint8Array, b0: number): AudioInfo {
  const soundFormat = b0 >>> 4;
  const info: AudioInfo = {
    enhanced: false,
    codec: LEGACY_CODECS[soundFormat] ?? 'unknown',
    soundFormat,
    isSequenceHeader: false,
    isEndOfSequence: false,
    sampleSize: b0 & 0x02 ? 16 : 8,
    bodyOffset: 1,
  };
  if (soundFormat === SoundFormat.aac) {
    if (payload.length < 2) {
      throw new FlvError(FlvErrorCode.truncated, 'AAC audio tag shorter than its 2-byte header');
    }
    info.packetType = payload[1]!;
    info.bodyOffset = 2;
    if (info.packetType === AacPacketType.sequenceHeader) {
      info.isSequenceHeader = true;
      describeAac(info, payload.subarray(2));
    }
    return info;
  }
  const channels = b0 & 0x01 ? 2 : 1;
  switch (soundFormat) {
    // These formats have fixed rates the SoundRate bits cannot express.
    case SoundFormat.nellymoser16kMono:
    case SoundFormat.speex:
      info.sampleRate = 16000;
      info.channels = 1;
      break;
    case SoundFormat.nellymoser8kMono:
      info.sampleRate = 8000;
      info.channels = 1;
      break;
    case SoundFormat.g711ALaw:
    case SoundFormat.g711MuLaw:
    case SoundFormat.mp38k:
      info.sampleRate = 8000;
      info.channels = channels;
      break;
    default:
      info.sampleRate = LEGACY_RATES[(b0 >>> 2) & 0x03]!;
      info.channels = channels;
  }
  return info;
}

function inspectEnhanced(payload: Uint8Array, firstPacketType: number): AudioInfo {
  const r = new ExHeaderReader(payload, 1, 'audio');
  let packetType = r.skipModEx(firstPacketType);
  let fourcc: string;
  let trackId: number | undefined;
  if (packetType === AudioPacketType.multitrack) {
    const track = r.multitrack();
    packetType = track.packetType;
    fourcc = track.fourcc;
    trackId = track.trackId;
  } else {
    fourcc = r.fourCc();
  }
  const info: AudioInfo = {
    enhanced: true,
    codec: FOURCC_CODECS[fourcc] ?? fourcc,
    fourcc,
    soundFormat: SoundFormat.exHeader,
    packetType,
    isSequenceHeader: packetType === AudioPacketType.sequenceStart,
    isEndOfSequence: packetType === AudioPacketType.sequenceEnd,
    bodyOffset: r.pos,
  };
  if (trackId !== undefined) info.trackId = trackId;
  const body = payload.subarray(r.pos);
  if (packetType === AudioPacketType.sequenceStart) {
    if (fourcc === 'mp4a') describeAac(info, body);
    else if (fourcc === 'Opus') describeOpus(info, body);
    else if (fourcc === 'fLaC') describeFlac(info, body);
  } else if (packetType === AudioPacketType.multichannelConfig && body.length >= 2) {
    // audioChannelOrder(UI8), channelCount(UI8), then the order-specific map.
    info.channels = body[1]!;
  }
  return info;
}

// Details below come from the codec's own config; a malformed one leaves them unknown
// rather than failing the tag, which is still forwarded as is.

function describeAac(info: AudioInfo, asc: Uint8Array): void {
  try {
    const config = parseAudioSpecificConfig(asc);
    info.sampleRate = config.sampleRate;
    info.channels = config.channels;
  } catch (err) {
    if (!(err instanceof FlvError)) throw err;
  }
}

/** OpusHead (RFC 7845 5.1): "OpusHead", version, channel count, ... */
function describeOpus(info: AudioInfo, head: Uint8Array): void {
  if (head.length < 10) return; // an empty OpusHead means mono/stereo defaults
  info.channels = head[9]!;
  // Opus always decodes at 48 kHz; the header's input rate is informational only.
  info.sampleRate = 48000;
}

/** "fLaC" + metadata block header + STREAMINFO, or a bare STREAMINFO block. */
function describeFlac(info: AudioInfo, body: Uint8Array): void {
  const start = body[0] === 0x66 && body[1] === 0x4c && body[2] === 0x61 && body[3] === 0x43 ? 8 : 0;
  // STREAMINFO: block sizes (2+2), frame sizes (3+3), then 20 bits rate, 3 bits channels-1.
  const at = start + 10;
  if (body.length < at + 3) return;
  info.sampleRate = (body[at]! << 12) | (body[at + 1]! << 4) | (body[at + 2]! >>> 4);
  info.channels = ((body[at + 2]! >>> 1) & 0x07) + 1;
}
