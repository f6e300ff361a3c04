import type { TlsOptions } from 'node:tls';
import { resolveSignedUrls, type AccessEndHook, type AccessHook, type ResolvedSignedUrls, type SignedUrlsOptions } from '@flvcast/access';
import { FST_FLVCAST_RTMP_INVALID_OPTION } from './errors.js';

export interface RtmpListen {
  host?: string;
  /** 0 picks a free port (tests); read it back from `fastify.rtmp.addresses()`. */
  port?: number;
  /** Serve RTMPS (RTMP over TLS) here: Node's TLS server options, at least `cert` and `key` (PEM). */
  tls?: TlsOptions;
}

export interface ResolvedRtmpListen {
  host: string;
  port: number;
  tls?: TlsOptions;
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
  /**
   * At close, an encoder that supports Enhanced RTMP reconnect is sent ReconnectRequest and may keep its
   * connection this long to reach a keyframe and leave by itself. Default 2 s; 0 closes at once.
   */
  shutdownWaitMs?: number;
  /**
   * Decides whether a publish may start; the encoder gets no Publish.Start (and its media is dropped)
   * until it resolves. Refusals get an error onStatus (NetStream.Publish.Unauthorized for 401,
   * NetStream.Publish.Forbidden for 403) and the connection closes; a hook that throws or outlives
   * `accessTimeoutMs` refuses.
   */
  onPublish?: AccessHook;
  /** Told when a publisher stops (bytes received, reason); errors are logged, never fatal. */
  onUnpublish?: AccessEndHook;
  /** Require HMAC-signed publish names (`cam1?expires=&token=`, see @flvcast/access `signStream`). */
  signedUrls?: SignedUrlsOptions;
  /** Longest an `onPublish` hook may take. Default 5000 ms. */
  accessTimeoutMs?: number;
  /** Open RTMP connections at most; one more is closed at once, before the handshake. Default 1000. */
  maxConnections?: number;
  /** Open RTMP connections per client address at most (same refusal); a gateway pushing many cameras needs more. Default 50. */
  maxConnectionsPerIp?: number;
}

export interface ResolvedRtmpOptions {
  listen: ResolvedRtmpListen[];
  handshakeTimeoutMs: number;
  firstPacketTimeoutMs: number;
  idleTimeoutMs: number;
  chunkSize: number;
  maxChunkSize: number;
  maxMessageSize: number;
  windowAckSize: number;
  shutdownWaitMs: number;
  onPublish: AccessHook | undefined;
  onUnpublish: AccessEndHook | undefined;
  signedUrls: ResolvedSignedUrls | undefined;
  accessTimeoutMs: number;
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
  shutdownWaitMs: [0, 600_000, 2_000],
  accessTimeoutMs: [1, 600_000, 5_000],
  maxConnections: [1, 1_000_000, 1000],
  maxConnectionsPerIp: [1, 1_000_000, 50],
} as const;

/** Pure: checks the options and applies defaults. Throws FST_FLVCAST_RTMP_INVALID_OPTION. */
export function validateOptions(opts: RtmpPluginOptions = {}): ResolvedRtmpOptions {
  const known = new Set([...Object.keys(LIMITS), 'listen', 'onPublish', 'onUnpublish', 'signedUrls', 'prefix', 'logLevel', 'logSerializers']);
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
    const { host = '0.0.0.0', port = 1935, tls } = l;
    if (typeof host !== 'string' || host === '') throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen.host', `expected a host name or address, got ${JSON.stringify(host)}`);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen.port', `expected a port from 0 to 65535, got ${JSON.stringify(port)}`);
    }
    if (tls === undefined) return { host, port };
    if (tls === null || typeof tls !== 'object' || tls.cert === undefined || tls.key === undefined) {
      throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen.tls', 'expected TLS options with cert and key');
    }
    return { host, port, tls };
  });
  for (const name of ['onPublish', 'onUnpublish'] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== 'function') throw new FST_FLVCAST_RTMP_INVALID_OPTION(name, 'expected a function');
    out[name] = opts[name];
  }
  const signedUrls = resolveSignedUrls(opts.signedUrls);
  if (typeof signedUrls === 'string') throw new FST_FLVCAST_RTMP_INVALID_OPTION('signedUrls', signedUrls);
  out.signedUrls = signedUrls;
  return out as unknown as ResolvedRtmpOptions;
}
