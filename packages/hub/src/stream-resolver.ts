import type { StreamKey } from './stream-key.js';

/**
 * Asked for a stream nobody publishes yet, before the answer is "no such stream": an edge pulls it from
 * its origin, a relay starts a pull, a directory looks it up. It should start whatever publishes the stream
 * (hub.publish) and settle when it has done what it can; the hub waits for the stream until
 * `timeoutMs` and then gives up (the signal aborts). Throwing means "not found".
 */
export type StreamResolver = (key: StreamKey, signal: AbortSignal, request: ResolveRequest) => unknown;

/** What the request that started a resolution asked with (requests joining it meanwhile share its answer). */
export interface ResolveRequest {
  /** The viewer's query string without `?` (tokens an origin checks: an edge passes it upstream); '' for none. */
  readonly query: string;
}

export interface ResolverOptions {
  /** Longest a request waits for a stream being resolved. Default 5000 ms. */
  timeoutMs?: number;
  /** Unknown names being resolved at once; one more is "not found" at once (a flood of made-up names). Default 100. */
  maxPending?: number;
}
