import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { fastifyHub } from '@flvcast/fastify-hub';
import { avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import { connect } from 'node:net';
import rtmp from '../src/index.js';

test('an app that only ingests: the hub plugin and the RTMP plugin, no HTTP-FLV', async (t) => {
  const app = Fastify();
  await app.register(fastifyHub, { reconnectGraceMs: 0 });
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 } });
  await app.ready();
  t.after(() => app.close());
  assert.equal(app.hasRoute({ method: 'GET', url: '/:app/:stream.flv' }), false, 'no media routes');

  const socket = connect({ port: app.rtmp.addresses()[0]!.port, host: '127.0.0.1' });
  t.after(() => socket.destroy());
  const session = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live' });
  const events: RtmpClientEvent[] = [];
  const flush = () => session.takeOutput().forEach((b) => socket.write(b));
  socket.on('data', (d: Buffer) => {
    events.push(...session.push(new Uint8Array(d)));
    flush();
  });
  session.start();
  flush();
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check());
  };
  await until(() => events.some((e) => e.type === 'connected'));
  session.publish('ingest-only');
  flush();
  await until(() => events.some((e) => e.type === 'published'));
  session.sendVideo(0, avcSequenceHeader);
  session.sendVideo(0, avcKeyframe());
  flush();
  await until(() => (app.streams.get({ vhost: '', app: 'live', stream: 'ingest-only' })?.tagsIn ?? 0) === 2);
  assert.equal(app.streams.get({ vhost: '', app: 'live', stream: 'ingest-only' })?.video.codec, 'avc');
});
