import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { decodeAmf0, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { ChunkReader, ChunkWriter, RtmpError, RtmpServerSession, type RtmpEvent, type RtmpMessage } from '../src/index.js';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());
const isCode = (code: string) => (e: unknown) => e instanceof RtmpError && e.code === code;

/** A scripted peer speaking like ffmpeg: raw chunk writer in, decoded replies out. */
class FakeEncoder {
  readonly session: RtmpServerSession;
  readonly writer = new ChunkWriter();
  readonly reader = new ChunkReader();
  #handshakeLeft = 3073;
  bytesSent = 0;

  constructor(opts: Partial<ConstructorParameters<typeof RtmpServerSession>[0]> = {}) {
    this.session = new RtmpServerSession({ hmacSha256, ...opts });
    const c1 = randomBytes(1536);
    c1.writeUInt32BE(0, 4);
    this.send(Buffer.concat([Uint8Array.of(3), c1]));
    this.send(randomBytes(1536)); // C2
  }

  send(bytes: Uint8Array): RtmpEvent[] {
    this.bytesSent += bytes.length;
    return this.session.push(bytes);
  }

  message(msg: RtmpMessage): RtmpEvent[] {
    return this.send(this.writer.write(msg));
  }

  command(streamId: number, ...values: Amf0Value[]): RtmpEvent[] {
    return this.message({ csid: streamId === 0 ? 3 : 8, type: 20, streamId, timestamp: 0, payload: encodeAmf0(...values) });
  }

  /** Server output since last call, as messages (the handshake reply is skipped). */
  replies(): RtmpMessage[] {
    let bytes = new Uint8Array(Buffer.concat(this.session.takeOutput()));
    if (this.#handshakeLeft > 0) {
      const skip = Math.min(this.#handshakeLeft, bytes.length);
      this.#handshakeLeft -= skip;
      bytes = bytes.subarray(skip);
    }
    return this.reader.push(bytes);
  }

  /** Replies decoded: [type, streamId, values-or-bytes]. */
  decoded(): [number, number, Amf0Value[] | number[]][] {
    return this.replies().map((m) => [m.type, m.streamId, m.type === 20 || m.type === 18 ? decodeAmf0(m.payload) : [...m.payload]]);
  }
}

function connect(enc: FakeEncoder, extra: Record<string, Amf0Value> = {}): RtmpEvent[] {
  return enc.command(0, 'connect', 1, { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf61.1.100)', tcUrl: 'rtmp://localhost:1935/live', ...extra });
}

test('ffmpeg-like publish flow', () => {
  const enc = new FakeEncoder();
  assert.equal(enc.session.handshakeDone, true);

  const ev1 = connect(enc);
  assert.deepEqual(ev1.map((e) => e.type), ['connect']);
  const c = ev1[0] as Extract<RtmpEvent, { type: 'connect' }>;
  assert.equal(c.app, 'live');
  assert.equal(c.tcUrl, 'rtmp://localhost:1935/live');
  assert.equal(c.command['flashVer'], 'FMLE/3.0 (compatible; Lavf61.1.100)');
  assert.deepEqual(enc.decoded(), [
    [5, 0, [0x00, 0x26, 0x25, 0xa0]], // Window Ack Size 2_500_000
    [6, 0, [0x00, 0x26, 0x25, 0xa0, 2]], // Set Peer Bandwidth, dynamic
    [1, 0, [0x00, 0x00, 0x10, 0x00]], // Set Chunk Size 4096
    [20, 0, ['_result', 1, { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1 }, { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 }]],
  ]);
  enc.reader.setChunkSize(4096); // (already applied by the reader itself; idempotent)

  assert.deepEqual(enc.command(0, 'releaseStream', 2, null, 'cam1?token=abc'), []);
  assert.deepEqual(enc.decoded(), [[20, 0, ['_result', 2, null, undefined]]]);
  assert.deepEqual(enc.command(0, 'FCPublish', 3, null, 'cam1?token=abc'), []);
  assert.deepEqual(enc.decoded(), [
    [20, 0, ['onFCPublish', 0, null, { code: 'NetStream.Publish.Start', description: 'cam1?token=abc' }]],
    [20, 0, ['_result', 3, null, undefined]],
  ]);
  assert.deepEqual(enc.command(0, 'createStream', 4, null), [{ type: 'createStream', streamId: 1 }]);
  assert.deepEqual(enc.decoded(), [[20, 0, ['_result', 4, null, 1]]]);

  const pub = enc.command(1, 'publish', 5, null, 'cam1?token=abc', 'live');
  assert.deepEqual(pub, [{ type: 'publish', streamId: 1, name: 'cam1', query: { token: 'abc' }, publishType: 'live' }]);
  assert.deepEqual(enc.decoded(), []); // nothing until the socket layer decides
  // media before acceptance is ignored
  assert.deepEqual(enc.message({ csid: 4, type: 8, streamId: 1, timestamp: 0, payload: Uint8Array.of(0xaf, 0) }), []);

  assert.equal(enc.session.acceptPublish(1), true);
  assert.equal(enc.session.acceptPublish(1), false);
  assert.deepEqual(enc.decoded(), [
    [4, 0, [0, 0, 0, 0, 0, 1]], // StreamBegin 1
    [20, 1, ['onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'cam1 is now published', details: 'cam1' }]],
  ]);

  const meta = { duration: 0, width: 1280, height: 720, videocodecid: 7, audiocodecid: 10, encoder: 'Lavf61.1.100' };
  const metaPayload = encodeAmf0('@setDataFrame', 'onMetaData', meta);
  const ev = enc.message({ csid: 4, type: 18, streamId: 1, timestamp: 0, payload: metaPayload });
  assert.deepEqual(ev, [{ type: 'metadata', streamId: 1, timestamp: 0, name: 'onMetaData', data: meta, payload: metaPayload }]);

  const video = Uint8Array.of(0x17, 0, 0, 0, 0, 1, 2, 3);
  const audio = Uint8Array.of(0xaf, 1, 9, 9);
  assert.deepEqual(enc.message({ csid: 6, type: 9, streamId: 1, timestamp: 40, payload: video }), [{ type: 'video', streamId: 1, timestamp: 40, payload: video }]);
  assert.deepEqual(enc.message({ csid: 4, type: 8, streamId: 1, timestamp: 23, payload: audio }), [{ type: 'audio', streamId: 1, timestamp: 23, payload: audio }]);

  assert.deepEqual(enc.command(0, 'FCUnpublish', 6, null, 'cam1?token=abc'), [{ type: 'unpublish', streamId: 1, reason: 'FCUnpublish' }]);
  assert.deepEqual(enc.decoded(), [
    [20, 0, ['onFCUnpublish', 0, null, { code: 'NetStream.Unpublish.Success', description: 'cam1' }]],
    [20, 0, ['_result', 6, null, undefined]],
  ]);
  assert.deepEqual(enc.command(0, 'deleteStream', 7, null, 1), []); // no second unpublish
  assert.deepEqual(enc.decoded(), []);
  // media on the deleted stream is ignored
  assert.deepEqual(enc.message({ csid: 6, type: 9, streamId: 1, timestamp: 80, payload: video }), []);
});

test('deleteStream alone unpublishes; closeStream too', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.command(0, 'createStream', 2, null);
  enc.command(1, 'publish', 3, null, 'a', 'live');
  enc.session.acceptPublish(1);
  assert.deepEqual(enc.command(0, 'deleteStream', 4, null, 1), [{ type: 'unpublish', streamId: 1, reason: 'deleteStream' }]);
  enc.command(0, 'createStream', 5, null);
  enc.command(2, 'publish', 6, null, 'b', 'live');
  enc.session.acceptPublish(2);
  assert.deepEqual(enc.command(2, 'closeStream', 0, null), [{ type: 'unpublish', streamId: 2, reason: 'closeStream' }]);
  assert.deepEqual(enc.command(0, 'deleteStream', 7, null, 2), []);
});

test('rejectPublish sends an error onStatus', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.command(0, 'createStream', 2, null);
  enc.command(1, 'publish', 3, null, 'busy', 'live');
  enc.decoded();
  assert.equal(enc.session.rejectPublish(1, 'NetStream.Publish.BadName', 'busy is already published'), true);
  assert.deepEqual(enc.decoded(), [[20, 1, ['onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.BadName', description: 'busy is already published' }]]]);
  assert.deepEqual(enc.message({ csid: 6, type: 9, streamId: 1, timestamp: 0, payload: Uint8Array.of(0x17) }), []);
});

test('play flow', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.message({ csid: 2, type: 5, streamId: 0, timestamp: 0, payload: Uint8Array.of(0, 0x26, 0x25, 0xa0) });
  enc.command(0, 'createStream', 2, null);
  const sub = enc.command(0, 'FCSubscribe', 3, null, 'cam1');
  assert.deepEqual(sub, [{ type: 'command', streamId: 0, name: 'FCSubscribe', transactionId: 3, commandObject: null, args: ['cam1'] }]);
  enc.decoded();
  // ffmpeg: getStreamLength, play, Set Buffer Length
  enc.command(1, 'getStreamLength', 4, null, 'cam1');
  assert.deepEqual(enc.command(1, 'play', 5, null, 'cam1?t=1', -1000), [{ type: 'play', streamId: 1, name: 'cam1', query: { t: '1' }, start: -1000 }]);
  enc.message({ csid: 2, type: 4, streamId: 0, timestamp: 0, payload: Uint8Array.of(0, 3, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8) });
  enc.decoded();
  assert.equal(enc.session.sendMedia(1, 9, 0, Uint8Array.of(1)), false); // not accepted yet
  assert.equal(enc.session.acceptPlay(1), true);
  const replies = enc.decoded();
  assert.deepEqual(replies[0], [4, 0, [0, 0, 0, 0, 0, 1]]);
  assert.deepEqual(replies.slice(1).map(([t, s, v]) => [t, s, (v as Amf0Value[])[0], ((v as Amf0Value[])[3] as { code?: string } | undefined)?.code]), [
    [20, 1, 'onStatus', 'NetStream.Play.Reset'],
    [20, 1, 'onStatus', 'NetStream.Play.Start'],
    [18, 1, '|RtmpSampleAccess', undefined],
  ]);
  // No NetStream.Data.Start: ffmpeg shows an empty data stream for it.
  assert.equal(replies.length, 4);
  assert.equal(enc.session.playing(1), true);
  const metaOut = encodeAmf0('onMetaData', { width: 2 });
  assert.equal(enc.session.sendMedia(1, 18, 0, metaOut), true);
  assert.equal(enc.session.sendMedia(1, 9, 0, Uint8Array.of(0x17, 0)), true);
  assert.equal(enc.session.sendMedia(1, 8, 0, Uint8Array.of(0xaf, 0)), true);
  const media = enc.replies();
  assert.deepEqual(media.map((m) => [m.type, m.streamId, m.timestamp, m.payload.length]), [
    [18, 1, 0, metaOut.length],
    [9, 1, 0, 2],
    [8, 1, 0, 2],
  ]);
  assert.equal(enc.session.sendPlayStop(1), true);
  const stop = enc.decoded();
  assert.deepEqual(stop[0], [4, 0, [0, 1, 0, 0, 0, 1]]); // StreamEOF 1
  assert.deepEqual(stop.slice(1).map((r) => ((r[2] as Amf0Value[])[3] as { code: string }).code), ['NetStream.Play.UnpublishNotify', 'NetStream.Play.Stop']);
  assert.equal(enc.session.playing(1), false);
  assert.equal(enc.session.sendPauseNotify(1, true), false, 'a stopped stream has nothing to pause');
});

test('pause and unpause are answered as SRS does; a stop that is not an unpublish carries no UnpublishNotify', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.command(0, 'createStream', 2, null);
  enc.decoded();
  enc.command(1, 'play', 3, null, 'cam1');
  assert.equal(enc.session.acceptPlay(1), true);
  enc.decoded();
  const pause = enc.command(1, 'pause', 4, null, true, 1234);
  assert.deepEqual(pause, [{ type: 'command', streamId: 1, name: 'pause', transactionId: 4, commandObject: null, args: [true, 1234] }]);
  assert.equal(enc.session.sendPauseNotify(1, true), true);
  const paused = enc.decoded();
  assert.equal(((paused[0]![2] as Amf0Value[])[3] as { code: string }).code, 'NetStream.Pause.Notify');
  assert.deepEqual(paused[1], [4, 0, [0, 1, 0, 0, 0, 1]]); // StreamEOF 1
  assert.equal(enc.session.sendPauseNotify(1, false), true);
  const unpaused = enc.decoded();
  assert.equal(((unpaused[0]![2] as Amf0Value[])[3] as { code: string }).code, 'NetStream.Unpause.Notify');
  assert.deepEqual(unpaused[1], [4, 0, [0, 0, 0, 0, 0, 1]]); // StreamBegin 1
  assert.equal(enc.session.sendPlayStop(1, false, 'stopped: kicked'), true);
  const stop = enc.decoded();
  assert.deepEqual(stop[0], [4, 0, [0, 1, 0, 0, 0, 1]]);
  assert.deepEqual(stop.slice(1).map((r) => ((r[2] as Amf0Value[])[3] as { code: string; description: string }).description), ['stopped: kicked']);
});

test('a player leaving with deleteStream is reported', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.command(0, 'createStream', 2, null);
  enc.command(1, 'play', 3, null, 'cam1');
  assert.equal(enc.session.rejectPlay(1, 'NetStream.Play.StreamNotFound', 'no such stream'), true);
  enc.command(1, 'play', 4, null, 'cam1');
  enc.session.acceptPlay(1);
  assert.deepEqual(enc.command(0, 'deleteStream', 5, null, 1), [{ type: 'playStop', streamId: 1, reason: 'deleteStream' }]);
  assert.equal(enc.session.sendMedia(1, 9, 0, Uint8Array.of(1)), false);
});

test('acknowledgement after the peer window, counting handshake bytes', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.decoded();
  // window ack size 5000 from the peer
  enc.message({ csid: 2, type: 5, streamId: 0, timestamp: 0, payload: Uint8Array.of(0, 0, 0x13, 0x88) });
  enc.command(0, 'createStream', 2, null);
  enc.command(1, 'publish', 3, null, 'x', 'live');
  enc.session.acceptPublish(1);
  enc.decoded();
  // handshake (3073) + commands already exceed 5000? Not yet; send media until it does
  const acks: number[] = [];
  for (let i = 0; i < 10; i++) {
    enc.message({ csid: 6, type: 9, streamId: 1, timestamp: i * 40, payload: new Uint8Array(1000) });
    for (const m of enc.replies()) if (m.type === 3) acks.push(Buffer.from(m.payload).readUInt32BE(0));
  }
  assert.ok(acks.length >= 2, `acks: ${acks.join(',')}`);
  for (let i = 1; i < acks.length; i++) assert.ok((acks[i] as number) - (acks[i - 1] as number) >= 5000);
  assert.ok((acks[acks.length - 1] as number) <= enc.bytesSent);
  assert.equal(enc.session.bytesReceived, enc.bytesSent);
});

test('no acknowledgement without a peer window', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.message({ csid: 6, type: 9, streamId: 0, timestamp: 0, payload: new Uint8Array(60000) });
  assert.equal(enc.replies().filter((m) => m.type === 3).length, 0);
});

test('ping request gets a ping response', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.decoded();
  enc.message({ csid: 2, type: 4, streamId: 0, timestamp: 0, payload: Uint8Array.of(0, 6, 0x12, 0x34, 0x56, 0x78) });
  assert.deepEqual(enc.decoded(), [[4, 0, [0, 7, 0x12, 0x34, 0x56, 0x78]]]);
});

test('malformed AMF in connect is an RtmpError', () => {
  const enc = new FakeEncoder();
  const bad = new Uint8Array([...encodeAmf0('connect', 1), 0x03, 0x00, 0x03, 0x61]); // object cut off
  assert.throws(() => enc.message({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: bad }), isCode('ERR_RTMP_BAD_COMMAND'));
});

test('oversized declared message is an RtmpError', () => {
  const enc = new FakeEncoder({ maxMessageSize: 1 << 20 });
  const header = Uint8Array.of(0x06, 0, 0, 0, 0x20, 0, 0, 9, 1, 0, 0, 0); // length 0x200000
  assert.throws(() => enc.send(header), isCode('ERR_RTMP_MESSAGE_TOO_LARGE'));
});

test('connect must come first; media before connect is fatal', () => {
  assert.throws(() => new FakeEncoder().command(0, 'createStream', 1, null), isCode('ERR_RTMP_BAD_COMMAND'));
  assert.throws(() => new FakeEncoder().message({ csid: 6, type: 9, streamId: 1, timestamp: 0, payload: Uint8Array.of(0x17) }), isCode('ERR_RTMP_STATE'));
});

test('commands on unknown stream ids are ignored', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.decoded();
  assert.deepEqual(enc.command(7, 'publish', 0, null, 'x', 'live'), []);
  assert.deepEqual(enc.decoded(), []);
});

test('malformed plays are fatal: before createStream (stream 0 or an unknown id), without a name, with a name that is not a string', () => {
  for (const [streamId, args] of [[0, ['x']], [7, ['x']], [1, []], [1, [42]], [1, [null, -1000]]] as const) {
    const enc = new FakeEncoder();
    connect(enc);
    if (streamId === 1) enc.command(0, 'createStream', 2, null);
    assert.throws(() => enc.command(streamId, 'play', 3, null, ...args), isCode('ERR_RTMP_BAD_COMMAND'), `play on ${streamId} with ${JSON.stringify(args)}`);
  }
});

test('chunk size above the incoming cap is an error', () => {
  const enc = new FakeEncoder();
  assert.throws(() => enc.message({ csid: 2, type: 1, streamId: 0, timestamp: 0, payload: Uint8Array.of(0, 2, 0, 0) }), isCode('ERR_RTMP_CHUNK_SIZE'));
});

test('Enhanced RTMP: connect properties are echoed and capsEx Reconnect remembered', () => {
  const enc = new FakeEncoder();
  connect(enc, { fourCcList: ['hvc1', 'av01', 'Opus'], videoFourCcInfoMap: { hvc1: 4 }, capsEx: 3 });
  assert.equal(enc.session.supportsReconnect, true);
  const result = enc.decoded().find((r) => r[0] === 20) as [number, number, Amf0Value[]];
  assert.deepEqual(result[2][2], { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1, fourCcList: ['hvc1', 'av01', 'Opus'], videoFourCcInfoMap: { hvc1: 4 }, capsEx: 1 });
  enc.session.sendReconnectRequest('rtmp://other/live', 'maintenance');
  assert.deepEqual(enc.decoded(), [
    [20, 0, ['onStatus', 0, null, { level: 'status', code: 'NetConnection.Connect.ReconnectRequest', description: 'maintenance', tcUrl: 'rtmp://other/live' }]],
  ]);
  const plain = new FakeEncoder();
  connect(plain);
  assert.equal(plain.session.supportsReconnect, false);
});

// Found with the fuzzer's AMF0 cycle (test/fuzz, target amf0-reader): connect echoes the client's fourCcList,
// and AMF0 references let ~660 bytes stand for a list of 2^60 values (60 arrays each holding two references to
// the one before). Echoing it never finished; a self-containing list failed the reply. The AMF0 reader now
// refuses both, so connect is a typed error at once.
test('a connect whose fourCcList references itself or doubles through references is refused at once', () => {
  const doubling = [0x0a, 0, 0, 0, 61, 0x03, 0x00, 0x00, 0x09];
  for (let i = 1; i <= 60; i++) doubling.push(0x0a, 0, 0, 0, 2, 0x07, 0, i + 1, 0x07, 0, i + 1);
  const cyclic = [0x0a, 0, 0, 0, 1, 0x07, 0x00, 0x01];
  for (const list of [doubling, cyclic]) {
    const enc = new FakeEncoder();
    // "connect", 1, { app: "live", fourCcList: <list> }: reference 0 is the command object.
    const payload = Uint8Array.from([...encodeAmf0('connect', 1).subarray(0), 0x03, 0x00, 0x03, ...Buffer.from('app'), 0x02, 0x00, 0x04, ...Buffer.from('live'), 0x00, 0x0a, ...Buffer.from('fourCcList'), ...list, 0x00, 0x00, 0x09]);
    const started = performance.now();
    assert.throws(() => enc.message({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload }), isCode('ERR_RTMP_BAD_COMMAND'));
    assert.ok(performance.now() - started < 1000);
  }
});

test('AMF3 command and data messages (format byte 0 + AMF0)', () => {
  const enc = new FakeEncoder();
  const events = enc.message({ csid: 3, type: 17, streamId: 0, timestamp: 0, payload: new Uint8Array([0, ...encodeAmf0('connect', 1, { app: 'live' })]) });
  assert.equal(events[0]?.type, 'connect');
  enc.command(0, 'createStream', 2, null);
  enc.command(1, 'publish', 3, null, 'x', 'live');
  enc.session.acceptPublish(1);
  const body = encodeAmf0('onMetaData', { width: 640 });
  const ev = enc.message({ csid: 4, type: 15, streamId: 1, timestamp: 0, payload: new Uint8Array([0, ...body]) });
  assert.deepEqual(ev, [{ type: 'metadata', streamId: 1, timestamp: 0, name: 'onMetaData', data: { width: 640 }, payload: body }]);
});

test('aggregate messages are split with rebased timestamps', () => {
  const enc = new FakeEncoder();
  connect(enc);
  enc.command(0, 'createStream', 2, null);
  enc.command(1, 'publish', 3, null, 'x', 'live');
  enc.session.acceptPublish(1);
  const sub = (type: number, ts: number, data: number[]): number[] => [
    type, 0, 0, data.length, // type, size
    (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, (ts >>> 24) & 0xff, // timestamp + extension
    0, 0, 0, // stream id (overridden)
    ...data,
    0, 0, 0, 11 + data.length, // back pointer
  ];
  const payload = Uint8Array.from([...sub(9, 5000, [0x17, 1]), ...sub(8, 5020, [0xaf, 1]), ...sub(9, 5040, [0x27, 1])]);
  const ev = enc.message({ csid: 6, type: 22, streamId: 1, timestamp: 100, payload });
  assert.deepEqual(ev.map((e) => [e.type, 'timestamp' in e ? e.timestamp : -1]), [
    ['video', 100],
    ['audio', 120],
    ['video', 140],
  ]);
  // Without the last back pointer (some muxers leave it out): the same three.
  const noTail = enc.message({ csid: 6, type: 22, streamId: 1, timestamp: 200, payload: payload.subarray(0, payload.length - 4) });
  assert.deepEqual(noTail.map((e) => e.type), ['video', 'audio', 'video']);
  // Cut inside a sub-message: a typed error, never a partial frame.
  assert.throws(
    () => enc.message({ csid: 6, type: 22, streamId: 1, timestamp: 300, payload: payload.subarray(0, 20) }),
    (err: Error & { code?: string }) => err.code === 'ERR_RTMP_BAD_MESSAGE' && /aggregate/.test(err.message),
  );
});

test('bytes split at every boundary give the same events', () => {
  const wire: Uint8Array[] = [];
  // record what an encoder sends by writing with a separate writer
  const w = new ChunkWriter();
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0, 4);
  wire.push(Uint8Array.of(3), c1, randomBytes(1536));
  wire.push(w.write({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: encodeAmf0('connect', 1, { app: 'live' }) }));
  wire.push(w.write({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: encodeAmf0('createStream', 2, null) }));
  wire.push(w.write({ csid: 8, type: 20, streamId: 1, timestamp: 0, payload: encodeAmf0('publish', 3, null, 'k', 'live') }));
  const all = Buffer.concat(wire);
  for (const step of [1, 2, 5, 100, 1537]) {
    const s = new RtmpServerSession({ hmacSha256 });
    const types: string[] = [];
    for (let o = 0; o < all.length; o += step) types.push(...s.push(new Uint8Array(all.subarray(o, o + step))).map((e) => e.type));
    assert.deepEqual(types, ['connect', 'createStream', 'publish'], `step ${step}`);
  }
});
