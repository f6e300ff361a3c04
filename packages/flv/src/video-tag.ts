import { ExHeaderReader } from './ex-header-reader.js';
import { FlvError, FlvErrorCode } from './flv-error.js';

/** Legacy FLV CodecID (low nibble of VIDEODATA's first byte). */
export const VideoCodecId = {
  h263: 2,
  screen: 3,
  vp6: 4,
  vp6Alpha: 5,
  screenV2: 6,
  avc: 7,
  /** Not in Adobe's spec: the id Chinese CDNs (and mpegts.js, ffmpeg) use for HEVC. */
  hevc: 12,
} as const;

export const VideoFrameType = {
  key: 1,
  inter: 2,
  disposable: 3,
  generatedKey: 4,
  command: 5,
} as const;

/** AVCPacketType, also used by legacy HEVC (id 12). */
export const AvcPacketType = {
  sequenceHeader: 0,
  nalu: 1,
  endOfSequence: 2,
} as const;

/** Enhanced RTMP VideoPacketType (low nibble when IsExHeader is set). */
export const VideoPacketType = {
  sequenceStart: 0,
  codedFrames: 1,
  sequenceEnd: 2,
  /** CodedFrames with an implicit composition time of 0. */
  codedFramesX: 3,
  metadata: 4,
  mpeg2tsSequenceStart: 5,
  multitrack: 6,
  modEx: 7,
} as const;

export interface VideoInfo {
  /** True for an Enhanced RTMP ExVideoTagHeader (FourCC). */
  enhanced: boolean;
  /** 'avc' | 'hevc' | 'av1' | 'vp9' | 'vp8' | 'h263' | 'screen' | 'vp6' | 'vp6a' | 'screen2', an unknown FourCC as is, or 'unknown'. */
  codec: string;
  fourcc?: string;
  /** Legacy CodecID (absent for enhanced tags). */
  codecId?: number;
  /** 1 key, 2 inter, 3 disposable, 4 generated key, 5 command/info. */
  frameType: number;
  /** AVCPacketType for legacy AVC/HEVC, VideoPacketType (after ModEx/multitrack) for enhanced tags. */
  packetType?: number;
  /** Composition time offset in ms (AVC/HEVC coded frames only). */
  compositionTime?: number;
  /** Key frame carrying picture data; false for sequence headers/ends, metadata and commands. */
  isKeyframe: boolean;
  /** Decoder configuration (avcC, hvcC, av1C, vpcC...): cache it and resend it to new viewers. */
  isSequenceHeader: boolean;
  isEndOfSequence: boolean;
  isCommandFrame: boolean;
  /** VideoCommand byte of a command frame. */
  command?: number;
  /** Multitrack tags: id of the first track, the one described here. */
  trackId?: number;
  /** Offset in the payload where the codec data starts (decoder config record, NAL units, OBUs...). */
  bodyOffset: number;
}

const LEGACY_CODECS: Record<number, string> = {
  2: 'h263',
  3: 'screen',
  4: 'vp6',
  5: 'vp6a',
  6: 'screen2',
  7: 'avc',
  12: 'hevc',
};

const FOURCC_CODECS: Record<string, string> = {
  avc1: 'avc',
  hvc1: 'hevc',
  av01: 'av1',
  vp09: 'vp9',
  vp08: 'vp8',
};

/**
 * Reads the (Ex)VideoTagHeader of a video tag payload. Throws ERR_FLV_TRUNCATED on an
 * empty payload or one too short for the header it announces.
 */
export function inspectVideo(payload: Uint8Array): VideoInfo {
  if (payload.length === 0) {
    throw new FlvError(FlvErrorCode.truncated, 'empty video tag');
  }
  const b0 = payload[0]!;
  const frameType = (b0 >>> 4) & 0x07;
  return (b0 & 0x80) !== 0 ? inspectEnhanced(payload, frameType, b0 & 0x0f) : inspectLegacy(payload, frameType, b0 & 0x0f);
}

function inspectLegacy(payload: Uint8Array, frameType: number, codecId: number): VideoInfo {
  const info: VideoInfo = {
    enhanced: false,
    codec: LEGACY_CODECS[codecId] ?? 'unknown',
    codecId,
    frameType,
    isKeyframe: false,
    isSequenceHeader: false,
    isEndOfSequence: false,
    isCommandFrame: false,
    bodyOffset: 1,
  };
  if (frameType === VideoFrameType.command) {
    info.isCommandFrame = true;
    // Some encoders send a bare 1-byte info frame; the command byte is then absent.
    if (payload.length > 1) info.command = payload[1]!;
    return info;
  }
  if (codecId === VideoCodecId.avc || codecId === VideoCodecId.hevc) {
    if (payload.length < 5) {
      throw new FlvError(FlvErrorCode.truncated, `${info.codec} video tag shorter than its 5-byte header`);
    }
    const packetType = payload[1]!;
    info.packetType = packetType;
    info.compositionTime = si24(payload, 2);
    info.bodyOffset = 5;
    info.isSequenceHeader = packetType === AvcPacketType.sequenceHeader;
    info.isEndOfSequence = packetType === AvcPacketType.endOfSequence;
    info.isKeyframe = packetType === AvcPacketType.nalu && isKeyFrameType(frameType);
    return info;
  }
  info.isKeyframe = isKeyFrameType(frameType);
  return info;
}

function inspectEnhanced(payload: Uint8Array, frameType: number, firstPacketType: number): VideoInfo {
  const r = new ExHeaderReader(payload, 1, 'video');
  let packetType = r.skipModEx(firstPacketType);
  const info: VideoInfo = {
    enhanced: true,
    codec: 'unknown',
    frameType,
    packetType,
    isKeyframe: false,
    isSequenceHeader: false,
    isEndOfSequence: false,
    isCommandFrame: false,
    bodyOffset: 0,
  };
  if (packetType !== VideoPacketType.metadata && frameType === VideoFrameType.command) {
    // A command frame carries one VideoCommand byte and no FourCC or body.
    info.isCommandFrame = true;
    info.command = r.u8();
    info.bodyOffset = r.pos;
    return info;
  }
  let fourcc: string;
  if (packetType === VideoPacketType.multitrack) {
    const track = r.multitrack();
    packetType = track.packetType;
    fourcc = track.fourcc;
    info.trackId = track.trackId;
    info.packetType = packetType;
  } else {
    fourcc = r.fourCc();
  }
  info.fourcc = fourcc;
  info.codec = FOURCC_CODECS[fourcc] ?? fourcc;
  if (packetType === VideoPacketType.codedFrames && (fourcc === 'avc1' || fourcc === 'hvc1')) {
    // Only AVC and HEVC carry a composition time in CodedFrames.
    r.need(3);
    info.compositionTime = si24(payload, r.pos);
    r.pos += 3;
  } else if (packetType === VideoPacketType.codedFramesX) {
    info.compositionTime = 0;
  }
  info.bodyOffset = r.pos;
  info.isSequenceHeader =
    packetType === VideoPacketType.sequenceStart || packetType === VideoPacketType.mpeg2tsSequenceStart;
  info.isEndOfSequence = packetType === VideoPacketType.sequenceEnd;
  info.isKeyframe =
    (packetType === VideoPacketType.codedFrames || packetType === VideoPacketType.codedFramesX) &&
    isKeyFrameType(frameType);
  return info;
}

function isKeyFrameType(frameType: number): boolean {
  return frameType === VideoFrameType.key || frameType === VideoFrameType.generatedKey;
}

/** Signed 24-bit big-endian integer (composition time offsets may be negative). */
function si24(bytes: Uint8Array, at: number): number {
  const v = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
  return v & 0x800000 ? v - 0x1000000 : v;
}
