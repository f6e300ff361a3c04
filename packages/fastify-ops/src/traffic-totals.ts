import type { Hub } from '@flvcast/hub';

export interface TrafficSnapshot {
  /** Media bytes received from publishers. */
  bytesIn: number;
  /** Bytes sent to viewers. */
  bytesOut: number;
  /** Tags dropped for slow viewers. */
  droppedTags: number;
}

/**
 * Totals since this tracker started that never go down: what live clients count now, plus what departed
 * clients counted when they left (the hub forgets them). Stop listening with `close()`.
 */
export class TrafficTotals {
  #departed: TrafficSnapshot = { bytesIn: 0, bytesOut: 0, droppedTags: 0 };
  #off: (() => void)[];

  constructor(private readonly hub: Hub) {
    const departed = this.#departed;
    this.#off = [
      hub.events.on('unpublish', ({ publisher }) => {
        departed.bytesIn += publisher.bytesIn;
      }),
      hub.events.on('stop', ({ subscriber }) => {
        departed.bytesOut += subscriber.bytesSent;
        departed.droppedTags += subscriber.droppedTags;
      }),
    ];
  }

  snapshot(): TrafficSnapshot {
    const out = { ...this.#departed };
    for (const stream of this.hub.list()) {
      if (stream.publisher !== undefined) out.bytesIn += stream.publisher.bytesIn;
      for (const sub of stream.subscribers) {
        out.bytesOut += sub.bytesSent;
        out.droppedTags += sub.droppedTags;
      }
    }
    return out;
  }

  close(): void {
    for (const off of this.#off) off();
    this.#off = [];
  }
}
