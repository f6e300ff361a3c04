import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, configFromEnv, resolveConfig } from '../src/index.js';
import { PrimaryStreamList } from '../src/workers/primary-stream-list.js';
import { WorkerFeed } from '../src/workers/worker-feed.js';
import { MAX_STREAMS_PER_MESSAGE, fromWorker, toWorker, workerHandoff, type FromWorker, type WorkerReport } from '../src/workers/worker-messages.js';
import { WorkerStats } from '../src/workers/worker-stats.js';
import type { StreamSummary } from '@flvcast/hub';

test('workers: 1 by default, 1-64 from a flag value or FLVCAST_WORKERS', () => {
  assert.equal(resolveConfig().workers, 1);
  assert.equal(resolveConfig(configFromEnv({ FLVCAST_WORKERS: '4' })).workers, 4);
  for (const bad of ['0', '65', '1.5', 'two']) assert.throws(() => resolveConfig({ workers: bad }), (err: unknown) => err instanceof ConfigError && /workers \(--workers, FLVCAST_WORKERS\)/.test(err.message), bad);
});

test("the workers' feed: only paths under its secret are routed, vhost= becomes the path, everything else has no route", () => {
  const feed = new WorkerFeed();
  const origin = feed.originUrl({ address: '127.0.0.1', family: 'IPv4', port: 4321 });
  const secret = new URL(origin).pathname.slice(1);
  assert.match(origin, /^http:\/\/127\.0\.0\.1:4321\/[A-Za-z0-9_-]{32}$/);
  assert.equal(feed.rewrite(`/${secret}/live/cam1.flv`), '/live/cam1.flv');
  assert.equal(feed.rewrite(`/${secret}/live/cam1.flv?token=abc&expires=9`), '/live/cam1.flv?token=abc&expires=9');
  assert.equal(feed.rewrite(`/${secret}/live/cam1.flv?vhost=tv.example&token=abc`), '/tv.example/live/cam1.flv?token=abc');
  for (const bad of ['/live/cam1.flv', `/${secret.slice(1)}/live/cam1.flv`, `/${secret}x/live/cam1.flv`, `/${secret}`, '/', '']) {
    assert.equal(feed.rewrite(bad), '/-/not-found', bad);
  }
  assert.notEqual(new URL(new WorkerFeed().originUrl({ address: '127.0.0.1', family: 'IPv4', port: 1 })).pathname, `/${secret}`, 'a secret per server');
  assert.deepEqual(feed.appOptions().listen, [{ host: '127.0.0.1', port: 0 }], 'loopback only, a port the system picks');
});

const report = (streams: WorkerReport['streams'], bytesOut: number, sessions: Record<string, number> = {}): WorkerReport => ({
  streams,
  viewers: streams.reduce((n, [, v]) => n + v.total, 0),
  pulls: streams.map(([stream]) => ({ stream, state: 'pulling' })),
  traffic: { bytesOut, droppedTags: 0, sessions },
  cpu: { userSeconds: 1, systemSeconds: 0.5 },
  rssBytes: 1000,
});

test('worker stats: viewers summed per stream and per protocol/format; a dead worker takes its viewers, never its traffic', () => {
  let now = 0;
  const stats = new WorkerStats(() => now);
  stats.started(1, 101, false);
  stats.started(2, 102, false);
  stats.up(1);
  stats.up(2);
  stats.report(1, report([['live/a', { total: 3, groups: [{ protocol: 'http-flv', format: 'flv', count: 2 }, { protocol: 'ws-flv', format: 'flv', count: 1 }], droppedTags: 1 }]], 1000, { 'http-flv': 2, 'ws-flv': 1 }));
  stats.report(2, report([['live/a', { total: 2, groups: [{ protocol: 'http-flv', format: 'flv', count: 2 }], droppedTags: 0 }], ['live/b', { total: 1, groups: [{ protocol: 'http-aac', format: 'adts', count: 1 }], droppedTags: 0 }]], 500, { 'http-flv': 3 }));
  const a = stats.viewers().get('live/a');
  assert.equal(a?.total, 5);
  assert.deepEqual(a?.groups, [{ protocol: 'http-flv', format: 'flv', count: 4 }, { protocol: 'ws-flv', format: 'flv', count: 1 }]);
  assert.equal(a?.droppedTags, 1);
  assert.equal(stats.viewers().get('live/b')?.total, 1);
  assert.deepEqual(stats.traffic(), { bytesOut: 1500, droppedTags: 0, sessions: { 'http-flv': 5, 'ws-flv': 1 } });

  now = 5000;
  stats.exited(1, 'restarting');
  assert.equal(stats.viewers().get('live/a')?.total, 2, 'the dead worker\'s viewers are gone at once');
  assert.equal(stats.traffic().bytesOut, 1500, 'its bytes stay counted');
  const [w1] = stats.workers();
  assert.deepEqual([w1?.pid, w1?.state, w1?.viewers, w1?.uptimeMs], [null, 'restarting', 0, 0]);

  stats.started(1, 103, true);
  stats.up(1);
  stats.report(1, report([], 10, { 'http-flv': 1 }));
  now = 6000;
  assert.equal(stats.traffic().bytesOut, 1510, 'the new process counts from its own zero, on top of the old one');
  assert.equal(stats.traffic().sessions['http-flv'], 6);
  const restarted = stats.workers()[0]!;
  assert.deepEqual([restarted.pid, restarted.state, restarted.restarts, restarted.uptimeMs, restarted.reportAgeMs], [103, 'up', 1, 1000, 1000]);

  stats.stopping();
  assert.deepEqual(stats.workers().map((w) => w.state), ['stopping', 'stopping']);
});

test('worker stats keep a report within bounds', () => {
  const stats = new WorkerStats();
  const many = Array.from({ length: MAX_STREAMS_PER_MESSAGE + 50 }, (_, i) => [`live/s${i}`, { total: 1, groups: [], droppedTags: 0 }] as WorkerReport['streams'][number]);
  stats.report(1, report(many, 0));
  assert.equal(stats.viewers().size, MAX_STREAMS_PER_MESSAGE);
  assert.equal(stats.workers()[0]?.pulls.length, MAX_STREAMS_PER_MESSAGE);
});

test('IPC messages: only flvcast-tagged ones of the right shape are taken', () => {
  assert.deepEqual(fromWorker({ type: 'flvcast:streams?', id: 3 }), { type: 'flvcast:streams?', id: 3 });
  assert.equal(fromWorker({ type: 'flvcast:streams?', id: 'x' }), undefined);
  assert.equal(fromWorker({ type: 'flvcast:report', report: { streams: 'no' } }), undefined);
  assert.equal(fromWorker({ type: 'app:hello' }), undefined, "an app's own message");
  assert.equal(fromWorker('text'), undefined);
  assert.deepEqual(toWorker({ type: 'flvcast:drain' }), { type: 'flvcast:drain' });
  assert.equal(toWorker({ type: 'flvcast:streams', id: 1 }), undefined);
  assert.equal(workerHandoff({}), undefined, 'not a worker');
  assert.deepEqual(workerHandoff({ FLVCAST_INTERNAL_WORKER: JSON.stringify({ slot: 2, origin: 'http://127.0.0.1:1/s', primaryWaitMs: 0, rtmp: [] }) })?.slot, 2);
  assert.throws(() => workerHandoff({ FLVCAST_INTERNAL_WORKER: '{"slot":"x"}' }), /not a worker handoff/);
});

test("a worker's stream list: one request in flight however many ask, answers reused for maxAgeMs, a silent primary fails it", async () => {
  const sent: FromWorker[] = [];
  const list = new PrimaryStreamList({ send: (m) => sent.push(m), maxAgeMs: 60_000, timeoutMs: 50 });
  const streams = [{ name: 'live/a' } as StreamSummary];
  const asks = [list.list(), list.list(), list.list()];
  assert.deepEqual(sent, [{ type: 'flvcast:streams?', id: 1 }]);
  list.answer(99, []);
  list.answer(1, streams);
  for (const got of await Promise.all(asks)) assert.equal(got, streams);
  assert.equal(await list.list(), streams, 'fresh enough: served again');
  assert.equal(sent.length, 1);

  const silent = new PrimaryStreamList({ send: () => {}, maxAgeMs: 0, timeoutMs: 30 });
  await assert.rejects(silent.list(), /did not send its stream list within 30 ms/);
});
