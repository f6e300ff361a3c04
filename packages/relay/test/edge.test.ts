import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeTag } from '@flvcast/flv';
import { Hub, type SubscriberSink } from '@flvcast/hub';
import { flvFormat } from '@flvcast/mux';
import { avcInterframe } from '@flvcast/test-fixtures';
import { Edge, EdgeUpstreams, OriginHealth, originProblem, originStreamUrl } from '../src/index.js';
import { quiet, startFlvResponse, waitFor } from './test-helpers.js';

const key = (stream: string) => ({ vhost: '', app: 'live', stream });
const nullSink: SubscriberSink = { write: () => true, end() {} };

const edgeOptions = {
  reconnectMinMs: 50,
  reconnectMaxMs: 400,
  connectTimeoutMs: 1000,
  startTimeoutMs: 2000,
  idleTimeoutMs: 5000,
  maxTagBytes: 1024 * 1024,
  maxRedirects: 3,
  waitMs: 2000,
  idleMs: 200,
  originBackoffMs: 10_000,
  log: quiet,
};

/** An origin serving `/live/<name>.flv` for the names it holds (404 otherwise), keeping each response open. */
async function origin(names: string[]): Promise<{ url: string; requests: string[]; responses: ServerResponse[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const responses: ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const name = /^\/live\/([^/?]+)\.flv(\?|$)/.exec(req.url ?? '')?.[1];
    if (name === undefined || !names.includes(name)) return void res.writeHead(404).end();
    startFlvResponse(res);
    responses.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    responses,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** A port nothing listens on: connections are refused at once. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('origin URLs: HTTP-FLV or RTMP, with the viewer query and the vhost; bad bases are named', () => {
  assert.equal(originStreamUrl('http://o:8080', key('cam1'), 'token=a%20b'), 'http://o:8080/live/cam1.flv?token=a+b');
  assert.equal(originStreamUrl('https://o/prefix/', { vhost: 'v1', app: 'live', stream: 'cam1' }, ''), 'https://o/prefix/live/cam1.flv?vhost=v1');
  assert.equal(originStreamUrl('rtmp://o:1935', key('cam1'), 'token=x'), 'rtmp://o:1935/live/cam1?token=x');
  assert.equal(originProblem('rtmps://o'), undefined);
  assert.match(originProblem('rtmp://o/app') ?? '', /rtmp:\/\/host\[:port\]/);
  assert.match(originProblem('ftp://o') ?? '', /http\(s\):\/\/ or rtmp\(s\):\/\//);
  assert.match(originProblem('http://u:p@o') ?? '', /credentials/);
  assert.match(originProblem('o:8080') ?? '', /expected an http/);
});

test('origin health: an unreachable origin is tried last for a back-off period that doubles, a success clears it', () => {
  let now = 0;
  const health = new OriginHealth(1000, 4000, () => now);
  health.failed('http://a');
  assert.deepEqual(health.order(['http://a', 'http://b']), ['http://b', 'http://a']);
  now = 1001;
  assert.deepEqual(health.order(['http://a', 'http://b']), ['http://a', 'http://b'], 'back after its period');
  health.failed('http://a');
  now = 2500;
  assert.equal(health.isDown('http://a'), true, 'the second failure in a row doubles the period');
  health.ok('http://a');
  assert.equal(health.isDown('http://a'), false);
});

test('a plan round: directory first, then healthy origins; not found at once when the whole round said no', async () => {
  const health = new OriginHealth(10_000);
  health.failed('http://down:1');
  const failed: string[] = [];
  const plan = new EdgeUpstreams(key('cam1'), 't=1', {
    origins: ['http://down:1', 'rtmp://up:1935'],
    health,
    directory: { lookup: async () => ['http://holder:8080/live/cam1.flv'], failed: (_k, url) => failed.push(url) },
    lookupTimeoutMs: 100,
  });
  const first = plan.firstMedia(new AbortController().signal);
  assert.equal(await plan.next(), 'http://holder:8080/live/cam1.flv?t=1');
  plan.ended('http://holder:8080/live/cam1.flv?t=1', Object.assign(new Error('ECONNREFUSED'), { code: 'ERR_RELAY_SOCKET' }) as never, false);
  assert.deepEqual(failed, ['http://holder:8080/live/cam1.flv?t=1'], 'a stale directory entry is reported');
  assert.equal(health.isDown('http://holder:8080'), true);
  assert.equal(await plan.next(), 'rtmp://up:1935/live/cam1?t=1', 'the healthy origin before the one down');
  assert.equal(await plan.next(), 'http://down:1/live/cam1.flv?t=1');
  assert.equal(await plan.next(), undefined, 'end of the round');
  await assert.rejects(first, /no origin has the stream/);
});

test('an edge pulls a stream once for every viewer, passes the query up, and skips an unreachable origin', async (t) => {
  const good = await origin(['cam1', 'cam2']);
  t.after(() => good.close());
  const dead = `http://127.0.0.1:${await deadPort()}`;
  const hub = new Hub({ reconnectGraceMs: 0 });
  const edge = new Edge(hub, { ...edgeOptions, origins: [dead, good.url] });
  t.after(() => edge.close());
  hub.setResolver(edge.resolver, { timeoutMs: 3000 });

  const [a, b, c] = await Promise.all([hub.find(key('cam1'), { query: 'token=abc' }), hub.find(key('cam1'), { query: 'token=zzz' }), hub.find(key('cam1'))]);
  assert.ok(a && a === b && b === c, 'the three viewers share one stream');
  assert.deepEqual(good.requests, ['/live/cam1.flv?token=abc'], 'one upstream request, with the first viewer\'s token');
  assert.equal(a.publisher?.info.protocol, 'pull');
  assert.deepEqual(edge.originsDown, [dead], 'the refused origin is remembered');

  // The next stream goes to the healthy origin first: its pull starts at once.
  const started = performance.now();
  assert.ok(await hub.find(key('cam2')));
  assert.ok(performance.now() - started < 1000);
  assert.equal(good.requests.at(-1), '/live/cam2.flv');

  // Nobody has it: not found as soon as both origins answered, long before waitMs.
  const asked = performance.now();
  assert.equal(await hub.find(key('nope')), undefined);
  assert.ok(performance.now() - asked < 1000, `404 after ${performance.now() - asked} ms`);
  assert.ok(!edge.list().some((p) => p.stream === 'live/nope'), 'the failed pull is dropped');
});

test('an edge fails over mid-stream with the viewer attached, and stops idleMs after the last viewer', async (t) => {
  const first = await origin(['cam1']);
  const second = await origin(['cam1']);
  t.after(() => second.close());
  const hub = new Hub({ reconnectGraceMs: 3000 });
  const edge = new Edge(hub, { ...edgeOptions, origins: [first.url, second.url] });
  t.after(() => edge.close());
  hub.setResolver(edge.resolver, { timeoutMs: 3000 });
  const stream = await hub.find(key('cam1'));
  assert.ok(stream);
  const viewer = hub.subscribe(key('cam1'), flvFormat, nullSink, { protocol: 'test' })!;
  first.responses[0]!.write(encodeTag(9, 40, avcInterframe()));
  await waitFor('the frame', () => (hub.get(key('cam1'))?.tagsIn ?? 0) >= 3);
  const publisher = hub.get(key('cam1'))!.publisher;

  const cut = performance.now();
  await first.close();
  await waitFor('the pull on the second origin', () => hub.get(key('cam1'))?.publisher !== undefined && hub.get(key('cam1'))?.publisher !== publisher);
  assert.ok(performance.now() - cut < 1000, `failover took ${performance.now() - cut} ms`);
  assert.deepEqual(second.requests, ['/live/cam1.flv']);
  assert.equal(viewer.ended, false, 'the viewer stayed through the failover');
  assert.equal(edge.list()[0]?.url, `${second.url}/live/cam1.flv`);

  viewer.close();
  await waitFor('the idle stop', () => edge.list().length === 0);
  await waitFor('the stream to go', () => hub.get(key('cam1')) === undefined);
});

test('an origin that never answers: the viewer is turned away after waitMs, and the pull is dropped', async (t) => {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (silent.closeAllConnections(), silent.close(() => r()))));
  const hub = new Hub();
  const edge = new Edge(hub, { ...edgeOptions, waitMs: 300, origins: [`http://127.0.0.1:${(silent.address() as AddressInfo).port}`] });
  t.after(() => edge.close());
  hub.setResolver(edge.resolver, { timeoutMs: 3000 });
  const asked = performance.now();
  assert.equal(await hub.find(key('cam1')), undefined);
  const ms = performance.now() - asked;
  assert.ok(ms >= 290 && ms < 1000, `turned away after ${ms} ms`);
  assert.equal(edge.list().length, 0);
});

test('an origin that accepts and never answers gets only its share of the wait: the next origin serves the viewer', async (t) => {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (silent.closeAllConnections(), silent.close(() => r()))));
  const good = await origin(['cam1']);
  t.after(() => good.close());
  const hung = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const hub = new Hub();
  const edge = new Edge(hub, { ...edgeOptions, connectTimeoutMs: 10_000, waitMs: 1000, origins: [hung, good.url] });
  t.after(() => edge.close());
  hub.setResolver(edge.resolver, { timeoutMs: 1000 });
  const asked = performance.now();
  assert.ok(await hub.find(key('cam1')), 'served by the second origin within the wait');
  const ms = performance.now() - asked;
  assert.ok(ms >= 450 && ms < 1000, `served after ${ms} ms (the hung origin had 500 ms)`);
  assert.deepEqual(edge.originsDown, [hung], 'the hung origin is tried last from now on');
});

test("an internal subscriber standing for viewers elsewhere (a worker's pull, demand) keeps the edge pull past idleMs; a forwarder does not", async (t) => {
  const up = await origin(['cam1']);
  t.after(() => up.close());
  const hub = new Hub({ reconnectGraceMs: 0 });
  const edge = new Edge(hub, { ...edgeOptions, origins: [up.url] });
  t.after(() => edge.close());
  hub.setResolver(edge.resolver, { timeoutMs: 3000 });
  assert.ok(await hub.find(key('cam1')));
  const worker = hub.subscribe(key('cam1'), flvFormat, nullSink, { protocol: 'http-flv', internal: true, demand: true })!;
  const forwarder = hub.subscribe(key('cam1'), flvFormat, nullSink, { protocol: 'forward', internal: true })!;
  const stream = hub.get(key('cam1'))!;
  assert.deepEqual([stream.viewerCount, stream.demandCount], [0, 1], 'neither is a viewer; the worker pull is demand');
  await new Promise((r) => setTimeout(r, edgeOptions.idleMs * 3));
  assert.equal(edge.list().length, 1, 'the pull stays while a worker pulls it');
  worker.close();
  await waitFor('the idle stop once only the forwarder is left', () => edge.list().length === 0);
  assert.equal(forwarder.ended || hub.get(key('cam1')) === undefined, true);
});
