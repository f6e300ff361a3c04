import type { Socket } from 'node:net';
import type { Subscriber, SubscriberEndReason, SubscriberSink } from '@flvcast/hub';
import type { FrameCache } from './frame-cache.js';

export interface SocketSinkOptions {
  /** Framing shared by all viewers of the transport (HTTP chunks, WebSocket frames). */
  frames: FrameCache;
  highWaterMark: number;
  /** Ends the transport cleanly (last chunk, close frame). */
  finish(reason: SubscriberEndReason): void;
  /** False once the transport may carry no more data (e.g. a WebSocket that is closing). */
  open?(): boolean;
}

/**
 * The hot path of HTTP/1.1 and WS viewers: pre-framed tags written straight to the socket. Tags of one
 * tick leave in one writev (cork until the next tick). Backpressure is the socket's buffered bytes; its
 * 'drain' resumes delivery.
 */
export class SocketSink implements SubscriberSink {
  subscriber: Subscriber | undefined;
  endReason: SubscriberEndReason | undefined;
  #corked = false;
  #uncork = () => {
    this.#corked = false;
    this.socket.uncork();
  };

  constructor(
    private readonly socket: Socket,
    private readonly options: SocketSinkOptions,
  ) {
    socket.on('drain', () => this.subscriber?.resume());
    socket.once('close', () => this.subscriber?.close());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable || this.options.open?.() === false) return false;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(this.#uncork);
    }
    for (const chunk of chunks) socket.write(this.options.frames.frame(chunk));
    return socket.writableLength < this.options.highWaterMark;
  }

  end(reason: SubscriberEndReason): void {
    this.endReason = reason;
    if (!this.socket.destroyed) this.options.finish(reason);
  }
}
