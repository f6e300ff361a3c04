/**
 * MPEG-TS through the hub: every TS viewer of a stream shares the same packets, yet each one's stream is
 * continuity-clean and conformant: one from the start, one joining mid-GOP (from the GOP cache), one waiting
 * for a keyframe, and a slow one whose backlog was cut back to a keyframe. The muxer's resync is what makes
 * the shared bytes fit each of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTsConformance, demuxTs } from '@flvcast/test-fixtures';
import { tsFormat } from '@flvcast/mux';
import { Hub } from '../src/index.js';
import { FakeClock, RecordingSink, aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from './fixtures.js';

const key = { vhost: '', app: 'live', stream: 'cam1' };
const bytes = (sink: RecordingSink): Uint8Array => new Uint8Array(Buffer.concat(sink.chunks));

test('TS viewers joining at different times, and one cut back to a keyframe after a stall: each gets a clean stream of shared packets', () => {
  const clock = new FakeClock();
  const hub = new Hub({ now: clock.now, maxQueueMs: 300 });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  const viewer = () => {
    const sink = new RecordingSink();
    return { sink, sub: hub.subscribe(key, tsFormat, sink, { protocol: 'test' })! };
  };
  const early = viewer();
  const frames = 150; // 6 s at 25 fps, a keyframe every second, AAC every ~23 ms
  let late: ReturnType<typeof viewer> | undefined;
  let slow: ReturnType<typeof viewer> | undefined;
  let audioTs = 0;
  for (let i = 0; i < frames; i++) {
    const t = i * 40;
    pub.video(t, i % 25 === 0 ? avcKeyframe(i) : avcInterframe(i));
    for (; audioTs < t + 40; audioTs += 23) pub.audio(audioTs, aacFrame(audioTs & 0xff));
    clock.t += 40;
    if (i === 37) late = viewer(); // mid-GOP: starts from the cached keyframe at frame 25
    if (i === 30) slow = viewer();
    if (i === 60) slow!.sink.accepting = false; // stalls for 2 s: its backlog overflows maxQueueMs
    if (i === 110) {
      slow!.sink.accepting = true;
      slow!.sub.resume();
    }
  }
  assert.ok(slow!.sub.skips >= 1, 'the slow viewer was cut back to a keyframe');
  for (const [name, v] of [['early', early], ['late', late!], ['slow', slow!]] as const) {
    const ts = bytes(v.sink);
    assert.equal(ts.length % 188, 0, name);
    assert.deepEqual(checkTsConformance(ts), [], `${name}: conformance`);
    const demuxed = demuxTs(ts);
    assert.deepEqual(demuxed.continuityErrors, [], name);
    assert.equal(demuxed.pes.filter((p) => p.pid === 0x100)[0]!.randomAccess, true, `${name}: starts at a keyframe`);
  }
  // Shared, not copied: a frame's packets are the same object in every viewer's stream.
  const shared = early.sink.chunks.filter((c) => late!.sink.chunks.includes(c));
  assert.ok(shared.length > 100, `${shared.length} chunks shared by reference`);
  assert.equal(hub.get(key)!.subscribers.size, 3);
});

test('a TS viewer that must wait for the next keyframe (no GOP cache) starts there, with the tables', () => {
  const hub = new Hub({ gopCache: false });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe(0));
  const sink = new RecordingSink();
  hub.subscribe(key, tsFormat, sink, { protocol: 'test' });
  pub.video(40, avcInterframe(1));
  assert.equal(sink.bytes, 0, 'nothing before its first keyframe');
  pub.video(80, avcKeyframe(2));
  pub.video(120, avcInterframe(3));
  const ts = bytes(sink);
  assert.deepEqual(checkTsConformance(ts), []);
  assert.deepEqual(demuxTs(ts).packets.slice(0, 3).map((p) => p.pid), [0, 0x1000, 0x11], 'PAT, PMT, SDT first');
});

test('a TS viewer whose start layout left a track out still gets it: the PMT is shared, so the track list is too', () => {
  // Header flags forced to video only: an FLV viewer would get no audio (drop_if_not_match).
  const hub = new Hub({ guessHasAv: false, hasAudio: false, hasVideo: true });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  pub.video(0, avcKeyframe(0));
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, tsFormat, sink, { protocol: 'test' })!;
  assert.equal(sub.hasAudio, false, 'the layout its start was given');
  for (let i = 1; i < 50; i++) {
    pub.audio(i * 20, aacFrame(i));
    pub.video(i * 20, i % 25 === 0 ? avcKeyframe(i) : avcInterframe(i));
  }
  const ts = bytes(sink);
  assert.deepEqual(checkTsConformance(ts), []);
  const demuxed = demuxTs(ts);
  assert.ok(demuxed.pes.filter((p) => p.pid === 0x101).length >= 45, 'the audio the PMT lists comes');
  // No resync after its start (whose tables carry no discontinuity flag: nothing came before them).
  const flagged = demuxed.packets.filter((p) => p.discontinuity);
  assert.equal(flagged.length, 0, `${flagged.length} discontinuity-flagged packets`);
});
