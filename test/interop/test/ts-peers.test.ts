/**
 * The `.ts` mount against players that are not ours: GStreamer's tsdemux (an independent demuxer) and VLC
 * (what most people open a `.ts` URL with) decode what ffmpeg publishes — H.264 + AAC, AAC alone, H.264
 * alone, H.264 + MP3 — without a warning from their demuxers or decoders; mpegts.js in headless Chromium plays
 * it over HTTP and over WebSocket; real HEVC + Opus sent by our Enhanced RTMP client come out with the
 * stream types ffprobe expects and decode in GStreamer and VLC; a video codec TS cannot carry here is refused with 415 naming it, at once; viewers joining
 * mid-stream start with the tables and a keyframe; 10 s from Debian's ffmpeg 5.1 (B-frames) pass the
 * conformance checker of @flvcast/test-fixtures; and 200 random `.ts` paths leave nothing behind.
 *
 * The server is flvcast as its CLI builds it (`buildServer`, default mounts: every format on every stream).
 * GStreamer, VLC and Chromium are Debian's (`.ci/run` installs them); without them these tests fail in CI
 * and are skipped loudly elsewhere.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildServer, resolveConfig } from '@flvcast/server';
import { annexBNalUnits, checkTsConformance, demuxTs } from '@flvcast/test-fixtures';
import type { FastifyInstance } from 'fastify';
import { launchChromium, skipWithoutChromium } from '../src/chromium.js';
import { gstDecode, skipWithoutGstreamer, type GstRun } from '../src/gstreamer.js';
import { addPlayerPage, openPlayerPage, play, playerState, type PlayerState } from '../src/mpegts-page.js';
import { encodedHevcOpus } from '../src/encoded-hevc-opus.js';
import { av1Aac, vp9Aac } from '../src/synthetic-media.js';
import { SyntheticPublisher } from '../src/synthetic-publisher.js';
import { probe, publish, request, sleep, spawnTool, waitForMedia, withTimeout, type PublishKind } from '../src/tools.js';
import { skipWithoutVlc, vlcPlay, type VlcRun } from '../src/vlc.js';

interface Server {
  app: FastifyInstance;
  httpUrl: string;
  wsUrl: string;
  rtmpUrl: string;
  rtmpPort: number;
}

async function startServer(t: TestContext, opts: { playerPage?: boolean } = {}): Promise<Server> {
  const { app } = await buildServer(resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], apiListen: ['off'], logLevel: 'silent' }));
  t.after(() => app.close());
  if (opts.playerPage) addPlayerPage(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const rtmpPort = app.rtmp.addresses()[0]!.port;
  return { app, httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, rtmpUrl: `rtmp://127.0.0.1:${rtmpPort}`, rtmpPort };
}

interface Published {
  name: string;
  kind: PublishKind;
  audioCodec: 'aac' | 'mp3';
  /** what each player should find: video (H.264, of this size), audio (AAC or MP3) */
  video: boolean;
  audio: boolean;
  size?: [number, number];
}

const PUBLISHED: Published[] = [
  { name: 'avc-aac', kind: 'av', audioCodec: 'aac', video: true, audio: true },
  { name: 'aac-only', kind: 'audio', audioCodec: 'aac', video: false, audio: true },
  { name: 'avc-only', kind: 'video', audioCodec: 'aac', video: true, audio: false },
  { name: 'avc-mp3', kind: 'av', audioCodec: 'mp3', video: true, audio: true },
];

/** ffmpeg publishes `p` for `seconds`; resolves once the stream has media. */
async function publishFor(t: TestContext, server: Server, p: Published, seconds: number): Promise<void> {
  const pub = publish(`${server.rtmpUrl}/live/${p.name}`, p.kind, { seconds, audioCodec: p.audioCodec });
  t.after(() => pub.kill());
  await waitForMedia(server.app, p.name, { minTags: 10 });
}

const GST_SECONDS = 8;
const VLC_SECONDS = 6;

function gstVerdict(what: string, p: Published, run: GstRun): void {
  const context = `${what}: sinks ${JSON.stringify(run.sinks)}; GStreamer said: ${run.allWarnings.slice(0, 20).join(' | ') || 'nothing'}; caps and state: ${run.capsLines.join(' | ')}`;
  assert.deepEqual(run.problems, [], `${what}: tsdemux and the decoders raise no warning or error. ${context}`);
  const video = run.sinks.filter((s) => s.caps?.startsWith('video/x-raw'));
  const audio = run.sinks.filter((s) => s.caps?.startsWith('audio/x-raw'));
  assert.equal(video.length, p.video ? 1 : 0, `${what}: decoded video streams. ${context}`);
  assert.equal(audio.length, p.audio ? 1 : 0, `${what}: decoded audio streams. ${context}`);
  // Live at 25 fps (AAC: 44100/1024 ≈ 43 frames/s, MP3 ≈ 38/s): at least half the played time came out decoded.
  const half = GST_SECONDS / 2;
  if (p.video) {
    const [w, h] = p.size ?? [320, 240];
    assert.ok(video[0]!.caps!.includes(`width=(int)${w}, height=(int)${h}`), `${what}: picture size ${w}x${h}. ${context}`);
    assert.ok(video[0]!.buffers >= 25 * half, `${what}: ${video[0]!.buffers} pictures decoded in ${GST_SECONDS} s. ${context}`);
  }
  if (p.audio) assert.ok(audio[0]!.buffers >= 38 * half, `${what}: ${audio[0]!.buffers} audio frames decoded in ${GST_SECONDS} s. ${context}`);
}

/** Stream types in a PMT: H.264, AAC (ADTS), MPEG audio (MPEG-1 or MPEG-2 layer III). */
const H264 = 0x1b;
const ADTS_AAC = 0x0f;
const MPEG_AUDIO = [0x03, 0x04];

function vlcVerdict(what: string, p: Published, run: VlcRun): void {
  const { result, ...seen } = run;
  const context = `${what}: ${JSON.stringify(seen)}; log tail: ${result.stderr.slice(-2000)}`;
  assert.deepEqual(run.problems, [], `${what}: no error or warning from VLC's demuxer, packetizers and decoders. ${context}`);
  const types = run.streamTypes.map((s) => s.type);
  const audioTypes = p.audioCodec === 'mp3' ? MPEG_AUDIO : [ADTS_AAC];
  const found = { video: types.filter((x) => x === H264).length, audio: types.filter((x) => audioTypes.includes(x)).length, other: 0 };
  found.other = types.length - found.video - found.audio;
  assert.deepEqual(found, { video: Number(p.video), audio: Number(p.audio), other: 0 }, `${what}: the PMT's stream types (H.264 0x1b, ${p.audioCodec === 'mp3' ? 'MPEG audio 0x03/0x04' : 'ADTS AAC 0x0f'}). ${context}`);
  if (p.video) {
    assert.ok(run.videoDecoder !== undefined, `${what}: a video decoder started. ${context}`);
    assert.ok(run.firstPicture, `${what}: the video decoder put out a picture. ${context}`);
  } else assert.equal(run.videoDecoder, undefined, `${what}: no video decoder for an audio-only stream. ${context}`);
  if (p.audio) assert.ok(run.audioDecoder !== undefined, `${what}: an audio decoder started. ${context}`);
  else assert.equal(run.audioDecoder, undefined, `${what}: no audio decoder for a video-only stream. ${context}`);
  assert.equal(result.code, 0, `${what}: VLC exits cleanly. ${context}`);
}

const gstSkip = skipWithoutGstreamer('MPEG-TS through GStreamer is');
const vlcSkip = skipWithoutVlc('MPEG-TS through VLC is');
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
/**
 * Debian's ffmpeg 5.1 (its ffprobe reads TS; the static ffprobe of @ffprobe-installer crashes on any MPEG-TS
 * input, SIGSEGV, here) and its encoder as a second publisher.
 */
const debianFfmpeg = '/usr/bin/ffmpeg';
const debianFfprobe = '/usr/bin/ffprobe';
const debianSkip = (existsSync(debianFfmpeg) && existsSync(debianFfprobe)) || inCi ? false : `no ${debianFfmpeg} and ${debianFfprobe} (Debian's ffmpeg: apt-get install ffmpeg)`;

function assertDebianFfmpeg(): void {
  assert.ok(existsSync(debianFfmpeg) && existsSync(debianFfprobe), `CI is set and there is no ${debianFfmpeg}/${debianFfprobe}: .ci/run must install Debian's ffmpeg`);
}

describe('GStreamer and VLC play what ffmpeg publishes, as .ts', () => {
  for (const p of PUBLISHED) {
    test(`${p.name}: GStreamer's tsdemux decodes it without errors; VLC starts its decoders with no demux error`, { skip: gstSkip || vlcSkip, timeout: 90_000 }, async (t) => {
      const server = await startServer(t);
      await publishFor(t, server, p, 40);
      const url = `${server.httpUrl}/live/${p.name}.ts`;
      // two independent players at once: each has its own connection (and the stream its TS viewers)
      const [gst, vlc] = await Promise.all([gstDecode(url, { streams: Number(p.video) + Number(p.audio), seconds: GST_SECONDS }), sleep(500).then(() => vlcPlay(url, VLC_SECONDS))]);
      gstVerdict(`GStreamer, ${p.name}`, p, gst);
      vlcVerdict(`VLC, ${p.name}`, p, vlc);
      t.diagnostic(
        `${p.name}: GStreamer decoded ${gst.sinks.map((s) => `${s.buffers} × ${s.caps?.split(',')[0]}`).join(', ')}; VLC: ${vlc.videoDecoder ?? '-'} / ${vlc.audioDecoder ?? '-'}, ` +
          `discontinuity indicators on PIDs ${JSON.stringify(vlc.signalled)}`,
      );
    });
  }
});

const browserSkip = skipWithoutChromium('mpegts.js playing MPEG-TS is');

describe('mpegts.js in headless Chromium plays .ts', () => {
  test('over HTTP and over WebSocket: currentTime advances, frames are decoded, no player error', { skip: browserSkip, timeout: 90_000 }, async (t) => {
    const server = await startServer(t, { playerPage: true });
    const p = PUBLISHED[0]!;
    await publishFor(t, server, p, 60);
    const browser = await launchChromium();
    t.after(() => browser.close());
    for (const [transport, base] of [['HTTP', server.httpUrl], ['WebSocket', server.wsUrl]] as const) {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      await openPlayerPage(page, server.httpUrl);
      await play(page, `${base}/live/${p.name}.ts`);
      const describeState = (s: PlayerState): string => `${JSON.stringify(s)}; browser: ${problems.join(' | ') || 'no errors'}`;
      let first: PlayerState;
      const deadline = performance.now() + 10_000;
      for (;;) {
        first = await playerState(page);
        if (first.frames > 0 && first.currentTime > 0) break;
        if (first.errors.length > 0 || performance.now() > deadline) assert.fail(`${transport}: no decoded frame within 10 s; ${describeState(first)}`);
        await sleep(100);
      }
      await sleep(2500);
      const later = await playerState(page);
      assert.deepEqual(later.errors, [], `${transport}: mpegts.js reports no error; ${describeState(later)}`);
      assert.ok(later.currentTime - first.currentTime > 1.5, `${transport}: currentTime advances (${first.currentTime} → ${later.currentTime}); ${describeState(later)}`);
      assert.ok(later.frames > first.frames, `${transport}: frames keep being decoded (${first.frames} → ${later.frames}); ${describeState(later)}`);
      assert.equal(later.hasVideo, true, `${transport}: mpegts.js found the video`);
      assert.equal(later.hasAudio, true, `${transport}: mpegts.js found the audio`);
      assert.match(later.videoCodec ?? '', /^avc1\./, `${transport}: video codec ${later.videoCodec}`);
      assert.match(later.audioCodec ?? '', /^mp4a\.40/, `${transport}: audio codec ${later.audioCodec}`);
      assert.deepEqual(problems, [], `${transport}: no page error`);
      t.diagnostic(`${transport}: ${later.frames} frames (${later.dropped} dropped), currentTime ${later.currentTime.toFixed(2)} s, ${later.videoCodec} + ${later.audioCodec}`);
      await page.close();
    }
  });
});

describe('Enhanced RTMP codecs in .ts', () => {
  test('HEVC + Opus from our RTMP client: ffprobe finds hevc and opus, GStreamer decodes both, VLC starts its HEVC and Opus decoders', { skip: gstSkip || vlcSkip || debianSkip, timeout: 90_000 }, async (t) => {
    assertDebianFfmpeg();
    const server = await startServer(t);
    const pub = await SyntheticPublisher.start(server.rtmpPort, 'hevc-opus', { media: await encodedHevcOpus() });
    t.after(() => pub.close());
    await waitForMedia(server.app, 'hevc-opus', { minTags: 20 });
    const url = `${server.httpUrl}/live/hevc-opus.ts`;
    const result = await probe(url, 15_000, debianFfprobe);
    const streams = result.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort();
    assert.deepEqual(streams, ['audio:opus', 'video:hevc'], `ffprobe: ${JSON.stringify(result.streams)}; stderr: ${result.stderr}`);
    const video = result.streams.find((s) => s.codec_type === 'video')!;
    // the size comes from the SPS, which the muxer puts before each IDR from the hvcC
    assert.equal(`${video.width}x${video.height}`, '320x240', `the SPS reached ffprobe: ${JSON.stringify(video)}`);
    const audio = result.streams.find((s) => s.codec_type === 'audio')!;
    assert.equal(audio.channels, 2, `Opus channels from the descriptors: ${JSON.stringify(audio)}`);

    const [gst, vlc] = await Promise.all([gstDecode(url, { streams: 2, seconds: GST_SECONDS }), sleep(500).then(() => vlcPlay(url, VLC_SECONDS))]);
    // Opus decodes to 48 kHz in 40 ms packets: 25 a second, as many as the pictures
    const context = `sinks ${JSON.stringify(gst.sinks)}; GStreamer said: ${gst.allWarnings.slice(0, 20).join(' | ') || 'nothing'}`;
    assert.deepEqual(gst.problems, [], `GStreamer, HEVC + Opus: no warning or error. ${context}`);
    const decodedVideo = gst.sinks.find((s) => s.caps?.startsWith('video/x-raw'));
    const decodedAudio = gst.sinks.find((s) => s.caps?.startsWith('audio/x-raw'));
    assert.ok(decodedVideo?.caps?.includes('width=(int)320, height=(int)240') && decodedVideo.buffers >= 25 * (GST_SECONDS / 2), `GStreamer decodes the HEVC. ${context}`);
    assert.ok(decodedAudio?.caps?.includes('rate=(int)48000') && decodedAudio.buffers >= 25 * (GST_SECONDS / 2), `GStreamer decodes the Opus. ${context}`);
    const { result: vlcResult, ...seen } = vlc;
    const vlcContext = `${JSON.stringify(seen)}; log tail: ${vlcResult.stderr.slice(-2000)}`;
    assert.deepEqual(vlc.problems, [], `VLC, HEVC + Opus: no error or warning. ${vlcContext}`);
    assert.deepEqual(vlc.streamTypes.map((s) => s.type).sort((a, b) => a - b), [0x06, 0x24], `VLC: HEVC (0x24) and private data (0x06, Opus) in the PMT. ${vlcContext}`);
    assert.equal(vlc.audioDecoder, 'opus', `VLC's Opus decoder. ${vlcContext}`);
    assert.ok(vlc.videoDecoder !== undefined && vlc.firstPicture, `VLC decodes an HEVC picture. ${vlcContext}`);
    t.diagnostic(`HEVC + Opus: GStreamer ${decodedVideo?.buffers} pictures, ${decodedAudio?.buffers} audio buffers; VLC ${vlc.videoDecoder} + ${vlc.audioDecoder}, discontinuity indicators on PIDs ${JSON.stringify(vlc.signalled)}`);
  });

  for (const [codec, media] of [['AV1', av1Aac], ['VP9', vp9Aac]] as const) {
    test(`a ${codec} stream: .ts answers 415 naming ${codec} at once, .flv still plays it`, { timeout: 30_000 }, async (t) => {
      const server = await startServer(t);
      const name = codec.toLowerCase();
      const pub = await SyntheticPublisher.start(server.rtmpPort, name, { media });
      t.after(() => pub.close());
      await waitForMedia(server.app, name, { minTags: 10 });
      for (const method of ['GET', 'HEAD']) {
        const res = await request(`${server.httpUrl}/live/${name}.ts`, { method });
        assert.equal(res.status, 415, `${method} .ts of a ${codec} stream: ${res.status} ${res.body.toString()}`);
        assert.ok(res.ms < 500, `415 at once, not after waiting for media (${res.ms.toFixed(0)} ms)`);
        if (method === 'GET') assert.match(res.body.toString(), new RegExp(codec, 'i'), `the answer names ${codec}: ${res.body.toString()}`);
      }
      const flv = await request(`${server.httpUrl}/live/${name}.flv`, { method: 'HEAD' });
      assert.equal(flv.status, 200, `.flv carries ${codec} (Enhanced RTMP passes through)`);
    });
  }
});

/** The body of a live response for `ms` (or until `bytes`), as received. */
function capture(url: string, limit: { ms: number; bytes?: number }): Promise<{ status: number; contentType: string | undefined; body: Uint8Array }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent: false }, (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        const done = (): void => {
          clearTimeout(timer);
          req.destroy();
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: new Uint8Array(Buffer.concat(parts)) });
        };
        const timer = setTimeout(done, limit.ms);
        res.on('data', (d: Buffer) => {
          parts.push(d);
          size += d.length;
          if (size >= (limit.bytes ?? Infinity)) done();
        });
        res.once('end', done);
        res.once('error', done);
      });
      req.once('error', reject);
    }),
    limit.ms + 5_000,
    `${url} for ${limit.ms} ms`,
  );
}

describe('viewers joining a .ts stream mid-stream', () => {
  test('each starts with PAT, PMT and SDT, then a keyframe with its SPS and PPS, and conforms from there', { timeout: 60_000 }, async (t) => {
    const server = await startServer(t);
    const p = PUBLISHED[0]!;
    await publishFor(t, server, p, 30);
    const url = `${server.httpUrl}/live/${p.name}.ts`;
    // ffmpeg's GOP is 1 s: joins 0.7 s apart land anywhere in a GOP
    for (let join = 0; join < 5; join++) {
      await sleep(700);
      const { status, body } = await capture(url, { ms: 1500 });
      assert.equal(status, 200);
      const ts = demuxTs(body);
      const what = `joiner ${join + 1} (${body.length} bytes)`;
      const first = [ts.pats[0]?.packetIndex, ts.pmts[0]?.packetIndex, ts.sdts[0]?.packetIndex];
      assert.deepEqual(first, [0, 1, 2], `${what}: the response opens with PAT, PMT, SDT (packet indexes ${JSON.stringify(first)})`);
      const videoPid = ts.pmts[0]!.streams.find((s) => s.streamType === 0x1b)?.pid;
      const video = ts.pes.filter((pes) => pes.pid === videoPid);
      assert.ok(video.length > 0, `${what}: video PES`);
      const nalTypes = annexBNalUnits(video[0]!.data).map((n) => n[0]! & 0x1f);
      assert.ok(video[0]!.randomAccess, `${what}: the first video PES is flagged random access`);
      assert.ok(nalTypes.includes(7) && nalTypes.includes(8) && nalTypes.includes(5), `${what}: the first video PES has SPS, PPS and an IDR slice (NAL types ${JSON.stringify(nalTypes)})`);
      assert.ok(nalTypes.indexOf(7) < nalTypes.indexOf(5) && nalTypes.indexOf(8) < nalTypes.indexOf(5), `${what}: parameter sets before the slice (${JSON.stringify(nalTypes)})`);
      assert.deepEqual(checkTsConformance(body), [], `${what}: conforms`);
    }
  });
});

describe('a second encoder: Debian ffmpeg 5.1', () => {
  test('10 s of .ts from its H.264 (B-frames) + AAC publish pass the conformance checker; ffprobe and GStreamer read it', { skip: debianSkip || gstSkip, timeout: 90_000 }, async (t) => {
    assertDebianFfmpeg();
    const server = await startServer(t);
    // x264's defaults (B-frames, so composition times: PTS ≠ DTS), 2 s GOP, 44.1 kHz AAC
    const pub = spawnTool(
      debianFfmpeg,
      [
        '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-re',
        '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
        '-t', '40', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '60', '-pix_fmt', 'yuv420p', '-threads', '1',
        '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', `${server.rtmpUrl}/live/debian`,
      ],
      60_000,
    );
    t.after(() => pub.kill());
    await waitForMedia(server.app, 'debian', { minTags: 30, timeoutMs: 15_000 });
    const url = `${server.httpUrl}/live/debian.ts`;
    const [{ status, body }, gst] = await Promise.all([capture(url, { ms: 10_000 }), gstDecode(url, { streams: 2, seconds: GST_SECONDS })]);
    assert.equal(status, 200);
    const ts = demuxTs(body);
    const video = ts.pes.filter((pes) => pes.pid === ts.pmts[0]?.streams.find((s) => s.streamType === 0x1b)?.pid);
    assert.ok(video.length >= 250, `10 s of 30 fps video: ${video.length} PES`);
    assert.ok(video.some((pes) => pes.pts !== pes.dts), 'B-frames: some PTS differ from their DTS');
    assert.deepEqual(checkTsConformance(body), [], '10 s of a real encoder conform');
    gstVerdict('GStreamer, Debian ffmpeg', { name: 'debian', kind: 'av', audioCodec: 'aac', video: true, audio: true, size: [640, 360] }, gst);
    const probed = await probe(url, 15_000, debianFfprobe);
    assert.deepEqual(probed.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), ['audio:aac', 'video:h264'], probed.stderr);
    assert.equal(pub.exited, false, `Debian's ffmpeg kept publishing: ${pub.stderr}`);
  });
});

/** This process's open file descriptors (Linux). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('.ts paths that lead nowhere', () => {
  test('200 random .ts paths: each answered at once, no stream created, fds and handles back', { timeout: 60_000 }, async (t) => {
    const server = await startServer(t);
    // one real stream, so that the registry is not empty and its count must not move
    const pub = await SyntheticPublisher.start(server.rtmpPort, 'real');
    t.after(() => pub.close());
    await waitForMedia(server.app, 'real', { minTags: 5 });
    const settle = async (): Promise<{ fds: number; handles: number; streams: number; connections: number }> => {
      await sleep(200);
      const connections = await new Promise<number>((resolve) => server.app.server.getConnections((_e, n) => resolve(n)));
      return { fds: openFds(), handles: process.getActiveResourcesInfo().length, streams: server.app.streams.size, connections };
    };
    const before = await settle();
    let seed = 0x2545f491;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789_-.';
    const statuses = new Map<number, number>();
    const slowest = { ms: 0, path: '' };
    for (let i = 0; i < 200; i++) {
      const word = (n: number): string => Array.from({ length: 1 + rand(n) }, () => alphabet[rand(alphabet.length)]).join('');
      // valid-looking names, names with .. or %2e%2e, deep paths, query strings: never a stream
      const forms = [`/live/${word(12)}.ts`, `/${word(6)}/${word(20)}.ts`, `/live/${word(4)}..${word(4)}.ts`, `/live/%2e%2e%2f${word(5)}.ts`, `/${word(3)}/${word(3)}/${word(3)}.ts`, `/live/${word(8)}.ts?token=${word(30)}`];
      const path = forms[rand(forms.length)]!;
      const res = await request(server.httpUrl, { path, method: rand(4) === 0 ? 'HEAD' : 'GET' });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.ms > slowest.ms) Object.assign(slowest, { ms: res.ms, path });
      assert.ok([400, 404].includes(res.status), `${path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
    }
    assert.ok(slowest.ms < 1000, `every answer came at once; slowest ${slowest.ms.toFixed(0)} ms for ${slowest.path}`);
    // what the requests used is given back (sockets closed on both ends, no timer left waiting for a publisher)
    const deadline = performance.now() + 5_000;
    let after = await settle();
    while (JSON.stringify(after) !== JSON.stringify(before) && performance.now() < deadline) after = await settle();
    assert.deepEqual(after, before, `counts back where they were; answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.deepEqual([...server.app.streams.list()].map((s) => s.key.stream), ['real'], 'no stream was created by a request');
  });
});
