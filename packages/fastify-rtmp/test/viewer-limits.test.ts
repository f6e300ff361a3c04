import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { aacFrame, aacSequenceHeader, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import { rtmpClient as client, startApp, until } from './test-client.js';

function httpViewer(port: number, path: string): Promise<{ status: number; req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.on('data', () => {});
      resolve({ status: res.statusCode ?? 0, req, res });
    });
    req.on('error', reject);
  });
}

test('RTMP players and HTTP viewers share the hub viewer limits: each is refused when the other holds the last slot', async (t) => {
  const { app, port, hits } = await startApp({}, { maxViewersPerStream: 1, reconnectGraceMs: 0 });
  t.after(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const httpPort = (app.server.address() as { port: number }).port;
  const pub = client(port, 'cam', 'publish');
  t.after(() => pub.socket.destroy());
  await until(() => pub.events.some((e) => e.type === 'published'), 'the publish');
  pub.session.sendMetadata({ width: 320 });
  pub.session.sendVideo(0, avcSequenceHeader);
  pub.session.sendAudio(0, aacSequenceHeader);
  pub.session.sendVideo(0, avcKeyframe(0));
  pub.session.sendAudio(0, aacFrame(0));
  pub.flush();

  // An HTTP viewer holds the stream's only slot: the RTMP player is refused before any media byte.
  const viewer = await httpViewer(httpPort, '/live/cam.flv');
  assert.equal(viewer.status, 200);
  assert.equal(app.streams.viewers.viewers, 1);
  const refused = client(port, 'cam', 'play');
  await until(() => refused.closed(), 'the refused player to be closed');
  const failed = refused.events.find((e) => e.type === 'status' && e.level === 'error');
  assert.equal(failed?.type === 'status' ? failed.code : undefined, 'NetStream.Play.Failed');
  assert.match(failed?.type === 'status' ? failed.description : '', /live\/cam has its maximum of 1 viewers \(maxViewersPerStream\)/);
  assert.equal(refused.media().length, 0);
  assert.deepEqual(hits.map((h) => [h.limit, h.protocol]), [['maxViewersPerStream', 'rtmp']]);

  // The HTTP viewer leaves: the RTMP player gets the slot, and now HTTP is refused.
  viewer.req.destroy();
  await until(() => app.streams.viewers.viewers === 0, 'the HTTP slot to be released');
  const player = client(port, 'cam', 'play');
  await until(() => player.media().length > 0, 'media for the RTMP player');
  assert.equal(app.streams.viewers.viewers, 1);
  const second = await httpViewer(httpPort, '/live/cam.flv');
  assert.equal(second.status, 503);
  second.req.destroy();

  player.socket.destroy();
  await until(() => app.streams.viewers.viewers === 0, 'the RTMP slot to be released when the player leaves');
  assert.deepEqual(app.streams.viewers.trackedKeys, { clientAddresses: 0, streams: 0 });
});

test('maxViewersPerIp counts RTMP players, and a player that deletes its stream gives its slot back', async (t) => {
  const { app, port } = await startApp({}, { maxViewersPerIp: 1, reconnectGraceMs: 0 });
  t.after(() => app.close());
  const pub = client(port, 'cam', 'publish');
  t.after(() => pub.socket.destroy());
  await until(() => pub.events.some((e) => e.type === 'published'), 'the publish');
  pub.session.sendVideo(0, avcSequenceHeader);
  pub.session.sendVideo(0, avcKeyframe(0));
  pub.flush();
  const first = client(port, 'cam', 'play');
  await until(() => first.media().length > 0, 'media for the first player');
  const second = client(port, 'cam', 'play');
  await until(() => second.closed(), 'the second player from the same address to be refused');
  assert.match(JSON.stringify(second.events), /maxViewersPerIp is 1/);
  first.socket.destroy();
  await until(() => app.streams.viewers.viewers === 0, 'the slot to be released');
});
