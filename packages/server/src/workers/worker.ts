import { fastifyHttpFlv, httpFlvOptionDescriptors } from '@flvcast/fastify-http-flv';
import { fastifyRelay, relayOptionDescriptors } from '@flvcast/fastify-relay';
import { fastifyVod, vodOptionDescriptors } from '@flvcast/fastify-vod';
import { accessOptions, vodPlayAccess } from '../access-options.js';
import type { FlvcastConfig } from '../config.js';
import { dashboard, publicStreamList, recordingsFeed } from '../dashboard.js';
import { createHttpApp } from '../http-app.js';
import { reportHttpTimeouts } from '../http-timeout-report.js';
import { parseListenAddress, type ListenAddress } from '../listen-address.js';
import { pluginSettings } from '../server-options.js';
import { gracefulShutdown } from '../shutdown.js';
import { readPemPair } from '../transport-options.js';
import { PrimaryStreamList } from './primary-stream-list.js';
import { toWorker, type FromWorker, type WorkerHandoff } from './worker-messages.js';
import { WorkerReporter } from './worker-report.js';

/** A worker's pull from the primary stops this long after its last viewer (loopback: a new pull is cheap). */
const WORKER_IDLE_MS = 3000;

/**
 * One worker of `--workers N`: the public HTTP app (every mount, WS, the dashboard, the same play checks as
 * a single server) on the shared port, and the relay in edge mode with the primary's feed as its only
 * origin, so each stream its viewers watch is one loopback pull. No RTMP, no API: those are the primary's.
 * It reports its viewers to the primary and drains when told; node:cluster ends it if the primary dies.
 */
export async function runWorker(config: FlvcastConfig, handoff: WorkerHandoff): Promise<void> {
  if (process.send === undefined) throw new Error('a flvcast worker must be started by its primary (no IPC channel)');
  const send = (message: FromWorker): void => {
    if (process.connected) process.send!(message);
  };
  const tls = config.httpsCert === '' ? undefined : readPemPair(config, 'httpsCert', 'httpsKey');
  const { app, listeners } = createHttpApp(config, {
    tls,
    listen: config.httpListen.map((text) => parseListenAddress(text) as ListenAddress),
    logBindings: { worker: handoff.slot },
    // The feed's secret is in every pull URL the relay logs: other local users may read the logs.
    logSecret: new URL(handoff.origin).pathname.slice(1),
    deprecations: false,
  });
  const access = accessOptions(config, app.log);
  await app.register(fastifyHttpFlv, { ...pluginSettings(httpFlvOptionDescriptors, config), ...access.play });
  reportHttpTimeouts(app);
  await app.register(fastifyRelay, {
    ...pluginSettings(relayOptionDescriptors, config),
    origin: [handoff.origin],
    // The primary may itself wait for a stream (its on-demand pulls, its origins): a viewer here waits longer.
    edgeWaitMs: Math.min(60_000, handoff.primaryWaitMs + 1000),
    edgeIdleMs: Math.min(config.edgeIdleMs, WORKER_IDLE_MS),
  });
  // Workers serve the VOD files on the public port, as a single server does.
  await app.register(fastifyVod, { ...pluginSettings(vodOptionDescriptors, config), ...vodPlayAccess(access.play), crossdomain: config.crossdomain, onDeny: (denial) => app.streams.events.emit('deny', denial) });
  const streams = new PrimaryStreamList({ send, maxAgeMs: 1000, timeoutMs: 2000 });
  if (config.dashboard) {
    // A primary that does not answer in time: the streams this worker has (pulls in progress), not an error page.
    const list = () =>
      streams.list().catch((err: unknown) => {
        app.log.warn({ err: (err as Error).message }, 'workers: no stream list from the primary; the dashboard shows this worker\'s streams');
        return publicStreamList(app.streams.list(), app.streams.options.now());
      });
    await app.register(dashboard, { mount: config.mount, websocket: config.websocket, crossdomain: config.crossdomain, streams: list, rtmp: handoff.rtmp, recordingsFeed: recordingsFeed(config) });
  }
  const reporter = new WorkerReporter(app.streams, { pulls: () => app.relay.pulls(), send: (report) => send({ type: 'flvcast:report', report }), everyMs: 1000, changeMs: 100 });
  app.addHook('onClose', (_instance, done) => {
    reporter.close();
    done();
  });

  const shutdown = gracefulShutdown({ log: app.log, graceMs: config.shutdownGraceMs, close: () => app.close(), signals: ['SIGTERM'] });
  // Ctrl-C reaches every process of the terminal's group: the primary decides, and tells us to drain.
  process.on('SIGINT', () => {});
  process.on('message', (raw: unknown) => {
    const message = toWorker(raw);
    if (message?.type === 'flvcast:drain') shutdown('drain');
    else if (message?.type === 'flvcast:streams') streams.answer(message.id, message.streams);
  });
  // A primary that dies takes its workers along: node:cluster exits a worker at once when its IPC channel
  // closes unexpectedly (nothing could feed it or hand it connections any more).

  const bound = await listeners.listen();
  reporter.start();
  send({ type: 'flvcast:ready', http: bound.map((a) => ({ address: a.address, port: a.port })) });
}
