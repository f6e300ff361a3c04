import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer, resolveConfig, type DashboardConfig } from '../src/index.js';
import type { StreamSummary } from '@flvcast/hub';

// An FLV AVC sequence header (a minimal, truncated SPS: no resolution in it), then one keyframe.
const avcSeq = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]);
const key = Uint8Array.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, 0]);

async function server(overrides: Record<string, unknown> = {}) {
  const { app } = await buildServer(resolveConfig({ rtmpListen: ['127.0.0.1:0'], logLevel: 'silent', ...overrides }));
  await app.ready();
  return app;
}

test('dashboard feed: an empty array with CORS when nothing is live, never a 404', async (t) => {
  const app = await server();
  t.after(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/dashboard/streams.json', headers: { origin: 'http://elsewhere.example' } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.deepEqual(res.json(), []);
});

test('dashboard feed: one summary per stream (summarizeStream), publisher address withheld', async (t) => {
  const app = await server();
  t.after(() => app.close());
  const publisher = app.streams.publish({ vhost: '', app: 'live', stream: 'cam1' }, { protocol: 'rtmp', remoteAddress: '203.0.113.7' });
  publisher.video(0, avcSeq);
  publisher.video(0, key);
  const list = (await app.inject({ method: 'GET', url: '/dashboard/streams.json' })).json<StreamSummary[]>();
  assert.equal(list.length, 1);
  const s = list[0]!;
  assert.equal(s.name, 'live/cam1');
  assert.equal(s.app, 'live');
  assert.equal(s.stream, 'cam1');
  assert.equal(s.publishing, true);
  assert.equal(s.publisher?.protocol, 'rtmp');
  assert.equal(s.publisher?.remoteAddress, null, 'the public feed must not show who publishes');
  assert.equal(s.video?.codec, 'avc');
  assert.equal(s.audio, null);
  assert.deepEqual(s.viewers, { total: 0, byProtocol: {}, byFormat: {} });
  assert.ok(s.uptimeMs >= 0 && s.uptimeMs < 60_000, `uptime measured on the hub's clock: ${s.uptimeMs}`);
  for (const k of ['uptimeMs', 'ingestKbps', 'gopMs', 'bytesIn', 'droppedTags'] as const) assert.equal(typeof s[k], 'number', k);
});

test('dashboard config: mount, WS switch and the RTMP address for OBS URLs', async (t) => {
  const app = await server({ websocket: false });
  t.after(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/dashboard/config.json' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const config = res.json<DashboardConfig>();
  assert.equal(config.flvPath, '[app]/[stream].flv');
  // Every mount by its extension, for the player's FLV/TS choice and the URL list.
  assert.equal(config.paths.flv, '[app]/[stream].flv');
  assert.equal(config.paths.aac, '[app]/[stream].aac');
  assert.equal(config.paths.mp3, '[app]/[stream].mp3');
  assert.equal(config.websocket, false);
  assert.equal(config.pollMs, 2000);
  assert.equal(config.rtmp.length, 1);
  assert.equal(config.rtmp[0]!.host, '127.0.0.1');
  assert.ok(config.rtmp[0]!.port > 0);
});

test('dashboard page and assets: the page, its script, and mpegts.js from the npm package', async (t) => {
  const app = await server();
  t.after(() => app.close());
  const page = await app.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /src="vendor\/mpegts\.js"/);
  assert.match(page.body, /src="dashboard\/app\.js"/);
  const script = await app.inject({ method: 'GET', url: '/dashboard/app.js' });
  assert.equal(script.statusCode, 200, 'the page script is built by `tsc -b`');
  assert.match(String(script.headers['content-type']), /javascript/);
  assert.match(script.body, /dashboard\/streams\.json/);
  const mpegts = await app.inject({ method: 'GET', url: '/vendor/mpegts.js' });
  assert.equal(mpegts.statusCode, 200);
  assert.match(String(mpegts.headers['content-type']), /javascript/);
  assert.ok(mpegts.body.length > 100_000 && mpegts.body.includes('mpegts'), 'the mpegts.js dist bundle');
  assert.equal(mpegts.headers['access-control-allow-origin'], '*');
  const again = await app.inject({ method: 'GET', url: '/vendor/mpegts.js', headers: { 'if-none-match': String(mpegts.headers.etag) } });
  assert.equal(again.statusCode, 304);
  assert.equal((await app.inject({ method: 'GET', url: '/dashboard/style.css' })).statusCode, 200);
});

test('crossdomain: false leaves CORS headers off the dashboard too', async (t) => {
  const app = await server({ crossdomain: false });
  t.after(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/dashboard/streams.json' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
});

test('dashboard: false removes the page, its assets and its feed', async (t) => {
  const app = await server({ dashboard: false });
  t.after(() => app.close());
  for (const url of ['/', '/dashboard/streams.json', '/dashboard/config.json', '/dashboard/app.js', '/vendor/mpegts.js']) {
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
  }
});
