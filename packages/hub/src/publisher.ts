import type { StreamKey } from './stream-key.js';
import type { Amf0Value } from '@flvcast/amf0';

export interface PublisherInfo {
  /** 'rtmp', 'file', … */
  readonly protocol: string;
  readonly remoteAddress?: string;
  /** Query parameters that came with the stream name (tokens and the like). */
  readonly query?: Readonly<Record<string, string>>;
  /**
   * Servers this stream crossed before reaching us (0 from an encoder): a forward sends `hops + 1` on, and a
   * publish past the RTMP plugin's `maxForwardHops` is refused, so servers forwarding to each other cannot loop.
   */
  readonly hops?: number;
  /**
   * More destinations to forward this publish to (rtmp[s]:// URLs), as the onPublish hook's grant gave them
   * (`AccessGrant.forward`); @flvcast/fastify-relay adds them to its configured rules.
   */
  readonly forward?: readonly string[];
}

export const PublisherEndReason = {
  /** Another publisher took the stream over (publishTakeover). */
  takenOver: 'taken-over',
  /** The hub is closing (server shutdown). */
  closed: 'closed',
  /** Stopped on purpose (API). */
  kicked: 'kicked',
} as const;
export type PublisherEndReason = (typeof PublisherEndReason)[keyof typeof PublisherEndReason];

/** What the hub needs from whoever feeds a stream. */
export interface PublisherHandlers {
  /** The hub ended this publisher; the owner should close its connection. */
  onEvict?(reason: PublisherEndReason): void;
}

/** The stream operations a publisher may perform; implemented by LiveStream. */
export interface PublisherTarget {
  pushData(publisher: Publisher, name: string, value: Amf0Value): void;
  pushMedia(publisher: Publisher, type: 8 | 9, timestamp: number, payload: Uint8Array): void;
  unpublish(publisher: Publisher): void;
}

/** A handle given to the one source of a stream; every call after `end()` is ignored. */
export class Publisher {
  #ended = false;
  bytesIn = 0;
  readonly createdAt: number;

  constructor(
    readonly id: string,
    readonly info: PublisherInfo,
    private readonly target: PublisherTarget,
    private readonly handlers: PublisherHandlers,
    now: number,
  ) {
    this.createdAt = now;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** A data message: `onMetaData` (without the `@setDataFrame` wrapper) or any other script data. */
  data(name: string, value: Amf0Value): void {
    if (!this.#ended) this.target.pushData(this, name, value);
  }

  /**
   * Media messages. A truncated or malformed AVC/HEVC/AAC sequence header throws HubError
   * ERR_HUB_BAD_SEQUENCE_HEADER: that message was dropped, and the publisher may go on.
   */
  audio(timestamp: number, payload: Uint8Array): void {
    if (this.#ended) return;
    this.bytesIn += payload.byteLength;
    this.target.pushMedia(this, 8, timestamp, payload);
  }

  video(timestamp: number, payload: Uint8Array): void {
    if (this.#ended) return;
    this.bytesIn += payload.byteLength;
    this.target.pushMedia(this, 9, timestamp, payload);
  }

  /** The source stopped (unpublish or disconnect). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.target.unpublish(this);
  }

  /** The hub ends this publisher. */
  evict(reason: PublisherEndReason): void {
    if (this.#ended) return;
    this.end();
    this.handlers.onEvict?.(reason);
  }
}

/**
 * Something that feeds one stream through a Publisher of its own, started and stopped by its owner: an
 * FLV file played live (@flvcast/relay), later an RTMP or HTTP-FLV pull, or an edge's upstream. (An RTMP
 * encoder is the other kind: it pushes, and its connection is its lifetime.)
 */
export interface Source {
  readonly key: StreamKey;
  /** Begins publishing (hub.publish) into the stream. */
  start(): void;
  /** Stops and ends its publisher; calling it again does nothing. */
  stop(): void;
}
