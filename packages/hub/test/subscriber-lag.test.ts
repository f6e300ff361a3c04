import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from '../src/index.js';
import { FakeClock, RecordingSink, avcInterframe, avcKeyframe, avcSequenceHeader } from './fixtures.js';
import { flvFormat } from '@flvcast/mux';

const key = { vhost: '', app: 'live', stream: 'cam1' };

test('queuedMs: the media time a blocked viewer is behind, back to 0 once it drains', () => {
  const hub = new Hub({ now: new FakeClock().now });
  const pub = hub.publish(key, { protocol: 'test' });
  pub.video(0, avcSequenceHeader);
  pub.video(0, avcKeyframe());
  const sink = new RecordingSink();
  const sub = hub.subscribe(key, flvFormat, sink, { protocol: 'test' })!;
  assert.equal(sub.queuedMs, 0);
  sink.accepting = false;
  pub.video(40, avcInterframe()); // written, but the sink says it is full: the next tags queue
  for (let i = 2; i <= 6; i++) pub.video(i * 40, avcInterframe(i));
  assert.equal(sub.queuedMs, 6 * 40 - 2 * 40);
  assert.ok(sub.queuedBytes > 0);
  sink.accepting = true;
  sub.resume();
  assert.equal(sub.queuedMs, 0);
  assert.equal(sub.queuedBytes, 0);
});
