/**
 * RTMP play with real players over loopback: ffmpeg (npm 4.1 and Debian's 5.1), ffprobe, rtmpdump (librtmp),
 * GStreamer's rtmp2src, nginx-rtmp pulling from flvcast, and our own client session where a test must see
 * each status. The stream comes from a real ffmpeg encoder or, where a test needs exact control (an idle
 * player, Enhanced RTMP codecs), from the synthetic publisher.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { inspectVideo } from '@flvcast/flv';
import { RtmpTestPlayer } from '../src/rtmp-test-player.js';
import { probe, publish, sleep, spawnTool, startApp, waitForMedia, waitUntil, ffmpegPath, type ToolResult } from '../src/tools.js';

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
