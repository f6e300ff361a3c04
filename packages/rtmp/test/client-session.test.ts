import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ChunkWriter, RtmpClientSession, RtmpServerSession, encodeStreamBegin, encodeStreamEOF, type RtmpClientEvent, type RtmpEvent } from '../src/index.js';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

interface Pair {
  client: RtmpClientSession;
  server: RtmpServerSession;
  clientEvents: RtmpClientEvent[];
  serverEvents: RtmpEvent[];
  onServerEvent?: (e: RtmpEvent) => void;
}

function pair(client: RtmpClientSession): Pair {
  return { client, server: new RtmpServerSession({ hmacSha256 }), clientEvents: [], serverEvents: [] };
}

/** Moves bytes both ways (split in odd pieces, as TCP would) until both sides are quiet. */
function pump(p: Pair): void {
  for (let round = 0; round < 100; round++) {
    const toServer = Buffer.concat(p.client.takeOutput());
    const toClient = Buffer.concat(p.server.takeOutput());
    if (toServer.length === 0 && toClient.length === 0) return;
    for (let o = 0; o < toServer.length; o += 777) {
      for (const e of p.server.push(new Uint8Array(toServer.subarray(o, o + 777)))) {
        p.serverEvents.push(e);
        p.onServerEvent?.(e);
      }
    }
    for (let o = 0; o < toClient.length; o += 999) p.clientEvents.push(...p.client.push(new Uint8Array(toClient.subarray(o, o + 999))));
  }
  throw new Error('sessions did not settle');
}

test('client publishes to the server session in memory', () => {
  const p = pair(new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' }));
  p.onServerEvent = (e) => {
    if (e.type === 'publish') p.server.acceptPublish(e.streamId);
  };
  p.client.start();
  p.client.publish('cam1?token=abc');
  pump(p);
  assert.deepEqual(p.clientEvents.filter((e) => e.type !== 'status').map((e) => e.type), ['connected', 'published']);
  assert.deepEqual(
    p.serverEvents.map((e) => e.type),
    ['connect', 'createStream', 'publish'],
  );
  assert.deepEqual(p.serverEvents[2], { type: 'publish', streamId: 1, name: 'cam1', query: { token: 'abc' }, publishType: 'live' });

  p.serverEvents.length = 0;
  p.client.sendMetadata({ width: 1920, height: 1080 });
  const keyframe = new Uint8Array(10000).fill(0x17);
  p.client.sendVideo(0, keyframe);
  p.client.sendAudio(0x1000000, Uint8Array.of(0xaf, 1, 2)); // extended timestamp
  pump(p);
  assert.deepEqual(
    p.serverEvents.map((e) => [e.type, 'timestamp' in e ? e.timestamp : undefined]),
    [
      ['metadata', 0],
      ['video', 0],
      ['audio', 0x1000000],
    ],
  );
  assert.deepEqual((p.serverEvents[0] as Extract<RtmpEvent, { type: 'metadata' }>).data, { width: 1920, height: 1080 });
  assert.deepEqual((p.serverEvents[1] as { payload: Uint8Array }).payload, keyframe);

  p.serverEvents.length = 0;
  p.client.unpublish();
  pump(p);
  assert.deepEqual(p.serverEvents, [{ type: 'unpublish', streamId: 1, reason: 'FCUnpublish' }]);
});

test('a rejected publish surfaces as an error event', () => {
  const p = pair(new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' }));
  p.onServerEvent = (e) => {
    if (e.type === 'publish') p.server.rejectPublish(e.streamId, 'NetStream.Publish.BadName', 'cam1 is busy');
  };
  p.client.start();
  p.client.publish('cam1');
  pump(p);
  assert.deepEqual(p.clientEvents.find((e) => e.type === 'error'), { type: 'error', code: 'NetStream.Publish.BadName', description: 'cam1 is busy' });
  assert.equal(p.clientEvents.some((e) => e.type === 'published'), false);
  assert.throws(() => p.client.sendVideo(0, Uint8Array.of(1)), /not publishing/);
});

test('streamCommand before a stream exists sends nothing', () => {
  const c = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' });
  c.start();
  c.takeOutput();
  c.streamCommand('pause', true);
  assert.deepEqual(c.takeOutput(), []);
});

test('client plays from the server session in memory', () => {
  const p = pair(new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live', connectProperties: { capsEx: 1, fourCcList: ['hvc1'] } }));
  p.onServerEvent = (e) => {
    if (e.type === 'play') p.server.acceptPlay(e.streamId);
  };
  p.client.start();
  p.client.play('cam1');
  pump(p);
  assert.equal(p.server.supportsReconnect, true);
  assert.deepEqual(p.serverEvents.filter((e) => e.type !== 'command').map((e) => e.type), ['connect', 'createStream', 'play']);
  assert.deepEqual(
    p.clientEvents.filter((e) => e.type === 'status').map((e) => (e as { code: string }).code),
    ['NetStream.Play.Reset', 'NetStream.Play.Start'],
  );
  assert.ok(p.clientEvents.some((e) => e.type === 'playing'));
  const connected = p.clientEvents.find((e) => e.type === 'connected') as Extract<RtmpClientEvent, { type: 'connected' }>;
  assert.equal((connected.properties as { capsEx?: number }).capsEx, 1);

  p.clientEvents.length = 0;
  const streamId = (p.serverEvents.find((e) => e.type === 'play') as { streamId: number }).streamId;
  p.server.sendMedia(streamId, 18, 0, new Uint8Array([0x02, 0x00, 0x0a, ...Buffer.from('onMetaData'), 0x03, 0x00, 0x00, 0x09]));
  p.server.sendMedia(streamId, 9, 40, Uint8Array.of(0x17, 0, 0, 0, 0));
  p.server.sendMedia(streamId, 8, 41, Uint8Array.of(0xaf, 0, 0x12, 0x10));
  pump(p);
  assert.deepEqual(
    p.clientEvents.map((e) => [e.type, 'timestamp' in e ? e.timestamp : undefined]),
    [
      ['metadata', 0],
      ['video', 40],
      ['audio', 41],
    ],
  );

  // Commands on the played stream (pause, receiveVideo) reach the server as players send them.
  p.serverEvents.length = 0;
  p.client.streamCommand('pause', true, 1234);
  p.client.streamCommand('receiveVideo', false);
  pump(p);
  assert.deepEqual(
    p.serverEvents.map((e) => (e.type === 'command' ? [e.name, e.streamId, e.args] : e.type)),
    [
      ['pause', streamId, [true, 1234]],
      ['receiveVideo', streamId, [false]],
    ],
  );

  p.clientEvents.length = 0;
  p.server.sendReconnectRequest(undefined, 'going down');
  p.server.sendPlayStop(streamId);
  pump(p);
  assert.deepEqual(
    p.clientEvents.map((e) => (e.type === 'status' ? e.code : e.type)),
    ['NetConnection.Connect.ReconnectRequest', 'ended', 'NetStream.Play.UnpublishNotify', 'NetStream.Play.Stop'],
  );
});

test('a player closes with deleteStream and hears the end of a played stream', () => {
  const p = pair(new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' }));
  p.onServerEvent = (e) => {
    if (e.type === 'play') p.server.acceptPlay(e.streamId);
  };
  p.client.start();
  p.client.play('cam1');
  pump(p);
  assert.equal(p.client.state, 'playing');
  const streamId = p.client.streamId;
  p.clientEvents.length = 0;
  p.server.sendStatus(streamId, 'status', 'NetStream.Play.UnpublishNotify', 'cam1 is now unpublished');
  pump(p);
  assert.deepEqual(p.clientEvents.find((e) => e.type === 'ended'), { type: 'ended', streamId, code: 'NetStream.Play.UnpublishNotify' });
  p.serverEvents.length = 0;
  p.client.close();
  p.client.close(); // once only
  pump(p);
  assert.deepEqual(p.serverEvents.filter((e) => e.type === 'playStop'), [{ type: 'playStop', streamId, reason: 'deleteStream' }]);
  assert.equal(p.client.state, 'closed');
});

test('closing a publisher unpublishes; closing before any stream queues nothing', () => {
  const p = pair(new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' }));
  p.onServerEvent = (e) => {
    if (e.type === 'publish') p.server.acceptPublish(e.streamId);
  };
  p.client.start();
  p.client.publish('cam1');
  pump(p);
  p.serverEvents.length = 0;
  p.client.close();
  pump(p);
  assert.deepEqual(p.serverEvents, [{ type: 'unpublish', streamId: 1, reason: 'FCUnpublish' }]);

  const idle = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' });
  idle.start();
  idle.takeOutput();
  idle.close();
  assert.deepEqual(idle.takeOutput(), []);
});

test('Stream EOF on the played stream ends it (nginx-rtmp tells players so by default); on another stream it does not', () => {
  const p = pair(new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' }));
  p.onServerEvent = (e) => {
    if (e.type === 'play') p.server.acceptPlay(e.streamId);
  };
  p.client.start();
  p.client.play('cam1');
  pump(p);
  const streamId = p.client.streamId;
  p.clientEvents.length = 0;
  // Bare user control messages, as nginx-rtmp writes them when a publisher leaves (one chunk each).
  const writer = new ChunkWriter();
  for (const msg of [encodeStreamEOF(streamId + 1), encodeStreamBegin(streamId), encodeStreamEOF(streamId), encodeStreamEOF(streamId)]) {
    p.clientEvents.push(...p.client.push(writer.write(msg)));
  }
  assert.deepEqual(p.clientEvents.filter((e) => e.type === 'ended'), [{ type: 'ended', streamId, code: 'StreamEOF' }]);
});

test("media on message stream 0 while playing is the played stream's (node-media-server sends it so); other streams' is not", () => {
  const p = pair(new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://localhost/live' }));
  p.onServerEvent = (e) => {
    if (e.type === 'play') p.server.acceptPlay(e.streamId);
  };
  p.client.start();
  p.client.play('cam1');
  pump(p);
  const streamId = p.client.streamId;
  p.clientEvents.length = 0;
  // Whole messages on their own chunk streams (one type-0 chunk each), as that server writes them.
  const writer = new ChunkWriter();
  const media = [
    { csid: 6, type: 9, streamId: 0, timestamp: 40, payload: Uint8Array.of(0x17, 1, 0, 0, 0) },
    { csid: 4, type: 8, streamId: 0, timestamp: 41, payload: Uint8Array.of(0xaf, 1, 0x21) },
    { csid: 6, type: 9, streamId: streamId + 1, timestamp: 80, payload: Uint8Array.of(0x27, 1, 0, 0, 0) },
  ];
  for (const msg of media) p.clientEvents.push(...p.client.push(writer.write(msg)));
  assert.deepEqual(
    p.clientEvents.map((e) => [e.type, 'streamId' in e ? e.streamId : undefined, 'timestamp' in e ? e.timestamp : undefined]),
    [
      ['video', streamId, 40],
      ['audio', streamId, 41],
    ],
  );
  assert.equal(p.client.mediaOnStream0, 2);
});
