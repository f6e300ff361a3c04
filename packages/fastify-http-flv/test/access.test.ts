import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { ipRulesHook, type AccessContext } from '@flvcast/access';
import httpFlv, { type HttpFlvPluginOptions } from '../src/index.js';

const avcSeq = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]);
const keyframe = Uint8Array.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, 0]);

async function listening(opts: HttpFlvPluginOptions) {
  const app = Fastify();
  await app.register(httpFlv, opts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const pub = app.streams.publish({ vhost: '', app: 'live', stream: 'cam1' }, { protocol: 'test' });
  pub.video(0, avcSeq);
  pub.video(0, keyframe);
  return { app, port: (app.server.address() as AddressInfo).port };
}

test('a viewer that leaves while onPlay runs is never subscribed (no leaked viewer), even when the hook allows', async (t) => {
  const waiting: ((v: boolean) => void)[] = [];
  const { app, port } = await listening({ onPlay: () => new Promise<boolean>((resolve) => waiting.push(resolve)) });
  t.after(() => app.close());
  const req = request({ host: '127.0.0.1', port, path: '/live/cam1.flv', agent: false });
  req.on('error', () => {});
  req.end();
  for (let i = 0; i < 200 && waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(waiting.length, 1);
  req.destroy();
  await new Promise((r) => setTimeout(r, 50));
  waiting[0]!(true);
  await new Promise((r) => setTimeout(r, 50));
  const stream = app.streams.get({ vhost: '', app: 'live', stream: 'cam1' })!;
  assert.equal(stream.subscribers.size, 0);
});

test('on a dual-stack listener an IPv4 client is seen as IPv4 (not ::ffff:) by hooks and IP rules', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  const seen: AccessContext[] = [];
  const deny = ipRulesHook({ deny: ['127.0.0.1'] })!;
  await app.register(httpFlv, { onPlay: (ctx) => (seen.push(ctx), deny(ctx)) });
  await app.listen({ host: '::', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/live/cam1.flv', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 403);
  assert.equal(seen[0]!.ip, '127.0.0.1');
});

test('HEAD is checked too: it would tell a refused client whether the stream exists', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await app.register(httpFlv, { onPlay: () => ({ status: 401, reason: 'no' }) });
  const res = await app.inject({ method: 'HEAD', url: '/live/cam1.flv' });
  assert.equal(res.statusCode, 401);
});

test('access options are validated, naming the option', async () => {
  for (const [opts, re] of [
    [{ onPlay: 'yes' }, /onPlay/],
    [{ onStop: 1 }, /onStop/],
    [{ signedUrls: { secret: 'short' } }, /signedUrls/],
    [{ wsAllowedOrigins: ['example.com'] }, /wsAllowedOrigins/],
    [{ accessTimeoutMs: 0 }, /accessTimeoutMs/],
  ] as const) {
    const app = Fastify();
    await assert.rejects(
      async () => {
        await app.register(httpFlv, opts as never);
        await app.ready();
      },
      (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_INVALID_OPTION' && re.test(err.message),
    );
    await app.close();
  }
});
