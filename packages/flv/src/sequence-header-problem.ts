import { parseAudioSpecificConfig } from './audio-specific-config.js';
import { AacPacketType, SoundFormat, inspectAudio } from './audio-tag.js';
import { parseAvcDecoderConfig } from './avc-decoder-config.js';
import { FlvError } from './flv-error.js';
import { parseHevcDecoderConfig } from './hevc-decoder-config.js';
import { AvcPacketType, VideoCodecId, inspectVideo } from './video-tag.js';

/**
 * What is wrong with an AVC, HEVC or AAC sequence header (a truncated or malformed decoder configuration),
 * or undefined when the tag is fine or is not such a sequence header. A player given a broken
 * configuration shows nothing until the next good one, so a caller can drop it and keep the last good one.
 * Tags whose own header is too short to say what they are are left to inspectVideo/inspectAudio.
 */
export function sequenceHeaderProblem(type: 8 | 9, payload: Uint8Array): string | undefined {
  try {
    return type === 9 ? videoProblem(payload) : audioProblem(payload);
  } catch (err) {
    if (err instanceof FlvError) return err.message;
    throw err;
  }
}

function videoProblem(payload: Uint8Array): string | undefined {
  if (payload.length < 2) return undefined;
  const b0 = payload[0]!;
  if ((b0 & 0x80) === 0) {
    const codecId = b0 & 0x0f;
    if ((codecId !== VideoCodecId.avc && codecId !== VideoCodecId.hevc) || payload[1] !== AvcPacketType.sequenceHeader) return undefined;
    const codec = codecId === VideoCodecId.avc ? 'avc' : 'hevc';
    if (payload.length < 5) return `${codec} sequence header shorter than its 5-byte header`;
    return recordProblem(codec, payload.subarray(5));
  }
  const info = inspectVideo(payload);
  if (!info.isSequenceHeader || (info.codec !== 'avc' && info.codec !== 'hevc')) return undefined;
  return recordProblem(info.codec, payload.subarray(info.bodyOffset));
}

function recordProblem(codec: 'avc' | 'hevc', record: Uint8Array): string | undefined {
  const config = codec === 'avc' ? parseAvcDecoderConfig(record) : parseHevcDecoderConfig(record);
  // A record without parameter sets parses, but no decoder can start from it.
  if (config.sps.length === 0 || config.pps.length === 0) return `${codec} decoder configuration without SPS or PPS`;
  return undefined;
}

function audioProblem(payload: Uint8Array): string | undefined {
  if (payload.length < 1) return undefined;
  const soundFormat = payload[0]! >>> 4;
  if (soundFormat === SoundFormat.aac) {
    if (payload.length < 2 || payload[1] !== AacPacketType.sequenceHeader) return undefined;
    parseAudioSpecificConfig(payload.subarray(2));
    return undefined;
  }
  if (soundFormat !== SoundFormat.exHeader) return undefined;
  const info = inspectAudio(payload);
  if (!info.isSequenceHeader || info.codec !== 'aac') return undefined;
  parseAudioSpecificConfig(payload.subarray(info.bodyOffset));
  return undefined;
}
