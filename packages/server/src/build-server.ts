import { fileURLToPath } from 'node:url';
import { fastifyHttpFlv } from '@flvcast/fastify-http-flv';
import { fastifyRtmp } from '@flvcast/fastify-rtmp';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FlvcastConfig } from './config.js';
import { FileSource } from './file-source.js';
import { reportHttpTimeouts } from './http-timeout-report.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';

/** The demo clip shipped with the package (8 s, 640x360 H.264 + AAC, made by ffmpeg's test sources). */
export const demoClipPath = fileURLToPath(new URL('../../assets/demo.flv', import.meta.url));

export interface BuiltServer {
  app: FastifyInstance;
  httpListen: ListenAddress[];
}

/** Builds the Fastify app from a validated config: both plugins on one hub, plus the file sources. */
export async function buildServer(config: FlvcastConfig): Promise<BuiltServer> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // Receiving a request (not streaming the response) is bounded: slow-header clients can't hold sockets.
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    http: {
      // Slowloris: headers trickled a byte at a time (or never sent) are cut at this deadline with a 408.
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      // Node checks those deadlines on this period (30 s by default, which would triple a 10 s timeout).
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(config.httpHeadersTimeoutMs / 2)),
    },
    // Viewers hold responses open for hours: no idle-socket timeout; close() ends them all.
    connectionTimeout: 0,
    forceCloseConnections: true,
  });
  await app.register(fastifyHttpFlv, {
    mount: config.mount,
    crossdomain: config.crossdomain,
    websocket: config.websocket,
    hasAudio: config.hasAudio,
    hasVideo: config.hasVideo,
    guessHasAv: config.guessHasAv,
    dropIfNotMatch: config.dropIfNotMatch,
    gopCache: config.gopCache,
    fastCache: config.fastCache,
    mergeWriteMs: config.mergeWriteMs,
    reconnectGraceMs: config.reconnectGraceMs,
    publishTakeover: config.publishTakeover,
    maxQueueBytes: config.maxQueueBytes,
    maxQueueMs: config.maxQueueMs,
    stallTimeoutMs: config.stallTimeoutMs,
    maxStreams: config.maxStreams,
    maxViewers: config.maxViewers,
    maxViewersPerIp: config.maxViewersPerIp,
    maxViewersPerStream: config.maxViewersPerStream,
  });
  reportHttpTimeouts(app);
  await app.register(fastifyRtmp, {
    listen: config.rtmpListen.map((text) => parseListenAddress(text) as ListenAddress),
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    firstPacketTimeoutMs: config.firstPacketTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    chunkSize: config.chunkSize,
    maxMessageSize: config.maxMessageSize,
    maxChunkSize: config.maxChunkSize,
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
  });

  const specs = [...config.source];
  if (config.demo) specs.push(`live/demo=${demoClipPath}`);
  const sources: FileSource[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const [app_, stream] = spec.slice(0, eq).split('/');
    const file = spec.slice(eq + 1);
    const key = { vhost: '', app: app_ ?? '', stream: stream ?? '' };
    sources.push(await FileSource.open(file, app.streams, key, app.log.child({ stream: `${key.app}/${key.stream}`, file })));
  }
  app.addHook('onReady', async () => {
    for (const source of sources) source.start();
  });
  app.addHook('preClose', (done) => {
    for (const source of sources) source.stop();
    done();
  });

  return { app, httpListen: config.httpListen.map((text) => parseListenAddress(text) as ListenAddress) };
}
