/**
 * The operator's view with real peers: ffmpeg publishes over RTMP, an HTTP-FLV and a WS-FLV viewer watch;
 * the HTTP API lists what is live and who is connected, kicks the viewer (its response really ends) and
 * stops the stream (ffmpeg's connection is closed, so it exits); /metrics follows all of it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fastifyOpsApi, fastifyOpsMetrics, type ClientSummary } from '@flvcast/fastify-ops';
import type { StreamSummary } from '@flvcast/hub';
import WebSocket from 'ws';
import { HttpFlvViewer, publish, request, startApp, waitForMedia, waitUntil, withTimeout } from '../src/tools.js';

/** `name{labels}` -> value from a Prometheus text exposition. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('operations API and metrics', () => {
  test('list streams and clients, scrape metrics, kick a viewer, stop the publisher', async (t) => {
    const { app, httpUrl, wsUrl, rtmpUrl } = await startApp({
      plugins: async (a) => {
        // No proxy in front here: the loopback exemption is safe to turn on.
        await a.register(fastifyOpsApi, { allowWithoutToken: 'loopback' });
        await a.register(fastifyOpsMetrics, { allowWithoutToken: 'loopback' });
      },
    });
    t.after(() => app.close());
    const api = async <T>(path: string, method = 'GET'): Promise<{ status: number; body: T }> => {
      const res = await request(`${httpUrl}${path}`, { method });
      return { status: res.status, body: JSON.parse(res.body.toString('utf8')) as T };
    };
    const scrape = async () => {
      const res = await request(`${httpUrl}/metrics`);
      assert.equal(res.status, 200);
      return parseMetrics(res.body.toString('utf8'));
    };

    const pub = publish(`${rtmpUrl}/live/ops`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'ops');
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/ops.flv`);
    t.after(() => viewer.close());
    const ws = new WebSocket(`${wsUrl}/live/ops.flv`, { perMessageDeflate: false });
    t.after(() => ws.terminate());
    let wsClosed: number | undefined;
    ws.on('close', (code) => (wsClosed = code));
    await withTimeout(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 5_000, 'the WS viewer to connect');
    await viewer.waitFor((v) => v.tags.length > 10, 5_000, 'the HTTP viewer to get tags');

    // The ingest rate needs a full window of media: poll the API as an operator would.
    let stream: StreamSummary | undefined;
    const deadline = performance.now() + 8_000;
    for (;;) {
      const { status, body } = await api<{ streams: StreamSummary[] }>('/api/v1/streams');
      assert.equal(status, 200);
      stream = body.streams.find((s) => s.name === 'live/ops');
      if (stream !== undefined && stream.ingestKbps > 0 && stream.video !== null && stream.video.fps > 0 && stream.viewers.total === 2) break;
      assert.ok(performance.now() < deadline, `the stream summary never filled in: ${JSON.stringify(stream)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(stream.publishing, true);
    assert.equal(stream.publisher?.protocol, 'rtmp');
    assert.equal(stream.publisher?.remoteAddress, '127.0.0.1');
    assert.equal(stream.video?.codec, 'avc');
    assert.equal(stream.video?.width, 320);
    assert.equal(stream.video?.height, 240);
    assert.ok(stream.video!.fps > 10 && stream.video!.fps < 40, `about 25 fps: ${stream.video!.fps}`);
    assert.equal(stream.audio?.codec, 'aac');
    assert.equal(stream.audio?.sampleRate, 44100);
    assert.ok(stream.ingestKbps > 0);
    assert.deepEqual(stream.viewers.byProtocol, { 'http-flv': 1, 'ws-flv': 1 });
    assert.equal((await api<StreamSummary>('/api/v1/streams/live/ops')).body.name, 'live/ops');

    const { body: clientList } = await api<{ clients: ClientSummary[] }>('/api/v1/clients');
    const clients = clientList.clients;
    assert.deepEqual(clients.map((c) => [c.role, c.protocol, c.ip, c.stream]), [
      ['publisher', 'rtmp', '127.0.0.1', 'live/ops'],
      ['viewer', 'http-flv', '127.0.0.1', 'live/ops'],
      ['viewer', 'ws-flv', '127.0.0.1', 'live/ops'],
    ]);
    for (const c of clients) assert.ok(c.bytes > 0, `${c.role} ${c.protocol} moved bytes`);
    const httpClient = clients.find((c) => c.protocol === 'http-flv')!;
    assert.notEqual(httpClient.firstFrameMs, null);

    let m = await scrape();
    assert.equal(m.get('flvcast_streams'), 1);
    assert.equal(m.get('flvcast_publishers'), 1);
    assert.equal(m.get('flvcast_viewers{protocol="http-flv",format="flv"}'), 1);
    assert.equal(m.get('flvcast_viewers{protocol="ws-flv",format="flv"}'), 1);
    assert.ok(m.get('flvcast_received_bytes_total')! > 0);
    assert.ok(m.get('flvcast_sent_bytes_total')! > 0);
    assert.ok(m.get('flvcast_stream_ingest_bits_per_second{stream="live/ops"}')! > 0);
    assert.equal(m.get('flvcast_time_to_first_frame_seconds_count{protocol="http-flv"}'), 1);
    assert.equal(m.get('flvcast_time_to_first_frame_seconds_count{protocol="ws-flv"}'), 1);
    assert.ok(m.get('process_resident_memory_bytes')! > 0);
    // Access control and limits report through the hub; the counters move when they do.
    app.streams.events.emit('deny', { action: 'play', protocol: 'http-flv', remoteAddress: '203.0.113.1', reason: 'bad-token' });
    app.streams.events.emit('limit', { limit: 'maxViewersPerStream', protocol: 'ws-flv' });
    const sentBefore = m.get('flvcast_sent_bytes_total')!;
    const receivedBefore = m.get('flvcast_received_bytes_total')!;

    // Kick the HTTP viewer: the server ends its response (the chunked terminator arrives).
    const kicked = await api<{ id: string; role: string }>(`/api/v1/clients/${httpClient.id}`, 'DELETE');
    assert.equal(kicked.status, 200);
    assert.deepEqual(kicked.body, { id: httpClient.id, role: 'viewer', stream: 'live/ops' });
    await viewer.waitForEnd(5_000);
    assert.equal(viewer.ended, true, 'a clean end of the response, not a reset');
    assert.equal(wsClosed, undefined, 'the WS viewer is still watching');

    m = await scrape();
    assert.equal(m.get('flvcast_viewers{protocol="http-flv",format="flv"}'), 0);
    assert.ok(m.get('flvcast_sent_bytes_total')! >= sentBefore, 'bytes sent count the kicked viewer still');
    assert.ok(m.get('flvcast_received_bytes_total')! >= receivedBefore, 'counters never go down');
    assert.equal(m.get('flvcast_access_denied_total{action="play",protocol="http-flv",reason="bad-token"}'), 1);
    assert.equal(m.get('flvcast_limit_hits_total{limit="maxViewersPerStream",protocol="ws-flv"}'), 1);

    // Stop the stream: ffmpeg's RTMP connection is closed (so it exits), the WS viewer is closed.
    const stopped = await api<{ name: string; publisher: string; viewers: number }>('/api/v1/streams/live/ops', 'DELETE');
    assert.equal(stopped.status, 200);
    assert.deepEqual(stopped.body, { name: 'live/ops', publisher: clients[0]!.id, viewers: 1 });
    // The encode lasts 20 s: ffmpeg exiting within 10 s means the server closed its connection.
    const result = await withTimeout(pub.done, 10_000, 'ffmpeg to exit after its stream was stopped');
    assert.equal(result.timedOut, false);
    await waitUntil(() => wsClosed !== undefined, 5_000, 'the WS viewer to be closed');
    assert.equal((await api('/api/v1/streams/live/ops')).status, 404);
    assert.deepEqual((await api<{ streams: unknown[] }>('/api/v1/streams')).body, { streams: [] });
    m = await scrape();
    assert.equal(m.get('flvcast_streams'), 0);
    assert.equal(m.get('flvcast_publish_sessions_total'), 1);
  });
});
