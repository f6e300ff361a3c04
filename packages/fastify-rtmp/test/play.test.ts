import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectVideo } from '@flvcast/flv';
import { aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from '@flvcast/test-fixtures';
import { rtmpClient as client, startApp, until } from './test-client.js';

/** A publisher sending AVC + AAC every 40 ms, a keyframe every 10 frames. */
async function feed(port: number, name: string) {
  const pub = client(port, name, 'publish');
  await until(() => pub.events.some((e) => e.type === 'published'), 'the publish');
  pub.session.sendMetadata({ width: 320, height: 240 });
  pub.session.sendVideo(0, avcSequenceHeader);
  pub.session.sendAudio(0, aacSequenceHeader);
  let n = 0;
  const timer = setInterval(() => {
    const ts = n * 40;
    pub.session.sendVideo(ts, n % 10 === 0 ? avcKeyframe(n) : avcInterframe(n));
    pub.session.sendAudio(ts, aacFrame(n));
    pub.flush();
    n++;
  }, 40);
  return { ...pub, stop: () => clearInterval(timer) };
}

test("the publisher-side timeouts do not apply to a player; a connection that neither publishes nor plays keeps them", async (t) => {
  const { app, port, hits } = await startApp({ firstPacketTimeoutMs: 300, idleTimeoutMs: 300 });
  t.after(() => app.close());
  const pub = await feed(port, 'cam');
  t.after(() => (pub.stop(), pub.socket.destroy()));
  const player = client(port, 'cam', 'play');
  const idle = client(port, 'cam', 'none');
  await until(() => player.media().length > 0, 'media for the player');
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(player.closed(), false, 'the player (which sends nothing) is still connected after 4 × the timeouts');
  const recent = player.media().filter((e) => e.at > Date.now() - 300);
  assert.ok(recent.length > 0, 'and still receiving');
  assert.equal(idle.closed(), true, 'a connection that does neither is closed by firstPacketTimeoutMs');
  assert.deepEqual(hits.map((h) => h.limit), ['firstPacketTimeoutMs']);
  // A player that stops (closeStream) and stays is held to idleTimeoutMs again.
  player.session.streamCommand('closeStream');
  player.flush();
  await until(() => player.closed(), 'the stopped player to be closed by idleTimeoutMs', 2000);
  assert.deepEqual(hits.map((h) => h.limit), ['firstPacketTimeoutMs', 'idleTimeoutMs']);
});

test('pause answers Pause.Notify and stops the media; unpause answers Unpause.Notify and restarts from the configuration and a keyframe', async (t) => {
  const { app, port } = await startApp({});
  t.after(() => app.close());
  const pub = await feed(port, 'cam');
  t.after(() => (pub.stop(), pub.socket.destroy()));
  const player = client(port, 'cam', 'play');
  await until(() => player.media().length > 10, 'media for the player');
  player.session.streamCommand('pause', true, 0);
  player.flush();
  await until(() => player.statuses().includes('NetStream.Pause.Notify'), 'Pause.Notify');
  await new Promise((r) => setTimeout(r, 100)); // what was in flight
  const during = player.media().length;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(player.media().length, during, 'no media while paused');
  const stream = app.streams.get({ vhost: '', app: 'live', stream: 'cam' })!;
  assert.equal([...stream.subscribers].length, 0, 'a paused player holds no subscription (nothing queues for it)');
  assert.equal(app.streams.viewers.viewers, 1, 'but keeps its viewer slot');

  player.session.streamCommand('pause', false, 0);
  player.flush();
  await until(() => player.statuses().includes('NetStream.Unpause.Notify'), 'Unpause.Notify');
  await until(() => player.media().length > during + 4, 'media again');
  const after = player.media().slice(during).filter((e) => e.type === 'video').map((e) => inspectVideo(e.payload));
  assert.equal(after[0]!.isSequenceHeader, true, 'the configuration first');
  assert.equal(after[1]!.isKeyframe, true, 'then a keyframe');
  player.socket.destroy();
});

test('receiveVideo(false) while playing: audio alone from then on, still one rtmp subscriber', async (t) => {
  const { app, port } = await startApp({});
  t.after(() => app.close());
  const pub = await feed(port, 'cam');
  t.after(() => (pub.stop(), pub.socket.destroy()));
  const player = client(port, 'cam', 'play');
  await until(() => player.media().some((e) => e.type === 'video') && player.media().some((e) => e.type === 'audio'), 'both tracks');
  player.session.streamCommand('receiveVideo', false);
  player.flush();
  await new Promise((r) => setTimeout(r, 200));
  const mark = player.media().length;
  await until(() => player.media().length > mark + 5, 'more media');
  assert.deepEqual([...new Set(player.media().slice(mark).map((e) => e.type))], ['audio']);
  assert.equal([...app.streams.get({ vhost: '', app: 'live', stream: 'cam' })!.subscribers][0]!.format, 'rtmp');
  player.socket.destroy();
});
