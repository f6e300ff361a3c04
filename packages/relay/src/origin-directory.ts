import type { StreamKey } from '@flvcast/hub';

/** Where a stream can be pulled from (a cluster's stream directory), asked before an edge's static origins. */
export interface OriginDirectory {
  /**
   * Pull URLs of the stream's holder(s), best first: `http(s)://host:port/app/stream.flv` or
   * `rtmp(s)://host:port/app/stream`; [] when unknown. Never rejects: a directory failure is [].
   */
  lookup(key: StreamKey, signal: AbortSignal): Promise<readonly string[]>;
  /** A pull from `url` (from lookup) failed to connect or found no stream: the entry may be stale. */
  failed?(key: StreamKey, url: string): void;
}
