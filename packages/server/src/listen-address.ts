export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses `host:port`, `[v6]:port`, `:port` or `port` (host then defaults to `defaultHost`).
 * Returns an error message instead of throwing so config validation can report every problem at once.
 */
export function parseListenAddress(text: string, defaultHost = '0.0.0.0'): ListenAddress | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (m === null) return `expected host:port, [ipv6]:port or port, got ${JSON.stringify(text)}`;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `port must be 0-65535, got ${m[3]}`;
  const host = m[1] || m[2] || defaultHost;
  return { host, port };
}

/** How to show an address in a URL. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
