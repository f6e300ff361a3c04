import { FST_FLVCAST_RTMP_INVALID_OPTION } from './errors.js';

export interface RtmpListen {
  host?: string;
  /** 0 picks a free port (tests); read it back from `fastify.rtmp.addresses()`. */
  port?: number;
}

export interface RtmpPluginOptions {
  /** Where the RTMP server listens; one address or several (e.g. IPv4 and IPv6). Default 0.0.0.0:1935. */
  listen?: RtmpListen | RtmpListen[];
  /** The handshake must complete within this. Default 5 s. */
  handshakeTimeoutMs?: number;
  /** After the handshake, a connection must start publishing and send media within this. Default 20 s. */
  firstPacketTimeoutMs?: number;
  /** A connection (publisher or not) that sends nothing for this long is closed. Default 10 s. */
  idleTimeoutMs?: number;
  /** Outgoing chunk size. Default 4096. */
  chunkSize?: number;
  /** Largest chunk size a peer may announce. Default 65536. */
  maxChunkSize?: number;
  /** Largest message a peer may declare (a video frame is the big one). Default 8 MiB. */
  maxMessageSize?: number;
  /** Window Acknowledgement Size asked of peers. Default 2 500 000. */
  windowAckSize?: number;
  /** Open RTMP connections at most; one more is closed at once, before the handshake. Default 1000. */
  maxConnections?: number;
  /** Open RTMP connections per client address at most (same refusal); a gateway pushing many cameras needs more. Default 50. */
  maxConnectionsPerIp?: number;
}

export interface ResolvedRtmpOptions {
  listen: Required<RtmpListen>[];
  handshakeTimeoutMs: number;
  firstPacketTimeoutMs: number;
  idleTimeoutMs: number;
  chunkSize: number;
  maxChunkSize: number;
  maxMessageSize: number;
  windowAckSize: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

const LIMITS = {
  handshakeTimeoutMs: [100, 600_000, 5_000],
  firstPacketTimeoutMs: [100, 600_000, 20_000],
  idleTimeoutMs: [100, 3_600_000, 10_000],
  chunkSize: [128, 0xffffff, 4096],
  maxChunkSize: [128, 0x7fffffff, 65536],
  maxMessageSize: [1024, 0xffffff, 8 * 1024 * 1024],
  windowAckSize: [1024, 0x7fffffff, 2_500_000],
  maxConnections: [1, 1_000_000, 1000],
  maxConnectionsPerIp: [1, 1_000_000, 50],
} as const;

/** Pure: checks the options and applies defaults. Throws FST_FLVCAST_RTMP_INVALID_OPTION. */
export function validateOptions(opts: RtmpPluginOptions = {}): ResolvedRtmpOptions {
  const known = new Set([...Object.keys(LIMITS), 'listen', 'prefix', 'logLevel', 'logSerializers']);
  for (const name of Object.keys(opts)) {
    if (!known.has(name)) throw new FST_FLVCAST_RTMP_INVALID_OPTION(name, 'unknown option');
  }
  const out: Record<string, unknown> = {};
  for (const [name, [min, max, fallback]] of Object.entries(LIMITS)) {
    const value = (opts as Record<string, unknown>)[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new FST_FLVCAST_RTMP_INVALID_OPTION(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    out[name] = value;
  }
  const listens = opts.listen === undefined ? [{}] : Array.isArray(opts.listen) ? opts.listen : [opts.listen];
  if (listens.length === 0) throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen', 'expected at least one address');
  out.listen = listens.map((l) => {
    if (l === null || typeof l !== 'object') throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen', 'expected { host, port }');
    const { host = '0.0.0.0', port = 1935 } = l;
    if (typeof host !== 'string' || host === '') throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen.host', `expected a host name or address, got ${JSON.stringify(host)}`);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen.port', `expected a port from 0 to 65535, got ${JSON.stringify(port)}`);
    }
    return { host, port };
  });
  return out as unknown as ResolvedRtmpOptions;
}
