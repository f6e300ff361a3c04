import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { FlvDemuxer } from '@flvcast/flv';
import { Hub } from '@flvcast/hub';
import { WebSocket } from 'ws';
import httpFlv, { type HttpFlvPluginOptions } from '../src/index.js';

const avcSeq = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]);
const key = (n: number) => Uint8Array.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, n]);
const inter = (n: number) => Uint8Array.from([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41, n]);

async function appWithStream(opts: HttpFlvPluginOptions = {}) {
  const app = Fastify();
  await app.register(httpFlv, opts);
  await app.ready();
  const pub = app.streams.publish({ vhost: '', app: 'live', stream: 'cam1' }, { protocol: 'test' });
  pub.data('onMetaData', { videocodecid: 7 });
  pub.video(0, avcSeq);
  pub.video(0, key(0));
  return { app, pub };
}

test('decorates the hub as fastify.streams', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await app.register(httpFlv);
  assert.ok(app.streams instanceof Hub);
  const hub = new Hub();
  const other = Fastify();
  t.after(() => other.close());
  await other.register(httpFlv, { hub });
  assert.equal(other.streams, hub);
});

test('invalid options fail registration with FST_FLVCAST_INVALID_OPTION naming the option', async () => {
  for (const [opts, re] of [
    [{ mount: '[stream].mp4' }, /mount/],
    [{ crossdomain: 'yes' }, /crossdomain/],
    [{ gopCache: 1 }, /gopCache/],
    [{ maxQueueBytes: 0 }, /maxQueueBytes/],
    [{ highWaterMarkBytes: 10 }, /highWaterMarkBytes/],
  ] as const) {
    const app = Fastify();
    await assert.rejects(async () => { await app.register(httpFlv, opts as never); await app.ready(); }, (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_INVALID_OPTION' && re.test(err.message));
    await app.close();
  }
});

test('unknown stream: 404 at once; bad name: 400; HEAD: headers only', async (t) => {
  const { app } = await appWithStream();
  t.after(() => app.close());
  const missing = await app.inject('/live/nope.flv');
  assert.equal(missing.statusCode, 404);
  for (const url of ['/live/a%00b.flv', '/live/a%5Cb.flv', '/live/..%2fx.flv', '/live/a..b.flv', '/li%2e%2e/x.flv']) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 400, url);
  }
  const head = await app.inject({ method: 'HEAD', url: '/live/cam1.flv' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-type'], 'video/x-flv');
  assert.equal(head.headers['x-accel-buffering'], 'no');
  assert.equal(head.body, '');
  assert.equal(app.streams.get({ vhost: '', app: 'live', stream: 'cam1' })!.subscribers.size, 0, 'HEAD subscribes nobody');
});

test('GET streams FLV with the right headers, ignores Range, and ends when the stream ends', async (t) => {
  const { app, pub } = await appWithStream({ reconnectGraceMs: 0 });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/live/cam1.flv', headers: { range: 'bytes=100-' } }, resolve).on('error', reject).end();
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'video/x-flv');
  assert.match(String(res.headers['cache-control']), /no-cache/);
  assert.equal(res.headers['x-accel-buffering'], 'no', 'nginx must not buffer an endless live body');
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const demuxer = new FlvDemuxer();
  const tags: number[] = [];
  res.on('data', (c: Buffer) => tags.push(...demuxer.push(new Uint8Array(c)).map((x) => x.type)));
  await new Promise((r) => setTimeout(r, 50));
  pub.video(40, inter(1));
  pub.end();
  await new Promise<void>((resolve) => res.on('end', resolve));
  assert.deepEqual(demuxer.header && [demuxer.header.hasAudio, demuxer.header.hasVideo], [false, true]);
  assert.deepEqual(tags, [18, 9, 9, 9]);
});

test('CORS preflight on the FLV route; crossdomain: false turns it off', async (t) => {
  const { app } = await appWithStream();
  t.after(() => app.close());
  const res = await app.inject({
    method: 'OPTIONS',
    url: '/live/cam1.flv',
    headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
  });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.match(String(res.headers['access-control-allow-headers']), /Range/i);
  assert.match(String(res.headers['access-control-allow-methods']), /^GET, HEAD, OPTIONS$/);
  // Whatever request headers a player asks for are allowed (a fixed list made browsers block the request).
  const custom = await app.inject({
    method: 'OPTIONS',
    url: '/live/cam1.flv',
    headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-auth-token,x-requested-with,range' },
  });
  assert.equal(custom.statusCode, 204);
  const allowed = String(custom.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/);
  for (const h of ['x-auth-token', 'x-requested-with', 'range']) assert.ok(allowed.includes(h), `${h} in ${allowed.join(',')}`);
  const get = await app.inject({ method: 'HEAD', url: '/live/cam1.flv', headers: { origin: 'https://player.example' } });
  assert.ok(get.headers['access-control-expose-headers'] !== undefined, 'expose-headers stays');
  const off = await appWithStream({ crossdomain: false });
  t.after(() => off.app.close());
  const head = await off.app.inject({ method: 'HEAD', url: '/live/cam1.flv', headers: { origin: 'https://x.example' } });
  assert.equal(head.headers['access-control-allow-origin'], undefined);
});

test('the [vhost]/[app]/[stream].flv mount keys streams by vhost', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await app.register(httpFlv, { mount: '[vhost]/[app]/[stream].flv' });
  const pub = app.streams.publish({ vhost: 'tenant1', app: 'live', stream: 'cam1' }, { protocol: 'test' });
  pub.video(0, avcSeq);
  assert.equal((await app.inject({ method: 'HEAD', url: '/tenant1/live/cam1.flv' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'HEAD', url: '/tenant2/live/cam1.flv' })).statusCode, 404);
});

test('WS-FLV on the same path: binary messages forming the same FLV stream; unknown stream refused', async (t) => {
  const { app, pub } = await appWithStream();
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/live/cam1.flv`);
  const demuxer = new FlvDemuxer();
  const types: number[] = [];
  let textFrames = 0;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) textFrames++;
    types.push(...demuxer.push(new Uint8Array(data)).map((x) => x.type));
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await new Promise((r) => setTimeout(r, 50));
  pub.video(40, inter(1));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(textFrames, 0);
  assert.ok(demuxer.header);
  assert.deepEqual(types, [18, 9, 9, 9]);
  ws.close();
  const bad = new WebSocket(`ws://127.0.0.1:${port}/live/nope.flv`);
  const status = await new Promise<number | undefined>((resolve) => {
    bad.once('unexpected-response', (_req, res) => resolve(res.statusCode));
    bad.once('open', () => resolve(undefined));
    bad.once('error', () => resolve(-1));
  });
  assert.equal(status, 404);
});

test('close() with viewers attached returns promptly', async () => {
  const { app } = await appWithStream();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const res = await new Promise<IncomingMessage>((resolve) => request({ port, host: '127.0.0.1', path: '/live/cam1.flv' }, resolve).end());
  res.resume();
  const started = Date.now();
  await app.close();
  assert.ok(Date.now() - started < 2000, 'closed within 2 s');
});

test('HTTP-FLV streams over HTTP/2 (h2c), as camera walls need past 6 connections per host', async (t) => {
  const { connect: h2connect } = await import('node:http2');
  const app = Fastify({ http2: true });
  await app.register(httpFlv);
  const pub = app.streams.publish({ vhost: '', app: 'live', stream: 'cam1' }, { protocol: 'test' });
  pub.data('onMetaData', { videocodecid: 7 });
  pub.video(0, avcSeq);
  pub.video(0, key(0));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const client = h2connect(`http://127.0.0.1:${port}`);
  // The client's session first: the server's close() waits for open HTTP/2 sessions (72 s idle timeout).
  t.after(async () => {
    client.close();
    await app.close();
  });
  const streams = Array.from({ length: 8 }, () => client.request({ ':path': '/live/cam1.flv' }));
  const results = await Promise.all(
    streams.map(
      (req) =>
        new Promise<{ status: number; types: number[] }>((resolve) => {
          let status = 0;
          const demuxer = new FlvDemuxer();
          const types: number[] = [];
          req.on('response', (headers) => (status = Number(headers[':status'])));
          req.on('data', (c: Buffer) => {
            types.push(...demuxer.push(new Uint8Array(c)).map((x) => x.type));
            if (types.length >= 3) {
              req.close();
              resolve({ status, types });
            }
          });
        }),
    ),
  );
  // One connection, eight concurrent live streams, each starting with metadata, sequence header, keyframe.
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.deepEqual(r.types.slice(0, 3), [18, 9, 9]);
  }
});

test("another server's pull (flvcast-pull) is written without the merge window: it feeds viewers whose own server merges", async (t) => {
  const { app } = await appWithStream({ mergeWriteMs: 40 });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const windows: number[] = [];
  app.streams.events.on('play', ({ subscriber }) => windows.push(subscriber.mergeWriteMs));
  for (const ua of ['flvcast-pull', 'ffplay', 'flvcast-pullover']) {
    await new Promise<void>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: '/live/cam1.flv', headers: { 'user-agent': ua } }, (res: IncomingMessage) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.once('error', reject);
      req.end();
    });
  }
  assert.deepEqual(windows, [0, 40, 40], 'only a flvcast pull is unmerged');
});
