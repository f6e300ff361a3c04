/** A configured limit refused or cut a client (connections, streams, viewers, sizes, timeouts). */
export interface LimitHit {
  /** The option's name, e.g. `maxConnectionsPerIp`. */
  readonly limit: string;
  readonly protocol: string;
  readonly remoteAddress?: string;
}

/**
 * Where a LimitReporter sends one `limit` event per hit. The hub's event channel (`hub.events`) is one:
 * the metrics plugin counts the hits there.
 */
export interface LimitEvents {
  emit(name: 'limit', hit: LimitHit): void;
}
