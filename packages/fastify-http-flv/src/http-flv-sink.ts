import { Readable } from 'node:stream';
import type { Subscriber, SubscriberEndReason, SubscriberSink } from '@flvcast/hub';

/**
 * An HTTP-FLV viewer: a Readable that Fastify pipes into the response (chunked). `push()` returning false is
 * the backpressure signal the hub queues on; `read()` (the response wants more) resumes delivery.
 */
export class HttpFlvSink implements SubscriberSink {
  readonly readable: Readable;
  subscriber: Subscriber | undefined;
  endReason: SubscriberEndReason | undefined;

  constructor(highWaterMark: number) {
    this.readable = new Readable({
      highWaterMark,
      read: () => this.subscriber?.resume(),
    });
    // The viewer left (or the response failed): detach from the hub.
    this.readable.once('close', () => this.subscriber?.close());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    let ok = true;
    for (const chunk of chunks) ok = this.readable.push(chunk);
    return ok;
  }

  end(reason: SubscriberEndReason): void {
    this.endReason = reason;
    this.readable.push(null);
  }
}
