import { BitReader } from './bit-reader.js';
import { FlvError, FlvErrorCode } from './flv-error.js';

/** Sampling frequencies indexed by samplingFrequencyIndex (ISO/IEC 14496-3, 1.6.3.4). */
export const AAC_SAMPLE_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
] as const;

/** Output channel count by channelConfiguration (0: defined by a PCE in the stream). */
const CHANNELS_BY_CONFIG = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0];

export interface AudioSpecificConfig {
  /** audioObjectType as signalled: 2 AAC-LC, 5 SBR (HE-AAC), 29 PS (HE-AAC v2)... */
  objectType: number;
  /** Output sample rate; for explicit SBR/PS signalling, the extension (doubled) rate. */
  sampleRate: number;
  /** From channelConfiguration; 0 means a program config element defines them. */
  channels: number;
  /** Index of the core sample rate, 15 when it was given explicitly (needed for ADTS). */
  samplingFrequencyIndex: number;
  channelConfiguration: number;
}

/** Parses an AudioSpecificConfig (the AAC sequence header body, ISO/IEC 14496-3 1.6.2.1). */
export function parseAudioSpecificConfig(bytes: Uint8Array): AudioSpecificConfig {
  if (bytes.length < 2) {
    throw new FlvError(FlvErrorCode.truncated, `AudioSpecificConfig needs at least 2 bytes, got ${bytes.length}`);
  }
  const r = new BitReader(bytes);
  const objectType = readObjectType(r);
  const samplingFrequencyIndex = r.bits(4);
  let sampleRate = readSampleRate(r, samplingFrequencyIndex);
  const channelConfiguration = r.bits(4);
  if (objectType === 5 || objectType === 29) {
    // Explicit hierarchical SBR signalling: the extension rate is what gets played.
    sampleRate = readSampleRate(r, r.bits(4));
  }
  return {
    objectType,
    sampleRate,
    channels: CHANNELS_BY_CONFIG[channelConfiguration]!,
    samplingFrequencyIndex,
    channelConfiguration,
  };
}

function readObjectType(r: BitReader): number {
  const t = r.bits(5);
  return t === 31 ? 32 + r.bits(6) : t;
}

function readSampleRate(r: BitReader, index: number): number {
  if (index === 0x0f) return r.bits(24);
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) {
    throw new FlvError(FlvErrorCode.badDecoderConfig, `reserved AAC samplingFrequencyIndex ${index}`);
  }
  return rate;
}
