import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptySink, FlvViewer } from '../src/flv-viewer.js';
import { FLV_TAG_OVERHEAD } from '../src/ingest-log.js';
import { parseRtmpUrl, RtmpPlayConnection } from '../src/rtmp-play-connection.js';
import { probeRtmpPlay, RtmpPlayRefused } from '../src/rtmp-play-probe.js';
import { rtmpTestServer, type Play } from './rtmp-test-server.js';

const AVC_SEQUENCE_HEADER = Uint8Array.of(0x17, 0x00, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 0);
const keyframe = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i === 0 ? 0x17 : i === 1 ? 0x01 : i % 251));
const interframe = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i === 0 ? 0x27 : i === 1 ? 0x01 : i % 241));
const aac = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i === 0 ? 0xaf : i === 1 ? 0x01 : i % 7));

interface Answer {
  ok: boolean;
  reason: string | undefined;
}

function play(url: string, viewer: FlvViewer): { connection: RtmpPlayConnection; answer: Promise<Answer>; closed: Promise<void> } {
  let answered!: (a: Answer) => void;
  let closed!: () => void;
  const answer = new Promise<Answer>((resolve) => (answered = resolve));
  const closedP = new Promise<void>((resolve) => (closed = resolve));
  const connection = new RtmpPlayConnection(new URL(url), viewer, {
    onAnswer: (ok, _at, reason) => answered({ ok, reason }),
    onClose: () => closed(),
  });
  return { connection, answer, closed: closedP };
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('parseRtmpUrl splits app and stream name, keeping the query on the name', () => {
  assert.deepEqual(parseRtmpUrl(new URL('rtmp://127.0.0.1:1940/live/bench?token=a')), {
    host: '127.0.0.1',
    port: 1940,
    app: 'live',
    tcUrl: 'rtmp://127.0.0.1:1940/live',
    name: 'bench?token=a',
  });
  assert.equal(parseRtmpUrl(new URL('rtmp://h/live/a/b')).name, 'a/b');
  assert.equal(parseRtmpUrl(new URL('rtmp://h/live/x')).port, 1935);
  assert.throws(() => parseRtmpUrl(new URL('rtmp://h/live')), /\/<app>\/<stream>/);
  assert.throws(() => parseRtmpUrl(new URL('http://h/live/x')), /not an rtmp/);
});

test('a served RTMP player is counted and timed like an FLV viewer', async () => {
  let current: Play | undefined;
  const server = await rtmpTestServer((p) => {
    current = p;
    p.accept();
  });
  try {
    const sink = emptySink();
    sink.recording = true;
    const viewer = new FlvViewer(sink, true);
    let keyframeAt: number | undefined;
    viewer.onKeyframe = (at) => (keyframeAt = at);
    const { connection, answer, closed } = play(`rtmp://127.0.0.1:${server.port}/live/bench`, viewer);
    assert.deepEqual(await answer, { ok: true, reason: undefined });
    assert.equal(current?.name, 'bench');
    const messages: [number, number, Uint8Array][] = [
      [9, 0, AVC_SEQUENCE_HEADER],
      [9, 0, keyframe(10_000)],
      [8, 5, aac(300)],
      [9, 33, interframe(2000)],
      [9, 2000, interframe(500)], // 1967 ms after the previous video: a gap
    ];
    for (const [type, ts, payload] of messages) current!.media(type, ts, payload);
    const expected = messages.reduce((n, [, , p]) => n + p.length + FLV_TAG_OVERHEAD, 0);
    await until(() => viewer.bytes === expected, 'every message');
    assert.equal(sink.tags, messages.length);
    assert.equal(sink.framingErrors, 0);
    assert.equal(sink.gaps, 1);
    assert.equal(sink.offKeyframeResumes, 1);
    assert.notEqual(keyframeAt, undefined);
    // samples: [type, timestamp, size, at] per audio/video message, the key the ingest log matches on
    const keys = [];
    for (let i = 0; i < sink.samples.length; i += 4) keys.push(sink.samples.slice(i, i + 3));
    assert.deepEqual(keys, messages.map(([type, ts, p]) => [type, ts, p.length]));
    connection.close();
    await closed;
  } finally {
    await server.close();
  }
});

test('media on message stream 0 (node-media-server) reaches the player', async () => {
  let current: Play | undefined;
  const server = await rtmpTestServer((p) => {
    current = p;
    p.accept();
  });
  try {
    const viewer = new FlvViewer(emptySink(), false);
    const { connection, answer, closed } = play(`rtmp://127.0.0.1:${server.port}/live/nms`, viewer);
    assert.equal((await answer).ok, true);
    current!.mediaOnStream0(9, 0, keyframe(6000));
    current!.mediaOnStream0(8, 10, aac(200));
    await until(() => viewer.bytes === 6000 + 200 + 2 * FLV_TAG_OVERHEAD, 'the stream-0 media');
    connection.close();
    await closed;
  } finally {
    await server.close();
  }
});

test('a refused play fails the player with the server status code', async () => {
  const server = await rtmpTestServer((p) => p.refuse('NetStream.Play.Failed', 'RTMP playback is not enabled on this server'));
  try {
    const viewer = new FlvViewer(emptySink(), false);
    const { answer, closed } = play(`rtmp://127.0.0.1:${server.port}/live/bench`, viewer);
    const a = await answer;
    assert.equal(a.ok, false);
    assert.match(a.reason ?? '', /^NetStream\.Play\.Failed \(RTMP playback is not enabled/);
    await closed; // a refused player closes its socket
    assert.equal(viewer.bytes, 0);
  } finally {
    await server.close();
  }
});

test('a connection closed before Play.Start fails the player', async () => {
  const server = await rtmpTestServer((p) => p.socket.destroy());
  try {
    const { answer } = play(`rtmp://127.0.0.1:${server.port}/live/bench`, new FlvViewer(emptySink(), false));
    const a = await answer;
    assert.equal(a.ok, false);
    assert.match(a.reason ?? '', /closed before NetStream\.Play\.Start|ECONNRESET/);
  } finally {
    await server.close();
  }
});

test('the probe passes a server that plays and names the code of one that refuses', async () => {
  const playing = await rtmpTestServer((p) => {
    p.accept();
    p.media(9, 0, AVC_SEQUENCE_HEADER);
    p.media(9, 0, keyframe(4000));
  });
  const refusing = await rtmpTestServer((p) => p.refuse('NetStream.Play.Failed', 'no RTMP play here'));
  try {
    const probe = await probeRtmpPlay(`rtmp://127.0.0.1:${playing.port}/live/bench`, 5000);
    assert.ok(probe.firstKeyframeMs >= probe.playStartMs);
    assert.equal(probe.adoptedFromStream0, 0);
    await assert.rejects(probeRtmpPlay(`rtmp://127.0.0.1:${refusing.port}/live/bench`, 5000), (err: unknown) => {
      assert.ok(err instanceof RtmpPlayRefused);
      assert.match(err.reason, /^NetStream\.Play\.Failed/);
      return true;
    });
  } finally {
    await playing.close();
    await refusing.close();
  }
});
