import { summarizeStream } from '@flvcast/hub';
import { withRemoteViewers } from '@flvcast/fastify-ops';
import { buildServer } from '../build-server.js';
import type { FlvcastConfig } from '../config.js';
import { publicStreamList } from '../dashboard.js';
import { publicUrls, readyBanner } from '../ready-banner.js';
import { gracefulShutdown } from '../shutdown.js';
import { WorkerFeed } from './worker-feed.js';
import { MAX_STREAMS_PER_MESSAGE } from './worker-messages.js';
import { WorkerPool } from './worker-pool.js';
import { WorkerStats } from './worker-stats.js';

/**
 * The primary of `--workers N` (N > 1): the hub, RTMP ingest and play, relays, file sources, the API and
 * metrics, as a single server has them; but its HTTP-FLV routes serve only the workers, on a loopback
 * feed. N worker processes share the public HTTP port (node:cluster) and pull what their viewers ask for
 * from that feed, as edges do from an origin. The API and metrics add the workers' viewers to its own.
 */
export async function runPrimary(config: FlvcastConfig): Promise<void> {
  const feed = new WorkerFeed();
  const stats = new WorkerStats();
  const built = await buildServer(config, { workerFeed: feed, cluster: stats });
  const { app } = built;
  const [feedAddress] = await built.listen();
  const log = app.log.child({ plugin: 'workers' });
  const rtmp = app.rtmp.addresses();
  const pool: WorkerPool = new WorkerPool({
    count: config.workers,
    stats,
    log,
    handoff: (slot) => ({
      slot,
      origin: feed.originUrl(feedAddress!),
      primaryWaitMs: app.streams.resolver?.timeoutMs ?? 0,
      rtmp: rtmp.map((a) => ({ host: a.address, port: a.port })),
    }),
    // A worker's dashboard lists every stream here, with the viewers of every worker.
    onStreamsRequest: (slot, id) => {
      const remote = stats.viewers();
      const streams = publicStreamList(app.streams.list(), app.streams.options.now(), (s, now) => withRemoteViewers(summarizeStream(s, now), remote.get(s.name)));
      pool.send(slot, { type: 'flvcast:streams', id, streams: streams.slice(0, MAX_STREAMS_PER_MESSAGE) });
    },
  });
  let http: Array<{ address: string; port: number }>;
  try {
    http = await pool.start();
  } catch (err) {
    log.error({ err }, 'workers: could not start');
    pool.kill();
    await app.close();
    process.exit(1);
  }

  const lines = readyBanner(config, { http: publicUrls(config, http), rtmp, api: built.apiAddresses() });
  lines.push(`  workers:  ${config.workers} processes share the HTTP port (pids ${pool.pids.join(', ')}); RTMP, relays and the API stay in this one (pid ${process.pid})`);
  for (const line of lines) app.log.info(line);

  gracefulShutdown({
    log: app.log,
    graceMs: config.shutdownGraceMs,
    // Workers drain first (their viewers end, then their pulls from here), then publishers and players here.
    close: async () => {
      await pool.drain();
      await app.close();
    },
    force: () => pool.kill(),
  });
}
