import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flvFormat } from '@flvcast/mux';
import { fastifyOpsApi, fastifyOpsMetrics, type ClusterView, type RemoteTraffic, type RemoteViewers, type WorkerSummary } from '../src/index.js';
import { RecordingSink, appWithHub, cam1, publishAv } from './fixtures.js';

/** Viewers on two "workers" of live/cam1 (4 HTTP-FLV, 1 WS-FLV, 2 AAC), as the server's WorkerStats would sum them. */
class FakeCluster implements ClusterView {
  remote: RemoteViewers = {
    total: 7,
    groups: [
      { protocol: 'http-flv', format: 'flv', count: 4 },
      { protocol: 'ws-flv', format: 'flv', count: 1 },
      { protocol: 'http-aac', format: 'adts', count: 2 },
    ],
    droppedTags: 3,
  };
  sent: RemoteTraffic = { bytesOut: 5000, droppedTags: 3, sessions: { 'http-flv': 10 } };
  viewers(): ReadonlyMap<string, RemoteViewers> {
    return new Map([['live/cam1', this.remote]]);
  }
  traffic(): RemoteTraffic {
    return this.sent;
  }
  workers(): WorkerSummary[] {
    const w = (id: number, viewers: number): WorkerSummary => ({
      id,
      pid: 1000 + id,
      state: 'up',
      viewers,
      pulls: [{ stream: 'live/cam1', state: 'pulling' }],
      uptimeMs: 5000,
      restarts: id - 1,
      cpu: { userSeconds: 1, systemSeconds: 0.5 },
      rssBytes: 1 << 26,
      reportAgeMs: 300,
    });
    return [w(1, 4), w(2, 3)];
  }
}

async function setup() {
  const { app, hub, clock } = await appWithHub();
  const cluster = new FakeCluster();
  await app.register(fastifyOpsApi, { allowWithoutToken: 'loopback', cluster });
  await app.register(fastifyOpsMetrics, { allowWithoutToken: 'loopback', cluster, processMetrics: false });
  publishAv(hub, clock);
  // Here: one RTMP player (a viewer of the primary itself) and two workers' pulls (internal, demand).
  hub.subscribe(cam1, flvFormat, new RecordingSink(), { protocol: 'rtmp', remoteAddress: '192.0.2.9' });
  for (let i = 0; i < 2; i++) hub.subscribe(cam1, flvFormat, new RecordingSink(), { protocol: 'http-flv', remoteAddress: '127.0.0.1', internal: true, demand: true });
  return { app, cluster, localViewers: hub.get(cam1)!.viewerCount };
}

test("API with a ClusterView: streams and summary add the workers' viewers to this hub's; /workers lists them", async (t) => {
  const { app, localViewers } = await setup();
  t.after(() => app.close());
  assert.equal(localViewers, 1, 'only the RTMP player is a viewer here');
  const [cam] = (await app.inject('/api/v1/streams')).json<{ streams: { viewers: unknown; droppedTags: number }[] }>().streams;
  assert.deepEqual(cam?.viewers, { total: 8, byProtocol: { rtmp: 1, 'http-flv': 4, 'ws-flv': 1, 'http-aac': 2 }, byFormat: { flv: 6, adts: 2 } });
  assert.equal(cam?.droppedTags, 3);
  const one = (await app.inject('/api/v1/streams/live/cam1')).json<{ viewers: { total: number } }>();
  assert.equal(one.viewers.total, 8);
  const totals = (await app.inject('/api/v1/summary')).json<{ totals: { viewers: number; viewersByFormat: Record<string, number>; bytesOut: number } }>().totals;
  assert.equal(totals.viewers, 8);
  assert.deepEqual(totals.viewersByFormat, { flv: 6, adts: 2 });
  assert.ok(totals.bytesOut >= 5000);
  const workers = (await app.inject('/api/v1/workers')).json<{ workers: WorkerSummary[] }>().workers;
  assert.deepEqual(workers.map((w) => [w.id, w.pid, w.viewers, w.restarts]), [[1, 1001, 4, 0], [2, 1002, 3, 1]]);
  const internal = (await app.inject('/api/v1/clients')).json<{ clients: { internal: boolean; role: string }[] }>().clients.filter((c) => c.role === 'viewer');
  assert.deepEqual(internal.map((c) => c.internal).sort(), [false, true, true]);
});

test('metrics with a ClusterView: viewer gauges and traffic counters include the workers; one series per worker', async (t) => {
  const { app, cluster } = await setup();
  t.after(() => app.close());
  const scrape = async () => (await app.inject('/metrics')).body;
  let text = await scrape();
  assert.match(text, /^flvcast_stream_viewers\{stream="live\/cam1"\} 8$/m);
  assert.match(text, /^flvcast_viewers\{protocol="http-flv",format="flv"\} 4$/m);
  assert.match(text, /^flvcast_viewers\{protocol="http-aac",format="adts"\} 2$/m);
  assert.match(text, /^flvcast_viewers\{protocol="rtmp",format="flv"\} 1$/m);
  assert.match(text, /^flvcast_viewer_sessions_total\{protocol="http-flv"\} 10$/m, "the workers' sessions; their pulls here are not viewers");
  assert.match(text, /^flvcast_viewer_sessions_total\{protocol="rtmp"\} 1$/m);
  assert.match(text, /^flvcast_worker_viewers\{worker="2"\} 3$/m);
  assert.match(text, /^flvcast_worker_restarts\{worker="2"\} 1$/m);
  const sent = Number(/^flvcast_sent_bytes_total (\d+)$/m.exec(text)?.[1]);
  assert.ok(sent >= 5000);
  // Running totals from the workers only add what is new at each scrape.
  cluster.sent = { ...cluster.sent, bytesOut: 6000, sessions: { 'http-flv': 12 } };
  text = await scrape();
  assert.match(text, /^flvcast_viewer_sessions_total\{protocol="http-flv"\} 12$/m);
  assert.equal(Number(/^flvcast_sent_bytes_total (\d+)$/m.exec(text)?.[1]), sent + 1000);
});
