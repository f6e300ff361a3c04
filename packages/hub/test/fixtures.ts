import type { SubscriberEndReason, SubscriberSink } from '../src/index.js';
import { FlvDemuxer, type FlvTag } from '@flvcast/flv';

/** Tiny payloads shaped like real FLV media bodies (only the leading bytes matter to the hub). */
export const avcSequenceHeader = Uint8Array.from([
  0x17, 0x00, 0x00, 0x00, 0x00, // key frame, AVC, AVCPacketType 0 (sequence header), CTS 0
  // AVCDecoderConfigurationRecord: version 1, profile 66, compat 0xC0, level 30, NAL length 4
  0x01, 0x42, 0xc0, 0x1e, 0xff,
  0xe1, 0x00, 0x0e, // 1 SPS of 14 bytes: 320x240 Baseline (made by x264)
  0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x01, 0x41, 0xfb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
  0x01, 0x00, 0x04, 0x68, 0xcb, 0x83, 0xcb, // 1 PPS of 4 bytes
]);
export const avcKeyframe = (n = 1) => Uint8Array.from([0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65, n & 0xff]);
export const avcInterframe = (n = 1) => Uint8Array.from([0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x41, n & 0xff]);
/** AAC (10), 44 kHz, 16-bit, stereo; AACPacketType 0; AudioSpecificConfig AAC-LC 44100 2ch. */
export const aacSequenceHeader = Uint8Array.from([0xaf, 0x00, 0x12, 0x10]);
export const aacFrame = (n = 1) => Uint8Array.from([0xaf, 0x01, 0x21, n & 0xff]);

/** A sink that records what it gets and can pretend to be a slow peer. */
export class RecordingSink implements SubscriberSink {
  chunks: Uint8Array[] = [];
  /** Number of write() calls: batching is about making fewer of them. */
  writes = 0;
  ended: SubscriberEndReason | undefined;
  accepting = true;

  write(chunks: readonly Uint8Array[]): boolean {
    this.writes++;
    this.chunks.push(...chunks);
    return this.accepting;
  }
  end(reason: SubscriberEndReason): void {
    this.ended = reason;
  }
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.byteLength, 0);
  }
  /** Everything received, parsed as an FLV stream. */
  parse(): { header: { hasAudio: boolean; hasVideo: boolean } | undefined; tags: FlvTag[] } {
    const demuxer = new FlvDemuxer();
    const tags: FlvTag[] = [];
    for (const c of this.chunks) tags.push(...demuxer.push(c));
    return { header: demuxer.header, tags };
  }
}

export class FakeClock {
  t = 1000;
  now = () => this.t;
}
