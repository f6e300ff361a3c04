import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, HubError, LimitReporter } from '../src/index.js';
import { FakeClock, RecordingSink } from './fixtures.js';
import { flvFormat } from '@flvcast/mux';

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
  hub.subscribe(key('a'), flvFormat, new RecordingSink(), { protocol: 't' });
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

// LogThrottle and KeyedCounter moved to @flvcast/limits with their tests; the reporter below checks the
// deprecated alias still reports into the hub's own event channel.
test('LimitReporter: every hit is an event; the log gets a burst per client, then a count of the rest', () => {
  const hub = new Hub();
  const clock = new FakeClock();
  const reporter = new LimitReporter(hub.events, { windowMs: 1000, burst: 2, now: clock.now });
  const hits: unknown[] = [];
  hub.events.on('limit', (h) => hits.push(h));
  const lines: Array<[Record<string, unknown>, string]> = [];
  const log = { warn: (fields: Record<string, unknown>, msg: string) => void lines.push([fields, msg]) };
  for (let i = 0; i < 1000; i++) reporter.limit(log, { limit: 'maxConnectionsPerIp', protocol: 'rtmp', remoteAddress: '10.0.0.1' }, 'ERR_X', {}, 'refused');
  assert.equal(hits.length, 1000);
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[0]![0], { code: 'ERR_X', ip: '10.0.0.1', limit: 'maxConnectionsPerIp' });
  clock.t += 1000;
  reporter.limit(log, { limit: 'maxConnectionsPerIp', protocol: 'rtmp', remoteAddress: '10.0.0.1' }, 'ERR_X', {}, 'refused');
  assert.equal(lines[2]![0].suppressed, 998);
  assert.match(lines[2]![1], /998 similar lines suppressed/);
});
