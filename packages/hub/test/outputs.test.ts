/**
 * Adding a container is one muxer: a throwaway one here writes one JSON line per frame, with a running
 * index and the codec named by the last configuration it saw (which, for a muxer made after the stream's
 * configuration came, only the hub's stream state can tell it). It rides the same hub, beside FLV viewers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '@flvcast/media';
import { flvFormat } from '@flvcast/mux';
import { Hub, summarizeStream } from '../src/index.js';
import { hevcKeyframe, hevcSequenceHeader, jsonLinesFormat as jsonFormat } from '@flvcast/test-fixtures';
import { RecordingSink, aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from './fixtures.js';

const key = { vhost: '', app: 'live', stream: 'cam1' };
const lines = (sink: RecordingSink) => Buffer.concat(sink.chunks).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

test('a second container: its own muxer per stream, each frame encoded once however many viewers, beside FLV', () => {
  const hub = new Hub();
  const calls: Frame[] = [];
  const jsonl = jsonFormat(calls);
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  pub.video(0, avcKeyframe(0));
  pub.audio(5, aacFrame(0));

  // Two JSON viewers and an FLV one, joining after the configuration came.
  const a = new RecordingSink();
  const b = new RecordingSink();
  const flv = new RecordingSink();
  hub.subscribe(key, jsonl, a, { protocol: 'test-jsonl' });
  hub.subscribe(key, jsonl, b, { protocol: 'test-jsonl' });
  hub.subscribe(key, flvFormat, flv, { protocol: 'test' });
  assert.equal(calls.length, 2, 'the cached GOP (keyframe, audio frame) was encoded once for both JSON viewers');

  pub.video(40, avcInterframe(1));
  pub.data('onCuePoint', { name: 'x' });
  // The publisher switches codec mid-stream: the lines after it name HEVC.
  pub.video(80, hevcSequenceHeader);
  pub.video(80, hevcKeyframe);
  assert.equal(calls.length, 6, 'each live frame encoded once for the format, not once per viewer');

  const got = lines(a);
  assert.deepEqual(lines(b), got, 'both viewers share the same bytes');
  assert.deepEqual(got[0], { stream: 'live/cam1', start: 0, hasAudio: true, hasVideo: true, video: 'avc', audio: 'aac' });
  assert.deepEqual(
    got.slice(1).map((l) => [l.i, l.kind, l.ts, l.codec]),
    [
      [0, 'video', 0, 'avc'], // from the stream's state: this muxer never saw the AVC sequence header
      [1, 'audio', 5, 'aac'],
      [2, 'video', 40, 'avc'],
      [3, 'video', 80, 'hevc'], // the new sequence header, seen
      [4, 'video', 80, 'hevc'],
    ],
  );
  // The FLV viewer got its own container from the same frames, script data included.
  const { tags } = flv.parse();
  assert.deepEqual(tags.map((t) => t.type), [18, 9, 8, 9, 8, 9, 18, 9, 9]);
});

test('a format nobody watches costs nothing, and its muxer goes with its last viewer', () => {
  const hub = new Hub();
  const calls: Frame[] = [];
  const jsonl = jsonFormat(calls);
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  const flv = new RecordingSink();
  hub.subscribe(key, flvFormat, flv, { protocol: 'test' });
  for (let i = 0; i < 10; i++) pub.video(i * 40, i === 0 ? avcKeyframe(i) : avcInterframe(i));
  assert.equal(calls.length, 0, 'no JSON encoding without JSON viewers');

  const first = hub.subscribe(key, jsonl, new RecordingSink(), { protocol: 'test-jsonl' })!;
  assert.equal(calls.length, 10, 'a late joiner: the cached GOP is encoded for it, once');
  first.close();
  pub.video(400, avcInterframe(10));
  assert.equal(calls.length, 10, 'the last JSON viewer left: its muxer is gone');
  const again = new RecordingSink();
  hub.subscribe(key, jsonl, again, { protocol: 'test-jsonl' });
  assert.equal(lines(again)[1]!.i, 0, 'a new muxer starts afresh');
});

test('internal subscribers (recorder, forwarder) are not viewers and keep queue bounds of their own', () => {
  const hub = new Hub({ maxQueueBytes: 64 * 1024 });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe(0));
  const viewer = new RecordingSink();
  const recorder = new RecordingSink();
  const v = hub.subscribe(key, flvFormat, viewer, { protocol: 'test' })!;
  const r = hub.subscribe(key, flvFormat, recorder, { protocol: 'dvr', internal: true }, { maxQueueBytes: 8 * 1024 * 1024 })!;
  const live = hub.get(key)!;
  assert.equal(live.viewerCount, 1);
  assert.deepEqual(summarizeStream(live, 0).viewers, { total: 1, byProtocol: { test: 1 }, byFormat: { flv: 1 } });
  // Both stop reading; 100 KB of frames arrive: the viewer's 64 KB bound cuts its backlog, the recorder's doesn't.
  viewer.accepting = false;
  recorder.accepting = false;
  pub.video(40, avcInterframe(1));
  for (let i = 2; i < 102; i++) pub.video(i * 40, Uint8Array.from([0x27, 0x01, 0, 0, 0, ...new Uint8Array(1000)]));
  assert.ok(v.skips >= 1 && v.droppedTags > 0, 'the viewer was cut back to a keyframe');
  assert.equal(r.skips, 0);
  assert.equal(r.droppedTags, 0);
  assert.ok(r.queuedBytes > 64 * 1024, 'the recorder holds what it has not written yet');
});
