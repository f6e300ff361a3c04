import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fastifyHttpFlv } from '@flvcast/fastify-http-flv';
import { fastifyOpsApi, fastifyOpsMetrics } from '@flvcast/fastify-ops';
import { fastifyRtmp } from '@flvcast/fastify-rtmp';
import Fastify, { type FastifyInstance } from 'fastify';
import { accessOptions, redactedRequest } from './access-options.js';
import type { FlvcastConfig } from './config.js';
import { dashboard } from './dashboard.js';
import { FileSource } from './file-source.js';
import { HttpListeners } from './http-listeners.js';
import { reportHttpTimeouts } from './http-timeout-report.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { readPemPair, transportOptions } from './transport-options.js';

/** The demo clip shipped with the package (8 s, 640x360 H.264 + AAC, made by ffmpeg's test sources). */
export const demoClipPath = fileURLToPath(new URL('../../assets/demo.flv', import.meta.url));

export interface BuiltServer {
  app: FastifyInstance;
  httpListen: ListenAddress[];
  /** Listens on every httpListen address (Fastify itself listens on one); resolves with the bound ones. */
  listen(): Promise<AddressInfo[]>;
}

/** Builds the Fastify app from a validated config: both plugins on one hub, plus the file sources. */
export async function buildServer(config: FlvcastConfig): Promise<BuiltServer> {
  const tls = config.httpsCert === '' ? undefined : readPemPair(config, 'httpsCert', 'httpsKey');
  const rtmpsTls = config.rtmpsListen.length === 0 ? undefined : config.rtmpsCert === '' ? tls : readPemPair(config, 'rtmpsCert', 'rtmpsKey');
  const app = Fastify({
    ...transportOptions(config, tls),
    // Request lines are logged without signed-URL tokens (credentials until they expire).
    logger: { level: config.logLevel, serializers: { req: redactedRequest } },
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
  const listeners = new HttpListeners(app, config.httpListen.map((text) => parseListenAddress(text) as ListenAddress));
  // Shutdown stops accepting first: later preClose hooks may take a moment (encoders asked to reconnect).
  app.addHook('preClose', (done) => {
    listeners.close();
    done();
  });
  const access = accessOptions(config, app.log);
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
    ...access.play,
    maxStreams: config.maxStreams,
    maxViewers: config.maxViewers,
    maxViewersPerIp: config.maxViewersPerIp,
    maxViewersPerStream: config.maxViewersPerStream,
  });
  reportHttpTimeouts(app);
  await app.register(fastifyRtmp, {
    listen: [
      ...config.rtmpListen.map((text) => parseListenAddress(text) as ListenAddress),
      ...config.rtmpsListen.map((text) => ({ ...(parseListenAddress(text) as ListenAddress), tls: rtmpsTls })),
    ],
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    firstPacketTimeoutMs: config.firstPacketTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    chunkSize: config.chunkSize,
    maxMessageSize: config.maxMessageSize,
    // Encoders asked to reconnect get part of the grace; the rest is for everything else to end.
    shutdownWaitMs: Math.min(2000, Math.floor(config.shutdownGraceMs / 2)),
    ...access.publish,
    maxChunkSize: config.maxChunkSize,
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
  });
  // Operators' endpoints: open to loopback, to other addresses only with the token ('' = no token).
  if (config.api) await app.register(fastifyOpsApi, { token: config.apiToken || undefined });
  if (config.metrics) await app.register(fastifyOpsMetrics, { token: config.metricsToken || config.apiToken || undefined });

  // The web player and stream list at / (its own public feed: the admin API is not for browsers).
  if (config.dashboard) await app.register(dashboard, { mount: config.mount, websocket: config.websocket, crossdomain: config.crossdomain });

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

  return { app, httpListen: [...listeners.addresses], listen: () => listeners.listen() };
}

