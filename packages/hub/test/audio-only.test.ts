/**
 * Viewers of an audio-only format (`.aac`, `.mp3`): an audio layout, the stream's recent audio at once instead
 * of the GOP, no keyframe to wait for; and the stream telling a transport whether the format can serve it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Format, Frame } from '@flvcast/media';
import { adtsFormat, flvFormat, mp3Format } from '@flvcast/mux';
import { Hub } from '../src/index.js';
import { FakeClock, RecordingSink, aacFrame, aacSequenceHeader, avcInterframe, avcKeyframe, avcSequenceHeader } from './fixtures.js';

const key = { vhost: '', app: 'live', stream: 'radio' };
/** ADTS frames in what a sink got: each starts with the FFF syncword and says its own length. */
function adtsFrames(sink: RecordingSink): number {
  const bytes = Buffer.concat(sink.chunks);
  let n = 0;
  for (let at = 0; at + 7 <= bytes.length; n++) {
    assert.equal(bytes[at], 0xff, `syncword at ${at}`);
    at += ((bytes[at + 3]! & 0x03) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
  }
  return n;
}
/** adtsFormat, recording the timestamp of every frame it frames. */
function recordingAdts(seen: number[]): Format {
  return {
    ...adtsFormat,
    createMuxer(stream) {
      const muxer = adtsFormat.createMuxer(stream);
      return {
        begin: (layout, ts) => muxer.begin(layout, ts),
        metadataChanged: (layout) => muxer.metadataChanged(layout),
        encode(frame: Frame) {
          const bytes = muxer.encode(frame);
          if (bytes !== undefined) seen.push(frame.timestamp);
          return bytes;
        },
      };
    },
  };
}

function avStream(hub: Hub, until: number) {
  const pub = hub.publish(key, { protocol: 'test' });
  pub.data('onMetaData', { videocodecid: 7, audiocodecid: 10 });
  pub.video(0, avcSequenceHeader);
  pub.audio(0, aacSequenceHeader);
  for (let t = 0; t <= until; t += 20) {
    if (t % 1000 === 0) pub.video(t, avcKeyframe(t));
    else if (t % 40 === 0) pub.video(t, avcInterframe(t));
    pub.audio(t, aacFrame(t / 20));
  }
  return pub;
}

test('an audio listener of an A+V stream: audio layout, the last audioFastCacheMs of audio at once, no keyframe wait', () => {
  const hub = new Hub({ audioFastCacheMs: 500 });
  const pub = avStream(hub, 2500);
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, adtsFormat, sink, { protocol: 'http-aac' })!;
  assert.deepEqual([sub.started, sub.hasAudio, sub.hasVideo], [true, true, false]);
  // Frames from 2000 to 2500 ms: 26 of them, handed over in the first write.
  assert.equal(adtsFrames(sink), 26);
  assert.equal(sink.writes, 1);
  assert.notEqual(sub.firstFrameAt, undefined, 'decodable at once');
  // Live audio follows at once, mid-GOP; video carries nothing.
  pub.video(2520, avcInterframe(1));
  pub.audio(2520, aacFrame(1));
  assert.equal(adtsFrames(sink), 27);
  assert.equal(sub.droppedTags, 0);
});

test('audioFastCacheMs 0: a listener starts with the next frame', () => {
  const hub = new Hub({ audioFastCacheMs: 0 });
  const pub = avStream(hub, 1000);
  const sink = new RecordingSink();
  hub.subscribe(key, adtsFormat, sink, { protocol: 'http-aac' });
  assert.equal(sink.bytes, 0);
  pub.audio(1020, aacFrame(2));
  assert.equal(adtsFrames(sink), 1);
});

test('the window is kept without listeners, bounded by maxQueueBytes, and goes with the stream: it keeps nothing alive', () => {
  const hub = new Hub({ audioFastCacheMs: 60_000, maxQueueBytes: 400 });
  const pub = avStream(hub, 10_000);
  const stream = hub.get(key)!;
  assert.ok(stream.audioWindowBytes > 0 && stream.audioWindowBytes <= 400, `${stream.audioWindowBytes} bytes`);
  assert.equal(stream.subscribers.size, 0, 'no hidden consumer');
  pub.end();
  assert.equal(hub.get(key), undefined, 'nobody listens: the stream (and its window) is gone at once');
  assert.equal(hub.size, 0);
});

test('a slow listener is cut back and resumes at the next audio frame, not at a keyframe', () => {
  const clock = new FakeClock();
  const hub = new Hub({ audioFastCacheMs: 0, maxQueueMs: 200, now: clock.now });
  const pub = avStream(hub, 1000);
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, adtsFormat, sink, { protocol: 'http-aac' })!;
  pub.audio(1020, aacFrame(1));
  sink.accepting = false;
  pub.audio(1040, aacFrame(2)); // the sink is now behind
  for (let t = 1060; t <= 1400; t += 20) pub.audio(t, aacFrame(t));
  assert.ok(sub.skips >= 1, 'the backlog was cut');
  assert.ok(sub.queuedBytes > 0, 'and it resumed at the next audio frame, with no keyframe in sight');
  sink.accepting = true;
  const before = adtsFrames(sink);
  sub.resume();
  assert.ok(adtsFrames(sink) > before);
  assert.equal(sub.ended, false);
});

test('unsupported: null until the codecs are known, then the format\'s reason (415) or undefined', async () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  const stream = hub.get(key)!;
  assert.equal(stream.unsupported(mp3Format), null, 'just published');
  pub.data('onMetaData', { audiocodecid: 10 });
  assert.equal(stream.unsupported(mp3Format), null, 'metadata alone does not settle an audio mount');
  let decided = false;
  const waiting = stream.whenDecided(mp3Format).then(() => (decided = true));
  pub.audio(0, aacSequenceHeader);
  await waiting;
  assert.equal(decided, true);
  assert.equal(stream.unsupported(mp3Format), 'audio codec aac: .mp3 carries MP3 only');
  assert.equal(stream.unsupported(adtsFormat), undefined);
  assert.equal(stream.unsupported(flvFormat), undefined);
});

test('a stream without audio: decided at the first media when onMetaData denies audio, else after a second of media', () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  pub.data('onMetaData', { videocodecid: 7 });
  pub.video(0, avcSequenceHeader);
  assert.equal(hub.get(key)!.unsupported(adtsFormat), null);
  pub.video(0, avcKeyframe(0));
  assert.equal(hub.get(key)!.unsupported(adtsFormat), 'the stream has no audio track: .aac carries AAC audio only');

  const other = { ...key, stream: 'announced' };
  const pub2 = hub.publish(other, { protocol: 'test' });
  pub2.data('onMetaData', { videocodecid: 7, audiocodecid: 10 });
  pub2.video(0, avcSequenceHeader);
  pub2.video(0, avcKeyframe(0));
  const stream = hub.get(other)!;
  assert.equal(stream.unsupported(adtsFormat), null, 'audio announced: wait for it a while');
  pub2.video(960, avcInterframe(1));
  assert.equal(stream.unsupported(adtsFormat), null);
  pub2.video(1000, avcInterframe(2));
  assert.equal(stream.unsupported(adtsFormat), 'the stream has no audio track: the aac format carries audio only');
});

test('whenDecided ends with the client (abort), with the publisher leaving, and with the stream', async () => {
  const hub = new Hub({ reconnectGraceMs: 0 });
  const pub = hub.publish(key, { protocol: 'test' });
  const stream = hub.get(key)!;
  const controller = new AbortController();
  const aborted = stream.whenDecided(adtsFormat, controller.signal);
  controller.abort();
  await aborted;
  const left = stream.whenDecided(adtsFormat);
  pub.end();
  await left;
  assert.equal(hub.size, 0);
});

test('an audio listener arriving before any media starts when the audio does, not at onMetaData', () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, adtsFormat, sink, { protocol: 'http-aac' })!;
  pub.data('onMetaData', { videocodecid: 7, audiocodecid: 10 });
  pub.video(0, avcSequenceHeader);
  assert.equal(sub.started, false);
  pub.audio(0, aacSequenceHeader);
  assert.equal(sub.started, true);
  pub.video(0, avcKeyframe(0));
  pub.audio(0, aacFrame(0));
  assert.equal(adtsFrames(sink), 1);
});

test('publisher reconnect within the grace window: the listener stays and its audio continues without a timestamp gap', () => {
  const clock = new FakeClock();
  const seen: number[] = [];
  const format = recordingAdts(seen);
  const hub = new Hub({ now: clock.now, reconnectGraceMs: 5000, audioFastCacheMs: 0 });
  let pub = hub.publish(key, { protocol: 'test' });
  pub.audio(0, aacSequenceHeader);
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, format, sink, { protocol: 'http-aac' })!;
  for (let t = 0; t <= 1000; t += 20) pub.audio(t, aacFrame(t));
  pub.end();
  clock.t += 300;
  // The encoder restarts at 0.
  pub = hub.publish(key, { protocol: 'test' });
  pub.audio(0, aacSequenceHeader);
  for (let t = 0; t <= 200; t += 20) pub.audio(t, aacFrame(t));
  assert.equal(sub.ended, false);
  assert.equal(adtsFrames(sink), 51 + 11);
  const after = seen.slice(51);
  assert.ok(after[0]! > 1000 && after[0]! <= 1000 + 300 + 40, `resumes after 1000 ms (by the time away), at ${after[0]}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `monotonic at ${i}`);
});
