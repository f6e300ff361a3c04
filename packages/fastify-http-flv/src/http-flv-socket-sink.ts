import type { Socket } from 'node:net';
import type { Subscriber, SubscriberEndReason, SubscriberSink } from '@flvcast/hub';
import { LAST_CHUNK, type ChunkFramer } from './chunk-framer.js';

/**
 * The HTTP/1.1 fast path: a viewer written straight to its socket, each tag one pre-framed chunk shared
 * with every other HTTP/1.1 viewer. Tags of one tick leave in one writev. Backpressure is the socket's
 * buffered bytes; its 'drain' resumes delivery.
 */
export class HttpFlvSocketSink implements SubscriberSink {
  subscriber: Subscriber | undefined;
  endReason: SubscriberEndReason | undefined;
  #corked = false;
  #uncork = () => {
    this.#corked = false;
    this.socket.uncork();
  };

  constructor(
    private readonly socket: Socket,
    private readonly framer: ChunkFramer,
    private readonly highWaterMark: number,
  ) {
    socket.on('drain', () => this.subscriber?.resume());
    socket.once('close', () => this.subscriber?.close());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return false;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(this.#uncork);
    }
    for (const chunk of chunks) socket.write(this.framer.frame(chunk));
    return socket.writableLength < this.highWaterMark;
  }

  end(reason: SubscriberEndReason): void {
    this.endReason = reason;
    if (!this.socket.destroyed) this.socket.end(LAST_CHUNK);
  }
}
