import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyHub from '@flvcast/fastify-hub';
import { encodeFlvHeader, encodeTag } from '@flvcast/flv';
import { avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import Fastify from 'fastify';
import fastifyRelay, { validateRelayOptions } from '../src/index.js';

test('options: defaults, and bad rules named at registration', () => {
  const o = validateRelayOptions({});
  assert.deepEqual([o.forward, o.pull, o.relayReconnectMinMs, o.relayReconnectMaxMs, o.forwardHighWaterBytes, o.pullMaxRedirects], [[], [], 1000, 30_000, 1024 * 1024, 3]);
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ forward: [{ match: 'live', url: 'rtmp://h/app' }] }, /"forward".*app\/stream/],
    [{ forward: [{ match: 'live/*', url: 'http://h/app' }] }, /"forward".*rtmp:\/\//],
    [{ pull: [{ stream: 'live/*', url: 'rtmp://h/app/s' }] }, /"pull".*stream/],
    [{ pull: [{ stream: 'live/a', url: 'rtmp://h/app' }] }, /names no stream/],
    [{ pull: [{ stream: 'live/a', url: 'rtmp://h/app/a' }, { stream: 'live/a', url: 'rtmp://h/app/b' }] }, /twice/],
    // 0 would stop an on-demand pull before the viewer that started it attaches.
    [{ pull: [{ stream: 'live/a', url: 'rtmp://h/app/a', onDemand: true, idleMs: 0 }] }, /idleMs.*from 100/],
    [{ relayReconnectMinMs: 5000, relayReconnectMaxMs: 1000 }, /relayReconnectMaxMs/],
    [{ onForward: 'http://x' }, /"onForward".*function/],
  ];
  for (const [opts, message] of bad) assert.throws(() => validateRelayOptions(opts as never), (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_RELAY_INVALID_OPTION' && message.test(err.message), JSON.stringify(opts));
});

test('the plugin needs the hub', async () => {
  const app = Fastify();
  await assert.rejects(async () => {
    await app.register(fastifyRelay);
    await app.ready();
  }, /needs the stream hub/);
});

test('an always-on HTTP-FLV pull starts with the app, shows in fastify.relay, and ends with it', async (t) => {
  let open = 0;
  const upstream = http.createServer((_req, res) => {
    open++;
    res.on('close', () => open--);
    res.writeHead(200, { 'content-type': 'video/x-flv' });
    res.write(encodeFlvHeader({ hasAudio: false, hasVideo: true }));
    res.write(encodeTag(9, 0, avcSequenceHeader));
    res.write(encodeTag(9, 0, avcKeyframe()));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (upstream.closeAllConnections(), upstream.close(() => r()))));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/live/x.flv`;
  const app = Fastify();
  await app.register(fastifyHub);
  await app.register(fastifyRelay, { pull: [{ stream: 'live/pulled', url }] });
  await app.ready();
  for (let i = 0; i < 200 && app.streams.get({ vhost: '', app: 'live', stream: 'pulled' })?.publisher === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  const stream = app.streams.get({ vhost: '', app: 'live', stream: 'pulled' });
  assert.equal(stream?.publisher?.info.protocol, 'pull');
  const [status] = app.relay.pulls();
  assert.equal(status?.state, 'pulling');
  assert.equal(status?.url, url);
  assert.equal(status?.onDemand, false);
  assert.ok(typeof status?.connectedSince === 'number');
  assert.deepEqual(app.relay.forwards(), []);
  await app.close();
  assert.equal(app.relay.pulls()[0]?.state, 'stopped');
  for (let i = 0; i < 100 && open > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(open, 0, 'the upstream connection is closed');
});

test('on-demand pulls answer the hub resolver first; other names still reach the resolver set before', async (t) => {
  const asked: string[] = [];
  const app = Fastify();
  t.after(() => app.close());
  await app.register(fastifyHub, {
    resolve: (key) => {
      asked.push(key.stream);
      throw new Error('not here either');
    },
    resolveTimeoutMs: 1000,
  });
  // Nothing listens at this upstream: the pull starts (and fails) but is asked first.
  await app.register(fastifyRelay, { pull: [{ stream: 'live/lazy', url: 'http://127.0.0.1:9/x.flv', onDemand: true }], pullWaitMs: 300, relayReconnectMinMs: 5000 });
  await app.ready();
  assert.equal(app.streams.resolver?.timeoutMs, 1000, 'the longer of the two waits');
  assert.equal(await app.streams.find({ vhost: '', app: 'live', stream: 'other' }), undefined);
  assert.deepEqual(asked, ['other']);
  const started = app.streams.find({ vhost: '', app: 'live', stream: 'lazy' });
  await new Promise((r) => setTimeout(r, 50));
  assert.notEqual(app.relay.pulls()[0]?.state, 'idle', 'the on-demand pull was started');
  assert.deepEqual(asked, ['other'], 'its name never reached the old resolver');
  assert.equal(await started, undefined, 'nothing came within the wait: not found');
});
