import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { FlvDemuxer } from '@flvcast/flv';
import { fastifyHub } from '@flvcast/fastify-hub';
import httpFlv from '../src/index.js';

const avcSeq = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]);
const keyframe = Uint8Array.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, 0]);

test('an unknown stream is resolved before the 404: the resolver starts a source, the viewer plays it', async (t) => {
  const app = Fastify();
  const asked: string[] = [];
  await app.register(fastifyHub, {
    resolveTimeoutMs: 300,
    resolve: (key) => {
      asked.push(`${key.app}/${key.stream}`);
      if (key.stream !== 'pulled') return undefined;
      // A stand-in for a pull from an origin: it publishes a moment later.
      setTimeout(() => {
        const pub = app.streams.publish(key, { protocol: 'pull' });
        pub.video(0, avcSeq);
        pub.video(0, keyframe);
      }, 20);
      return undefined;
    },
  });
  await app.register(httpFlv);
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/live/pulled.flv`, resolve));
  t.after(() => res.destroy());
  assert.equal(res.statusCode, 200);
  const demuxer = new FlvDemuxer();
  const types: number[] = [];
  await new Promise<void>((resolve) => {
    res.on('data', (c: Buffer) => {
      types.push(...demuxer.push(new Uint8Array(c)).map((x) => x.type));
      if (types.length >= 3) resolve();
    });
  });
  assert.deepEqual(types.slice(0, 3), [18, 9, 9]);

  const started = performance.now();
  const missing = await app.inject('/live/nothing.flv');
  assert.equal(missing.statusCode, 404);
  assert.ok(performance.now() - started < 1000, 'never longer than resolveTimeoutMs (and then some)');
  assert.equal((await app.inject('/live/a..b.flv')).statusCode, 400);
  assert.deepEqual(asked, ['live/pulled', 'live/nothing'], 'bad names are not resolved');
});
