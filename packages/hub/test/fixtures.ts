import type { SubscriberEndReason, SubscriberSink } from '../src/index.js';
import { FlvDemuxer, type FlvTag } from '@flvcast/flv';

// The media byte vectors are shared by every package's tests.
export { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';

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
