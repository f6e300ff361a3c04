/**
 * RTMP play with real players over loopback: ffmpeg (npm 4.1 and Debian's 5.1), ffprobe, rtmpdump (librtmp),
 * GStreamer's rtmp2src, nginx-rtmp pulling from flvcast, and our own client session where a test must see
 * each status. The stream comes from a real ffmpeg encoder or, where a test needs exact control (an idle
 * player, Enhanced RTMP codecs), from the synthetic publisher.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeAmf0 } from '@flvcast/amf0';
import { FlvDemuxer, inspectVideo } from '@flvcast/flv';
import type { LimitHit } from '@flvcast/hub';
import { ChunkWriter, ClientHandshake } from '@flvcast/rtmp';
import { gstDecode, skipWithoutGstreamer } from '../src/gstreamer.js';
import { skipWithoutVlc, vlcPlay } from '../src/vlc.js';
import { NGINX_RTMP_MODULE, inCi, startNginx } from '../src/reverse-proxy.js';
import { RtmpTestPlayer } from '../src/rtmp-test-player.js';
import { av1Aac } from '../src/synthetic-media.js';
import { SyntheticPublisher } from '../src/synthetic-publisher.js';
import { fastifyOpsApi, fastifyOpsMetrics } from '@flvcast/fastify-ops';
import { HttpFlvViewer, probe, publish, request, sleep, spawnTool, startApp, waitForMedia, waitUntil, ffmpegPath, type ToolResult } from '../src/tools.js';

const RTMPDUMP = '/usr/bin/rtmpdump';
const DEBIAN_FFMPEG = '/usr/bin/ffmpeg';

/** A skip reason outside CI when a Debian binary is missing (after a banner); false otherwise (CI fails instead). */
function skipWithout(path: string, pkg: string): string | false {
  if (existsSync(path) || inCi) return false;
  console.error(`\n!! RTMP PLAY TEST SKIPPED: no ${path} (apt-get install ${pkg}); .ci/run installs it.\n`);
  return `no ${path}`;
}

function errorLines(r: ToolResult): string[] {
  return r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

function assertCleanDecode(r: ToolResult, what: string): void {
  assert.equal(r.timedOut, false, `${what} timed out; stderr: ${r.stderr}`);
  assert.equal(r.code, 0, `${what} exit code; stderr: ${r.stderr}`);
  assert.deepEqual(errorLines(r), [], `${what} printed errors while decoding`);
}

/** ffmpeg decoding `seconds` of `url` to null (`-v error`: any line is an error). */
function decodeWith(bin: string, url: string, seconds: number, timeoutMs = 30_000): Promise<ToolResult> {
  return spawnTool(bin, ['-hide_banner', '-nostdin', '-nostats', '-v', 'error', '-i', url, '-t', String(seconds), '-f', 'null', '-'], timeoutMs).done;
}

describe('RTMP play: ffmpeg publishes, ffmpeg and ffprobe play over RTMP', () => {
  test('ffmpeg 4.1 decodes 5 s with no error line; ffprobe sees exactly h264 320x240 + aac; the player is an rtmp subscriber', async (t) => {
    const { app, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/x`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    const stream = await waitForMedia(app, 'x');

    const decoding = decodeWith(ffmpegPath(), `${rtmpUrl}/live/x`, 5);
    const player = await waitUntil(() => [...stream.subscribers].find((s) => s.info.protocol === 'rtmp' && s.format === 'rtmp'), 10_000, 'an rtmp subscriber of format rtmp');
    assertCleanDecode(await decoding, 'ffmpeg -i rtmp://…');
    t.diagnostic(`ffmpeg's 5 s: ${player.tagsSent} RTMP messages, ${player.bytesSent} bytes, ${player.droppedTags} dropped, ended ${player.endReason}`);
    assert.ok(player.tagsSent > 5 * 40, `the player got at least 5 s of media (${player.tagsSent} messages)`);

    const p = await probe(`${rtmpUrl}/live/x`);
    const describe = `exit ${p.code}, streams ${JSON.stringify(p.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height]))}, stderr: ${p.stderr}`;
    assert.equal(p.code, 0, describe);
    assert.equal(p.streams.length, 2, `exactly two streams, no data stream: ${describe}`);
    const video = p.streams.find((s) => s.codec_type === 'video');
    const audio = p.streams.find((s) => s.codec_type === 'audio');
    assert.equal(video?.codec_name, 'h264', describe);
    assert.equal(video?.width, 320);
    assert.equal(video?.height, 240);
    assert.equal(audio?.codec_name, 'aac', describe);
    assert.equal(pub.exited, false, `the publisher died: ${pub.stderr}`);
  });

  test("the replies as SRS sends them, then onMetaData (no @setDataFrame), the sequence headers, and a late player's first picture is a keyframe", async (t) => {
    const { app, rtmpUrl, rtmpPort } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/late`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'late', { minTags: 60 });
    await sleep(500); // mid-GOP

    const player = new RtmpTestPlayer(rtmpPort, 'late');
    t.after(() => player.close());
    await player.waitFor((p) => p.media('video').filter((e) => !inspectVideo(e.payload).isSequenceHeader).length >= 10, 'ten pictures');
    assert.deepEqual(player.statuses.slice(0, 2), ['NetStream.Play.Reset', 'NetStream.Play.Start']);
    assert.ok(!player.statuses.includes('NetStream.Data.Start'), 'no NetStream.Data.Start');
    const meta = player.events.filter((e) => e.type === 'metadata');
    assert.equal(meta[0]?.type === 'metadata' ? meta[0].name : undefined, 'onMetaData', 'onMetaData first, not wrapped in @setDataFrame');
    const firstMedia = player.events.findIndex((e) => e.type === 'audio' || e.type === 'video');
    assert.ok(player.events.indexOf(meta[0]!) < firstMedia, 'onMetaData comes before any media');
    const videos = player.media('video').map((e) => inspectVideo(e.payload));
    assert.equal(videos[0]?.isSequenceHeader, true, 'the first video message is the AVC sequence header');
    const firstPicture = videos.find((v) => !v.isSequenceHeader);
    assert.equal(firstPicture?.isKeyframe, true, 'the first picture is a keyframe');
    const firstVideo = player.media('video')[0]!;
    const ttff = player.media('video').find((e) => !inspectVideo(e.payload).isSequenceHeader)!.at;
    t.diagnostic(`late player: first video ${firstVideo.at.toFixed(1)} ms, first picture ${ttff.toFixed(1)} ms after connecting`);
  });

  test('RTMP players show in the API summary and the metrics, by protocol and format', async (t) => {
    const { app, rtmpPort, httpUrl } = await startApp({
      plugins: async (a) => {
        await a.register(fastifyOpsApi, { allowWithoutToken: 'loopback' });
        await a.register(fastifyOpsMetrics, { allowWithoutToken: 'loopback' });
      },
    });
    t.after(() => app.close());
    const pub = await SyntheticPublisher.start(rtmpPort, 'ops');
    t.after(() => pub.close());
    const players = [new RtmpTestPlayer(rtmpPort, 'ops'), new RtmpTestPlayer(rtmpPort, 'ops')];
    t.after(() => players.forEach((p) => p.close()));
    for (const p of players) await p.waitFor((x) => x.media('video').length > 0, 'video');
    const summary = JSON.parse((await request(`${httpUrl}/api/v1/summary`)).body.toString()) as { totals: { viewers: number; viewersByProtocol: Record<string, number>; viewersByFormat: Record<string, number> } };
    assert.equal(summary.totals.viewers, 2);
    assert.deepEqual(summary.totals.viewersByProtocol, { rtmp: 2 });
    assert.deepEqual(summary.totals.viewersByFormat, { rtmp: 2 });
    const metrics = (await request(`${httpUrl}/metrics`)).body.toString();
    assert.match(metrics, /flvcast_viewers\{protocol="rtmp",format="rtmp"\} 2/);
    // One encoded packet per frame for both players: they share the stream's RTMP output.
    const subs = [...app.streams.get({ vhost: '', app: 'live', stream: 'ops' })!.subscribers];
    assert.equal(subs.length, 2);
    assert.equal(subs[0]!.output, subs[1]!.output, 'one shared output (same Format) for both players');
  });

  test('an unknown stream gets NetStream.Play.StreamNotFound at once, then the connection closes', async (t) => {
    const { app, rtmpPort } = await startApp();
    t.after(() => app.close());
    const player = new RtmpTestPlayer(rtmpPort, 'nobody');
    t.after(() => player.close());
    await player.waitFor((p) => p.closed, 'the server to close the connection', 5000);
    const status = player.events.find((e) => e.type === 'status');
    assert.equal(status?.type === 'status' ? status.code : undefined, 'NetStream.Play.StreamNotFound');
    assert.equal(status?.type === 'status' ? status.level : undefined, 'error');
    const connected = player.events.find((e) => e.type === 'connected')!.at;
    const ms = status!.at - connected;
    t.diagnostic(`StreamNotFound ${ms.toFixed(1)} ms after connect's _result (${status!.at.toFixed(1)} ms after the TCP connect); closed at ${player.closedAt?.toFixed(1)} ms`);
    assert.ok(ms < 200, `StreamNotFound within 200 ms of connect, took ${ms.toFixed(1)} ms`);

    // ffmpeg gives up at once too, with the server's words.
    const started = performance.now();
    const r = await decodeWith(ffmpegPath(), `rtmp://127.0.0.1:${rtmpPort}/live/nobody`, 1, 10_000);
    const took = performance.now() - started;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /StreamNotFound|no live stream/, r.stderr);
    t.diagnostic(`ffmpeg exited ${took.toFixed(0)} ms after start on an unknown stream`);
    assert.ok(took < 3000, `ffmpeg gave up within 3 s, took ${took.toFixed(0)} ms`);
  });
});

describe('RTMP play: other real players', () => {
  test("Debian's ffmpeg 5.1 decodes 4 s with no error line", { skip: skipWithout(DEBIAN_FFMPEG, 'ffmpeg') }, async (t) => {
    assert.ok(existsSync(DEBIAN_FFMPEG), `CI is set and there is no ${DEBIAN_FFMPEG}`);
    const { app, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/deb`, 'av', { seconds: 20 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'deb');
    assertCleanDecode(await decodeWith(DEBIAN_FFMPEG, `${rtmpUrl}/live/deb`, 4), '/usr/bin/ffmpeg -i rtmp://…');
  });

  test('rtmpdump (librtmp) dumps a valid FLV: the AVC sequence header, then a keyframe; it ends when the stream does', { skip: skipWithout(RTMPDUMP, 'rtmpdump') }, async (t) => {
    assert.ok(existsSync(RTMPDUMP), `CI is set and there is no ${RTMPDUMP}`);
    const { app, rtmpUrl } = await startApp({ httpFlv: { reconnectGraceMs: 500 } });
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/dump`, 'av', { seconds: 6 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'dump');
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-rtmpdump-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'out.flv');
    const r = await spawnTool(RTMPDUMP, ['-v', '-r', `${rtmpUrl}/live/dump`, '-B', '3', '-o', out], 30_000).done;
    assert.equal(r.timedOut, false, `rtmpdump ended with the stream (UnpublishNotify/Play.Stop); stderr: ${r.stderr}`);
    const tags = new FlvDemuxer().push(new Uint8Array(readFileSync(out)));
    const videos = tags.filter((tag) => tag.type === 9).map((tag) => inspectVideo(tag.payload));
    t.diagnostic(`rtmpdump exit ${r.code}: ${tags.length} tags, ${videos.length} video; ${r.stderr.trim().split(/[\r\n]+/).slice(-2).join(' | ')}`);
    assert.ok(videos.length > 25, `more than a second of video (${videos.length} video tags)`);
    assert.equal(videos[0]!.codec, 'avc');
    assert.equal(videos[0]!.isSequenceHeader, true, 'the first video tag is the AVC sequence header');
    assert.equal(videos[1]!.isKeyframe, true, 'the next video tag is a keyframe');
    assert.ok(tags.some((tag) => tag.type === 8), 'audio too');
  });

  test('VLC plays rtmp:// (its avformat access): both decoders start, a picture is shown, no error or warning from the stream', { skip: skipWithoutVlc('RTMP play to VLC is'), timeout: 60_000 }, async (t) => {
    const { app, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/vlc`, 'av', { seconds: 25 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'vlc');
    const run = await vlcPlay(`${rtmpUrl}/live/vlc`, 5);
    const context = run.result.stderr.split('\n').filter((l) => /rtmp|avformat|decoder|error|warning/.test(l)).slice(-40).join('\n');
    assert.equal(run.videoDecoder, 'avcodec', context);
    assert.ok(run.audioDecoder !== undefined, `an audio decoder started; ${context}`);
    assert.ok(run.firstPicture, `VLC showed a picture; ${context}`);
    assert.deepEqual(run.problems, [], context);
  });

  test("GStreamer's rtmp2src ! flvdemux decodes both tracks with no warning", { skip: skipWithoutGstreamer('RTMP play to GStreamer') }, async (t) => {
    const { app, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/gst`, 'av', { seconds: 25 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'gst');
    const run = await gstDecode(`${rtmpUrl}/live/gst`, { streams: 2, seconds: 4, demuxed: 'rtmp-flv' });
    const context = `${run.capsLines.join('\n')}\n${run.allWarnings.join('\n')}`;
    assert.deepEqual(run.problems, [], context);
    const caps = run.sinks.map((s) => s.caps ?? '').sort();
    assert.match(caps.join(' '), /audio\/x-raw/, context);
    assert.match(caps.join(' '), /video\/x-raw.*width=\(int\)320/, context);
    for (const sink of run.sinks) assert.ok(sink.buffers > 25, `each track decoded more than 25 buffers: ${JSON.stringify(run.sinks)}`);
  });

  test('nginx-rtmp pulls from flvcast: ffprobe through nginx reads the stream', { skip: skipWithout(NGINX_RTMP_MODULE, 'libnginx-mod-rtmp') }, async (t) => {
    assert.ok(existsSync(NGINX_RTMP_MODULE), `CI is set and there is no ${NGINX_RTMP_MODULE}`);
    const { app, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/pulled`, 'av', { seconds: 30 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'pulled');
    const players: string[] = [];
    app.streams.events.on('play', ({ subscriber }) => players.push(`${subscriber.info.protocol}/${subscriber.format}`));
    const nginx = await startNginx(t, {
      rtmp: ([port]) => `    server {\n        listen 127.0.0.1:${port};\n        application live {\n            live on;\n            pull ${rtmpUrl}/live;\n        }\n    }`,
    });
    const through = `rtmp://127.0.0.1:${nginx.ports[0]}/live/pulled`;
    const p = await probe(through, 20_000);
    const describe = `exit ${p.code}, streams ${JSON.stringify(p.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height]))}, stderr: ${p.stderr}\n--- nginx ---\n${nginx.log()}`;
    assert.equal(p.code, 0, describe);
    assert.deepEqual(p.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], describe);
    assert.deepEqual(players, ['rtmp/rtmp'], 'nginx pulled it as one rtmp subscriber of flvcast');
    t.diagnostic(`through ${nginx.version}: ${p.streams.map((s) => s.codec_name).join(' + ')}`);
  });
});

describe('RTMP play: the stream comes and goes', () => {
  test('a republish within the grace window: the RTMP player stays attached and ffmpeg decodes across it', async (t) => {
    const { app, rtmpUrl } = await startApp({ httpFlv: { reconnectGraceMs: 5000 } });
    t.after(() => app.close());
    const stops: string[] = [];
    app.streams.events.on('stop', ({ subscriber, reason }) => {
      if (subscriber.info.protocol === 'rtmp') stops.push(reason);
    });
    const first = publish(`${rtmpUrl}/live/re`, 'av', { seconds: 4 });
    t.after(() => first.kill());
    await waitForMedia(app, 're');
    const decoding = decodeWith(ffmpegPath(), `${rtmpUrl}/live/re`, 7, 40_000);
    await first.done;
    const gapStart = performance.now();
    const second = publish(`${rtmpUrl}/live/re`, 'av', { seconds: 15 });
    t.after(() => second.kill());
    const r = await decoding;
    t.diagnostic(`republished ${(performance.now() - gapStart).toFixed(0)} ms before the player finished; player ran ${r.ms.toFixed(0)} ms`);
    assertCleanDecode(r, 'ffmpeg across a republish');
    assert.deepEqual(stops.filter((s) => s !== 'left'), [], 'the RTMP player was never ended by the hub (no unpublished)');
  });

  test('when the stream really ends (grace over): StreamEOF, UnpublishNotify, Play.Stop, then the close; never during the grace', async (t) => {
    const { app, rtmpPort } = await startApp({ httpFlv: { reconnectGraceMs: 800 } });
    t.after(() => app.close());
    const pub = await SyntheticPublisher.start(rtmpPort, 'ends');
    t.after(() => pub.close());
    const player = new RtmpTestPlayer(rtmpPort, 'ends');
    t.after(() => player.close());
    await player.waitFor((p) => p.media('video').length > 5, 'video');
    pub.unpublish();
    const unpublishedAt = performance.now() - player.started;
    await sleep(400);
    assert.ok(!player.statuses.includes('NetStream.Play.UnpublishNotify'), 'no UnpublishNotify during the grace window');
    assert.equal(player.closed, false);
    await player.waitFor((p) => p.closed, 'the server to close the connection', 5000);
    const tail = player.statuses.slice(-2);
    assert.deepEqual(tail, ['NetStream.Play.UnpublishNotify', 'NetStream.Play.Stop']);
    t.diagnostic(`closed ${(player.closedAt! - unpublishedAt).toFixed(0)} ms after the unpublish (grace 800 ms)`);
  });

  test('a player that never reads is cut by the stall rule; an HTTP viewer of the same stream sees no gap', async (t) => {
    const { app, rtmpPort, httpUrl } = await startApp({ httpFlv: { reconnectGraceMs: 0, stallTimeoutMs: 1000 } });
    t.after(() => app.close());
    const hits: LimitHit[] = [];
    app.streams.events.on('limit', (h) => hits.push(h));
    // 150 KB video frames, 25 a second: loopback buffers fill in a second or two.
    const pub = await SyntheticPublisher.start(rtmpPort, 'fat', { videoPadding: 150_000 });
    t.after(() => pub.close());
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/fat.flv`);
    t.after(() => viewer.close());
    const idle = new RtmpTestPlayer(rtmpPort, 'fat');
    t.after(() => idle.close());
    await idle.waitFor((p) => p.statuses.includes('NetStream.Play.Start'), 'Play.Start');
    idle.socket.pause();
    const paused = performance.now();
    await waitUntil(() => hits.find((h) => h.limit === 'stallTimeoutMs' && h.protocol === 'rtmp'), 20_000, 'the stall cut of the idle RTMP player');
    const cutAfter = performance.now() - paused;
    // (The idle client reads nothing, so it would not notice; the server's side is what counts.)
    await waitUntil(() => app.rtmp.connections === 1, 5000, "the server to close the idle player's connection (the publisher's stays)");
    await sleep(500);
    const times = viewer.tags.filter((tag) => tag.type === 9).map((tag) => tag.at);
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
    t.diagnostic(`idle RTMP player cut ${cutAfter.toFixed(0)} ms after it stopped reading; HTTP viewer: ${times.length} video tags, largest gap ${gap.toFixed(0)} ms`);
    assert.ok(gap < 400, `the HTTP viewer saw no gap (largest ${gap.toFixed(0)} ms)`);
    assert.equal(app.streams.get({ vhost: '', app: 'live', stream: 'fat' })?.viewerCount, 1, 'the HTTP viewer is still there');
  });
});

describe('RTMP play: Enhanced RTMP codecs go only to players that announced them', () => {
  test("AV1: a legacy player gets NetStream.Play.Failed naming the codec; one with fourCcList ['av01'] plays it", async (t) => {
    const { app, rtmpPort } = await startApp();
    t.after(() => app.close());
    const pub = await SyntheticPublisher.start(rtmpPort, 'av1', { media: av1Aac });
    t.after(() => pub.close());
    const legacy = new RtmpTestPlayer(rtmpPort, 'av1');
    t.after(() => legacy.close());
    await legacy.waitFor((p) => p.closed, 'the legacy player to be refused and closed');
    const failed = legacy.events.find((e) => e.type === 'status');
    assert.equal(failed?.type === 'status' ? failed.code : undefined, 'NetStream.Play.Failed');
    assert.match(failed?.type === 'status' ? failed.description : '', /av1.*av01.*fourCcList/);
    assert.equal(legacy.media().length, 0, 'not a media byte before the refusal');

    for (const list of [['av01'], ['*']]) {
      const enhanced = new RtmpTestPlayer(rtmpPort, 'av1', { connectProperties: { fourCcList: list } });
      t.after(() => enhanced.close());
      await enhanced.waitFor((p) => p.media('video').length > 3, `video for a player announcing ${list.join()}`);
      assert.equal(inspectVideo(enhanced.media('video')[0]!.payload).fourcc, 'av01');
      enhanced.close();
    }
  });
});

describe('RTMP play: malformed plays close only their own connection', () => {
  test('no name, a name that is not a string, play before createStream, a huge name', async (t) => {
    const { app, rtmpPort, logs } = await startApp({ captureLogs: true, logLevel: 'info' });
    t.after(() => app.close());
    const pub = await SyntheticPublisher.start(rtmpPort, 'steady');
    t.after(() => pub.close());
    const watcher = new RtmpTestPlayer(rtmpPort, 'steady');
    t.after(() => watcher.close());
    await watcher.waitFor((p) => p.media('video').length > 2, 'the steady player to get video');

    const cases: Array<{ what: string; stream: number; args: unknown[]; create: boolean }> = [
      { what: 'no name', stream: 1, args: [], create: true },
      { what: 'a number for a name', stream: 1, args: [42, -1000], create: true },
      { what: 'play before createStream', stream: 1, args: ['steady'], create: false },
      { what: 'play on the NetConnection', stream: 0, args: ['steady'], create: true },
      { what: 'a 60 KB name', stream: 1, args: ['x'.repeat(60_000)], create: true },
    ];
    for (const c of cases) {
      const before = watcher.media('video').length;
      const socket = net.connect({ port: rtmpPort, host: '127.0.0.1' });
      socket.on('error', () => {});
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      let closed = false;
      socket.once('close', () => (closed = true));
      const hs = new ClientHandshake();
      socket.write(hs.start());
      let fed = 0;
      await waitUntil(() => {
        while (fed < received.length) for (const out of hs.push(new Uint8Array(received[fed++]!)).output) socket.write(out);
        return hs.done;
      }, 3000, 'the handshake', 5);
      const writer = new ChunkWriter();
      socket.write(writer.write({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: encodeAmf0('connect', 1, { app: 'live', tcUrl: `rtmp://127.0.0.1:${rtmpPort}/live` }) }));
      if (c.create) socket.write(writer.write({ csid: 3, type: 20, streamId: 0, timestamp: 0, payload: encodeAmf0('createStream', 2, null) }));
      socket.write(writer.write({ csid: 8, type: 20, streamId: c.stream, timestamp: 0, payload: encodeAmf0('play', 0, null, ...(c.args as string[])) }));
      await waitUntil(() => closed, 3000, `the server to close the connection (${c.what})`);
      await waitUntil(() => watcher.media('video').length > before + 2, 3000, `the steady player to keep getting video after: ${c.what}`);
    }
    assert.equal(watcher.closed, false);
    // One clear line per bad connection: the protocol error with its code, or the refusal with its reason.
    const closing = logs.filter((l) => l.msg.startsWith('rtmp: closing connection'));
    assert.equal(closing.length, 4, JSON.stringify(closing));
    for (const l of closing) assert.equal(l.code, 'ERR_RTMP_BAD_COMMAND');
    const refused = logs.filter((l) => l.msg === 'rtmp: play refused');
    assert.equal(refused.length, 1);
    assert.match(String(refused[0]!.reason), /invalid stream name/);
    assert.ok(JSON.stringify(refused[0]).length < 2000, 'the huge name is not logged whole');
  });
});
