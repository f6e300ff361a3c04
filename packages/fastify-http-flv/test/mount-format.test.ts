/**
 * Adding a container to the HTTP routes is one muxer plus a mount entry: the throwaway JSON-lines format
 * from the test fixtures, served on `/:app/:stream.jsonl` by naming its extension in the mount, over HTTP
 * and WebSocket, with its own content type and protocol name, beside nothing else of FLV.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { Frame } from '@flvcast/media';
import { avcInterframe, avcKeyframe, avcSequenceHeader, jsonLinesFormat } from '@flvcast/test-fixtures';
import WebSocket from 'ws';
import httpFlv from '../src/index.js';

const key = { vhost: '', app: 'live', stream: 'cam1' };

test('a container added with one mount entry: its own content type, bytes and protocol name, HTTP and WS', async (t) => {
  const encoded: Frame[] = [];
  const app = Fastify();
  await app.register(httpFlv, { mount: '[app]/[stream].jsonl', formats: { jsonl: { format: jsonLinesFormat(encoded), contentType: 'application/x-ndjson' } } });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const pub = app.streams.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe(0));

  const head = await app.inject({ method: 'HEAD', url: '/live/cam1.jsonl' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-type'], 'application/x-ndjson');
  assert.equal((await app.inject({ method: 'HEAD', url: '/live/cam1.flv' })).statusCode, 404, 'the mount serves its own extension only');

  const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/live/cam1.jsonl`, resolve));
  t.after(() => res.destroy());
  const ws = new WebSocket(`ws://127.0.0.1:${port}/live/cam1.jsonl`, { perMessageDeflate: false });
  t.after(() => ws.terminate());
  let httpText = '';
  let wsText = '';
  res.setEncoding('utf8').on('data', (d: string) => (httpText += d));
  ws.on('message', (d: Buffer) => (wsText += d.toString('utf8')));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const lines = (text: string) => text.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (let i = 0; i < 50 && (lines(httpText).length < 2 || lines(wsText).length < 2); i++) await new Promise((r) => setTimeout(r, 10));
  const byProtocol = () => Object.fromEntries([...app.streams.get(key)!.subscribers].map((s) => [s.info.protocol, s.format]));
  assert.deepEqual(byProtocol(), { 'http-jsonl': 'jsonl', 'ws-jsonl': 'jsonl' });
  pub.video(40, avcInterframe(1));
  for (let i = 0; i < 50 && lines(wsText).length < 3; i++) await new Promise((r) => setTimeout(r, 10));

  assert.equal(res.headers['content-type'], 'application/x-ndjson');
  for (const got of [lines(httpText), lines(wsText)]) {
    assert.deepEqual(got[0], { stream: 'live/cam1', start: 0, hasAudio: false, hasVideo: true, video: 'avc' });
    assert.deepEqual(got.slice(1).map((l) => [l.i, l.ts, l.key, l.codec]), [[0, 0, true, 'avc'], [1, 40, false, 'avc']]);
  }
  assert.equal(encoded.length, 2, 'each frame encoded once for both viewers');
});

test('a mount whose extension names no container is refused at registration, naming the option', async () => {
  const app = Fastify();
  await assert.rejects(
    async () => {
      await app.register(httpFlv, { mount: '[app]/[stream].mkv' });
      await app.ready();
    },
    (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_INVALID_OPTION' && /mount/.test(err.message) && /\.mkv/.test(err.message),
  );
  await app.close();
});
