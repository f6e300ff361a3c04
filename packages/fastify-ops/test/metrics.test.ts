import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastifyOpsMetrics } from '../src/index.js';
import { RecordingSink, appWithHub, cam1, feed, publishAv } from './fixtures.js';
import { flvFormat } from '@flvcast/mux';

/** Parses the exposition into `name{labels}` -> value (HELP/TYPE lines left out). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function setup() {
  const { app, hub, clock } = await appWithHub();
  await app.register(fastifyOpsMetrics, { allowWithoutToken: 'loopback' });
  const scrape = async () => {
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200, res.body);
    return { text: res.body, values: parse(res.body), type: res.headers['content-type'] };
  };
  return { app, hub, clock, scrape };
}

const OWN_METRICS = [
  'flvcast_streams gauge',
  'flvcast_publishers gauge',
  'flvcast_viewers gauge',
  'flvcast_received_bytes_total counter',
  'flvcast_sent_bytes_total counter',
  'flvcast_dropped_tags_total counter',
  'flvcast_forward_up gauge',
  'flvcast_forward_sent_bytes gauge',
  'flvcast_forward_dropped_frames gauge',
  'flvcast_forward_reconnects gauge',
  'flvcast_forward_queued_bytes gauge',
  'flvcast_pull_up gauge',
  'flvcast_pull_received_bytes gauge',
  'flvcast_pull_reconnects gauge',
  'flvcast_stream_ingest_bits_per_second gauge',
  'flvcast_stream_frames_per_second gauge',
  'flvcast_stream_viewers gauge',
  'flvcast_viewer_queued_bytes gauge',
  'flvcast_viewer_lag_seconds gauge',
  'flvcast_time_to_first_frame_seconds histogram',
  'flvcast_publish_sessions_total counter',
  'flvcast_viewer_sessions_total counter',
  'flvcast_access_denied_total counter',
  'flvcast_limit_hits_total counter',
  'flvcast_dvr_recordings gauge',
  'flvcast_dvr_written_bytes_total counter',
  'flvcast_dvr_files_total counter',
  'flvcast_dvr_failures_total counter',
  'flvcast_dvr_dropped_bytes_total counter',
];

test('GET /metrics: Prometheus text format with the flvcast_ metrics and the process metrics', async (t) => {
  const { app, scrape } = await setup();
  t.after(() => app.close());
  const { text, type } = await scrape();
  assert.match(type as string, /^text\/plain; version=0\.0\.4/);
  const types = [...text.matchAll(/^# TYPE (flvcast_\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(types.sort(), [...OWN_METRICS].sort());
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
    assert.match(text, new RegExp(`^${name} `, 'm'), name);
  }
});

test('values follow the hub: streams, viewers by protocol, bytes in/out, per-stream gauges, first frames', async (t) => {
  const { app, hub, clock, scrape } = await setup();
  t.after(() => app.close());
  let v = (await scrape()).values;
  assert.equal(v.get('flvcast_streams'), 0);
  assert.equal(v.get('flvcast_viewers{protocol="http-flv",format="flv"}'), 0, 'idle protocols are exported at 0');
  assert.equal(v.get('flvcast_viewers{protocol="ws-flv",format="flv"}'), 0);

  const { pub } = publishAv(hub, clock);
  const slowSink = new RecordingSink();
  const slow = hub.subscribe(cam1, flvFormat, slowSink, { protocol: 'http-flv' })!;
  const ws = hub.subscribe(cam1, flvFormat, new RecordingSink(), { protocol: 'ws-flv' })!;
  slowSink.accepting = false;
  feed(pub, clock, 3, 1);
  v = (await scrape()).values;
  assert.equal(v.get('flvcast_streams'), 1);
  assert.equal(v.get('flvcast_publishers'), 1);
  assert.equal(v.get('flvcast_viewers{protocol="http-flv",format="flv"}'), 1);
  assert.equal(v.get('flvcast_viewers{protocol="ws-flv",format="flv"}'), 1);
  assert.equal(v.get('flvcast_received_bytes_total'), pub.bytesIn);
  assert.equal(v.get('flvcast_sent_bytes_total'), slow.bytesSent + ws.bytesSent);
  assert.equal(v.get('flvcast_stream_ingest_bits_per_second{stream="live/cam1"}'), hub.get(cam1)!.rate.kbps * 1000);
  assert.ok(v.get('flvcast_stream_ingest_bits_per_second{stream="live/cam1"}')! > 0);
  assert.equal(v.get('flvcast_stream_frames_per_second{stream="live/cam1"}'), 25);
  assert.equal(v.get('flvcast_stream_viewers{stream="live/cam1"}'), 2);
  assert.equal(v.get('flvcast_viewer_queued_bytes{stream="live/cam1"}'), slow.queuedBytes);
  assert.ok(slow.queuedBytes > 0);
  assert.equal(v.get('flvcast_viewer_lag_seconds{stream="live/cam1"}'), slow.queuedMs / 1000);
  assert.equal(v.get('flvcast_time_to_first_frame_seconds_count{protocol="http-flv"}'), 1);
  assert.equal(v.get('flvcast_time_to_first_frame_seconds_count{protocol="ws-flv"}'), 1);
  assert.equal(v.get('flvcast_time_to_first_frame_seconds_bucket{le="0.01",protocol="ws-flv"}'), 1, 'the GOP cache: a frame at once');
  assert.equal(v.get('flvcast_publish_sessions_total'), 1);
  assert.equal(v.get('flvcast_viewer_sessions_total{protocol="http-flv"}'), 1);

  // The publisher leaves and the viewers are ended: gauges fall, byte counters keep what they counted.
  const sentBefore = v.get('flvcast_sent_bytes_total')!;
  const inBefore = v.get('flvcast_received_bytes_total')!;
  hub.get(cam1)!.close('kicked');
  v = (await scrape()).values;
  assert.equal(v.get('flvcast_streams'), 0);
  assert.equal(v.get('flvcast_viewers{protocol="http-flv",format="flv"}'), 0);
  assert.equal(v.get('flvcast_sent_bytes_total'), sentBefore, 'counters never go down when clients leave');
  assert.equal(v.get('flvcast_received_bytes_total'), inBefore);
  assert.equal([...v.keys()].filter((k) => k.includes('stream="live/cam1"')).length, 0, 'no series left for an ended stream');

  // A new publisher and a new viewer add to the totals.
  const again = publishAv(hub, clock, cam1, 1).pub;
  const next = hub.subscribe(cam1, flvFormat, new RecordingSink(), { protocol: 'ws-flv' })!;
  feed(again, clock, 1, 1);
  v = (await scrape()).values;
  assert.equal(v.get('flvcast_received_bytes_total'), inBefore + again.bytesIn);
  assert.equal(v.get('flvcast_sent_bytes_total'), sentBefore + next.bytesSent);
  assert.equal(v.get('flvcast_publish_sessions_total'), 2);
});

test('a viewer cut back to a keyframe: its dropped tags are counted and stay counted after it leaves', async (t) => {
  const { app, clock, scrape } = await setup();
  t.after(() => app.close());
  const { hub } = { hub: app.streams };
  const { pub } = publishAv(hub, clock, cam1, 1);
  const sink = new RecordingSink();
  const sub = hub.subscribe(cam1, flvFormat, sink, { protocol: 'http-flv' })!;
  sink.accepting = false;
  feed(pub, clock, 1, 12); // more than maxQueueMs (10 s) of backlog: the hub drops it
  assert.ok(sub.droppedTags > 0);
  assert.equal((await scrape()).values.get('flvcast_dropped_tags_total'), sub.droppedTags);
  const dropped = sub.droppedTags;
  sub.end('kicked');
  assert.equal((await scrape()).values.get('flvcast_dropped_tags_total'), dropped);
});

test('deny and limit events from other plugins become labelled counters; free-text labels stay bounded', async (t) => {
  const { app, hub, scrape } = await setup();
  t.after(() => app.close());
  hub.events.emit('deny', { action: 'play', protocol: 'http-flv', remoteAddress: '203.0.113.9', stream: 'live/cam1', reason: 'bad-signature' });
  hub.events.emit('deny', { action: 'play', protocol: 'http-flv', reason: 'bad-signature' });
  hub.events.emit('deny', { action: 'publish', protocol: 'rtmp', reason: 'hook' });
  hub.events.emit('limit', { limit: 'maxConnectionsPerIp', protocol: 'rtmp', remoteAddress: '203.0.113.9' });
  let v = (await scrape()).values;
  assert.equal(v.get('flvcast_access_denied_total{action="play",protocol="http-flv",reason="bad-signature"}'), 2);
  assert.equal(v.get('flvcast_access_denied_total{action="publish",protocol="rtmp",reason="hook"}'), 1);
  assert.equal(v.get('flvcast_limit_hits_total{limit="maxConnectionsPerIp",protocol="rtmp"}'), 1);

  for (let i = 0; i < 100; i++) hub.events.emit('deny', { action: 'play', protocol: 'ws-flv', reason: `token ${i} expired` });
  v = (await scrape()).values;
  const series = [...v.keys()].filter((k) => k.startsWith('flvcast_access_denied_total{'));
  assert.ok(series.length <= 33, `bounded: ${series.length} series`);
  assert.ok(v.get('flvcast_access_denied_total{action="play",protocol="ws-flv",reason="other"}')! > 0);
});

test('two apps in one process have their own registries; closing an app stops its listeners', async (t) => {
  const a = await setup();
  const b = await setup();
  t.after(() => b.app.close());
  a.hub.events.emit('limit', { limit: 'maxStreams', protocol: 'rtmp' });
  assert.equal((await a.scrape()).values.get('flvcast_limit_hits_total{limit="maxStreams",protocol="rtmp"}'), 1);
  assert.equal((await b.scrape()).values.get('flvcast_limit_hits_total{limit="maxStreams",protocol="rtmp"}'), undefined);
  assert.notEqual(a.app.flvcastMetrics, b.app.flvcastMetrics);

  const registry = a.app.flvcastMetrics;
  await a.app.close();
  a.hub.events.emit('limit', { limit: 'maxStreams', protocol: 'rtmp' });
  assert.match(await registry.getSingleMetricAsString('flvcast_limit_hits_total'), /flvcast_limit_hits_total\{limit="maxStreams",protocol="rtmp"\} 1$/m);
});

test('/metrics is guarded like the API: 403 from elsewhere without a token, 200 with it', async (t) => {
  const { app } = await appWithHub();
  t.after(() => app.close());
  await app.register(fastifyOpsMetrics, { token: 'scrape-me', path: '/internal/metrics', processMetrics: false });
  assert.equal((await app.inject({ url: '/internal/metrics', remoteAddress: '198.51.100.4' })).statusCode, 401);
  const ok = await app.inject({ url: '/internal/metrics', remoteAddress: '198.51.100.4', headers: { authorization: 'Bearer scrape-me' } });
  assert.equal(ok.statusCode, 200);
  assert.doesNotMatch(ok.body, /process_cpu/, 'processMetrics: false leaves them out');

  const open = await appWithHub();
  t.after(() => open.app.close());
  await open.app.register(fastifyOpsMetrics);
  assert.equal((await open.app.inject({ url: '/metrics', remoteAddress: '198.51.100.4' })).statusCode, 403);
  assert.equal((await open.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode, 403, 'no loopback exemption unless asked for');
});

test("the recorder's totals (fastify.dvr) become the flvcast_dvr_ series; counters never go down", async (t) => {
  const { app } = await appWithHub();
  const totals = { active: 2, bytesWritten: 5000, filesFinished: 3, failures: 1, droppedBytes: 700 };
  app.decorate('dvr', { totals: () => totals });
  await app.register(fastifyOpsMetrics, { allowWithoutToken: 'loopback' });
  t.after(() => app.close());
  const scrape = async () => parse((await app.inject('/metrics')).body);
  let v = await scrape();
  assert.deepEqual(
    ['flvcast_dvr_recordings', 'flvcast_dvr_written_bytes_total', 'flvcast_dvr_files_total', 'flvcast_dvr_failures_total', 'flvcast_dvr_dropped_bytes_total'].map((n) => v.get(n)),
    [2, 5000, 3, 1, 700],
  );
  totals.active = 0;
  totals.bytesWritten = 9000;
  v = await scrape();
  assert.deepEqual([v.get('flvcast_dvr_recordings'), v.get('flvcast_dvr_written_bytes_total')], [0, 9000]);
});
