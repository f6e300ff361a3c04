import type { HubEndReason, Subscriber, SubscriberSink } from '@flvcast/hub';
import type { FrameCache } from './frame-cache.js';

/** What a viewer's bytes are written to: a TCP/TLS socket, or an HTTP/1.0 or HTTP/2 response. */
export interface TransportTarget {
  write(chunk: Uint8Array): boolean;
  cork?(): void;
  uncork?(): void;
  readonly writableLength: number;
  readonly writableEnded: boolean;
  readonly destroyed?: boolean;
  on(event: 'drain', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

export interface TransportSinkOptions {
  /** Framing shared by every viewer of the transport (HTTP chunks, WebSocket frames); none when the target frames itself. */
  frames?: FrameCache;
  /** Bytes the target may hold before the hub queues for this viewer instead. */
  highWaterMark: number;
  /** Ends the transport cleanly for this reason (last chunk, close frame, end of response). */
  finish(reason: HubEndReason): void;
  /** False once the transport may carry no more data (a WebSocket that is closing). */
  open?(): boolean;
}

/**
 * One viewer's transport, for every kind of target: packets of one tick leave in one writev (cork until
 * the next tick); backpressure is the bytes the target holds, its 'drain' resumes delivery, its 'close'
 * detaches the viewer. Made by the hub's subscribe in the same step as its subscriber.
 */
export class TransportSink implements SubscriberSink {
  #corked = false;
  readonly #uncork = () => {
    this.#corked = false;
    this.target.uncork?.();
  };

  constructor(
    readonly subscriber: Subscriber,
    private readonly target: TransportTarget,
    private readonly options: TransportSinkOptions,
  ) {
    target.on('drain', () => subscriber.resume());
    target.once('close', () => subscriber.close());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const target = this.target;
    if (target.destroyed === true || target.writableEnded || this.options.open?.() === false) return false;
    if (!this.#corked && target.cork !== undefined) {
      this.#corked = true;
      target.cork();
      process.nextTick(this.#uncork);
    }
    const frames = this.options.frames;
    let ok = true;
    for (const chunk of chunks) ok = target.write(frames === undefined ? chunk : frames.frame(chunk));
    // A response's own mark (16 KiB) is below one keyframe; ours lets a frame or two through.
    return ok || target.writableLength < this.options.highWaterMark;
  }

  end(reason: HubEndReason): void {
    if (this.target.destroyed !== true) this.options.finish(reason);
  }
}
