import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hub, HubError, type LimitHit } from '../src/index.js';
import { avcKeyframe, avcSequenceHeader } from './fixtures.js';

const key = (stream: string) => ({ vhost: '', app: 'live', stream });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('without a resolver, find() is get(): an unknown stream is undefined at once', async () => {
  const hub = new Hub();
  assert.equal(await hub.find(key('nope')), undefined);
  hub.publish(key('cam1'), { protocol: 'test' });
  assert.equal((await hub.find(key('cam1')))?.name, 'live/cam1');
});

test('a resolver that publishes: requests for the same name meanwhile share one resolution', async () => {
  const hub = new Hub();
  const asked: string[] = [];
  hub.setResolver(async (k, _signal, request) => {
    asked.push(`${k.stream}?${request.query}`);
    await sleep(20);
    // An edge pulling from its origin: the stream is published a moment later.
    const pub = hub.publish(k, { protocol: 'pull' });
    pub.video(0, avcSequenceHeader);
    pub.video(0, avcKeyframe());
  });
  const resolved: string[] = [];
  hub.events.on('resolve', (e) => resolved.push(`${e.stream}:${e.found}`));
  // The first request's query reaches the resolver (an edge passes the viewer's token upstream).
  const [a, b, c] = await Promise.all([hub.find(key('edge'), { query: 'token=first' }), hub.find(key('edge'), { query: 'token=second' }), hub.find(key('edge'))]);
  assert.equal(a?.name, 'live/edge');
  assert.ok(a === b && b === c);
  assert.deepEqual(asked, ['edge?token=first'], 'one resolution for three requests, with the first one\'s query');
  assert.deepEqual(resolved, ['live/edge:true']);
  assert.equal(hub.resolving, 0);
});

test('the stream may come after the resolver settles (a pull that publishes later), within the timeout', async () => {
  const hub = new Hub();
  hub.setResolver((k) => {
    setTimeout(() => hub.publish(k, { protocol: 'pull' }), 30);
  }, { timeoutMs: 1000 });
  const started = performance.now();
  assert.equal((await hub.find(key('late')))?.name, 'live/late');
  assert.ok(performance.now() - started < 500);
});

test('a resolver that brings nothing, hangs or throws: "not found" within the timeout, and the signal aborts', async () => {
  const hub = new Hub();
  let aborted = false;
  hub.setResolver((k, signal) => {
    signal.addEventListener('abort', () => (aborted = true));
    if (k.stream === 'throws') throw new Error('origin down');
    if (k.stream === 'hangs') return new Promise(() => {});
    return undefined;
  }, { timeoutMs: 100 });
  const errors: unknown[] = [];
  hub.events.on('resolve', (e) => e.error !== undefined && errors.push(e.error));
  let started = performance.now();
  assert.equal(await hub.find(key('hangs')), undefined);
  const hung = performance.now() - started;
  assert.ok(hung >= 90 && hung < 1000, `bounded by the timeout (${hung} ms)`);
  assert.ok(aborted);
  started = performance.now();
  assert.equal(await hub.find(key('throws')), undefined);
  assert.ok(performance.now() - started < 90, 'a failure answers at once');
  assert.match(String(errors[0]), /origin down/);
  assert.equal(await hub.find(key('nothing')), undefined);
  assert.equal(await hub.find({ vhost: '', app: 'live', stream: '../x' }), undefined, 'invalid names are never resolved');
});

test('maxResolving: past it, another unknown name is "not found" at once and a limit hit', async () => {
  const hub = new Hub();
  hub.setResolver(() => new Promise(() => {}), { timeoutMs: 200, maxPending: 2 });
  const hits: LimitHit[] = [];
  hub.events.on('limit', (h) => hits.push(h));
  const pending = [hub.find(key('a')), hub.find(key('b'))];
  assert.equal(hub.resolving, 2);
  const started = performance.now();
  assert.equal(await hub.find(key('c')), undefined);
  assert.ok(performance.now() - started < 50);
  assert.deepEqual(hits, [{ limit: 'maxResolving', protocol: 'hub' }]);
  await Promise.all(pending);
  assert.equal(hub.resolving, 0, 'nothing stays behind');
});

test('resolver bounds are validated', () => {
  const hub = new Hub();
  assert.throws(() => hub.setResolver(() => undefined, { timeoutMs: 0 }), (err: Error) => err instanceof HubError && /resolveTimeoutMs/.test(err.message));
  assert.throws(() => hub.setResolver(() => undefined, { maxPending: 0 }), (err: Error) => err instanceof HubError && /maxResolving/.test(err.message));
});
