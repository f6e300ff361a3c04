import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeStream } from '@flvcast/hub';
import Fastify from 'fastify';
import { fastifyOpsApi, type ClientSummary } from '../src/index.js';
import { RecordingSink, appWithHub, cam1, feed, publishAv } from './fixtures.js';
import { flvFormat } from '@flvcast/mux';

async function setup() {
  const { app, hub, clock } = await appWithHub();
  // inject() comes from 127.0.0.1: these tests are about the routes, the exemption is tested below.
  await app.register(fastifyOpsApi, { allowWithoutToken: 'loopback' });
  const { pub, evicted } = publishAv(hub, clock);
  const httpSink = new RecordingSink();
  const wsSink = new RecordingSink();
  const httpViewer = hub.subscribe(cam1, flvFormat, httpSink, { protocol: 'http-flv', remoteAddress: '198.51.100.1' })!;
  const wsViewer = hub.subscribe(cam1, flvFormat, wsSink, { protocol: 'ws-flv', remoteAddress: '198.51.100.2' })!;
  feed(pub, clock, 3, 1);
  return { app, hub, clock, pub, evicted, httpSink, wsSink, httpViewer, wsViewer };
}

test('GET /api/v1/streams: every field of the hub summary survives the response schema', async (t) => {
  const { app, hub, clock } = await setup();
  t.after(() => app.close());
  const res = await app.inject('/api/v1/streams');
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^application\/json/);
  const body = res.json<{ streams: unknown[] }>();
  assert.deepEqual(body, { streams: [JSON.parse(JSON.stringify(summarizeStream(hub.get(cam1)!, clock.t)))] });
  const s = body.streams[0] as ReturnType<typeof summarizeStream>;
  assert.equal(s.name, 'live/cam1');
  assert.deepEqual(s.video, { codec: 'avc', width: 320, height: 240, fps: 25 });
  assert.equal(s.audio?.codec, 'aac');
  assert.ok(s.ingestKbps > 0);
  assert.equal(s.gopMs, 1000);
  assert.deepEqual(s.viewers, { total: 2, byProtocol: { 'http-flv': 1, 'ws-flv': 1 }, byFormat: { flv: 2 } });
  assert.deepEqual(s.publisher, { id: s.publisher!.id, protocol: 'rtmp', remoteAddress: '192.0.2.7' });
});

test('GET /api/v1/streams/:app/:stream (and /:vhost/:app/:stream): the name is the path; 404 unknown, 400 bad name', async (t) => {
  const { app, hub, clock } = await setup();
  t.after(() => app.close());
  const one = await app.inject('/api/v1/streams/live/cam1');
  assert.equal(one.statusCode, 200);
  assert.equal(one.json<{ name: string }>().name, 'live/cam1');

  const vkey = { vhost: 'tv.example', app: 'live', stream: 'news' };
  publishAv(hub, clock, vkey, 1);
  const v = await app.inject('/api/v1/streams/tv.example/live/news');
  assert.equal(v.statusCode, 200);
  assert.equal(v.json<{ name: string; vhost: string }>().name, 'tv.example/live/news');

  const missing = await app.inject('/api/v1/streams/live/nope');
  assert.equal(missing.statusCode, 404);
  assert.match(missing.json<{ message: string }>().message, /live\/nope/);
  assert.equal((await app.inject('/api/v1/streams/live/a%20b')).statusCode, 400);
});

test('GET /api/v1/clients: publisher and viewers with protocol, ip, stream, bytes, lag, drops, since', async (t) => {
  const { app, clock, pub, httpSink, httpViewer, wsViewer } = await setup();
  t.after(() => app.close());
  // The HTTP viewer stops reading: what the hub holds for it is its lag.
  httpSink.accepting = false;
  feed(pub, clock, 4, 1);
  const res = await app.inject('/api/v1/clients');
  assert.equal(res.statusCode, 200);
  const clients = res.json<{ clients: ClientSummary[] }>().clients;
  assert.deepEqual(clients.map((c) => [c.role, c.protocol, c.ip, c.stream]), [
    ['publisher', 'rtmp', '192.0.2.7', 'live/cam1'],
    ['viewer', 'http-flv', '198.51.100.1', 'live/cam1'],
    ['viewer', 'ws-flv', '198.51.100.2', 'live/cam1'],
  ]);
  const [p, h, w] = clients as [ClientSummary, ClientSummary, ClientSummary];
  assert.equal(p.id, pub.id);
  assert.equal(p.bytes, pub.bytesIn);
  assert.equal(h.id, httpViewer.id);
  assert.equal(h.bytes, httpViewer.bytesSent);
  assert.ok(h.lag.bytes > 0 && h.lag.bytes === httpViewer.queuedBytes, JSON.stringify(h.lag));
  assert.ok(h.lag.ms > 0 && h.lag.ms === httpViewer.queuedMs, JSON.stringify(h.lag));
  assert.deepEqual(w.lag, { bytes: 0, ms: 0 });
  assert.equal(w.bytes, wsViewer.bytesSent);
  assert.equal(h.connectedMs, 2000, 'subscribed 2 s of hub clock ago');
  assert.ok(Math.abs(Date.parse(h.since) - (Date.now() - 2000)) < 60_000, h.since);
  assert.equal(h.firstFrameMs, 0, 'the GOP cache gave it a frame at once');
  for (const c of clients) assert.deepEqual(Object.keys(c).sort(), ['bytes', 'connectedMs', 'droppedTags', 'firstFrameMs', 'format', 'id', 'internal', 'ip', 'lag', 'protocol', 'role', 'since', 'skips', 'stream']);
  assert.deepEqual(clients.map((c) => c.internal), [false, false, false], 'people, not relays');
  assert.deepEqual(clients.map((c) => [c.role, c.format]).sort(), [['publisher', null], ['viewer', 'flv'], ['viewer', 'flv']].sort());

  const one = await app.inject(`/api/v1/clients/${h.id}`);
  assert.equal(one.statusCode, 200);
  assert.equal(one.json<ClientSummary>().protocol, 'http-flv');
  assert.equal((await app.inject('/api/v1/clients?stream=live/other')).json<{ clients: unknown[] }>().clients.length, 0);
  assert.equal((await app.inject('/api/v1/clients?stream=live/cam1')).json<{ clients: unknown[] }>().clients.length, 3);
  assert.equal((await app.inject('/api/v1/clients/zzz')).statusCode, 404);
  assert.equal((await app.inject('/api/v1/clients/NOT-AN-ID')).statusCode, 400);
});

test('DELETE /api/v1/clients/:id kicks a viewer (its sink is ended "kicked") or a publisher (evicted); 404 after', async (t) => {
  const { app, hub, httpSink, wsSink, httpViewer, pub, evicted } = await setup();
  t.after(() => app.close());
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/clients/${httpViewer.id}` });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { id: httpViewer.id, role: 'viewer', stream: 'live/cam1' });
  assert.equal(httpSink.ended, 'kicked');
  assert.equal(wsSink.ended, undefined, 'the other viewer stays');
  assert.equal(hub.get(cam1)!.subscribers.size, 1);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/clients/${httpViewer.id}` })).statusCode, 404);
  assert.equal((await app.inject(`/api/v1/clients/${httpViewer.id}`)).statusCode, 404);

  const kickPub = await app.inject({ method: 'DELETE', url: `/api/v1/clients/${pub.id}` });
  assert.deepEqual(kickPub.json(), { id: pub.id, role: 'publisher', stream: 'live/cam1' });
  assert.deepEqual(evicted, ['kicked']);
  assert.equal(pub.ended, true);
});

test('DELETE /api/v1/streams/:app/:stream evicts the publisher and ends the viewers at once; the stream is gone', async (t) => {
  const { app, hub, httpSink, wsSink, pub, evicted } = await setup();
  t.after(() => app.close());
  const res = await app.inject({ method: 'DELETE', url: '/api/v1/streams/live/cam1' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { name: 'live/cam1', publisher: pub.id, viewers: 2 });
  assert.deepEqual(evicted, ['kicked']);
  assert.equal(httpSink.ended, 'kicked', 'no reconnect grace for a stopped stream');
  assert.equal(wsSink.ended, 'kicked');
  assert.equal(hub.size, 0);
  assert.equal((await app.inject('/api/v1/streams/live/cam1')).statusCode, 404);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/streams/live/cam1' })).statusCode, 404);
});

test('GET /api/v1/summary: process figures and totals that keep what departed clients moved', async (t) => {
  const { app, pub, httpViewer, wsViewer } = await setup();
  t.after(() => app.close());
  type Summary = { process: { pid: number; uptimeSeconds: number; cpu: { percent: number; userSeconds: number }; memory: { rss: number; heapUsed: number } }; totals: Record<string, unknown> };
  const before = (await app.inject('/api/v1/summary')).json<Summary>();
  assert.equal(before.process.pid, process.pid);
  assert.ok(before.process.memory.rss > 0 && before.process.memory.heapUsed > 0);
  assert.ok(before.process.cpu.userSeconds > 0 && before.process.cpu.percent >= 0);
  assert.ok(before.process.uptimeSeconds > 0);
  const sent = httpViewer.bytesSent + wsViewer.bytesSent;
  assert.deepEqual(before.totals, { streams: 1, publishers: 1, viewers: 2, viewersByProtocol: { 'http-flv': 1, 'ws-flv': 1 }, viewersByFormat: { flv: 2 }, bytesIn: pub.bytesIn, bytesOut: sent, droppedTags: 0 });

  await app.inject({ method: 'DELETE', url: '/api/v1/streams/live/cam1' });
  const after = (await app.inject('/api/v1/summary')).json<Summary>();
  assert.deepEqual(after.totals, { streams: 0, publishers: 0, viewers: 0, viewersByProtocol: {}, viewersByFormat: {}, bytesIn: pub.bytesIn, bytesOut: sent, droppedTags: 0 });
});

test('access: by default nobody is let in without a token, loopback included (a proxy on the same host looks local)', async (t) => {
  const { app, hub, clock } = await appWithHub();
  t.after(() => app.close());
  await app.register(fastifyOpsApi);
  publishAv(hub, clock, cam1, 1);
  for (const remoteAddress of ['127.0.0.1', '::1', '203.0.113.5']) {
    const res = await app.inject({ url: '/api/v1/streams', remoteAddress });
    assert.equal(res.statusCode, 403, remoteAddress);
  }
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/streams/live/cam1', remoteAddress: '127.0.0.1' })).statusCode, 403);
  assert.equal(hub.size, 1, 'a refused stop stops nothing');

  const tokened = (await appWithHub()).app;
  t.after(() => tokened.close());
  await tokened.register(fastifyOpsApi, { token: 'tok' });
  assert.equal((await tokened.inject({ url: '/api/v1/summary', remoteAddress: '127.0.0.1' })).statusCode, 401);
  assert.equal((await tokened.inject({ url: '/api/v1/summary', remoteAddress: '127.0.0.1', headers: { authorization: 'Bearer tok' } })).statusCode, 200);
});

test("access: allowWithoutToken 'loopback': loopback without a token; 403 from elsewhere when no token is configured", async (t) => {
  const { app } = await setup();
  t.after(() => app.close());
  app.get('/outside', async () => 'open');
  for (const remoteAddress of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
    assert.equal((await app.inject({ url: '/api/v1/streams', remoteAddress })).statusCode, 200, remoteAddress);
  }
  for (const remoteAddress of ['203.0.113.5', '::ffff:10.0.0.1', '2001:db8::1', '128.0.0.1']) {
    const res = await app.inject({ url: '/api/v1/streams', remoteAddress, headers: { authorization: 'Bearer whatever' } });
    assert.equal(res.statusCode, 403, remoteAddress);
    assert.equal(res.json<{ error: string }>().error, 'Forbidden');
  }
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/streams/live/cam1', remoteAddress: '203.0.113.5' })).statusCode, 403);
  assert.equal((await app.inject({ url: '/outside', remoteAddress: '203.0.113.5' })).statusCode, 200, 'the guard stays inside the API');
});

test("access: with a token, remote clients need it (401 without or wrong), loopback may omit it with allowWithoutToken 'loopback'", async (t) => {
  const { app, hub, clock } = await appWithHub();
  t.after(() => app.close());
  await app.register(fastifyOpsApi, { token: 's3cret-token', allowWithoutToken: 'loopback' });
  publishAv(hub, clock, cam1, 1);
  const remote = '203.0.113.5';
  const none = await app.inject({ url: '/api/v1/streams', remoteAddress: remote });
  assert.equal(none.statusCode, 401);
  assert.match(none.headers['www-authenticate'] as string, /^Bearer/);
  for (const authorization of ['Bearer wrong', 'Bearer s3cret-token2', 'Bearer s3cret-toke', 'Basic s3cret-token', 's3cret-token', 'Bearer']) {
    assert.equal((await app.inject({ url: '/api/v1/streams', remoteAddress: remote, headers: { authorization } })).statusCode, 401, authorization);
  }
  assert.equal((await app.inject({ url: '/api/v1/streams', remoteAddress: remote, headers: { authorization: 'Bearer s3cret-token' } })).statusCode, 200);
  assert.equal((await app.inject({ url: '/api/v1/streams', remoteAddress: remote, headers: { authorization: 'bearer  s3cret-token' } })).statusCode, 200);
  assert.equal((await app.inject({ url: '/api/v1/streams', remoteAddress: '127.0.0.1' })).statusCode, 200);
  assert.equal((await app.inject({ url: '/api/v1/streams', remoteAddress: '127.0.0.1', headers: { authorization: 'Bearer wrong' } })).statusCode, 401, 'a wrong token is wrong from anywhere');
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/streams/live/cam1', remoteAddress: remote })).statusCode, 401);
  assert.equal(hub.size, 1, 'an unauthorized stop stops nothing');
});

test("access: allowWithoutToken 'none' and a custom rule", async (t) => {
  const strict = (await appWithHub()).app;
  t.after(() => strict.close());
  await strict.register(fastifyOpsApi, { token: 'tok', allowWithoutToken: 'none' });
  assert.equal((await strict.inject({ url: '/api/v1/summary', remoteAddress: '127.0.0.1' })).statusCode, 401);
  assert.equal((await strict.inject({ url: '/api/v1/summary', remoteAddress: '127.0.0.1', headers: { authorization: 'Bearer tok' } })).statusCode, 200);

  const lan = (await appWithHub()).app;
  t.after(() => lan.close());
  await lan.register(fastifyOpsApi, { allowWithoutToken: (ip) => ip.startsWith('10.'), prefix: '/ops' });
  assert.equal((await lan.inject({ url: '/ops/summary', remoteAddress: '10.1.2.3' })).statusCode, 200);
  assert.equal((await lan.inject({ url: '/ops/summary', remoteAddress: '127.0.0.1' })).statusCode, 403);
  assert.equal((await lan.inject({ url: '/api/v1/summary', remoteAddress: '10.1.2.3' })).statusCode, 404, 'prefix moves the API');
});

test('registration: invalid options fail with FST_FLVCAST_OPS_INVALID_OPTION; without a hub it fails at boot, naming the HTTP-FLV plugin', async () => {
  for (const [opts, re] of [
    [{ prefix: 'api' }, /prefix/],
    [{ prefix: '/api/' }, /prefix/],
    [{ token: '' }, /token/],
    [{ token: 'has space' }, /token/],
    [{ allowWithoutToken: 'everyone' }, /allowWithoutToken/],
  ] as const) {
    const { app } = await appWithHub();
    await assert.rejects(async () => {
      await app.register(fastifyOpsApi, opts as never);
      await app.ready();
    }, (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_OPS_INVALID_OPTION' && re.test(err.message));
    await app.close();
  }
  const bare = Fastify();
  await assert.rejects(async () => {
    await bare.register(fastifyOpsApi);
    await bare.ready();
  }, (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_NO_HUB' && /@flvcast\/fastify-http-flv/.test(err.message));
  await bare.close();
});
