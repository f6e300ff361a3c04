import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import httpFlv from '@flvcast/fastify-http-flv';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import rtmp from '../src/index.js';
import { assertOptionsRefused } from './refused-options.js';

const avcSeq = Uint8Array.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xcb, 0x83, 0xcb]);
const keyframe = Uint8Array.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65, 0]);

async function startApp(rtmpOpts: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(httpFlv, { reconnectGraceMs: 0 });
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 }, ...rtmpOpts });
  await app.ready();
  return app;
}

/** A real TCP client driven by our own pure client session. */
class TestClient {
  readonly events: RtmpClientEvent[] = [];
  readonly socket: Socket;
  readonly session = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live' });
  closed: Promise<void>;

  constructor(port: number) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('error', () => {});
    this.socket.on('data', (d: Buffer) => {
      this.events.push(...this.session.push(new Uint8Array(d)));
      this.flush();
    });
    this.session.start();
    this.flush();
  }
  flush(): void {
    for (const b of this.session.takeOutput()) this.socket.write(b);
  }
  async until(pred: (e: RtmpClientEvent) => boolean, ms = 3000): Promise<RtmpClientEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

test('fails at boot with a clear error when the HTTP-FLV plugin (the hub) is missing', async () => {
  const app = Fastify();
  await assert.rejects(
    async () => {
      await app.register(rtmp);
      await app.ready();
    },
    (err: Error) => /@flvcast\/fastify-http-flv/.test(err.message),
  );
});

test('invalid options are refused naming the option', async () => {
  await assertOptionsRefused([{ idleTimeoutMs: -1 }, { listen: { port: 70000 } }, { chunkSizeBytes: 'big' }, { bogus: 1 }]);
});

test('listens on ready; a publish lands in the shared hub; unpublish frees it', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const [addr] = app.rtmp.addresses();
  assert.ok(addr && addr.port > 0);
  const client = new TestClient(addr.port);
  await client.until((e) => e.type === 'connected');
  client.session.publish('cam1?token=abc');
  client.flush();
  await client.until((e) => e.type === 'published');
  client.session.sendMetadata({ videocodecid: 7 });
  client.session.sendVideo(0, avcSeq);
  client.session.sendVideo(0, keyframe);
  client.flush();
  const key = { vhost: '', app: 'live', stream: 'cam1' };
  for (let i = 0; i < 100 && app.streams.get(key)?.video.frames !== 2; i++) await new Promise((r) => setTimeout(r, 10));
  const stream = app.streams.get(key)!;
  assert.equal(stream.video.frames, 2);
  assert.deepEqual(stream.publisher?.info.query, { token: 'abc' });
  client.session.unpublish();
  client.flush();
  for (let i = 0; i < 100 && app.streams.get(key) !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(app.streams.get(key), undefined);
  client.socket.destroy();
});

test('a busy key is refused with NetStream.Publish.BadName and the connection closed', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const port = app.rtmp.addresses()[0]!.port;
  const first = new TestClient(port);
  await first.until((e) => e.type === 'connected');
  first.session.publish('busy');
  first.flush();
  await first.until((e) => e.type === 'published');
  const second = new TestClient(port);
  await second.until((e) => e.type === 'connected');
  second.session.publish('busy');
  second.flush();
  const err = await second.until((e) => e.type === 'error' || (e.type === 'status' && e.level === 'error'));
  assert.match(JSON.stringify(err), /NetStream\.Publish\.BadName/);
  await second.closed;
  assert.equal(first.socket.destroyed, false, 'the first publisher is untouched');
  first.socket.destroy();
});

test('handshake timeout closes a silent connection', async (t) => {
  const app = await startApp({ handshakeTimeoutMs: 200 });
  t.after(() => app.close());
  const socket = connect({ port: app.rtmp.addresses()[0]!.port, host: '127.0.0.1' });
  socket.on('error', () => {});
  const started = Date.now();
  await new Promise((resolve) => socket.once('close', resolve));
  const took = Date.now() - started;
  assert.ok(took >= 150 && took < 2000, `closed after ${took} ms`);
});

test('close() with a live publisher returns within a few seconds', async () => {
  const app = await startApp();
  const client = new TestClient(app.rtmp.addresses()[0]!.port);
  await client.until((e) => e.type === 'connected');
  client.session.publish('live1');
  client.flush();
  await client.until((e) => e.type === 'published');
  const started = Date.now();
  await app.close();
  assert.ok(Date.now() - started < 3000);
  await client.closed;
});
