import type { Subscriber, SubscriberEndReason, SubscriberSink } from '@flvcast/hub';
import type { WebSocket } from 'ws';

/** WebSocket close codes: 1000 for a stream that ended, 1001 when the server goes away, 4xxx for the rest. */
const CLOSE_CODES: Record<SubscriberEndReason, number> = {
  unpublished: 1000,
  closed: 1001,
  stalled: 4408,
  kicked: 4000,
};

/**
 * A WS-FLV viewer: each batch of tags is one binary message (mpegts.js concatenates them). Backpressure is
 * the socket's buffered amount; the send callback resumes delivery once it falls below the mark.
 */
export class WsFlvSink implements SubscriberSink {
  subscriber: Subscriber | undefined;
  #onSent = (err?: Error) => {
    if (err === undefined && this.socket.bufferedAmount < this.highWaterMark) this.subscriber?.resume();
  };

  constructor(
    private readonly socket: WebSocket,
    private readonly highWaterMark: number,
  ) {}

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.socket.send(data, { binary: true }, this.#onSent);
    return this.socket.bufferedAmount < this.highWaterMark;
  }

  end(reason: SubscriberEndReason): void {
    this.socket.close(CLOSE_CODES[reason], reason);
  }
}
