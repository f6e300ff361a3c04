import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeScriptData, inspectAudio, inspectVideo } from '@flvcast/flv';
import { Hub, HubError, summarizeStream } from '../src/index.js';
import type { Subscriber, SubscriberEndReason, SubscriberSink } from '../src/index.js';
import { FakeClock, RecordingSink, aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from './fixtures.js';
import { flvFormat } from '@flvcast/mux';

const key = { vhost: '', app: 'live', stream: 'cam1' };
const viewer = { protocol: 'test' };

function publishAv(hub: Hub, frames = 10) {
  const pub = hub.publish(key, { protocol: 'test' });
  pub.data('onMetaData', { width: 320, height: 240, videocodecid: 7, audiocodecid: 10 });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  for (let i = 0; i < frames; i++) {
    pub.video(i * 40, i % 5 === 0 ? avcKeyframe(i) : avcInterframe(i));
    pub.audio(i * 40 + 5, aacFrame(i));
  }
  return pub;
}

test('unknown streams: subscribe returns undefined and creates nothing', () => {
  const hub = new Hub();
  for (let i = 0; i < 100; i++) assert.equal(hub.subscribe({ vhost: '', app: 'live', stream: `x${i}` }, flvFormat, new RecordingSink(), viewer), undefined);
  assert.equal(hub.size, 0);
});

test('invalid names are refused with ERR_HUB_BAD_STREAM_NAME', () => {
  const hub = new Hub();
  for (const stream of ['a\0b', 'a\\b', '..', 'a..b', '.', 'a/b', '', 'x'.repeat(129)]) {
    assert.throws(() => hub.publish({ vhost: '', app: 'live', stream }, { protocol: 't' }), (e: unknown) => e instanceof HubError && e.code === 'ERR_HUB_BAD_STREAM_NAME', stream);
  }
  assert.doesNotThrow(() => hub.publish({ vhost: '', app: 'live', stream: 'cam.1' }, { protocol: 't' }));
});

test('a late joiner gets header, onMetaData (ts 0, explicit flags), sequence headers, then the GOP from its keyframe', () => {
  const hub = new Hub();
  publishAv(hub, 8); // keyframes at frames 0 and 5
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  const { header, tags } = sink.parse();
  assert.deepEqual(header && { hasAudio: header.hasAudio, hasVideo: header.hasVideo }, { hasAudio: true, hasVideo: true });
  assert.equal(tags[0]!.type, 18);
  assert.equal(tags[0]!.timestamp, 0);
  const meta = decodeScriptData(tags[0]!.payload).value as Record<string, unknown>;
  assert.equal(meta.hasAudio, true);
  assert.equal(meta.hasVideo, true);
  assert.equal(meta.width, 320);
  assert.ok(inspectVideo(tags[1]!.payload).isSequenceHeader);
  assert.ok(inspectAudio(tags[2]!.payload).isSequenceHeader);
  assert.ok(inspectVideo(tags[3]!.payload).isKeyframe);
  assert.equal(tags[3]!.timestamp, 200, 'the GOP starts at the latest keyframe (frame 5)');
  assert.equal(tags[1]!.timestamp, 200, 'sequence headers are stamped at the start of the GOP');
});

test('tags are serialized once and shared by reference between viewers', () => {
  const hub = new Hub();
  const pub = publishAv(hub, 1);
  const a = new RecordingSink();
  const b = new RecordingSink();
  hub.subscribe(key, flvFormat, a, viewer);
  hub.subscribe(key, flvFormat, b, viewer);
  const before = a.chunks.length;
  pub.video(1000, avcInterframe());
  assert.equal(a.chunks.length, before + 1);
  assert.equal(a.chunks.at(-1), b.chunks.at(-1), 'same Uint8Array object');
});

test('guessHasAv: an audio-only stream announces audio only and drops nothing it has', () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  pub.data('onMetaData', { audiocodecid: 10, audiosamplerate: 44100 });
  pub.audio(0, aacSequenceHeader);
  pub.audio(23, aacFrame());
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  const { header, tags } = sink.parse();
  assert.equal(header?.hasAudio, true);
  assert.equal(header?.hasVideo, false);
  assert.deepEqual(tags.map((t) => t.type), [18, 8]); // metadata + AAC sequence header (no GOP cache for audio by default)
  pub.audio(46, aacFrame(2));
  assert.equal(sink.parse().tags.length, 3);
});

test('guessHasAv off: header flags follow hasAudio/hasVideo, and dropIfNotMatch drops the denied track', () => {
  const hub = new Hub({ guessHasAv: false, hasAudio: false, hasVideo: true });
  const pub = publishAv(hub, 2);
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  pub.audio(500, aacFrame());
  pub.video(520, avcInterframe());
  const { header, tags } = sink.parse();
  assert.equal(header?.hasAudio, false);
  assert.ok(tags.every((t) => t.type !== 8), 'no audio tags');
  const noDrop = new Hub({ guessHasAv: false, hasAudio: false, dropIfNotMatch: false });
  publishAv(noDrop, 2);
  const s2 = new RecordingSink();
  noDrop.subscribe(key, flvFormat, s2, viewer);
  assert.ok(s2.parse().tags.some((t) => t.type === 8));
});

test('viewers who join before the track layout is known wait for it instead of getting a wrong header', () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  assert.equal(sink.chunks.length, 0, 'nothing before the layout is known');
  pub.video(0, avcSequenceHeader);
  assert.equal(sink.chunks.length, 0, 'a sequence header alone does not tell whether audio follows');
  pub.video(0, avcKeyframe());
  const { header, tags } = sink.parse();
  assert.deepEqual(header && [header.hasAudio, header.hasVideo], [false, true]);
  assert.ok(inspectVideo(tags[1]!.payload).isSequenceHeader);
  assert.ok(inspectVideo(tags[2]!.payload).isKeyframe);
});

test('gopCache off: a new viewer starts at the next keyframe', () => {
  const hub = new Hub({ gopCache: false });
  const pub = publishAv(hub, 3);
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  pub.video(200, avcInterframe());
  pub.audio(205, aacFrame());
  pub.video(240, avcKeyframe());
  pub.video(280, avcInterframe());
  const media = sink.parse().tags.filter((t) => t.type === 9 && !inspectVideo(t.payload).isSequenceHeader);
  assert.ok(inspectVideo(media[0]!.payload).isKeyframe);
  assert.equal(media[0]!.timestamp, 240);
});

test('the GOP cache is bounded: an oversized GOP is not cached', () => {
  const hub = new Hub({ gopCacheMaxFrames: 4 });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe());
  for (let i = 1; i < 10; i++) pub.video(i * 40, avcInterframe(i));
  assert.equal(hub.get(key)!.gopCacheBytes, 0);
  pub.video(400, avcKeyframe());
  assert.ok(hub.get(key)!.gopCacheBytes > 0);
});

test('fastCacheMs keeps a sliding window of audio for audio-only streams', () => {
  const hub = new Hub({ fastCacheMs: 1000 });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.audio(0, aacSequenceHeader);
  for (let i = 0; i < 200; i++) pub.audio(i * 23, aacFrame(i));
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  const audio = sink.parse().tags.filter((t) => t.type === 8 && !inspectAudio(t.payload).isSequenceHeader);
  assert.ok(audio.length >= 40 && audio.length <= 45, `about 1 s of 23 ms frames, got ${audio.length}`);
  assert.ok(audio.at(-1)!.timestamp - audio[0]!.timestamp <= 1000);
});

test('a slow viewer: backlog bounded, cut back to a keyframe with sequence headers kept, drops counted', () => {
  const clock = new FakeClock();
  const hub = new Hub({ maxQueueBytes: 200, maxQueueMs: 100_000, now: clock.now });
  const pub = publishAv(hub, 1);
  const slow = new RecordingSink();
  const fast = new RecordingSink();
  const sub = hub.subscribe(key, flvFormat, slow, viewer)!;
  hub.subscribe(key, flvFormat, fast, viewer);
  slow.accepting = false;
  pub.video(40, avcInterframe()); // write returns false: blocked from now on
  const delivered = slow.chunks.length;
  for (let i = 2; i < 40; i++) pub.video(i * 40, avcInterframe(i));
  assert.ok(sub.queuedBytes <= 200 + 32, `backlog stays bounded (${sub.queuedBytes})`);
  assert.ok(sub.droppedTags > 0);
  pub.video(40 * 40, avcSequenceHeader); // a new sequence header is never dropped
  pub.video(41 * 40, avcInterframe()); // dropped: waiting for a keyframe
  pub.video(42 * 40, avcKeyframe());
  pub.video(43 * 40, avcInterframe());
  slow.accepting = true;
  sub.resume();
  const tail = slow.parse().tags.slice(-(slow.chunks.length - delivered));
  const kinds = tail.map((t) => (t.type === 9 ? (inspectVideo(t.payload).isSequenceHeader ? 'seq' : inspectVideo(t.payload).isKeyframe ? 'key' : 'inter') : 'other'));
  assert.deepEqual(kinds, ['seq', 'key', 'inter']);
  assert.equal(fast.parse().tags.filter((t) => t.type === 9).length, 2 + 1 + 38 + 4, 'the fast viewer got every frame: preamble + GOP, 1 + 38 inter, 4 after');
});

// Found by the fuzzer (test/fuzz, target hub): a cut kept every configuration and script data packet of the
// backlog, so a stalled viewer's queue grew with each one a publisher sent (41 onCuePoint messages held 2491
// bytes against maxQueueBytes 1; a flood of 8 MiB script messages would have held gigabytes until the stall
// timeout). A cut now keeps the latest configuration of each track and the latest onMetaData only.
test('a cut keeps only the latest configuration per track and the latest onMetaData, not every script message (fuzz regression)', () => {
  const clock = new FakeClock();
  const hub = new Hub({ maxQueueBytes: 200, maxQueueMs: 100_000, now: clock.now });
  const pub = publishAv(hub, 1);
  const slow = new RecordingSink();
  const sub = hub.subscribe(key, flvFormat, slow, viewer)!;
  slow.accepting = false;
  pub.video(40, avcInterframe()); // blocked from now on
  const delivered = slow.chunks.length;
  for (let i = 0; i < 300; i++) {
    pub.data('onCuePoint', { name: `cue${i}`, time: i });
    if (i % 100 === 0) {
      pub.video(50 + i, avcSequenceHeader);
      pub.audio(50 + i, aacSequenceHeader);
      pub.data('onMetaData', { width: 320 + i, height: 240, videocodecid: 7, audiocodecid: 10 });
    }
    assert.ok(sub.queuedBytes <= 200 + 200, `backlog stays bounded (${sub.queuedBytes} bytes after ${i + 1} messages)`);
  }
  pub.video(400, avcKeyframe());
  slow.accepting = true;
  sub.resume();
  const tail = slow.parse().tags.slice(-(slow.chunks.length - delivered));
  const kinds = tail.map((t) => (t.type === 18 ? decodeScriptData(t.payload).name : t.type === 9 ? (inspectVideo(t.payload).isSequenceHeader ? 'video config' : 'video') : inspectAudio(t.payload).isSequenceHeader ? 'audio config' : 'audio'));
  assert.deepEqual(kinds.sort(), ['audio config', 'onMetaData', 'video', 'video config'].sort());
  assert.ok(sub.droppedTags >= 300);
});

test('a viewer that accepts nothing for stallTimeoutMs is disconnected', () => {
  const clock = new FakeClock();
  const hub = new Hub({ stallTimeoutMs: 5000, now: clock.now });
  const pub = publishAv(hub, 1);
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  sink.accepting = false;
  pub.video(40, avcInterframe());
  clock.t += 4000;
  pub.video(80, avcInterframe());
  assert.equal(sink.ended, undefined);
  clock.t += 2000;
  pub.video(120, avcInterframe());
  assert.equal(sink.ended, 'stalled');
  assert.equal(hub.get(key)!.subscribers.size, 0);
});

test('publish on a busy key: refused by default, taken over with publishTakeover', () => {
  const hub = new Hub();
  hub.publish(key, { protocol: 'test' });
  assert.throws(() => hub.publish(key, { protocol: 'test' }), (e: unknown) => e instanceof HubError && e.code === 'ERR_HUB_STREAM_BUSY');
  const takeover = new Hub({ publishTakeover: true });
  let evicted = '';
  takeover.publish(key, { protocol: 'test' }, { onEvict: (r) => (evicted = r) });
  const second = takeover.publish(key, { protocol: 'test' });
  assert.equal(evicted, 'taken-over');
  assert.equal(takeover.get(key)!.publisher, second);
});

test('republish within the grace window: viewers stay, get new sequence headers, time continues forward', () => {
  const clock = new FakeClock();
  const hub = new Hub({ reconnectGraceMs: 5000, now: clock.now });
  const first = publishAv(hub, 10);
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  first.end();
  assert.equal(sink.ended, undefined);
  clock.t += 1500;
  const second = hub.publish(key, { protocol: 'test' }); // its clock restarts at 0
  second.data('onMetaData', { videocodecid: 7, audiocodecid: 10 });
  second.video(0, avcSequenceHeader);
  second.audio(0, aacSequenceHeader);
  second.video(0, avcKeyframe());
  second.audio(10, aacFrame());
  const { tags } = sink.parse();
  const lastBefore = 9 * 40 + 5;
  const after = tags.filter((t) => t.timestamp > 0).slice(-4);
  assert.ok(after.every((t) => t.timestamp >= lastBefore + 1500), `continues after the gap: ${after.map((t) => t.timestamp)}`);
  for (const type of [8, 9]) {
    const ts = tags.filter((t) => t.type === type).map((t) => t.timestamp);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b), `track ${type} never goes backwards`);
  }
  assert.equal(hub.get(key)!.publisher, second);
});

test('after the grace window viewers end cleanly and the stream entry is freed', async () => {
  const hub = new Hub({ reconnectGraceMs: 30 });
  const pub = publishAv(hub, 2);
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  pub.end();
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(sink.ended, 'unpublished');
  assert.equal(hub.size, 0);
});

test('a stream with no viewers is freed when its publisher leaves; the last viewer leaving frees a stream in grace', () => {
  const hub = new Hub({ reconnectGraceMs: 60_000 });
  publishAv(hub, 1).end();
  assert.equal(hub.size, 0);
  const pub = publishAv(hub, 1);
  const sub = hub.subscribe(key, flvFormat, new RecordingSink(), viewer)!;
  pub.end();
  assert.equal(hub.size, 1);
  sub.close();
  assert.equal(hub.size, 0);
});

test('timestamps: a backwards jump and a 32-bit wrap are smoothed, per-track order kept', () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0xffffff00, avcKeyframe());
  pub.video(0xffffff28, avcInterframe());
  pub.video(0x00000010, avcInterframe()); // wrapped
  pub.video(0x00000038, avcInterframe());
  pub.video(5, avcInterframe()); // backwards
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  pub.video(0x60, avcInterframe());
  const ts = sink.parse().tags.filter((t) => t.type === 9).map((t) => t.timestamp);
  for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! >= ts[i - 1]!, `monotonic: ${ts}`);
  assert.ok(ts.at(-1)! < 1000, `no jump of hours: ${ts}`);
});

// Found by the fuzzer (test/fuzz, target hub): the stream's time starts at 0 with its first message, and a
// first audio message stamped a little earlier than the first video one came out at -46, written into the
// viewer's FLV as 4294967250 (49 days) before the next audio tag at 0: players saw audio time jump and go back.
test('a track whose first message is earlier than the stream\'s first is stamped 0, never negative (fuzz regression)', () => {
  const hub = new Hub({ guessHasAv: false });
  const pub = hub.publish(key, { protocol: 'test' });
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  pub.video(1000, avcSequenceHeader);
  pub.audio(954, aacSequenceHeader);
  pub.audio(954, aacFrame(1));
  pub.audio(977, aacFrame(2));
  const audio = sink.parse().tags.filter((t) => t.type === 8).map((t) => t.timestamp);
  assert.deepEqual(audio, [0, 0, 0]);
});

test('hub.close ends viewers as closed (a server going away, not a stream that ended) and evicts publishers, with or without a reconnect grace', () => {
  for (const options of [{}, { reconnectGraceMs: 0 }]) {
    const hub = new Hub(options);
    let evicted = '';
    const pub = hub.publish(key, { protocol: 'test' }, { onEvict: (r) => (evicted = r) });
    pub.video(0, avcSequenceHeader);
    pub.video(0, avcKeyframe());
    const sink = new RecordingSink();
    hub.subscribe(key, flvFormat, sink, viewer);
    hub.close();
    assert.equal(sink.ended, 'closed', JSON.stringify(options));
    assert.equal(evicted, 'closed');
    assert.equal(hub.size, 0);
  }
});

test('option validation names the option and what it expected', () => {
  assert.throws(() => new Hub({ gopCache: 'yes' as unknown as boolean }), /option "gopCache" must be a boolean/);
  assert.throws(() => new Hub({ maxQueueBytes: -1 }), /option "maxQueueBytes" must be a positive integer/);
  assert.throws(() => new Hub({ nope: 1 } as never), /unknown option "nope"/);
});

test('mergeWriteMs: tags of one window reach each viewer in a single write, in order, shared', async () => {
  const hub = new Hub({ mergeWriteMs: 30 });
  const pub = publishAv(hub, 1);
  const a = new RecordingSink();
  const b = new RecordingSink();
  hub.subscribe(key, flvFormat, a, viewer);
  hub.subscribe(key, flvFormat, b, viewer);
  const writesBefore = a.writes;
  const chunksBefore = a.chunks.length;
  for (let i = 1; i <= 6; i++) pub.video(i * 40, avcInterframe(i));
  assert.equal(a.chunks.length, chunksBefore, 'nothing written inside the window');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(a.writes, writesBefore + 1, 'one write for the whole window');
  assert.equal(a.chunks.length, chunksBefore + 6);
  assert.deepEqual(a.parse().tags.slice(-6).map((t) => t.timestamp), [40, 80, 120, 160, 200, 240]);
  assert.equal(a.chunks.at(-1), b.chunks.at(-1), 'still shared by reference');
  hub.close();
});

test('mergeWriteMs per viewer: windows of other lengths end on their own (RTMP players merge longer), 0 writes at once', async () => {
  const hub = new Hub({ mergeWriteMs: 10 });
  const pub = publishAv(hub, 1);
  const viewerSink = new RecordingSink();
  const playerSink = new RecordingSink();
  const immediateSink = new RecordingSink();
  hub.subscribe(key, flvFormat, viewerSink, viewer);
  hub.subscribe(key, flvFormat, playerSink, viewer, { mergeWriteMs: 80 });
  hub.subscribe(key, flvFormat, immediateSink, viewer, { mergeWriteMs: 0 });
  const before = [viewerSink.writes, playerSink.writes, immediateSink.writes];
  for (let i = 1; i <= 4; i++) pub.video(i * 40, avcInterframe(i));
  assert.equal(immediateSink.writes, before[2]! + 4, 'no window: one write per packet, at once');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(viewerSink.writes, before[0]! + 1, "the hub's 10 ms window has ended: one write");
  assert.equal(playerSink.writes, before[1], 'the 80 ms window has not');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(playerSink.writes, before[1]! + 1, 'then one write for its whole window');
  assert.deepEqual(playerSink.parse().tags.slice(-4).map((t) => t.timestamp), [40, 80, 120, 160]);
  hub.close();
});

test('mergeWriteMs: an onMetaData update deep into a stream (a republish) costs a viewer no frame', async () => {
  // The update is timed with the stream, not at 0: a viewer's window holding it and a frame 60 s in must not
  // look like 60 s of backlog (which cut it back to a keyframe at every republish).
  const hub = new Hub({ mergeWriteMs: 20, maxQueueMs: 10_000 });
  const pub = publishAv(hub, 1);
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, flvFormat, sink, viewer)!;
  // 60 s of stream, 4 s per merge window (each window's backlog stays under maxQueueMs).
  for (let i = 1; i <= 1500; i++) {
    pub.video(i * 40, avcInterframe(i));
    if (i % 100 === 0) await new Promise((r) => setTimeout(r, 30));
  }
  await new Promise((r) => setTimeout(r, 40));
  pub.data('onMetaData', { width: 320, height: 240, videocodecid: 7 });
  for (let i = 1501; i <= 1505; i++) pub.video(i * 40, avcInterframe(i));
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual([sub.skips, sub.droppedTags], [0, 0]);
  const tags = sink.parse().tags;
  assert.deepEqual(tags.slice(-5).map((t) => t.timestamp), [60_040, 60_080, 60_120, 60_160, 60_200]);
  assert.equal(tags.at(-6)?.type, 18, 'the update went out just before them');
  hub.close();
});

test('events: publish, play, first frame (after its keyframe), stop with the reason, unpublish', () => {
  const clock = new FakeClock();
  const hub = new Hub({ now: clock.now, reconnectGraceMs: 0 });
  const seen: string[] = [];
  hub.events.on('publish', (e) => seen.push(`publish ${e.stream.name}`));
  hub.events.on('unpublish', (e) => seen.push(`unpublish ${e.publisher.id}`));
  hub.events.on('play', (e) => seen.push(`play ${e.subscriber.info.protocol}`));
  hub.events.on('firstFrame', (e) => seen.push(`firstFrame ${e.ms}`));
  const off = hub.events.on('stop', (e) => seen.push(`stop ${e.reason}`));
  const pub = hub.publish(key, { protocol: 'test' });
  pub.data('onMetaData', { width: 320, height: 240, videocodecid: 7, audiocodecid: 10 });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  pub.video(0, avcKeyframe(0));
  pub.video(40, avcInterframe(1));
  const early = hub.subscribe(key, flvFormat, new RecordingSink(), viewer)!; // gets the cached GOP: a frame at once
  const late = hub.subscribe(key, flvFormat, new RecordingSink(), viewer)!;
  clock.t += 25;
  early.close();
  assert.equal(late.firstFrameAt, 1000);
  pub.end();
  off();
  assert.deepEqual(seen, [
    'publish live/cam1',
    'play test', 'firstFrame 0',
    'play test', 'firstFrame 0',
    'stop left',
    `unpublish ${pub.id}`, 'stop unpublished',
  ]);
});

test('events: a viewer that waits for a keyframe reports its first frame when the keyframe comes', () => {
  const clock = new FakeClock();
  const hub = new Hub({ now: clock.now, gopCache: false });
  const ms: number[] = [];
  hub.events.on('firstFrame', (e) => ms.push(e.ms));
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe(0));
  const sub = hub.subscribe(key, flvFormat, new RecordingSink(), viewer)!;
  clock.t += 30;
  pub.video(40, avcInterframe(1));
  assert.deepEqual(ms, []);
  clock.t += 30;
  pub.video(80, avcKeyframe(2));
  assert.deepEqual(ms, [60]);
  assert.equal(sub.firstFrameAt, 1060);
});

test('summarizeStream: codecs, size, frame rate, bitrate, GOP length and viewers by protocol', () => {
  const clock = new FakeClock();
  const hub = new Hub({ now: clock.now });
  const pub = hub.publish(key, { protocol: 'rtmp', remoteAddress: '10.0.0.7' });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  // 3 s of 25 fps video (1000-byte frames, keyframe every second) and no audio frames beyond the header.
  for (let i = 0; i <= 75; i++) {
    clock.t = 1000 + i * 40;
    const frame = new Uint8Array(1000);
    frame.set(i % 25 === 0 ? avcKeyframe(i) : avcInterframe(i));
    pub.video(i * 40, frame);
  }
  hub.subscribe(key, flvFormat, new RecordingSink(), { protocol: 'http-flv' });
  hub.subscribe(key, flvFormat, new RecordingSink(), { protocol: 'ws-flv' });
  hub.subscribe(key, flvFormat, new RecordingSink(), { protocol: 'http-flv' });
  const s = summarizeStream(hub.get(key)!, clock.t);
  assert.equal(s.name, 'live/cam1');
  assert.deepEqual(s.publisher, { id: pub.id, protocol: 'rtmp', remoteAddress: '10.0.0.7' });
  assert.equal(s.uptimeMs, 3000);
  assert.deepEqual(s.video, { codec: 'avc', width: 320, height: 240, fps: 25 });
  assert.deepEqual(s.audio, { codec: 'aac', sampleRate: 44100, channels: 2 });
  assert.equal(s.ingestKbps, 200, '1000 bytes × 25/s = 200 kbit/s');
  assert.equal(s.gopMs, 1000);
  assert.deepEqual(s.viewers, { total: 3, byProtocol: { 'http-flv': 2, 'ws-flv': 1 }, byFormat: { flv: 3 } });
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'JSON-safe');
});

/** A peer on a thin link: bytes written wait until it reads them; a full drain resumes the viewer, as a socket's 'drain' does. */
class SlowLinkSink implements SubscriberSink {
  pending = 0;
  ended: SubscriberEndReason | undefined;
  subscriber: Subscriber | undefined;
  constructor(private readonly highWaterMark: number) {}
  write(chunks: readonly Uint8Array[]): boolean {
    for (const c of chunks) this.pending += c.byteLength;
    return this.pending < this.highWaterMark;
  }
  end(reason: SubscriberEndReason): void {
    this.ended = reason;
  }
  read(bytes: number): void {
    if (this.pending === 0) return;
    this.pending = Math.max(0, this.pending - bytes);
    if (this.pending === 0) this.subscriber?.resume();
  }
}

test('a viewer reading steadily below the stream rate is never cut as stalled: it skips ahead instead', () => {
  const clock = new FakeClock();
  const hub = new Hub({ stallTimeoutMs: 3000, maxQueueMs: 5000, now: clock.now });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  const sink = new SlowLinkSink(4000);
  const sub = hub.subscribe(key, flvFormat, sink, viewer)!;
  sink.subscriber = sub;
  // 25 kB/s of video (1000-byte frames every 40 ms, a keyframe each second) to a peer reading 10 kB/s, for 30 s.
  for (let i = 0; i < 750; i++) {
    clock.t += 40;
    const frame = new Uint8Array(1000);
    frame.set(i % 25 === 0 ? avcKeyframe(i) : avcInterframe(i));
    pub.video(i * 40, frame);
    sink.read(400);
  }
  assert.equal(sink.ended, undefined, 'still watching');
  assert.ok(sub.skips > 0 && sub.droppedTags > 0, 'it fell behind and was skipped ahead');
  assert.ok(sub.queuedBytes <= 5000 / 40 * 1015 + 1015, `backlog bounded by maxQueueMs (${sub.queuedBytes})`);
  assert.ok(sub.bytesSent > 250_000, `it got about what it could read (${sub.bytesSent})`);
});

test('a truncated or malformed sequence header is refused before it changes anything: the last good one stays', () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  pub.video(0, avcKeyframe());
  const live = hub.get(key)!;
  const tagsIn = live.tagsIn;
  const bad: Array<[8 | 9, Uint8Array, RegExp]> = [
    [9, avcSequenceHeader.subarray(0, 12), /video sequence header dropped: AVCDecoderConfigurationRecord truncated/],
    [9, Uint8Array.from([0x17, 0x00, 0x00]), /shorter than its 5-byte header/],
    [9, Uint8Array.from([0x17, 0, 0, 0, 0, 0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0x00]), /without SPS or PPS/],
    [8, Uint8Array.from([0xaf, 0x00, 0x12]), /audio sequence header dropped: AudioSpecificConfig needs at least 2 bytes/],
  ];
  for (const [type, payload, message] of bad) {
    assert.throws(() => (type === 9 ? pub.video(40, payload) : pub.audio(40, payload)), (err: Error) => err instanceof HubError && err.code === 'ERR_HUB_BAD_SEQUENCE_HEADER' && message.test(err.message));
  }
  assert.equal(live.tagsIn, tagsIn, 'nothing was taken in');
  assert.equal(live.video.config?.payload, avcSequenceHeader);
  assert.equal(live.audio.config?.payload, aacSequenceHeader);
  assert.equal(live.video.width, 320);
  // The publisher goes on, and a new viewer starts from the good configuration.
  pub.video(40, avcInterframe());
  const sink = new RecordingSink();
  hub.subscribe(key, flvFormat, sink, viewer);
  const { tags } = sink.parse();
  assert.deepEqual([...tags[1]!.payload], [...avcSequenceHeader]);
  assert.deepEqual([...tags[2]!.payload], [...aacSequenceHeader]);
});
