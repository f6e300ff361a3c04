import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, HubError, LogThrottle } from '../src/index.js';
import { FakeClock, RecordingSink } from './fixtures.js';

const key = (stream: string) => ({ vhost: '', app: 'live', stream });
const isTooMany = (e: unknown) => e instanceof HubError && e.code === 'ERR_HUB_TOO_MANY_STREAMS' && /maxStreams/.test(e.message);

test('maxStreams: a new stream beyond it is refused with ERR_HUB_TOO_MANY_STREAMS; freed slots are reusable', () => {
  const hub = new Hub({ maxStreams: 2, reconnectGraceMs: 0 });
  const a = hub.publish(key('a'), { protocol: 't' });
  hub.publish(key('b'), { protocol: 't' });
  assert.throws(() => hub.publish(key('c'), { protocol: 't' }), isTooMany);
  assert.equal(hub.size, 2, 'the refused publish created nothing');
  a.end();
  assert.doesNotThrow(() => hub.publish(key('c'), { protocol: 't' }));
  assert.equal(hub.size, 2);
});

test('maxStreams counts a stream waiting in its grace window, and its own publisher may come back', () => {
  const hub = new Hub({ maxStreams: 1, reconnectGraceMs: 60_000 });
  const first = hub.publish(key('a'), { protocol: 't' });
  hub.subscribe(key('a'), new RecordingSink(), { protocol: 't' });
  first.end();
  assert.equal(hub.size, 1, 'the stream waits for its publisher');
  assert.throws(() => hub.publish(key('b'), { protocol: 't' }), isTooMany);
  assert.doesNotThrow(() => hub.publish(key('a'), { protocol: 't' }), 'a republish reuses its entry');
});

test('maxStreams: a takeover of a busy key is not a new stream', () => {
  const hub = new Hub({ maxStreams: 1, publishTakeover: true });
  hub.publish(key('a'), { protocol: 't' });
  assert.doesNotThrow(() => hub.publish(key('a'), { protocol: 't' }));
  assert.throws(() => hub.publish(key('b'), { protocol: 't' }), isTooMany);
});

test('maxStreams is validated like the other counts', () => {
  for (const bad of [0, -1, 1.5, '3']) {
    assert.throws(() => new Hub({ maxStreams: bad as number }), (e: unknown) => e instanceof HubError && e.option === 'maxStreams');
  }
  assert.equal(new Hub().options.maxStreams, 1000);
});

test('LogThrottle: burst lines per key and window, then a count of the suppressed ones on the next line', () => {
  const clock = new FakeClock();
  const throttle = new LogThrottle({ windowMs: 1000, burst: 3, now: clock.now });
  const out = Array.from({ length: 10 }, () => throttle.take('1.2.3.4'));
  assert.deepEqual(out, [0, 0, 0, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  assert.equal(throttle.take('5.6.7.8'), 0, 'another client has its own window');
  clock.t += 1000;
  assert.equal(throttle.take('1.2.3.4'), 7, 'the next window reports what was suppressed');
  assert.equal(throttle.take('1.2.3.4'), 0);
});

test('LogThrottle: memory is bounded by maxKeys whatever the number of clients', () => {
  const clock = new FakeClock();
  const throttle = new LogThrottle({ windowMs: 1000, burst: 1, maxKeys: 100, now: clock.now });
  for (let i = 0; i < 10_000; i++) {
    assert.equal(throttle.take(`2001:db8::${i.toString(16)}`), 0, 'a new client always gets its first line');
    if (i % 1000 === 0) clock.t += 10;
  }
  assert.equal(throttle.size, 100);
  clock.t += 1000;
  throttle.take('x');
  assert.equal(throttle.size, 1, 'expired windows are dropped');
});
