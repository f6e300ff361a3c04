import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedCounter, LimitReporter, LogThrottle, type LimitHit } from '../src/index.js';

class FakeClock {
  t = 1000;
  now = () => this.t;
}

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

test('KeyedCounter: counts per key and forgets a key whose count is back to zero', () => {
  const c = new KeyedCounter();
  c.add('1.2.3.4');
  c.add('1.2.3.4');
  c.add('::1');
  assert.deepEqual([c.get('1.2.3.4'), c.get('::1'), c.total, c.size], [2, 1, 3, 2]);
  c.remove('1.2.3.4');
  c.remove('1.2.3.4');
  c.remove('1.2.3.4');
  c.remove('never');
  assert.deepEqual([c.get('1.2.3.4'), c.total, c.size], [0, 1, 1]);
  c.remove('::1');
  assert.deepEqual([c.total, c.size], [0, 0]);
});

test('LimitReporter: every hit is a `limit` event on the channel it was given; the log gets a burst per client and code', () => {
  const clock = new FakeClock();
  const hits: LimitHit[] = [];
  const reporter = new LimitReporter({ emit: (name, hit) => void (name === 'limit' && hits.push(hit)) }, { windowMs: 1000, burst: 2, now: clock.now });
  const lines: Array<[Record<string, unknown>, string]> = [];
  const log = { warn: (fields: Record<string, unknown>, msg: string) => void lines.push([fields, msg]) };
  const hit = { limit: 'maxConnectionsPerIp', protocol: 'rtmp', remoteAddress: '10.0.0.1' };
  for (let i = 0; i < 1000; i++) reporter.limit(log, hit, 'ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP', { max: 2 }, 'refused');
  assert.equal(hits.length, 1000, 'events are never throttled');
  assert.deepEqual(hits[0], { limit: 'maxConnectionsPerIp', protocol: 'rtmp', remoteAddress: '10.0.0.1' });
  assert.deepEqual(lines.map(([f]) => f), [
    { code: 'ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP', ip: '10.0.0.1', limit: 'maxConnectionsPerIp', max: 2 },
    { code: 'ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP', ip: '10.0.0.1', limit: 'maxConnectionsPerIp', max: 2 },
  ]);
  // Another code from the same client has a window of its own; a warn is not an event.
  reporter.warn(log, 'ERR_RTMP_BAD_COMMAND', '10.0.0.1', {}, 'bad');
  assert.equal(lines.length, 3);
  assert.equal(hits.length, 1000);
  clock.t += 1000;
  reporter.limit(log, hit, 'ERR_RTMP_TOO_MANY_CONNECTIONS_PER_IP', {}, 'refused');
  assert.equal(lines[3]![0].suppressed, 998);
  assert.equal(lines[3]![1], 'refused (998 similar lines suppressed)');
});
