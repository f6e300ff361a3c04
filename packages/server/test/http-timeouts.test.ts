import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { buildServer } from '../src/build-server.js';
import { resolveConfig } from '../src/config.js';

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 1500;

/** A raw client that records when the server closed it and what it answered. */
class SlowClient {
  readonly socket: Socket;
  openedAt = performance.now();
  closedAt: number | undefined;
  answer = '';
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(port: number, first: string, drip: string | undefined) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.on('error', () => {});
    this.socket.on('data', (d: Buffer) => (this.answer += d.toString('latin1')));
    this.socket.once('close', () => {
      this.closedAt = performance.now();
      clearInterval(this.#timer);
    });
    if (first !== '') this.socket.write(first);
    // One byte every 200 ms: always "making progress", never done.
    if (drip !== undefined) this.#timer = setInterval(() => this.socket.write(drip), 200);
  }
  get lifetime(): number | undefined {
    return this.closedAt === undefined ? undefined : this.closedAt - this.openedAt;
  }
}

test('slowloris: trickled headers, silent sockets and trickled bodies are cut by the HTTP timeouts and reported; a viewer is not', async (t) => {
  const config = resolveConfig({
    httpListen: ['127.0.0.1:0'],
    rtmpListen: ['127.0.0.1:0'],
    demo: true,
    logLevel: 'silent',
    httpHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  const { app } = await buildServer(config);
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const hits: string[] = [];
  app.streams.events.on('limit', (h) => hits.push(`${h.limit} ${h.protocol} ${h.remoteAddress}`));

  // A real viewer of the demo stream, started before the attack and kept through it.
  const viewerBytes = { n: 0 };
  const viewer = await new Promise<IncomingMessage>((resolve, reject) => get({ port, host: '127.0.0.1', path: '/live/demo.flv', agent: false }, resolve).once('error', reject));
  assert.equal(viewer.statusCode, 200);
  viewer.on('data', (d: Buffer) => (viewerBytes.n += d.length));
  let viewerClosed = false;
  viewer.socket.once('close', () => (viewerClosed = true));

  const headerDrips = Array.from({ length: 20 }, () => new SlowClient(port, 'GET /live/demo.flv HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a'));
  const silent = Array.from({ length: 10 }, () => new SlowClient(port, '', undefined));
  const bodyDrips = Array.from({ length: 10 }, () => new SlowClient(port, 'POST /live/demo.flv HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n', 'b'));
  const all = [...headerDrips, ...silent, ...bodyDrips];

  const deadline = performance.now() + REQUEST_TIMEOUT_MS + 4000;
  while (all.some((c) => c.closedAt === undefined) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const open = all.filter((c) => c.closedAt === undefined).length;
  assert.equal(open, 0, `${open} slow connections still open ${(REQUEST_TIMEOUT_MS + 4000) / 1000} s after they started`);
  for (const c of headerDrips) assert.ok(c.lifetime! >= HEADERS_TIMEOUT_MS - 100, `a header trickler lived ${c.lifetime!.toFixed(0)} ms, at least the timeout`);
  for (const c of headerDrips) assert.match(c.answer, /^HTTP\/1\.1 408/, 'the trickler is told 408 Request Timeout');
  for (const c of bodyDrips) assert.ok(c.lifetime! >= REQUEST_TIMEOUT_MS - 100, `a body trickler lived ${c.lifetime!.toFixed(0)} ms`);

  hits.sort();
  assert.deepEqual(hits, [
    ...Array<string>(30).fill('httpHeadersTimeoutMs http 127.0.0.1'),
    ...Array<string>(10).fill('httpRequestTimeoutMs http 127.0.0.1'),
  ], 'each cut connection is one limit hit, naming the deadline it missed');

  const before = viewerBytes.n;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(viewerClosed, false, 'the viewer, whose request completed long ago, is still connected');
  assert.ok(viewerBytes.n > before, 'and still receiving');
  viewer.destroy();
});

test('an idle keep-alive connection is closed after httpKeepAliveTimeoutMs', async (t) => {
  const config = resolveConfig({ httpListen: ['127.0.0.1:0'], rtmpListen: ['127.0.0.1:0'], logLevel: 'silent', httpKeepAliveTimeoutMs: 300 });
  const { app } = await buildServer(config);
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const c = new SlowClient(port, 'GET /live/none.flv HTTP/1.1\r\nHost: x\r\n\r\n', undefined);
  const deadline = performance.now() + 3000;
  while (c.closedAt === undefined && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.match(c.answer, /^HTTP\/1\.1 404/);
  assert.match(c.answer, /keep-alive/i, 'the connection was kept alive after the answer');
  assert.ok(c.lifetime !== undefined && c.lifetime >= 250, `closed after ${c.lifetime?.toFixed(0)} ms of idleness, not before`);
});

test('httpHeadersTimeoutMs may not exceed httpRequestTimeoutMs', () => {
  assert.throws(() => resolveConfig({ httpHeadersTimeoutMs: 20_000, httpRequestTimeoutMs: 10_000 }), /httpHeadersTimeoutMs .*must not exceed httpRequestTimeoutMs/);
  const c = resolveConfig();
  assert.deepEqual([c.httpHeadersTimeoutMs, c.httpRequestTimeoutMs, c.httpKeepAliveTimeoutMs], [10_000, 30_000, 10_000]);
});
