import type { TlsOptions } from 'node:tls';
import { accessOption, resolveSignedUrls, type AccessEndHook, type AccessHook, type ResolvedSignedUrls } from '@flvcast/access';
import { defineOptions, option, resolveOptions, type AliasNames, type OptionInput } from '@flvcast/options';
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

/** The plugin's options, each declared once (docs/configuration.md is generated from them). */
export const rtmpOptionDescriptors = defineOptions({
  listen: option.custom({
    typeName: '`{ host, port, tls? }` or an array',
    expected: '{ host, port, tls? } or an array of them',
    defaultText: '`{ host: "0.0.0.0", port: 1935 }`',
    is: (_v): _v is RtmpListen | RtmpListen[] => true,
    doc: 'where the RTMP server listens: one address or several (IPv4 and IPv6); port `0` picks a free one (`fastify.rtmp.addresses()`); `tls` (Node TLS options with `cert` and `key`) serves RTMPS there',
  }),
  handshakeTimeoutMs: option.integer({ min: 100, max: 600_000, default: 5000, unit: 'ms', server: true, doc: 'the RTMP handshake must complete within this' }),
  firstPacketTimeoutMs: option.integer({ min: 100, max: 600_000, default: 20_000, unit: 'ms', server: true, doc: 'after the handshake, a connection must start publishing and send media within this' }),
  idleTimeoutMs: option.integer({ min: 100, max: 3_600_000, default: 10_000, unit: 'ms', server: true, doc: 'a connection (publisher or not) that sends nothing for this long is closed' }),
  chunkSizeBytes: option.integer({ min: 128, max: 0xffffff, default: 60_000, unit: 'bytes', aliases: [{ name: 'chunkSize' }], server: true, doc: 'outgoing RTMP chunk size, announced right after connect; what players read media in (SRS sends players 60000: a frame in one or two chunks, half the parsing of 4096, measured)' }),
  maxChunkSizeBytes: option.integer({
    min: 128,
    max: 0x7fffffff,
    default: 65536,
    unit: 'bytes',
    aliases: [{ name: 'maxChunkSize' }],
    server: true,
    doc: 'largest chunk size a peer may announce; a larger Set Chunk Size closes the connection',
  }),
  maxMessageSizeBytes: option.integer({
    min: 1024,
    max: 0xffffff,
    default: 8 * 1024 * 1024,
    unit: 'bytes',
    aliases: [{ name: 'maxMessageSize' }],
    server: true,
    doc: 'largest message a peer may declare (a video frame is the big one); a larger one closes the connection before its body is buffered',
  }),
  windowAckSizeBytes: option.integer({ min: 1024, max: 0x7fffffff, default: 2_500_000, unit: 'bytes', aliases: [{ name: 'windowAckSize' }], doc: 'Window Acknowledgement Size asked of peers' }),
  shutdownWaitMs: option.integer({
    min: 0,
    max: 600_000,
    default: 2000,
    unit: 'ms',
    doc: 'at close, an encoder that supports Enhanced RTMP reconnect is sent ReconnectRequest and may keep its connection this long to reach a keyframe and leave by itself; 0 closes at once',
  }),
  onPublish: accessOption.hook(
    'decides whether a publish may start (the encoder gets no Publish.Start, its media is dropped, until it resolves); refusals get NetStream.Publish.Unauthorized (401), .Forbidden (403) or .BadName (409: the name is held elsewhere) and the close; a hook that throws or outlives `accessTimeoutMs` refuses',
  ),
  onUnpublish: accessOption.endHook('told when a publisher stops (bytes received, reason); errors are logged, never fatal'),
  signedUrls: accessOption.signedUrls('require HMAC-signed publish names (`cam1?expires=&token=`, see @flvcast/access `signStream`)'),
  onPlay: accessOption.hook(
    'decides whether an RTMP player may play (before any media byte; the same hook as HTTP-FLV\'s `onPlay`, with `protocol` `rtmp` or `rtmps`); a refusal gets onStatus NetStream.Play.Failed with the reason, then the close; a hook that throws or outlives `accessTimeoutMs` refuses',
  ),
  onStop: accessOption.endHook('told when an admitted RTMP player leaves (bytes sent, reason); errors are logged, never fatal'),
  playSignedUrls: accessOption.signedUrls('require HMAC-signed play names (`cam1?expires=&token=`, in the play name or the tcUrl) from RTMP players; the same tokens as HTTP-FLV\'s `signedUrls`'),
  accessTimeoutMs: option.integer({ min: 1, max: 600_000, default: 5000, unit: 'ms', doc: 'longest an `onPublish` or `onPlay` hook may take' }),
  playMergeWriteMs: option.integer({
    min: 0,
    max: 1000,
    default: 30,
    unit: 'ms',
    server: true,
    doc: 'RTMP players get their packets in one write per this window (0: each as it comes); players buffer a second or more, so the window costs them no visible latency and spares the server a write per message (SRS merges 350 ms). HTTP and WS viewers follow the hub\'s `mergeWriteMs`',
  }),
  maxForwardHops: option.integer({
    min: 0,
    max: 1000,
    default: 4,
    server: true,
    doc: 'a publish that already crossed more flvcast servers than this (their forwards announce it as `flvcastHops` in connect and in the stream name) is refused with NetStream.Publish.Rejected: servers forwarding to each other cannot loop',
  }),
  maxConnections: option.integer({ min: 1, max: 1_000_000, default: 1000, server: true, doc: 'open RTMP connections at once; one more is closed at once, before the handshake' }),
  maxConnectionsPerIp: option.integer({
    min: 1,
    max: 1_000_000,
    default: 50,
    server: true,
    doc: 'open RTMP connections per client address (same refusal); a gateway pushing many cameras needs more',
  }),
});

/** Old spellings, accepted (with one deprecation warning line) until the next release. */
export interface DeprecatedRtmpOptions {
  /** @deprecated Use `chunkSizeBytes` (same value). Removed in the next release. */
  chunkSize?: number;
  /** @deprecated Use `maxChunkSizeBytes` (same value). Removed in the next release. */
  maxChunkSize?: number;
  /** @deprecated Use `maxMessageSizeBytes` (same value). Removed in the next release. */
  maxMessageSize?: number;
  /** @deprecated Use `windowAckSizeBytes` (same value). Removed in the next release. */
  windowAckSize?: number;
}

export interface RtmpPluginOptions extends OptionInput<typeof rtmpOptionDescriptors>, DeprecatedRtmpOptions {}

// Compile-time: the deprecated fields are exactly the old spellings the descriptors accept.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _deprecatedTyped: Same<keyof DeprecatedRtmpOptions, AliasNames<typeof rtmpOptionDescriptors>> = true;

export interface ResolvedRtmpOptions {
  listen: ResolvedRtmpListen[];
  handshakeTimeoutMs: number;
  firstPacketTimeoutMs: number;
  idleTimeoutMs: number;
  chunkSizeBytes: number;
  maxChunkSizeBytes: number;
  maxMessageSizeBytes: number;
  windowAckSizeBytes: number;
  shutdownWaitMs: number;
  onPublish: AccessHook | undefined;
  onUnpublish: AccessEndHook | undefined;
  signedUrls: ResolvedSignedUrls | undefined;
  onPlay: AccessHook | undefined;
  onStop: AccessEndHook | undefined;
  playSignedUrls: ResolvedSignedUrls | undefined;
  accessTimeoutMs: number;
  maxForwardHops: number;
  playMergeWriteMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** One line per old option spelling used, for the plugin to log at registration. */
  deprecations: readonly string[];
}

/** Fastify's own registration options: not the plugin's. */
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers'];

/** Pure: checks the options and applies defaults. Throws FST_FLVCAST_RTMP_INVALID_OPTION naming the option. */
export function validateOptions(opts: RtmpPluginOptions = {}): ResolvedRtmpOptions {
  const { values, problems, deprecations } = resolveOptions(rtmpOptionDescriptors, opts, { ignore: FASTIFY_KEYS });
  const problem = problems[0];
  if (problem !== undefined) throw new FST_FLVCAST_RTMP_INVALID_OPTION(problem.option, problem.message);
  const { listen: _listen, ...rest } = values;
  return {
    ...rest,
    listen: resolveListen(values.listen),
    signedUrls: resolveSignedUrls(values.signedUrls) as ResolvedSignedUrls | undefined,
    playSignedUrls: resolveSignedUrls(values.playSignedUrls) as ResolvedSignedUrls | undefined,
    deprecations: deprecations.map((d) => `@flvcast/fastify-rtmp: ${d.message}`),
  };
}

function resolveListen(listen: RtmpListen | RtmpListen[] | undefined): ResolvedRtmpListen[] {
  const listens = listen === undefined ? [{}] : Array.isArray(listen) ? listen : [listen];
  if (listens.length === 0) throw new FST_FLVCAST_RTMP_INVALID_OPTION('listen', 'expected at least one address');
  return listens.map((l) => {
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
}
