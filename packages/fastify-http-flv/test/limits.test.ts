import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { LimitHit } from '@flvcast/hub';
import { WebSocket } from 'ws';
import httpFlv, { type HttpFlvPluginOptions } from '../src/index.js';

const avcSeq = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]);
const keyframe = (size = 11) => {
  const b = new Uint8Array(size);
  b.set([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]);
  return b;
};

interface Started {
  app: FastifyInstance;
  port: number;
  hits: LimitHit[];
}

async function start(opts: HttpFlvPluginOptions, streams = ['cam1']): Promise<Started> {
  const app = Fastify();
  await app.register(httpFlv, opts);
  await app.listen({ port: 0, host: '127.0.0.1' });
  for (const stream of streams) {
    const pub = app.streams.publish({ vhost: '', app: 'live', stream }, { protocol: 'test' });
    pub.data('onMetaData', { videocodecid: 7 });
    pub.video(0, avcSeq);
    pub.video(0, keyframe());
  }
  const hits: LimitHit[] = [];
  app.streams.events.on('limit', (h) => hits.push(h));
  return { app, port: (app.server.address() as AddressInfo).port, hits };
}

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  res: IncomingMessage;
}

/** A GET from a chosen loopback address; resolves once the first body bytes (or the end) arrived. */
function get(port: number, path: string, localAddress = '127.0.0.1', method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, localAddress, agent: false, method }, (res) => {
      const parts: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(parts), res });
      res.once('data', (d: Buffer) => {
        parts.push(d);
        if (res.statusCode === 200) done();
        else res.on('data', (more: Buffer) => parts.push(more));
      });
      res.once('end', done);
    });
    req.once('error', reject);
    req.end();
  });
}

interface WsOutcome {
  opened: boolean;
  code: number;
  reason: string;
  binaryMessages: number;
}

function ws(port: number, path: string, localAddress = '127.0.0.1'): { socket: WebSocket; outcome: Promise<WsOutcome>; open: Promise<void> } {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { localAddress });
  let opened = false;
  let binaryMessages = 0;
  socket.on('message', (_d, isBinary) => void (isBinary && binaryMessages++));
  const open = new Promise<void>((resolve, reject) =>
    socket
      .once('open', () => {
        opened = true;
        resolve();
      })
      .once('error', reject),
  );
  open.catch(() => {});
  const outcome = new Promise<WsOutcome>((resolve) => socket.once('close', (code, reason) => resolve({ opened, code, reason: reason.toString(), binaryMessages })));
  return { socket, outcome, open };
}

const until = async (check: () => boolean, what: string, ms = 3000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('maxViewersPerIp: 429 (WS: close 4429) before any FLV byte; other addresses, HEAD and 404s are not affected; slots free on close', async (t) => {
  const { app, port, hits } = await start({ maxViewersPerIp: 2 });
  t.after(() => app.close());
  const a = await get(port, '/live/cam1.flv');
  const b = ws(port, '/live/cam1.flv');
  await b.open;
  assert.equal(a.status, 200);
  assert.equal(app.flvViewers.viewers, 2);

  const refused = await get(port, '/live/cam1.flv');
  assert.equal(refused.status, 429);
  assert.match(refused.contentType ?? '', /json/);
  assert.match(JSON.parse(refused.body.toString()).message, /maxViewersPerIp/);
  assert.notEqual(refused.body.subarray(0, 3).toString('latin1'), 'FLV');
  assert.equal(refused.res.headers['retry-after'], '10');
  const wsRefused = await ws(port, '/live/cam1.flv').outcome;
  assert.deepEqual({ code: wsRefused.code, binary: wsRefused.binaryMessages }, { code: 4429, binary: 0 });
  assert.match(wsRefused.reason, /maxViewersPerIp/);

  assert.equal((await get(port, '/live/cam1.flv', '127.0.0.1', 'HEAD')).status, 200, 'HEAD is not a viewer');
  assert.equal((await get(port, '/live/none.flv')).status, 404, '404 as before');
  const other = await get(port, '/live/cam1.flv', '127.0.0.2');
  assert.equal(other.status, 200, 'another address is served');
  assert.deepEqual(hits, [
    { limit: 'maxViewersPerIp', protocol: 'http-flv', remoteAddress: '127.0.0.1' },
    { limit: 'maxViewersPerIp', protocol: 'ws-flv', remoteAddress: '127.0.0.1' },
  ]);

  a.res.destroy();
  b.socket.terminate();
  other.res.destroy();
  await until(() => app.flvViewers.viewers === 0, `the slots to be released (held: ${app.flvViewers.viewers})`);
  assert.deepEqual(app.flvViewers.trackedKeys, { clientAddresses: 0, streams: 0 }, 'nothing kept per address or stream');
  assert.equal((await get(port, '/live/cam1.flv')).status, 200, 'a freed slot is usable');
});

test('maxViewersPerStream: 503 for one more viewer of that stream; other streams are served', async (t) => {
  const { app, port, hits } = await start({ maxViewersPerStream: 1 }, ['cam1', 'cam2']);
  t.after(() => app.close());
  const first = await get(port, '/live/cam1.flv');
  assert.equal(first.status, 200);
  const refused = await get(port, '/live/cam1.flv', '127.0.0.2');
  assert.equal(refused.status, 503);
  assert.match(JSON.parse(refused.body.toString()).message, /live\/cam1.*maxViewersPerStream/);
  assert.equal((await get(port, '/live/cam2.flv')).status, 200);
  const wsRefused = await ws(port, '/live/cam1.flv', '127.0.0.3').outcome;
  assert.equal(wsRefused.code, 4503);
  assert.equal(wsRefused.opened, true, 'the upgrade succeeds so that browsers can read the close code');
  assert.deepEqual(hits.map((h) => h.limit), ['maxViewersPerStream', 'maxViewersPerStream']);
  first.res.destroy();
});

test('maxViewers: 503 (WS: close 4503) past the total, whatever the stream or address', async (t) => {
  const { app, port, hits } = await start({ maxViewers: 2 }, ['cam1', 'cam2']);
  t.after(() => app.close());
  const open = [await get(port, '/live/cam1.flv', '127.0.0.1'), await get(port, '/live/cam2.flv', '127.0.0.2')];
  assert.deepEqual(open.map((o) => o.status), [200, 200]);
  const refused = await get(port, '/live/cam2.flv', '127.0.0.3');
  assert.equal(refused.status, 503);
  assert.match(JSON.parse(refused.body.toString()).message, /maxViewers\b/);
  assert.equal((await ws(port, '/live/cam1.flv', '127.0.0.4').outcome).code, 4503);
  assert.deepEqual(hits.map((h) => [h.limit, h.remoteAddress]), [['maxViewers', '127.0.0.3'], ['maxViewers', '127.0.0.4']]);
  open[0]!.res.destroy();
  await until(() => app.flvViewers.viewers === 1, 'one slot to free');
  assert.equal((await get(port, '/live/cam2.flv', '127.0.0.3')).status, 200);
});

test('a viewer dropped by stallTimeoutMs is reported as a limit hit with its address', async (t) => {
  const { app, port, hits } = await start({ stallTimeoutMs: 300, highWaterMarkBytes: 1024, maxQueueBytes: 64 * 1024 * 1024, maxQueueMs: 600_000 });
  t.after(() => app.close());
  // A client that asks and then never reads: the kernel buffers fill, then the server's.
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  socket.write('GET /live/cam1.flv HTTP/1.1\r\nHost: x\r\n\r\n');
  socket.pause();
  await until(() => app.streams.get({ vhost: '', app: 'live', stream: 'cam1' })!.subscribers.size === 1, 'the viewer to attach');
  const pub = app.streams.get({ vhost: '', app: 'live', stream: 'cam1' })!.publisher!;
  const frame = keyframe(256 * 1024);
  for (let i = 1; i <= 200 && hits.length === 0; i++) {
    pub.video(i * 40, frame);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(hits, [{ limit: 'stallTimeoutMs', protocol: 'http-flv', remoteAddress: '127.0.0.1' }]);
  socket.destroy();
});

test('the viewer limits are validated', async () => {
  for (const opts of [{ maxViewers: 0 }, { maxViewersPerIp: 1.5 }, { maxViewersPerStream: 'lots' }]) {
    const app = Fastify();
    await assert.rejects(
      async () => {
        await app.register(httpFlv, opts as never);
        await app.ready();
      },
      (err: Error & { code?: string }) => err.code === 'FST_FLVCAST_INVALID_OPTION' && err.message.includes(Object.keys(opts)[0]!),
    );
    await app.close();
  }
});

test('HTTP/2: each stream of one connection is a viewer; the 3rd is refused with 429, and closing a stream frees its slot', async (t) => {
  const { connect: h2connect } = await import('node:http2');
  const app = Fastify({ http2: true });
  t.after(() => app.close());
  await app.register(httpFlv, { maxViewersPerIp: 2 });
  const pub = app.streams.publish({ vhost: '', app: 'live', stream: 'cam1' }, { protocol: 'test' });
  pub.data('onMetaData', { videocodecid: 7 });
  pub.video(0, avcSeq);
  pub.video(0, keyframe());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const client = h2connect(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  t.after(() => client.close());
  const open = () => {
    const req = client.request({ ':path': '/live/cam1.flv' });
    const status = new Promise<number>((resolve) => req.once('response', (h) => resolve(Number(h[':status']))));
    req.on('data', () => {});
    return { req, status };
  };
  const a = open();
  const b = open();
  assert.deepEqual([await a.status, await b.status], [200, 200]);
  assert.equal(await open().status, 429);
  a.req.close();
  await until(() => app.flvViewers.viewers === 1, 'the closed HTTP/2 stream to free its slot');
  assert.equal(await open().status, 200, 'the freed slot is usable on the same connection');
});
