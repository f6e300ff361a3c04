import type { AudioSpecificConfig } from './audio-specific-config.js';

/** The fixed and variable ADTS header without CRC (ISO/IEC 13818-7 6.2, 14496-3 1.A.2): 7 bytes. */
export const ADTS_HEADER_SIZE = 7;

/** The longest raw AAC frame one ADTS header can frame: aac_frame_length is 13 bits and counts the header. */
export const ADTS_MAX_FRAME_SIZE = 0x1fff - ADTS_HEADER_SIZE;

/**
 * The ADTS header of one raw AAC frame of `frameSize` bytes, from the stream's AudioSpecificConfig, or
 * undefined when ADTS cannot say it: a profile ADTS has no field for (only object types 1–4 fit its two
 * bits, HE-AAC is sent as its AAC-LC core, which players upsample by implicit SBR signalling), an explicit
 * sample rate (index 15), or a frame too long for aac_frame_length.
 */
export function adtsHeader(config: AudioSpecificConfig, frameSize: number): Uint8Array | undefined {
  const objectType = config.objectType === 5 || config.objectType === 29 ? 2 : config.objectType;
  if (objectType < 1 || objectType > 4 || config.samplingFrequencyIndex > 12 || frameSize > ADTS_MAX_FRAME_SIZE) return undefined;
  const length = frameSize + ADTS_HEADER_SIZE;
  const profile = objectType - 1;
  const channels = config.channelConfiguration & 0x07;
  const h = new Uint8Array(ADTS_HEADER_SIZE);
  h[0] = 0xff; // syncword 0xFFF …
  h[1] = 0xf1; // … MPEG-4, layer 0, protection_absent 1 (no CRC)
  h[2] = (profile << 6) | (config.samplingFrequencyIndex << 2) | (channels >> 2); // private bit 0
  h[3] = ((channels & 0x03) << 6) | (length >> 11); // original/copy, home, copyright bits 0
  h[4] = (length >> 3) & 0xff;
  h[5] = ((length & 0x07) << 5) | 0x1f; // adts_buffer_fullness 0x7FF: variable bit rate …
  h[6] = 0xfc; // … and one raw data block in the frame
  return h;
}
