import type { Amf0Value } from '@flvcast/amf0';
import type { RelayError } from './relay-error.js';

/** What a pull is told by its upstream connection (RTMP play or HTTP-FLV), whichever it is. */
export interface UpstreamHandlers {
  onMedia?(type: 8 | 9, timestamp: number, payload: Uint8Array): void;
  onData?(name: string, data: Amf0Value, timestamp: number): void;
  /** Called once: undefined after close(), else why it ended. */
  onClose?(error: RelayError | undefined): void;
}

/** A connection a pull reads media from: RtmpClient in play mode, or HttpFlvClient. */
export interface Upstream {
  /** Resolves once the upstream answered (Play.Start, HTTP 200); rejects with a RelayError. */
  start(): Promise<void>;
  close(): Promise<void>;
  readonly bytesReceived: number;
}
