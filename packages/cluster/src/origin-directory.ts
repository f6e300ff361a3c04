import type { StreamKey } from '@flvcast/hub';

/**
 * Where a stream can be pulled from, asked before an edge's static origins. Declared here structurally:
 * @flvcast/relay's `OriginDirectory` (what its Edge takes) is the same shape, and a test checks that each is
 * assignable to the other.
 */
export interface OriginDirectory {
  /**
   * Pull URLs of the stream's holder(s), best first: `http(s)://host:port/app/stream.flv` or
   * `rtmp(s)://host:port/app/stream`; [] when unknown. Never rejects: a directory failure is [].
   */
  lookup(key: StreamKey, signal: AbortSignal): Promise<readonly string[]>;
  /** A pull from `url` (from lookup) failed to connect or found no stream: the entry may be stale. */
  failed?(key: StreamKey, url: string): void;
}
