import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlvDemuxer, inspectVideo, type FlvTag } from '@flvcast/flv';
import { avcKeyframe as avcKey, avcSequenceHeader as avcSeq } from '@flvcast/test-fixtures';
import { TestClient, startApp, until } from './test-client.js';

test('a truncated sequence header from an encoder is dropped with one throttled warn line; the publisher stays and the next good one plays', async (t) => {
  const { app, port, warns } = await startApp({}, { reconnectGraceMs: 0 });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new TestClient(port);
  await client.settle();
  client.session.publish('glitch');
  client.flush();
  await until(() => client.events.some((e) => e.type === 'published'), 'Publish.Start');
  client.session.sendVideo(0, avcSeq);
  client.session.sendVideo(0, avcKey(1));
  // An encoder glitch, many times over: the header cut short.
  for (let i = 0; i < 50; i++) client.session.sendVideo(40 + i, avcSeq.subarray(0, 14));
  client.session.sendVideo(120, avcSeq);
  client.session.sendVideo(120, avcKey(2));
  client.flush();
  const live = () => app.streams.get({ vhost: '', app: 'live', stream: 'glitch' });
  await until(() => (live()?.tagsIn ?? 0) >= 4, 'the good tags after the bad ones');
  assert.equal(live()?.tagsIn, 4, 'the 50 bad headers were not taken in');
  assert.ok(!client.closed && live()?.publisher !== undefined, 'the publisher is still connected');

  const bad = warns.filter((w) => w.code === 'ERR_HUB_BAD_SEQUENCE_HEADER');
  // One line per dropped header, up to the log throttle's burst (20 per client per 10 s).
  assert.ok(bad.length >= 1 && bad.length <= 20, `throttled: ${bad.length} lines for 50 bad headers`);
  assert.match(String(bad[0]!.msg), /video sequence header dropped: AVCDecoderConfigurationRecord truncated/);
  assert.equal(bad[0]!.ip, '127.0.0.1');

  // A viewer gets the good configuration and the keyframe after it.
  const httpPort = (app.server.address() as AddressInfo).port;
  const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${httpPort}/live/glitch.flv`, resolve));
  t.after(() => res.destroy());
  const demuxer = new FlvDemuxer();
  const tags: FlvTag[] = [];
  res.on('data', (c: Buffer) => tags.push(...demuxer.push(new Uint8Array(c))));
  await until(() => tags.filter((x) => x.type === 9).length >= 2, 'the viewer to get config and keyframe');
  const video = tags.filter((x) => x.type === 9);
  assert.deepEqual([...video[0]!.payload], [...avcSeq]);
  assert.ok(inspectVideo(video[1]!.payload).isKeyframe);
  assert.equal(video[1]!.payload[10], 2, 'the keyframe sent after the good header');
});
