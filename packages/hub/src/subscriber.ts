import { isRenderable } from '@flvcast/media';
import { EndReason, type HubEndReason } from './end-reason.js';
import type { Packet } from './packet.js';
import type { StreamOutput } from './stream-output.js';

/**
 * @deprecated use EndReason (it adds `tokenExpired` and `left`). Kept for one release.
 */
export const SubscriberEndReason = {
  unpublished: EndReason.unpublished,
  stalled: EndReason.stalled,
  closed: EndReason.closed,
  kicked: EndReason.kicked,
} as const;
/** @deprecated use HubEndReason. */
export type SubscriberEndReason = HubEndReason;

/** Where a viewer's bytes go: an HTTP response, a WebSocket, an RTMP player, a file. */
export interface SubscriberSink {
  /** Writes bytes in order; returns false when the peer is behind (the sink calls `resume()` once drained). */
  write(chunks: readonly Uint8Array[]): boolean;
  /** The hub ended this viewer; it is already detached. Called at most once, never after `close()`. */
  end(reason: HubEndReason): void;
}

/** A sink, or how to make one for the new subscriber (so a transport gets its subscriber in one step). */
export type SinkOrFactory = SubscriberSink | ((subscriber: Subscriber) => SubscriberSink);

export interface SubscriberInfo {
  /** 'http-flv', 'ws-flv', 'rtmp', … */
  readonly protocol: string;
  readonly remoteAddress?: string;
  /**
   * A recorder, forwarder or remuxer rather than a person watching: not counted as a viewer (summaries,
   * metrics, viewer limits), and held to its own queue bounds.
   */
  readonly internal?: boolean;
  /**
   * An internal subscriber that stands for viewers elsewhere (a worker process's pull from its primary): still
   * not a viewer here, but it keeps an on-demand source (an edge or on-demand pull) running as a viewer would.
   */
  readonly demand?: boolean;
}

export interface SubscriberLimits {
  /** 0: write each packet as it arrives (lowest latency); > 0: the owner flushes batches (throughput mode). */
  readonly mergeWriteMs: number;
  readonly maxQueueBytes: number;
  readonly maxQueueMs: number;
  readonly stallTimeoutMs: number;
  readonly dropIfNotMatch: boolean;
  readonly now: () => number;
}

/** Callbacks the owning stream gives a subscriber, so the subscriber needs no reference to the hub. */
export interface SubscriberOwner {
  /** The subscriber ended (`left`: its sink closed; otherwise the hub's reason). */
  detach(subscriber: Subscriber, reason: EndReason): void;
  /** The viewer just got its first decodable media frame. */
  firstFrame(subscriber: Subscriber): void;
  /** With mergeWriteMs: this subscriber has packets waiting; call `flush()` at the end of the merge window. */
  schedule(subscriber: Subscriber): void;
}

/**
 * One viewer of one format. Delivers shared packets to its sink as they arrive; while the sink is behind,
 * keeps a backlog bounded in bytes and media time. Past either bound the backlog is dropped (configuration
 * kept) and delivery resumes at the next keyframe, so what the viewer gets always decodes.
 */
export class Subscriber {
  #hasAudio = true;
  #hasVideo = true;
  #started = false;
  #waitKeyframe = false;
  /** The seq of the last packet written: a packet that does not follow it gets the muxer's resync first. */
  #lastSeq = -2;
  #blockedSince: number | undefined;
  #queue: Packet[] = [];
  #queuedBytes = 0;
  #endReason: EndReason | undefined;
  readonly #sink: SubscriberSink;

  readonly createdAt: number;
  startedAt: number | undefined;
  /** When the first decodable media frame went to the viewer (time to first frame = this − createdAt). */
  firstFrameAt: number | undefined;
  bytesSent = 0;
  /** Packets (frames in the viewer's container) sent. */
  tagsSent = 0;
  droppedTags = 0;
  /** Times the backlog was cut back to a keyframe. */
  skips = 0;

  constructor(
    readonly id: string,
    readonly info: SubscriberInfo,
    sink: SinkOrFactory,
    /** The stream's output for this viewer's format (muxer and encoded packets). */
    readonly output: StreamOutput,
    private readonly owner: SubscriberOwner,
    private readonly limits: SubscriberLimits,
  ) {
    this.createdAt = limits.now();
    this.#sink = typeof sink === 'function' ? sink(this) : sink;
  }

  get format(): string {
    return this.output.format.name;
  }

  /** This viewer's merge window (0: each packet written as it arrives). */
  get mergeWriteMs(): number {
    return this.limits.mergeWriteMs;
  }

  get started(): boolean {
    return this.#started;
  }

  get ended(): boolean {
    return this.#endReason !== undefined;
  }

  /** Why it ended (undefined while it plays). */
  get endReason(): EndReason | undefined {
    return this.#endReason;
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
    return q.length < 2 ? 0 : Math.max(0, q[q.length - 1]!.frame.timestamp - q[0]!.frame.timestamp);
  }

  /**
   * Begins delivery: `preamble` (container header, metadata, configuration) then `backlog` (cached GOP).
   * With `waitKeyframe`, inter-frames are skipped until the next keyframe.
   */
  start(tracks: { hasAudio: boolean; hasVideo: boolean }, preamble: Uint8Array[], backlog: readonly Packet[], waitKeyframe: boolean): void {
    this.#hasAudio = tracks.hasAudio;
    this.#hasVideo = tracks.hasVideo;
    this.#started = true;
    this.startedAt = this.limits.now();
    this.#waitKeyframe = waitKeyframe && tracks.hasVideo;
    const accepted = backlog.filter((p) => this.#accepts(p));
    const media = accepted.some((p) => isRenderable(p.frame));
    this.#write(accepted, preamble);
    if (media && !this.#waitKeyframe) this.#markFirstFrame();
  }

  /** Hands one live packet to this viewer. */
  deliver(packet: Packet): void {
    if (!this.#started || this.#endReason !== undefined || !this.#accepts(packet)) return;
    const frame = packet.frame;
    if (this.#waitKeyframe && !frame.config && frame.kind !== 'data') {
      if (!frame.keyframe) {
        this.droppedTags++;
        return;
      }
      this.#waitKeyframe = false;
    }
    if (this.firstFrameAt === undefined && isRenderable(frame)) this.#markFirstFrame();
    if (this.#blockedSince === undefined) {
      if (this.limits.mergeWriteMs === 0) {
        this.#writeOne(packet);
        return;
      }
      // Throughput mode: collect the window's packets and write them in one go.
      if (this.#queue.length === 0) this.owner.schedule(this);
    }
    this.#enqueue(packet);
  }

  /** The sink drained: hand over the backlog. */
  resume(): void {
    if (this.#endReason !== undefined || this.#blockedSince === undefined) return;
    this.#blockedSince = undefined;
    this.#catchUp();
  }

  /** Writes what is queued, unless the sink is still behind. */
  flush(): void {
    if (this.#endReason !== undefined || this.#blockedSince !== undefined || this.#queue.length === 0) return;
    const packets = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#write(packets);
  }

  /** The viewer left (its connection closed): detach without calling the sink. */
  close(): void {
    this.#detach(EndReason.left);
  }

  /** The hub (or the viewer's owner) ends this viewer: detach and tell the sink why. */
  end(reason: HubEndReason): void {
    if (this.#endReason !== undefined) return;
    this.#detach(reason);
    this.#sink.end(reason);
  }

  #detach(reason: EndReason): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.owner.detach(this, reason);
  }

  #markFirstFrame(): void {
    this.firstFrameAt = this.limits.now();
    this.owner.firstFrame(this);
  }

  /**
   * After a stall the backlog goes out only as fast as the sink takes it (a packet at a time until it is
   * full again), not in one write: a slow reader given 10 s of media at once would need longer than
   * stallTimeoutMs to drain it, and would be cut while reading steadily. Each drain is progress.
   */
  #catchUp(): void {
    const queue = this.#queue;
    let i = 0;
    while (i < queue.length && this.#blockedSince === undefined && this.#endReason === undefined) {
      const packet = queue[i++]!;
      this.#queuedBytes -= packet.bytes.byteLength;
      this.#writeOne(packet);
    }
    if (this.#endReason === undefined) this.#queue = i === queue.length ? [] : queue.slice(i);
  }

  #accepts(packet: Packet): boolean {
    if (!this.limits.dropIfNotMatch || this.output.format.sharedTrackList === true) return true;
    const kind = packet.frame.kind;
    if (kind === 'audio') return this.#hasAudio;
    if (kind === 'video') return this.#hasVideo;
    return true;
  }

  /** Writes `preamble` then the packets, each preceded by the muxer's resync where it does not follow the last one written. */
  #write(packets: readonly Packet[], preamble: readonly Uint8Array[] = []): void {
    if (packets.length === 0 && preamble.length === 0) return;
    const chunks = preamble.slice();
    for (const packet of packets) this.#append(chunks, packet);
    this.#send(chunks, packets.length);
  }

  /** The hot path: one live packet, one sink write. */
  #writeOne(packet: Packet): void {
    const chunks: Uint8Array[] = [];
    this.#append(chunks, packet);
    this.#send(chunks, 1);
  }

  #append(chunks: Uint8Array[], packet: Packet): void {
    const seq = packet.seq;
    if (seq !== undefined) {
      if (seq !== this.#lastSeq + 1) {
        const bytes = this.output.muxer.resync?.(packet.frame, this.#lastSeq === -2);
        if (bytes !== undefined) chunks.push(bytes);
      }
      this.#lastSeq = seq;
    }
    chunks.push(packet.bytes);
  }

  #send(chunks: Uint8Array[], packets: number): void {
    for (const c of chunks) this.bytesSent += c.byteLength;
    this.tagsSent += packets;
    if (!this.#sink.write(chunks) && this.#endReason === undefined) this.#blockedSince = this.limits.now();
  }

  #enqueue(packet: Packet): void {
    if (this.#blockedSince !== undefined && this.limits.now() - this.#blockedSince > this.limits.stallTimeoutMs) {
      this.end(EndReason.stalled);
      return;
    }
    this.#queue.push(packet);
    this.#queuedBytes += packet.bytes.byteLength;
    const first = this.#queue[0]!;
    if (this.#queuedBytes > this.limits.maxQueueBytes || packet.frame.timestamp - first.frame.timestamp > this.limits.maxQueueMs) {
      this.#skipToKeyframe();
      // The packet that overflowed may itself be the keyframe to resume at.
      if (packet.frame.keyframe) {
        this.droppedTags--;
        this.#queue.push(packet);
        this.#queuedBytes += packet.bytes.byteLength;
        this.#waitKeyframe = false;
      }
    }
  }

  /**
   * Drops the backlog except the latest configuration of each track and the latest onMetaData (what the media
   * after the cut needs), and waits for the next keyframe. Other script data goes with the media it was timed
   * with: keeping all of it let a publisher's flood of script data (or of configuration) grow a stalled
   * viewer's backlog past maxQueueBytes until the stall timeout.
   */
  #skipToKeyframe(): void {
    const latest = new Map<string, Packet>();
    for (const p of this.#queue) {
      const f = p.frame;
      if (f.config) latest.set(f.kind, p);
      else if (f.kind === 'data' && f.name === 'onMetaData') latest.set('onMetaData', p);
    }
    const keep = new Set(latest.values());
    const kept = this.#queue.filter((p) => keep.has(p));
    this.droppedTags += this.#queue.length - kept.length;
    this.#queue = kept;
    this.#queuedBytes = kept.reduce((n, p) => n + p.bytes.byteLength, 0);
    this.#waitKeyframe = this.#hasVideo;
    this.skips++;
  }
}
