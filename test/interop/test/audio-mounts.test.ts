/**
 * The audio mounts with real peers: ffmpeg publishes over RTMP (H.264+AAC, AAC alone, MP3 with libmp3lame);
 * ffprobe must read `.aac` as ADTS AAC and `.mp3` as MP3 with the published rate and channels, and ffmpeg
 * must decode them without an error line. A format that cannot carry the stream's audio answers 415 at
 * once; the fast cache hands a new listener about audioFastCacheMs of audio in its first burst; a listener
 * that stops reading is bounded; WS, HEAD and CORS work as on `.flv`; random paths leak nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import { WebSocket } from 'ws';
import { SyntheticPublisher } from '../src/synthetic-publisher.js';
import { decode, ffmpegPath, probe, publish, sleep, spawnTool, startApp, streamKey, waitForMedia, waitUntil, withTimeout, type Proc } from '../src/tools.js';

/** ffmpeg publishes a sine as MP3 (libmp3lame, stereo 44.1 kHz), video or not. */
function publishMp3(url: string, seconds: number, withVideo: boolean): Proc {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning'];
  if (withVideo) args.push('-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25');
  args.push('-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', String(seconds));
  if (withVideo) args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p', '-threads', '1');
  args.push('-c:a', 'libmp3lame', '-ac', '2', '-b:a', '128k', '-f', 'flv', url);
  return spawnTool(ffmpegPath(), args, (seconds + 20) * 1000);
}

/** Splits ADTS: every frame must start with the syncword where the previous one's length says. */
function adts(bytes: Buffer): { frames: number; broken: number | undefined } {
  let at = 0;
  let frames = 0;
  while (at + 7 <= bytes.length) {
    if (bytes[at] !== 0xff || (bytes[at + 1]! & 0xf6) !== 0xf0) return { frames, broken: at };
    const length = ((bytes[at + 3]! & 0x03) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
    if (length < 7) return { frames, broken: at };
    at += length;
    frames++;
  }
  return { frames, broken: undefined };
}

interface Listener {
  res: http.IncomingMessage;
  /** Body chunks with their arrival time (performance.now()). */
  chunks: Array<{ at: number; data: Buffer }>;
  headersAt: number;
  body(): Buffer;
  close(): void;
}

function listen(url: string, paused = false): Promise<Listener> {
  return withTimeout(
    new Promise<Listener>((resolve, reject) => {
      const req = http.get(url, { agent: false }, (res) => {
        const listener: Listener = {
          res,
          chunks: [],
          headersAt: performance.now(),
          body: () => Buffer.concat(listener.chunks.map((c) => c.data)),
          close: () => req.destroy(),
        };
        res.on('data', (data: Buffer) => listener.chunks.push({ at: performance.now(), data }));
        res.on('error', () => {});
        if (paused) res.pause();
        resolve(listener);
      });
      req.on('error', reject);
    }),
    5_000,
    `the response head of ${url}`,
  );
}

test('AAC mounts with ffmpeg: .aac is ADTS AAC at the published rate and channels, decodes cleanly; .mp3 answers 415 at once', { timeout: 90_000 }, async (t) => {
  const { app, httpUrl, rtmpUrl, wsUrl } = await startApp();
  t.after(() => app.close());
  const av = publish(`${rtmpUrl}/live/av`, 'av', { seconds: 30 });
  const radio = publish(`${rtmpUrl}/live/radio`, 'audio', { seconds: 30 });
  t.after(() => Promise.all([av.kill(), radio.kill()]));
  await Promise.all([waitForMedia(app, 'av', { minTags: 20 }), waitForMedia(app, 'radio', { minTags: 20 })]);

  for (const name of ['av', 'radio']) {
    const url = `${httpUrl}/live/${name}.aac`;
    const probed = await probe(url);
    assert.equal(probed.code, 0, `${name}: ffprobe ${probed.stderr}`);
    assert.equal(probed.format?.format_name, 'aac', `${name}: read as an ADTS stream`);
    assert.deepEqual(
      probed.streams.map((s) => [s.codec_type, s.codec_name, s.sample_rate, s.channels]),
      [['audio', 'aac', '44100', 1]],
      `${name}: one AAC track, 44.1 kHz mono as published (lavfi sine)`,
    );
    const decoded = await decode(url, 2);
    assert.equal(decoded.code, 0, `${name}: ffmpeg exit ${decoded.code}`);
    assert.equal(decoded.stderr.trim(), '', `${name}: no decode error lines`);
  }

  // .mp3 of an AAC stream: 415 at once, naming the codec, no body.
  const started = performance.now();
  const refused = await fetch(`${httpUrl}/live/av.mp3`);
  const ms = performance.now() - started;
  assert.equal(refused.status, 415);
  assert.match(((await refused.json()) as { message: string }).message, /audio codec aac: \.mp3 carries MP3 only/);
  assert.ok(ms < 1000, `at once (${Math.round(ms)} ms)`);

  // WS on .aac: binary messages that concatenate into ADTS.
  const ws = new WebSocket(`${wsUrl}/live/radio.aac`, { perMessageDeflate: false });
  t.after(() => ws.terminate());
  const received: Buffer[] = [];
  ws.on('message', (d: Buffer, isBinary: boolean) => {
    assert.equal(isBinary, true);
    received.push(d);
  });
  await waitUntil(() => adts(Buffer.concat(received)).frames >= 60, 5_000, 'WS-AAC frames');
  assert.equal(adts(Buffer.concat(received)).broken, undefined, 'WS-AAC parses as ADTS from its first byte');
  assert.deepEqual([...app.streams.get(streamKey('radio'))!.subscribers].map((s) => [s.info.protocol, s.format]), [['ws-aac', 'aac']]);
  assert.equal(av.exited || radio.exited, false, `a publisher died: ${av.stderr}${radio.stderr}`);
});

test('MP3 mounts with ffmpeg (libmp3lame): .mp3 is MP3 at the published rate and channels; .aac answers 415; HEAD and CORS like .flv', { timeout: 90_000 }, async (t) => {
  const { app, httpUrl, rtmpUrl } = await startApp();
  t.after(() => app.close());
  const pub = publishMp3(`${rtmpUrl}/live/mp3`, 30, true);
  t.after(() => pub.kill());
  await waitForMedia(app, 'mp3', { minTags: 20 });
  assert.equal(app.streams.get(streamKey('mp3'))!.audio.codec, 'mp3');

  const url = `${httpUrl}/live/mp3.mp3`;
  const probed = await probe(url);
  assert.equal(probed.code, 0, `ffprobe ${probed.stderr}`);
  assert.equal(probed.format?.format_name, 'mp3');
  assert.deepEqual(probed.streams.map((s) => [s.codec_type, s.codec_name, s.sample_rate, s.channels]), [['audio', 'mp3', '44100', 2]]);
  const decoded = await decode(url, 2);
  assert.equal(decoded.code, 0);
  assert.equal(decoded.stderr.trim(), '', 'no decode error lines');

  const refused = await fetch(`${httpUrl}/live/mp3.aac`);
  assert.equal(refused.status, 415);
  assert.match(((await refused.json()) as { message: string }).message, /audio codec mp3: \.aac carries AAC only/);

  const head = await fetch(url, { method: 'HEAD', headers: { origin: 'https://radio.example' } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), 'audio/mpeg');
  assert.equal(head.headers.get('access-control-allow-origin'), '*');
  const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://radio.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /range/i);
  assert.equal(pub.exited, false, `the publisher died: ${pub.stderr}`);
});

test('fast cache: a listener joining a running stream gets ≈ audioFastCacheMs of audio at once, none with 0', { timeout: 90_000 }, async (t) => {
  const withCache = await startApp({ httpFlv: { audioFastCacheMs: 2000 } });
  const without = await startApp({ httpFlv: { audioFastCacheMs: 0 } });
  t.after(() => Promise.all([withCache.app.close(), without.app.close()]));
  const pubs = [publish(`${withCache.rtmpUrl}/live/radio`, 'audio', { seconds: 30 }), publish(`${without.rtmpUrl}/live/radio`, 'audio', { seconds: 30 })];
  t.after(() => Promise.all(pubs.map((p) => p.kill())));
  await Promise.all([waitForMedia(withCache.app, 'radio'), waitForMedia(without.app, 'radio')]);
  await sleep(3500); // more than the window has gone by

  // AAC at 44.1 kHz: 1024 samples a frame, 43 frames a second, so 2 s is ~86 frames.
  const firstBurst = async (url: string) => {
    const l = await listen(url);
    await sleep(150);
    l.close();
    // What came within 100 ms of the head: the burst, not live frames (4 of them at most in that time).
    return adts(Buffer.concat(l.chunks.filter((c) => c.at - l.headersAt < 100).map((c) => c.data))).frames;
  };
  const cached = await firstBurst(`${withCache.httpUrl}/live/radio.aac`);
  assert.ok(cached >= 75 && cached <= 95, `2000 ms of audio at once: ${cached} ADTS frames (expected ~86)`);
  const none = await firstBurst(`${without.httpUrl}/live/radio.aac`);
  assert.ok(none <= 5, `no window: only live frames (${none})`);
  // Nobody listens now: the window is no consumer.
  await waitUntil(() => withCache.app.streams.get(streamKey('radio'))?.subscribers.size === 0, 2_000, 'the listener to be detached');
});

test('a .aac listener that stops reading is bounded, and what it gets stays whole ADTS frames', { timeout: 90_000 }, async (t) => {
  const maxQueueBytes = 64 * 1024;
  const { app, httpUrl, rtmpPort } = await startApp({ httpFlv: { maxQueueBytes, highWaterMarkBytes: 16 * 1024 } });
  t.after(() => app.close());
  // Our RTMP client over a real socket, flooding 6 KB AAC frames (about 10 MB/s): an encoder is too slow to
  // fill loopback's socket buffers (megabytes) in a test's time.
  const pub = await SyntheticPublisher.start(rtmpPort, 'flood');
  t.after(() => pub.close());
  pub.pause();
  const stream = app.streams.get(streamKey('flood'))!;
  const frame = new Uint8Array(6000).fill(0x21);
  frame[0] = 0xaf;
  frame[1] = 0x01;
  let ts = 10_000;
  const flood = setInterval(() => {
    if (pub.socket.writableLength > 1024 * 1024) return;
    for (let i = 0; i < 10; i++) pub.session.sendAudio((ts += 23), frame);
    pub.flush();
  }, 5);
  t.after(() => clearInterval(flood));
  const slow = await listen(`${httpUrl}/live/flood.aac`, true);
  t.after(() => slow.close());
  const sub = await waitUntil(() => [...stream.subscribers][0], 2_000, 'the listener to attach');
  let peak = 0;
  await waitUntil(() => {
    peak = Math.max(peak, sub.queuedBytes);
    return sub.skips >= 2 || sub.ended;
  }, 30_000, `the stalled listener to be cut back (sent ${sub.bytesSent}, queued ${sub.queuedBytes})`, 5);
  assert.ok(peak <= maxQueueBytes + 6100, `the hub holds at most maxQueueBytes (and one frame) for it: peak ${peak}`);
  assert.ok(stream.audioWindowBytes <= maxQueueBytes, `the audio window is bounded too (${stream.audioWindowBytes})`);
  clearInterval(flood);
  slow.res.resume();
  await sleep(1000);
  const got = adts(slow.body());
  assert.equal(got.broken, undefined, `cut back between frames, never inside one (${got.frames} frames)`);
  assert.ok(got.frames > 0);
});

test('200 random .aac/.mp3 paths leak nothing: 404 at once, no stream, handles and fds back', { timeout: 60_000 }, async (t) => {
  const { app, httpUrl } = await startApp();
  t.after(() => app.close());
  const fds = () => readdirSync('/proc/self/fd').length;
  const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'Immediate').length;
  await fetch(`${httpUrl}/live/warmup.aac`);
  await sleep(200);
  const before = { fds: fds(), handles: handles(), streams: app.streams.size };
  const statuses = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const token = Math.random().toString(36).slice(2, 10);
    const ext = i % 2 === 0 ? 'aac' : 'mp3';
    const path = [`/live/${token}.${ext}`, `/${token}/${token}.${ext}`, `/live/${token}.${ext}?t=${i}`][i % 3]!;
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${httpUrl}${path}`, { method: i % 5 === 0 ? 'HEAD' : 'GET', agent: false }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    statuses.set(res, (statuses.get(res) ?? 0) + 1);
  }
  assert.deepEqual([...statuses.keys()], [404], JSON.stringify([...statuses]));
  assert.equal(app.streams.size, before.streams, 'no stream created');
  await waitUntil(() => fds() <= before.fds + 2 && handles() <= before.handles + 2, 3_000, `fds and handles back (fds ${fds()} vs ${before.fds}, handles ${handles()} vs ${before.handles})`);
});
