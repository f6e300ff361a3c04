import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { fastifyHub } from '@flvcast/fastify-hub';
import { avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import rtmp from '../src/index.js';
import { TestClient, until } from './test-client.js';

test('an app that only ingests: the hub plugin and the RTMP plugin, no HTTP-FLV', async (t) => {
  const app = Fastify();
  await app.register(fastifyHub, { reconnectGraceMs: 0 });
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 } });
  await app.ready();
  t.after(() => app.close());
  assert.equal(app.hasRoute({ method: 'GET', url: '/:app/:stream.flv' }), false, 'no media routes');

  const client = new TestClient(app.rtmp.addresses()[0]!.port);
  t.after(() => client.socket.destroy());
  await client.settle();
  client.session.publish('ingest-only');
  client.flush();
  await until(() => client.events.some((e) => e.type === 'published'), 'Publish.Start');
  client.session.sendVideo(0, avcSequenceHeader);
  client.session.sendVideo(0, avcKeyframe());
  client.flush();
  const live = () => app.streams.get({ vhost: '', app: 'live', stream: 'ingest-only' });
  await until(() => live()?.tagsIn === 2, 'the two frames in the hub');
  assert.equal(live()?.video.codec, 'avc');
});
