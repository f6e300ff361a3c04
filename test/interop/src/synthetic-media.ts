/**
 * What the synthetic publisher sends: metadata, sequence headers and the n-th video/audio frame of one codec
 * pair, as RTMP message bodies. AVC + AAC (legacy FLV tags), and AV1 (`av01`) or VP9 (`vp09`) video over
 * Enhanced RTMP (FourCC headers), which some containers cannot carry. These frames are tiny fixtures, not
 * decodable pictures: enough for containers, demuxers and probes (encoded-hevc-opus.ts has real ones).
 */
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';

export interface SyntheticMedia {
  /** onMetaData (width, height, codec ids as the encoder would write them) */
  metadata: Record<string, string | number>;
  videoConfig: Uint8Array | undefined;
  audioConfig: Uint8Array | undefined;
  /** the n-th video frame (a keyframe every 25 frames, from n = 0), or undefined for no video track */
  video: ((n: number, keyframe: boolean) => Uint8Array) | undefined;
  audio: ((n: number) => Uint8Array) | undefined;
}

const fourcc = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** ExVideoTagHeader byte: IsExHeader | FrameType | VideoPacketType. */
const exVideo = (frameType: number, packetType: number, cc: string): number[] => [0x80 | (frameType << 4) | packetType, ...fourcc(cc)];

export const avcAac: SyntheticMedia = {
  metadata: { width: 320, height: 240, framerate: 25, videocodecid: 7, audiocodecid: 10 },
  videoConfig: avcSequenceHeader,
  audioConfig: aacSequenceHeader,
  video: (n, key) => (key ? avcKeyframe(n) : avcInterframe(n)),
  audio: aacFrame,
};

/** AV1: av1C (marker/version 0x81, Main profile level 2.0, 8-bit 4:2:0), then OBU temporal units. */
export const av1Aac: SyntheticMedia = {
  metadata: { width: 320, height: 240, framerate: 25, videocodecid: 'av01', audiocodecid: 10 },
  videoConfig: Uint8Array.from([...exVideo(1, 0, 'av01'), 0x81, 0x00, 0x0c, 0x00]),
  audioConfig: aacSequenceHeader,
  // a temporal delimiter OBU (type 2, has_size, size 0) and a padding byte: not a picture, a unit all the same
  video: (n, key) => Uint8Array.from([...exVideo(key ? 1 : 2, 1, 'av01'), 0x12, 0x00, n & 0xff]),
  audio: aacFrame,
};

/** VP9: vpcC (version 1, profile 0, level 2.0, 8-bit, 4:2:0), then frames. */
export const vp9Aac: SyntheticMedia = {
  metadata: { width: 320, height: 240, framerate: 25, videocodecid: 'vp09', audiocodecid: 10 },
  videoConfig: Uint8Array.from([...exVideo(1, 0, 'vp09'), 1, 0, 0, 0, 0, 20, 0x82, 1, 1, 1, 0, 0]),
  audioConfig: aacSequenceHeader,
  video: (n, key) => Uint8Array.from([...exVideo(key ? 1 : 2, 1, 'vp09'), key ? 0x82 : 0x86, 0x49, n & 0xff]),
  audio: aacFrame,
};
