/**
 * Viewers share every packet, but a container with running state in its bytes (MPEG-TS continuity
 * counters) must tell a viewer where its own sequence broke: its first packet, and the first after packets
 * were dropped for it. The hub asks the muxer's `resync` exactly there, and nowhere else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Format, Frame, Muxer } from '@flvcast/media';
import { Hub } from '../src/index.js';
import { FakeClock, RecordingSink, avcInterframe, avcKeyframe, avcSequenceHeader } from './fixtures.js';

const key = { vhost: '', app: 'live', stream: 'cam1' };
const text = new TextDecoder();

/** Each packet is `n;` (its running number); a resync is `R<n>;` naming the packet it precedes. */
function countingFormat(): Format {
  return {
    name: 'counting',
    createMuxer(): Muxer {
      let n = 0;
      const numbers = new WeakMap<Frame, number>();
      return {
        begin: () => [new TextEncoder().encode('B;')],
        encode(frame) {
          if (frame.kind === 'data' || frame.config) return undefined;
          numbers.set(frame, n);
          return new TextEncoder().encode(`${n++};`);
        },
        metadataChanged: () => undefined,
        resync: (frame) => new TextEncoder().encode(`R${numbers.get(frame)};`),
      };
    },
  };
}

const got = (sink: RecordingSink): string[] => sink.chunks.map((c) => text.decode(c)).join('').split(';').filter((s) => s !== '');

test('resync comes before a viewer\'s first packet, and not between packets that follow each other', () => {
  const hub = new Hub();
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe());
  pub.video(40, avcInterframe(1));
  const early = new RecordingSink();
  hub.subscribe(key, countingFormat(), early, { protocol: 'test' });
  pub.video(80, avcInterframe(2));
  const late = new RecordingSink();
  hub.subscribe(key, countingFormat(), late, { protocol: 'test' }); // same output: starts at the cached keyframe
  pub.video(120, avcInterframe(3));
  assert.deepEqual(got(early), ['B', 'R0', '0', '1', '2', '3']);
  assert.deepEqual(got(late), ['B', 'R0', '0', '1', '2', '3']);
});

test('a viewer that joins before a keyframe gets its resync at the keyframe it starts with', () => {
  const hub = new Hub({ gopCache: false });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe());
  const sink = new RecordingSink();
  hub.subscribe(key, countingFormat(), sink, { protocol: 'test' });
  pub.video(40, avcInterframe(1)); // dropped for it: no keyframe yet
  pub.video(80, avcKeyframe());
  pub.video(120, avcInterframe(2));
  assert.deepEqual(got(sink), ['B', 'R1', '1', '2']);
});

test('after a skip to the next keyframe, the first packet written gets a resync', () => {
  const clock = new FakeClock();
  const hub = new Hub({ now: clock.now, maxQueueMs: 100 });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe());
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, countingFormat(), sink, { protocol: 'test' })!;
  sink.accepting = false;
  for (let i = 1; i <= 6; i++) pub.video(i * 40, avcInterframe(i)); // 1 is written; 2.. queue, then overflow: dropped
  pub.video(280, avcKeyframe()); // 7: where it resumes
  pub.video(320, avcInterframe(8));
  assert.equal(sub.skips, 1);
  sink.accepting = true;
  sub.resume();
  assert.deepEqual(got(sink), ['B', 'R0', '0', '1', 'R7', '7', '8']);
});
