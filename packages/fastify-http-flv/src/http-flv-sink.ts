import type { ServerResponse } from 'node:http';
import type { Subscriber, SubscriberEndReason, SubscriberSink } from '@flvcast/hub';

/**
 * An HTTP-FLV viewer writing straight into the (hijacked) response: no stream layer in between. Tags
 * written in the same tick leave in one writev (cork until the next tick). Backpressure is the bytes the
 * response holds; its 'drain' resumes delivery.
 */
export class HttpFlvSink implements SubscriberSink {
  subscriber: Subscriber | undefined;
  endReason: SubscriberEndReason | undefined;
  #corked = false;
  #uncork = () => {
    this.#corked = false;
    this.res.uncork();
  };

  constructor(
    /** An HTTP/1 response, or HTTP/2's compatibility response (same calls; it has no cork). */
    private readonly res: ServerResponse,
    private readonly highWaterMark: number,
  ) {
    res.on('drain', () => this.subscriber?.resume());
    // The viewer left (or the response failed): detach from the hub.
    res.once('close', () => this.subscriber?.close());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return false;
    if (!this.#corked && typeof res.cork === 'function') {
      this.#corked = true;
      res.cork();
      process.nextTick(this.#uncork);
    }
    let ok = true;
    for (const chunk of chunks) ok = res.write(chunk);
    // The response's own mark (16 KiB) is below one keyframe; ours lets a frame or two through.
    return ok || res.writableLength < this.highWaterMark;
  }

  end(reason: SubscriberEndReason): void {
    this.endReason = reason;
    this.res.end();
  }
}
