/**
 * The mount list and the audio mounts on the plugin: every stream in every listed format on the same name,
 * each mount with GET, HEAD, WS and CORS like FLV; 415 (WS: close 4415) naming the codec before any body byte,
 * also for a stream whose codecs are not known yet when the request comes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { aacFrame, aacSequenceHeader, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import WebSocket from 'ws';
import httpFlv, { MOUNT_FORMATS, type HttpFlvPluginOptions } from '../src/index.js';

const key = { vhost: '', app: 'live', stream: 'cam1' };
// 0x2F: MP3, 44 kHz, 16-bit, stereo; an MPEG-1 Layer III frame header.
const mp3Frame = Uint8Array.from([0x2f, 0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0]);

async function listening(opts: HttpFlvPluginOptions = {}) {
  const app = Fastify();
  await app.register(httpFlv, opts);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

function aacStream(app: Awaited<ReturnType<typeof listening>>['app']) {
  const pub = app.streams.publish(key, { protocol: 'test' });
  pub.data('onMetaData', { videocodecid: 7, audiocodecid: 10 });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  pub.video(0, avcKeyframe(0));
  for (let t = 0; t <= 1000; t += 20) pub.audio(t, aacFrame(t));
  return pub;
}

/** Status, headers and the first body bytes (or none, when the response ends first). */
function fetchStart(port: number, path: string, minBytes = 1): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${path}: fewer than ${minBytes} bytes in 5 s`)), 5000);
    get({ port, host: '127.0.0.1', path }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        clearTimeout(timer);
        res.destroy();
        resolve({ res, body: Buffer.concat(chunks) });
      };
      res.on('data', (d: Buffer) => {
        chunks.push(d);
        size += d.length;
        if (size >= minBytes) done();
      });
      res.on('end', done);
    }).on('error', reject);
  });
}

test('the default mount list: one template per built-in format, every one served on the same name', async (t) => {
  const { app } = await listening();
  t.after(() => app.close());
  aacStream(app);
  for (const [ext, mf] of Object.entries(MOUNT_FORMATS)) {
    const head = await app.inject({ method: 'HEAD', url: `/live/cam1.${ext}` });
    if (ext === 'mp3') assert.equal(head.statusCode, 415, '.mp3 of an AAC stream');
    else {
      assert.equal(head.statusCode, 200, ext);
      assert.equal(head.headers['content-type'], mf.contentType);
    }
    assert.equal((await app.inject({ method: 'HEAD', url: `/live/nope.${ext}` })).statusCode, 404, `404 at once on .${ext}`);
  }
  assert.equal(MOUNT_FORMATS.aac!.contentType, 'audio/aac');
  assert.equal(MOUNT_FORMATS.mp3!.contentType, 'audio/mpeg');
});

test('.aac: ADTS as audio/aac with CORS, the audio window at once', async (t) => {
  const { app, port } = await listening({ audioFastCacheMs: 500 });
  t.after(() => app.close());
  aacStream(app);
  const { res, body } = await fetchStart(port, '/live/cam1.aac', 26 * 9);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'audio/aac');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  // 26 frames of 500 ms, each 7 + 2 bytes of ADTS.
  assert.equal(body[0], 0xff);
  assert.equal(body[1]! & 0xf6, 0xf0, 'ADTS syncword, layer 0');
  assert.equal(body.length >= 26 * 9, true, `${body.length} bytes`);
});

test('.mp3 on an AAC stream and .aac on an MP3 stream: 415 at once naming the codec (HEAD too); WS closes 4415', async (t) => {
  const { app, port } = await listening();
  t.after(() => app.close());
  aacStream(app);
  const mp3 = await app.inject({ method: 'GET', url: '/live/cam1.mp3' });
  assert.equal(mp3.statusCode, 415);
  assert.equal(mp3.json<{ message: string }>().message, 'stream live/cam1: audio codec aac: .mp3 carries MP3 only');
  assert.equal((await app.inject({ method: 'HEAD', url: '/live/cam1.mp3' })).statusCode, 415);

  const radio = app.streams.publish({ vhost: '', app: 'live', stream: 'radio' }, { protocol: 'test' });
  radio.audio(0, mp3Frame);
  const aac = await app.inject({ method: 'GET', url: '/live/radio.aac' });
  assert.equal(aac.statusCode, 415);
  assert.match(aac.json<{ message: string }>().message, /audio codec mp3: \.aac carries AAC only/);
  const { res, body } = await fetchStart(port, '/live/radio.mp3', 4);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'audio/mpeg');
  assert.equal(body.subarray(0, 4).toString('hex'), 'fffb9064', 'the MP3 frame from the window, as it came');

  const ws = new WebSocket(`ws://127.0.0.1:${port}/live/cam1.mp3`, { perMessageDeflate: false });
  let messages = 0;
  ws.on('message', () => messages++);
  const [code, reason] = await new Promise<[number, string]>((resolve) => ws.once('close', (c, r) => resolve([c, r.toString()])));
  assert.equal(code, 4415);
  assert.equal(reason, 'audio codec aac: .mp3 carries MP3 only');
  assert.equal(messages, 0);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(app.streams.get(key)!.viewerCount, 0, 'no viewer was made for a refusal');
  assert.equal(app.flvViewers.viewers, 0, 'and no slot held');
});

test('a stream just published: the request waits for the codecs, then 415 before any body byte (or the stream)', async (t) => {
  const { app, port } = await listening();
  t.after(() => app.close());
  const pub = app.streams.publish(key, { protocol: 'test' });
  pub.data('onMetaData', { videocodecid: 7, audiocodecid: 10 });
  let answered = false;
  const mp3 = fetchStart(port, '/live/cam1.mp3').then((r) => ((answered = true), r));
  const aac = fetchStart(port, '/live/cam1.aac', 9);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(answered, false, 'no head yet: the codec is not known');
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  const refused = await mp3;
  assert.equal(refused.res.statusCode, 415);
  assert.match(refused.body.toString(), /audio codec aac/);
  pub.audio(0, aacFrame(1));
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 10));
    pub.audio(20 + i * 20, aacFrame(i));
  }
  const served = await aac;
  assert.equal(served.res.statusCode, 200);
  assert.equal(served.body[0], 0xff);
});

test('CORS preflight and HEAD on .mp3 like .flv; WS on .aac', async (t) => {
  const { app, port } = await listening();
  t.after(() => app.close());
  const radio = app.streams.publish({ vhost: '', app: 'live', stream: 'radio' }, { protocol: 'test' });
  radio.audio(0, mp3Frame);
  const preflight = await app.inject({ method: 'OPTIONS', url: '/live/radio.mp3', headers: { origin: 'https://example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  const head = await app.inject({ method: 'HEAD', url: '/live/radio.mp3', headers: { origin: 'https://example.com' } });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-type'], 'audio/mpeg');
  assert.equal(head.headers['access-control-allow-origin'], '*');

  aacStream(app);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/live/cam1.aac`, { perMessageDeflate: false });
  t.after(() => ws.terminate());
  const first = await new Promise<Buffer>((resolve, reject) => ws.once('message', (d: Buffer) => resolve(d)).once('error', reject));
  assert.equal(first[0], 0xff, 'ADTS from the first binary message');
  const stream = app.streams.get(key)!;
  assert.deepEqual([...stream.subscribers].map((s) => [s.info.protocol, s.format]), [['ws-aac', 'aac']]);
});

test('mount: a single string is a list of one; a list serves each of its templates alone; bad lists are refused', async (t) => {
  const one = Fastify();
  t.after(() => one.close());
  await one.register(httpFlv, { mount: '[vhost]/[app]/[stream].flv' });
  await one.ready();
  one.streams.publish({ vhost: 'v', app: 'live', stream: 'cam1' }, { protocol: 'test' });
  assert.equal((await one.inject({ method: 'HEAD', url: '/v/live/cam1.flv' })).statusCode, 200);
  assert.equal((await one.inject({ method: 'HEAD', url: '/live/cam1.aac' })).statusCode, 404, 'no such route');

  const two = Fastify();
  t.after(() => two.close());
  await two.register(httpFlv, { mount: ['[app]/[stream].flv', '[vhost]/[app]/[stream].aac'] });
  await two.ready();
  assert.deepEqual(
    two.printRoutes({ commonPrefix: false }).includes(':stream.aac') && two.printRoutes({ commonPrefix: false }).includes(':stream.flv'),
    true,
  );
  for (const mount of [[], ['[app]/[stream].flv', '[app]/[stream].flv'], ['[app]/[stream].mkv']]) {
    const app = Fastify();
    await assert.rejects(
      async () => {
        await app.register(httpFlv, { mount });
        await app.ready();
      },
      (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_INVALID_OPTION' && /mount/.test(err.message),
      JSON.stringify(mount),
    );
    await app.close();
  }
});

test('limits count viewers of every mount together', async (t) => {
  const { app, port } = await listening({ maxViewersPerStream: 1 });
  t.after(() => app.close());
  aacStream(app);
  const first = await fetchStart(port, '/live/cam1.flv', 9);
  t.after(() => first.res.destroy());
  assert.equal(first.res.statusCode, 200);
  const second = await app.inject({ method: 'GET', url: '/live/cam1.aac' });
  assert.equal(second.statusCode, 503);
});

test('access hooks see the mount\'s protocol: a hook may let listeners hear the audio and not watch the video', async (t) => {
  const seen: string[] = [];
  const { app } = await listening({ onPlay: (ctx) => (seen.push(ctx.protocol), ctx.protocol === 'http-aac') });
  t.after(() => app.close());
  aacStream(app);
  assert.equal((await app.inject({ method: 'HEAD', url: '/live/cam1.flv' })).statusCode, 403);
  assert.equal((await app.inject({ method: 'HEAD', url: '/live/cam1.aac' })).statusCode, 200);
  assert.deepEqual(seen, ['http-flv', 'http-aac']);
});
