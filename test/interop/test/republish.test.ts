/**
 * Publisher changes seen by a viewer that stays connected: reconnect within the grace window (new sequence
 * headers, keyframe, continuous timestamps), a second publisher on a busy key (refused with a status ffmpeg
 * prints; the first one's viewers unaffected) or taking it over (publishTakeover).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HttpFlvViewer,
  publish,
  sleep,
  startApp,
  streamKey,
  summarize,
  waitForMedia,
  waitUntil,
  withTimeout,
  type ReceivedTag,
} from '../src/tools.js';

/** Asserts that on each of audio and video, timestamps never decrease. */
function assertMonotonicPerTrack(tags: readonly ReceivedTag[]): void {
  for (const type of [8, 9] as const) {
    const track = tags.filter((x) => x.type === type);
    for (let i = 1; i < track.length; i++) {
      assert.ok(
        track[i]!.timestamp >= track[i - 1]!.timestamp,
        `${type === 8 ? 'audio' : 'video'} time went backwards: ${track[i - 1]!.timestamp} -> ${track[i]!.timestamp} at tag ${i} of that track`,
      );
    }
  }
}

const isVideoSeq = (x: ReceivedTag): boolean => x.type === 9 && x.video?.isSequenceHeader === true;
const isAudioSeq = (x: ReceivedTag): boolean => x.type === 8 && x.audio?.isSequenceHeader === true;

describe('republish and busy keys', () => {
  test('publisher reconnects within the grace window: the viewer stays, gets new sequence headers and a keyframe, time continues', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp({ httpFlv: { reconnectGraceMs: 5_000 } });
    t.after(() => app.close());
    const first = publish(`${rtmpUrl}/live/blip`, 'av', { seconds: 3 });
    t.after(() => first.kill());
    await waitForMedia(app, 'blip');
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/blip.flv`);
    t.after(() => viewer.close());
    assert.equal(viewer.status, 200);

    const r1 = await withTimeout(first.done, 10_000, 'the first publisher to finish');
    assert.equal(r1.code, 0, r1.stderr);
    const beforeGap = viewer.tags.length;
    assert.ok(beforeGap > 0, 'media before the gap');
    const second = publish(`${rtmpUrl}/live/blip`, 'av', { seconds: 6 });
    t.after(() => second.kill());

    await viewer.waitFor(
      (v) => v.ended || v.tags.slice(beforeGap).filter((x) => x.video?.isKeyframe).length >= 2,
      8_000,
      'two keyframes from the second publisher',
    );
    viewer.close();
    assert.equal(viewer.ended, false, 'the viewer was kept through the gap');
    assert.equal(viewer.flv.error, undefined);

    const after = viewer.tags.slice(beforeGap);
    const seq = summarize(after, 10);
    const vSeq = after.findIndex(isVideoSeq);
    const aSeq = after.findIndex(isAudioSeq);
    const key = after.findIndex((x) => x.video?.isKeyframe === true);
    const inter = after.findIndex((x) => x.type === 9 && x.video?.isKeyframe === false && x.video?.isSequenceHeader === false);
    assert.ok(vSeq >= 0, `a new AVC sequence header after the gap: ${seq}`);
    assert.ok(aSeq >= 0, `a new AAC sequence header after the gap: ${seq}`);
    assert.ok(key > vSeq, `a keyframe after the new AVC sequence header: ${seq}`);
    assert.ok(inter < 0 || inter > key, `no inter frame before that keyframe: ${seq}`);

    assertMonotonicPerTrack(viewer.tags);

    // Continuity: the jump in stream time across the gap matches the wall-clock gap (no reset to 0, no leap).
    const lastVideoBefore = viewer.tags.slice(0, beforeGap).filter((x) => x.type === 9).at(-1)!;
    const firstKeyAfter = after[key]!;
    const tsGap = firstKeyAfter.timestamp - lastVideoBefore.timestamp;
    const wallGap = firstKeyAfter.at - lastVideoBefore.at;
    assert.ok(tsGap > 0, `time moves forward across the gap (${tsGap} ms)`);
    assert.ok(Math.abs(tsGap - wallGap) < 1_000, `timestamp gap ${tsGap} ms vs wall-clock gap ${wallGap.toFixed(0)} ms`);
  });

  test('a second publisher on a busy key is refused with BadName; the first one\'s viewers are unaffected', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp();
    t.after(() => app.close());
    const first = publish(`${rtmpUrl}/live/busy`, 'av', { seconds: 12 });
    t.after(() => first.kill());
    const stream = await waitForMedia(app, 'busy');
    const publisher = stream.publisher;
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/busy.flv`);
    t.after(() => viewer.close());

    const second = publish(`${rtmpUrl}/live/busy`, 'av', { seconds: 5 });
    t.after(() => second.kill());
    const r2 = await withTimeout(second.done, 8_000, 'the refused publisher to exit');
    assert.notEqual(r2.code, 0, `the refused ffmpeg exits non-zero; stderr: ${r2.stderr}`);
    assert.match(r2.stderr, /Server error: .*already being published/, 'ffmpeg prints the server\'s description');

    const bytesAtRefusal = viewer.flv.bytes;
    await sleep(1_000);
    assert.equal(viewer.ended || viewer.aborted, false, 'the viewer is still connected');
    assert.ok(viewer.flv.bytes > bytesAtRefusal + 1_000, `the viewer keeps receiving (${viewer.flv.bytes - bytesAtRefusal} bytes in 1 s)`);
    assert.equal(app.streams.get(streamKey('busy'))?.publisher, publisher, 'the first publisher still owns the stream');
    assert.equal(first.exited, false, `the first publisher is still running: ${first.stderr}`);
    assert.equal(viewer.tags.filter(isVideoSeq).length, 1, 'no second sequence header reached the viewer');
    assertMonotonicPerTrack(viewer.tags);
  });

  test('publishTakeover: the second publisher takes the stream over, the first is disconnected, viewers continue', async (t) => {
    const { app, httpUrl, rtmpUrl } = await startApp({ httpFlv: { publishTakeover: true } });
    t.after(() => app.close());
    const first = publish(`${rtmpUrl}/live/take`, 'av', { seconds: 15 });
    t.after(() => first.kill());
    const stream = await waitForMedia(app, 'take');
    const firstPublisher = stream.publisher;
    const viewer = await HttpFlvViewer.open(`${httpUrl}/live/take.flv`);
    t.after(() => viewer.close());
    await viewer.waitFor((v) => v.tags.some((x) => x.video?.isKeyframe), 3_000, 'a first keyframe');
    const before = viewer.tags.length;

    const second = publish(`${rtmpUrl}/live/take`, 'av', { seconds: 8 });
    t.after(() => second.kill());
    await waitUntil(() => {
      const p = app.streams.get(streamKey('take'))?.publisher;
      return p !== undefined && p !== firstPublisher;
    }, 5_000, 'the second publisher to take over');
    await viewer.waitFor((v) => v.ended || v.tags.slice(before).some((x, i, all) => x.video?.isKeyframe && all.slice(0, i).some(isVideoSeq)), 5_000, 'the new publisher\'s keyframe');
    assert.equal(viewer.ended, false, 'the viewer stays');
    assert.equal(second.exited, false, `the second publisher is accepted and keeps running: ${second.stderr}`);

    // The evicted encoder's connection is closed by the server.
    await waitUntil(() => app.rtmp.connections === 1, 5_000, `the first publisher's connection to be closed (open: ${app.rtmp.connections})`);
    const bytes = viewer.flv.bytes;
    await sleep(700);
    assert.ok(viewer.flv.bytes > bytes, 'the viewer keeps receiving from the new publisher');
    viewer.close();
    assertMonotonicPerTrack(viewer.tags);
  });
});
