import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fastifyHttpFlv, httpFlvOptionDescriptors } from '@flvcast/fastify-http-flv';
import { fastifyOpsApi, fastifyOpsMetrics, type ClusterView } from '@flvcast/fastify-ops';
import { fastifyRelay, relayOptionDescriptors } from '@flvcast/fastify-relay';
import { dvrOptionDescriptors, fastifyDvr } from '@flvcast/fastify-dvr';
import { fastifyRtmp, rtmpOptionDescriptors } from '@flvcast/fastify-rtmp';
import { createVodCatalog, fastifyVod, vodOptionDescriptors, type VodCatalog } from '@flvcast/fastify-vod';
import Fastify, { type FastifyInstance } from 'fastify';
import { composeAccessHooks } from '@flvcast/access';
import { createHttpApp } from './http-app.js';
import type { WorkerFeed } from './workers/worker-feed.js';
import { accessOptions, vodPlayAccess } from './access-options.js';
import { clusterRelayOptions, clusterSettings } from './cluster-settings.js';
import type { FlvcastConfig } from './config.js';
import { dashboard, recordingsFeed } from './dashboard.js';
import { FileSource } from '@flvcast/relay';
import { HttpListeners } from './http-listeners.js';
import { reportHttpTimeouts } from './http-timeout-report.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { relaySettings } from './relay-settings.js';
import { pluginSettings } from './server-options.js';
import { readPemPair } from './transport-options.js';

/** The demo clip shipped with the package (8 s, 640x360 H.264 + AAC, made by ffmpeg's test sources). */
export const demoClipPath = fileURLToPath(new URL('../../assets/demo.flv', import.meta.url));

export interface BuiltServer {
  /** The public app: media routes and the dashboard. It never serves the API or metrics. */
  app: FastifyInstance;
  /** The operators' app on apiListen (API and /metrics over the same hub), or undefined when it is off. */
  api: FastifyInstance | undefined;
  httpListen: ListenAddress[];
  /**
   * Listens on every httpListen address (Fastify itself listens on one), then on apiListen; resolves with
   * the bound public addresses.
   */
  listen(): Promise<AddressInfo[]>;
  /** The bound API addresses (after listen()). */
  apiAddresses(): AddressInfo[];
}

/** What a primary with worker processes (`workers` > 1) changes; a single server leaves it empty. */
export interface ServerRole {
  /** The HTTP app serves only the workers' pulls, on loopback behind the feed's secret (not httpListen). */
  workerFeed?: WorkerFeed;
  /** The workers' viewers, added to the API's and the metrics' figures. */
  cluster?: ClusterView;
}

/**
 * Builds the Fastify apps from a validated config: both media plugins on one hub, the relay (forwards and
 * pulls), the file sources, and
 * the API and metrics on an app of their own. A separate listener is the only way to keep the API closed
 * behind a reverse proxy on the same host: there every request comes from 127.0.0.1, and a plain
 * `proxy_pass` adds no header that could tell it from a local `curl`.
 */
export async function buildServer(config: FlvcastConfig, role: ServerRole = {}): Promise<BuiltServer> {
  const feed = role.workerFeed;
  const publicTls = config.httpsCert === '' ? undefined : readPemPair(config, 'httpsCert', 'httpsKey');
  const rtmpsTls = config.rtmpsListen.length === 0 ? undefined : config.rtmpsCert === '' ? publicTls : readPemPair(config, 'rtmpsCert', 'rtmpsKey');
  // The workers' feed is plain HTTP on loopback: TLS is the workers' business, on the public port.
  const { app, listeners } = createHttpApp(
    config,
    feed === undefined ? { tls: publicTls, listen: config.httpListen.map((text) => parseListenAddress(text) as ListenAddress) } : { tls: undefined, ...feed.appOptions() },
  );
  const access = accessOptions(config, app.log);
  // With redisUrl: the stream directory (its redirect hook must precede the media routes).
  const cluster = clusterSettings(config, app);
  // The plugins' settings come from the descriptors their packages mark as server settings.
  // The workers' feed: their pulls are internal subscribers, already admitted by the worker's own checks.
  const httpFlv = feed === undefined ? access.play : { internal: true, websocket: false, crossdomain: false, mount: feed.mounts };
  await app.register(fastifyHttpFlv, { ...pluginSettings(httpFlvOptionDescriptors, config), ...httpFlv });
  reportHttpTimeouts(app);
  await app.register(fastifyRtmp, {
    ...pluginSettings(rtmpOptionDescriptors, config),
    listen: [
      ...config.rtmpListen.map((text) => parseListenAddress(text) as ListenAddress),
      ...config.rtmpsListen.map((text) => ({ ...(parseListenAddress(text) as ListenAddress), tls: rtmpsTls })),
    ],
    // Encoders asked to reconnect get part of the grace; the rest is for everything else to end.
    shutdownWaitMs: Math.min(2000, Math.floor(config.shutdownGraceMs / 2)),
    ...access.publish,
    // A publish is claimed cluster-wide last, once every other check let it in.
    onPublish: composeAccessHooks(access.publish.onPublish, cluster?.claim),
    // RTMP players pass the same checks as HTTP viewers: the play hook (IP rules, on_play), on_stop, signed URLs.
    ...access.rtmpPlay,
  });
  // Forwards and pulls (always registered: with no rules it only reports empty lists).
  await app.register(fastifyRelay, { ...pluginSettings(relayOptionDescriptors, config), ...relaySettings(config, app.log), ...clusterRelayOptions(cluster) });
  // Recording (DVR): registered only when some stream is to be recorded (no repair scan, no listener otherwise).
  if (config.dvrApply.length > 0) await app.register(fastifyDvr, { ...pluginSettings(dvrOptionDescriptors, config), onDvrTimeoutMs: config.callbackTimeoutMs });
  // FLV files below vodDir (the recordings), with the live viewers' play checks and CORS; nothing when vodDir is ''.
  // A primary's app is its workers' feed, not public: they serve the files, it only lists them for the API.
  if (feed === undefined) await app.register(fastifyVod, { ...pluginSettings(vodOptionDescriptors, config), ...vodPlayAccess(access.play), crossdomain: config.crossdomain, onDeny: (denial) => app.streams.events.emit('deny', denial) });
  const recordings = feed === undefined ? app.vod : createVodCatalog({ vodDir: config.vodDir, vodMount: config.vodMount, log: app.log.child({ plugin: 'vod' }) });
  const api = await buildApiApp(config, app, role.cluster, recordings);

  // The web player and stream list at / (its own public feed: the admin API is not for browsers).
  if (config.dashboard && feed === undefined) {
    await app.register(dashboard, { mount: config.mount, websocket: config.websocket, crossdomain: config.crossdomain, recordingsFeed: recordingsFeed(config) });
  }

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

  const apiListeners = api === undefined ? undefined : new HttpListeners(api, config.apiListen.map((text) => parseListenAddress(text, '127.0.0.1') as ListenAddress));
  app.addHook('onClose', async () => {
    apiListeners?.close();
    await api?.close();
  });
  return {
    app,
    api,
    httpListen: [...listeners.addresses],
    listen: async () => {
      const bound = await listeners.listen();
      await apiListeners?.listen();
      return bound;
    },
    apiAddresses: () => apiListeners?.bound() ?? [],
  };
}

/**
 * The API and /metrics on their own app, sharing the streaming app's hub. Its loopback clients need no
 * token (nothing public proxies to this listener); anyone else needs apiToken. No trustProxy here: the
 * socket's address is the only one that counts.
 */
async function buildApiApp(config: FlvcastConfig, app: FastifyInstance, cluster: ClusterView | undefined, recordings: VodCatalog): Promise<FastifyInstance | undefined> {
  if (config.apiListen[0] === 'off' || (!config.api && !config.metrics)) return undefined;
  const api = Fastify({ loggerInstance: app.log.child({ listener: 'api' }), requestTimeout: config.httpRequestTimeoutMs, forceCloseConnections: true });
  api.decorate('streams', app.streams);
  api.decorate('relay', app.relay);
  api.decorate('vod', recordings);
  if (app.hasDecorator('dvr')) api.decorate('dvr', app.dvr);
  const allowWithoutToken = 'loopback';
  if (config.api) await api.register(fastifyOpsApi, { token: config.apiToken || undefined, allowWithoutToken, cluster });
  if (config.metrics) await api.register(fastifyOpsMetrics, { token: config.metricsToken || config.apiToken || undefined, allowWithoutToken, cluster });
  return api;
}

