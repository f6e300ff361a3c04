import type { Socket } from 'node:net';
import type { Subscriber, SubscriberEndReason, SubscriberSink } from '@flvcast/hub';
import type { WebSocket } from 'ws';
import type { WsFramer } from './ws-framer.js';

/** WebSocket close codes: 1000 for a stream that ended, 1001 when the server goes away, 4xxx for the rest. */
const CLOSE_CODES: Record<SubscriberEndReason, number> = {
  unpublished: 1000,
  closed: 1001,
  stalled: 4408,
  kicked: 4000,
};

/**
 * A WS-FLV viewer. Each tag is one binary message whose frame is built once and shared by all WS viewers,
 * written straight to the upgraded socket (whole frames, so they never interleave with the frames `ws`
 * itself sends: pongs, the close frame). Tags of one tick leave in one writev; backpressure is the
 * socket's buffered bytes and its 'drain' resumes delivery.
 */
export class WsFlvSink implements SubscriberSink {
  subscriber: Subscriber | undefined;
  #corked = false;
  #uncork = () => {
    this.#corked = false;
    this.socket.uncork();
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly framer: WsFramer,
    private readonly highWaterMark: number,
  ) {
    socket.on('drain', () => this.subscriber?.resume());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (this.ws.readyState !== this.ws.OPEN || socket.destroyed) return false;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(this.#uncork);
    }
    for (const chunk of chunks) socket.write(this.framer.frame(chunk));
    return socket.writableLength < this.highWaterMark;
  }

  end(reason: SubscriberEndReason): void {
    this.ws.close(CLOSE_CODES[reason], reason);
  }
}
