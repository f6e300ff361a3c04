import type { MediaTag } from './media-tag.js';

export const SubscriberEndReason = {
  /** The publisher left and did not come back within the grace window. */
  unpublished: 'unpublished',
  /** The viewer accepted no bytes for `stallTimeoutMs`. */
  stalled: 'stalled',
  /** The hub is closing (server shutdown). */
  closed: 'closed',
  /** Removed on purpose (API kick). */
  kicked: 'kicked',
} as const;
export type SubscriberEndReason = (typeof SubscriberEndReason)[keyof typeof SubscriberEndReason];

/** Where a viewer's bytes go: an HTTP response, a WebSocket, an RTMP player. */
export interface SubscriberSink {
  /** Writes bytes in order; returns false when the peer is behind (the sink calls `resume()` once drained). */
  write(chunks: readonly Uint8Array[]): boolean;
  /** The hub ended this viewer; it is already detached. Called at most once, never after `close()`. */
  end(reason: SubscriberEndReason): void;
}

export interface SubscriberInfo {
  /** 'http-flv', 'ws-flv', 'rtmp', … */
  readonly protocol: string;
  readonly remoteAddress?: string;
}

export interface SubscriberLimits {
  /** 0: write each tag as it arrives (lowest latency); > 0: the owner flushes batches (throughput mode). */
  readonly mergeWriteMs: number;
  readonly maxQueueBytes: number;
  readonly maxQueueMs: number;
  readonly stallTimeoutMs: number;
  readonly dropIfNotMatch: boolean;
  readonly now: () => number;
}

/** Callbacks the owning stream gives a subscriber, so the subscriber needs no reference to the hub. */
export interface SubscriberOwner {
  /** `left`: the viewer went away (its sink closed); otherwise the hub's reason for ending it. */
  detach(subscriber: Subscriber, reason: SubscriberEndReason | 'left'): void;
  /** The viewer just got its first decodable media frame. */
  firstFrame(subscriber: Subscriber): void;
  /** With mergeWriteMs: this subscriber has tags waiting; call `flush()` at the end of the merge window. */
  schedule(subscriber: Subscriber): void;
}

/**
 * One viewer. Delivers shared tags to its sink as they arrive; while the sink is behind, keeps a backlog
 * bounded in bytes and media time. Past either bound the backlog is dropped (sequence headers kept) and
 * delivery resumes at the next keyframe, so what the viewer gets always decodes.
 */
export class Subscriber {
  #hasAudio = true;
  #hasVideo = true;
  #started = false;
  #waitKeyframe = false;
  #blockedSince: number | undefined;
  #queue: MediaTag[] = [];
  #queuedBytes = 0;
  #ended = false;

  readonly createdAt: number;
  startedAt: number | undefined;
  /** When the first decodable media frame went to the viewer (time to first frame = this − createdAt). */
  firstFrameAt: number | undefined;
  bytesSent = 0;
  tagsSent = 0;
  droppedTags = 0;
  /** Times the backlog was cut back to a keyframe. */
  skips = 0;

  constructor(
    readonly id: string,
    readonly info: SubscriberInfo,
    private readonly sink: SubscriberSink,
    private readonly owner: SubscriberOwner,
    private readonly limits: SubscriberLimits,
  ) {
    this.createdAt = limits.now();
  }

  get started(): boolean {
    return this.#started;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get hasAudio(): boolean {
    return this.#hasAudio;
  }

  get hasVideo(): boolean {
    return this.#hasVideo;
  }

  /** Bytes waiting in the hub for this viewer (not counting what the sink itself buffers). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Media time that backlog spans: how far behind live the viewer is, as far as the hub can tell. */
  get queuedMs(): number {
    const q = this.#queue;
    return q.length < 2 ? 0 : Math.max(0, q[q.length - 1]!.timestamp - q[0]!.timestamp);
  }

  /**
   * Begins delivery: `preamble` (FLV header, metadata, sequence headers) then `backlog` (cached GOP).
   * With `waitKeyframe`, inter-frames are skipped until the next keyframe.
   */
  start(tracks: { hasAudio: boolean; hasVideo: boolean }, preamble: Uint8Array[], backlog: readonly MediaTag[], waitKeyframe: boolean): void {
    this.#hasAudio = tracks.hasAudio;
    this.#hasVideo = tracks.hasVideo;
    this.#started = true;
    this.startedAt = this.limits.now();
    this.#waitKeyframe = waitKeyframe && tracks.hasVideo;
    const chunks = preamble.slice();
    let media = false;
    for (const tag of backlog) {
      if (!this.#accepts(tag)) continue;
      chunks.push(tag.bytes);
      media ||= isMedia(tag);
    }
    this.#write(chunks, chunks.length - preamble.length);
    if (media && !this.#waitKeyframe) this.#markFirstFrame();
  }

  /** Hands one live tag to this viewer. */
  deliver(tag: MediaTag): void {
    if (!this.#started || this.#ended || !this.#accepts(tag)) return;
    if (this.#waitKeyframe && !tag.config && tag.type !== 18) {
      if (!tag.keyframe) {
        this.droppedTags++;
        return;
      }
      this.#waitKeyframe = false;
    }
    if (this.firstFrameAt === undefined && isMedia(tag)) this.#markFirstFrame();
    if (this.#blockedSince === undefined) {
      if (this.limits.mergeWriteMs === 0) {
        this.#write([tag.bytes], 1);
        return;
      }
      // Throughput mode: collect the window's tags and write them in one go.
      if (this.#queue.length === 0) this.owner.schedule(this);
    }
    this.#enqueue(tag);
  }

  /** The sink drained: hand over the backlog. */
  resume(): void {
    if (this.#ended || this.#blockedSince === undefined) return;
    this.#blockedSince = undefined;
    this.#catchUp();
  }

  /** Writes what is queued, unless the sink is still behind. */
  flush(): void {
    if (this.#ended || this.#blockedSince !== undefined || this.#queue.length === 0) return;
    const chunks = this.#queue.map((t) => t.bytes);
    const count = this.#queue.length;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#write(chunks, count);
  }

  /** The viewer left: detach without calling the sink. */
  close(): void {
    this.#detach('left');
  }

  /** The hub ends this viewer: detach and tell the sink why. */
  end(reason: SubscriberEndReason): void {
    if (this.#ended) return;
    this.#detach(reason);
    this.sink.end(reason);
  }

  #detach(reason: SubscriberEndReason | 'left'): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.owner.detach(this, reason);
  }

  #markFirstFrame(): void {
    this.firstFrameAt = this.limits.now();
    this.owner.firstFrame(this);
  }

  /**
   * After a stall the backlog goes out only as fast as the sink takes it (a tag at a time until it is full
   * again), not in one write: a slow reader given 10 s of media at once would need longer than
   * stallTimeoutMs to drain it, and would be cut while reading steadily. Each drain is progress.
   */
  #catchUp(): void {
    const queue = this.#queue;
    let i = 0;
    while (i < queue.length && this.#blockedSince === undefined && !this.#ended) {
      const tag = queue[i++]!;
      this.#queuedBytes -= tag.bytes.byteLength;
      this.#write([tag.bytes], 1);
    }
    if (!this.#ended) this.#queue = i === queue.length ? [] : queue.slice(i);
  }

  #accepts(tag: MediaTag): boolean {
    if (!this.limits.dropIfNotMatch) return true;
    if (tag.type === 8) return this.#hasAudio;
    if (tag.type === 9) return this.#hasVideo;
    return true;
  }

  #write(chunks: Uint8Array[], tags: number): void {
    if (chunks.length === 0) return;
    for (const c of chunks) this.bytesSent += c.byteLength;
    this.tagsSent += tags;
    if (!this.sink.write(chunks) && !this.#ended) this.#blockedSince = this.limits.now();
  }

  #enqueue(tag: MediaTag): void {
    if (this.#blockedSince !== undefined && this.limits.now() - this.#blockedSince > this.limits.stallTimeoutMs) {
      this.end(SubscriberEndReason.stalled);
      return;
    }
    this.#queue.push(tag);
    this.#queuedBytes += tag.bytes.byteLength;
    const first = this.#queue[0]!;
    if (this.#queuedBytes > this.limits.maxQueueBytes || tag.timestamp - first.timestamp > this.limits.maxQueueMs) {
      this.#skipToKeyframe();
      // The tag that overflowed may itself be the keyframe to resume at.
      if (tag.keyframe) {
        this.droppedTags--;
        this.#queue.push(tag);
        this.#queuedBytes += tag.bytes.byteLength;
        this.#waitKeyframe = false;
      }
    }
  }

  /** Drops the backlog except codec configuration, and waits for the next keyframe. */
  #skipToKeyframe(): void {
    const kept = this.#queue.filter((t) => t.config || t.type === 18);
    this.droppedTags += this.#queue.length - kept.length;
    this.#queue = kept;
    this.#queuedBytes = kept.reduce((n, t) => n + t.bytes.byteLength, 0);
    this.#waitKeyframe = this.#hasVideo;
    this.skips++;
  }
}

/** Audio or video that a player can render (not a sequence header, not script data). */
function isMedia(tag: MediaTag): boolean {
  return tag.type !== 18 && !tag.config;
}
