/**
 * The main path with real tools: ffmpeg publishes over RTMP, ffprobe/ffmpeg (and a raw FLV parser) play
 * HTTP-FLV. Codecs, resolution, header flags that tell the truth, what a late joiner gets and how fast.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FlvDemuxer } from '@flvcast/flv';
import {
  HttpFlvViewer,
  decode,
  describeTag,
  fixtureFlv,
  mediaTags,
  probe,
  publish,
  publishFile,
  sleep,
  streamKey,
  waitUntil,
  startApp,
  summarize,
  waitForMedia,
  type ProbeResult,
  type ToolResult,
} from '../src/tools.js';

function describeProbe(p: ProbeResult): string {
  return `exit ${p.code}${p.timedOut ? ' (timed out)' : ''}, streams ${JSON.stringify(p.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height]))}, stderr: ${p.stderr.trim()}`;
}

function assertAvProbe(p: ProbeResult): void {
  assert.equal(p.code, 0, describeProbe(p));
  assert.equal(p.streams.length, 2, `exactly two streams (no data/text stream): ${describeProbe(p)}`);
  const video = p.streams.filter((s) => s.codec_type === 'video');
  const audio = p.streams.filter((s) => s.codec_type === 'audio');
  assert.equal(video.length, 1, describeProbe(p));
  assert.equal(audio.length, 1, describeProbe(p));
  assert.equal(video[0]!.codec_name, 'h264');
  assert.equal(video[0]!.width, 320);
  assert.equal(video[0]!.height, 240);
  assert.equal(audio[0]!.codec_name, 'aac');
}

function assertCleanDecode(r: ToolResult): void {
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  assert.equal(r.timedOut, false, `ffmpeg decode timed out; stderr: ${r.stderr}`);
  assert.equal(r.code, 0, `ffmpeg decode exit code; stderr: ${r.stderr}`);
  assert.deepEqual(lines, [], 'ffmpeg -v error printed errors while decoding');
}

describe('publish with ffmpeg, play HTTP-FLV', () => {
  test('H.264+AAC live encode: ffprobe sees h264 320x240 + aac only, ffmpeg decodes 2 s without errors', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/av`, 'av', { seconds: 12 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'av');

    assertAvProbe(await probe(`${httpUrl}/live/av.flv`));
    assertCleanDecode(await decode(`${httpUrl}/live/av.flv`, 2));
    assert.equal(pub.exited, false, `the publisher died: ${pub.stderr}`);
  });

  test('-c copy publish of an FLV file: same two streams, clean decode', async (t) => {
    const file = await fixtureFlv();
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publishFile(`${rtmpUrl}/live/copy`, file);
    t.after(() => pub.kill());
    await waitForMedia(app, 'copy');

    assertAvProbe(await probe(`${httpUrl}/live/copy.flv`));
    assertCleanDecode(await decode(`${httpUrl}/live/copy.flv`, 2));

    // The file has B-frames: their composition time offsets must reach the viewer unchanged.
    const source = new FlvDemuxer().push(new Uint8Array(readFileSync(file))).map((x) => describeTag(x, 0));
    const sourceCts = new Set(mediaTags(source, 9).map((x) => x.video?.compositionTime));
    assert.ok([...sourceCts].some((c) => c !== undefined && c > 0), 'the fixture has B-frames (non-zero composition times)');
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/copy.flv`);
    t.after(() => viewer.close());
    await viewer.waitFor((v) => mediaTags(v.tags, 9).length >= 30, 3_000, '30 video frames');
    viewer.close();
    const received = mediaTags(viewer.tags, 9).map((x) => x.video?.compositionTime);
    assert.ok(received.some((c) => c !== undefined && c > 0), `composition times pass through: ${JSON.stringify(received.slice(0, 30))}`);
    assert.ok(received.every((c) => sourceCts.has(c)), `only composition times present in the source: ${JSON.stringify(received.slice(0, 30))} vs ${JSON.stringify([...sourceCts])}`);
  });

  test('audio-only publish: header says audio only (0x04), first audio frame within 1 s, ffprobe sees only aac', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/radio`, 'audio', { seconds: 10 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'radio', { minTags: 3 });

    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/radio.flv`);
    t.after(() => viewer.close());
    assert.equal(viewer.status, 200);
    await viewer.waitFor((v) => mediaTags(v.tags, 8).length > 0, 3_000, 'a first audio frame');
    assert.deepEqual(viewer.firstBytes.slice(0, 4), [0x46, 0x4c, 0x56, 0x01], 'FLV signature and version');
    assert.equal(viewer.firstBytes[4], 0x04, 'FLV header flags: audio only');
    const firstAudio = mediaTags(viewer.tags, 8)[0]!;
    const delay = firstAudio.at - viewer.requestedAt;
    assert.ok(delay < 1_000, `first audio frame arrived ${delay.toFixed(0)} ms after the request`);
    assert.equal(viewer.tags.filter((t) => t.type === 9).length, 0, 'no video tag in an audio-only stream');
    viewer.close();

    const p = await probe(`${httpUrl}/live/radio.flv`);
    assert.equal(p.code, 0, describeProbe(p));
    assert.deepEqual(p.streams.map((s) => [s.codec_type, s.codec_name]), [['audio', 'aac']], describeProbe(p));
  });

  test('video-only publish: header says video only (0x01), ffprobe sees only h264', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/mute`, 'video', { seconds: 10 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'mute', { minTags: 3 });

    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/mute.flv`);
    t.after(() => viewer.close());
    assert.equal(viewer.status, 200);
    await viewer.waitFor((v) => mediaTags(v.tags, 9).length > 0, 3_000, 'a first video frame');
    assert.equal(viewer.firstBytes[4], 0x01, 'FLV header flags: video only');
    assert.equal(viewer.tags.filter((t) => t.type === 8).length, 0, 'no audio tag in a video-only stream');
    viewer.close();

    const p = await probe(`${httpUrl}/live/mute.flv`);
    assert.equal(p.code, 0, describeProbe(p));
    assert.deepEqual(p.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height]), [['video', 'h264', 320, 240]], describeProbe(p));
  });

  test('late joiner: header, onMetaData@0, AVC and AAC sequence headers, then a keyframe, fast', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const pub = publish(`${rtmpUrl}/live/late`, 'av', { seconds: 10 });
    t.after(() => pub.kill());
    await waitForMedia(app, 'late');
    await sleep(3_000); // mid-GOP most likely; the GOP cache must start the viewer at its keyframe anyway

    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/late.flv`);
    t.after(() => viewer.close());
    assert.equal(viewer.status, 200);
    await viewer.waitFor((v) => v.tags.some((x) => x.video?.isKeyframe), 3_000, 'a video keyframe');
    viewer.close();

    const tags = viewer.tags;
    const seq = summarize(tags);
    assert.equal(viewer.flv.error, undefined, 'the body parses as FLV');
    assert.equal(viewer.firstBytes[4], 0x05, 'FLV header flags: audio and video');
    assert.ok(tags.length >= 4, seq);

    const meta = tags[0]!;
    assert.equal(meta.type, 18, `first tag is script data: ${seq}`);
    assert.equal(meta.script?.name, 'onMetaData', seq);
    assert.equal(meta.timestamp, 0, 'onMetaData is stamped 0');
    const values = meta.script?.value as Record<string, unknown>;
    assert.equal(values.hasAudio, true);
    assert.equal(values.hasVideo, true);
    assert.equal(values.width, 320);
    assert.equal(values.height, 240);

    assert.equal(tags[1]!.type, 9, seq);
    assert.equal(tags[1]!.video?.codec, 'avc', seq);
    assert.equal(tags[1]!.video?.isSequenceHeader, true, `AVC sequence header second: ${seq}`);
    assert.equal(tags[2]!.type, 8, seq);
    assert.equal(tags[2]!.audio?.codec, 'aac', seq);
    assert.equal(tags[2]!.audio?.isSequenceHeader, true, `AAC sequence header third: ${seq}`);
    assert.equal(tags[3]!.video?.isKeyframe, true, `then the cached GOP's keyframe: ${seq}`);
    const firstVideo = mediaTags(tags, 9)[0]!;
    assert.equal(firstVideo.video?.isKeyframe, true, `a keyframe before any inter frame: ${seq}`);

    const keyframe = tags.find((x) => x.video?.isKeyframe)!;
    const ttff = keyframe.at - viewer.headersAt;
    assert.ok(ttff < 500, `first keyframe ${ttff.toFixed(0)} ms after the response headers (GOP cache on)`);
  });
  test('early joiner (stream entry exists, no metadata or media yet): the header still tells the truth', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const expected = { av: 0x05, audio: 0x04, video: 0x01 } as const;
    for (const kind of ['av', 'audio', 'video'] as const) {
      const pub = publish(`${rtmpUrl}/live/early-${kind}`, kind, { seconds: 6 });
      t.after(() => pub.kill());
      // Join the moment the publish is accepted, before ffmpeg's onMetaData and first frames.
      await waitUntil(() => app.streams.get(streamKey(`early-${kind}`)), 5_000, `the ${kind} stream entry`, 2);
      const viewer = await HttpFlvViewer.open(`${httpUrl}/live/early-${kind}.flv`);
      t.after(() => viewer.close());
      await viewer.waitFor((v) => v.tags.filter((x) => x.type !== 18).length >= 10, 5_000, `${kind}: ten media tags`);
      viewer.close();
      await pub.kill();
      const seq = `${kind}: ${summarize(viewer.tags)}`;
      assert.equal(viewer.status, 200, seq);
      assert.equal(viewer.firstBytes[4], expected[kind], `FLV header flags for ${seq}`);
      assert.equal(viewer.tags[0]?.script?.name, 'onMetaData', seq);
      const meta = viewer.tags[0]?.script?.value as Record<string, unknown>;
      assert.equal(meta.hasAudio, kind !== 'video', seq);
      assert.equal(meta.hasVideo, kind !== 'audio', seq);
      if (kind !== 'audio') assert.equal(mediaTags(viewer.tags, 9)[0]?.video?.isKeyframe, true, `video starts on a keyframe: ${seq}`);
      if (kind === 'audio') assert.equal(viewer.tags.some((x) => x.type === 9), false, seq);
      if (kind === 'video') assert.equal(viewer.tags.some((x) => x.type === 8), false, seq);
    }
  });
});
