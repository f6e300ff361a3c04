import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import httpFlv from '@flvcast/fastify-http-flv';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import rtmp, { type RtmpPluginOptions } from '../src/index.js';
import { assertOptionsRefused } from './refused-options.js';

async function startApp(rtmpOpts: Omit<RtmpPluginOptions, 'listen'>): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(httpFlv, { reconnectGraceMs: 0 });
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 }, ...rtmpOpts });
  await app.ready();
  return app;
}

/** A real TCP publisher driven by the pure client session. */
function publisher(port: number, name: string) {
  const events: RtmpClientEvent[] = [];
  const session = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live?key=k1' });
  const socket: Socket = connect({ port, host: '127.0.0.1' });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const flush = () => {
    for (const b of session.takeOutput()) socket.write(b);
  };
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    events.push(...session.push(new Uint8Array(d)));
    flush();
  });
  session.start();
  session.publish(name);
  flush();
  const until = async (pred: (e: RtmpClientEvent) => boolean, ms = 3000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(events.map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { events, socket, closed, until };
}

/** A hook that holds every publish until the test releases it. */
function gate() {
  const waiting: ((allow: boolean) => void)[] = [];
  return {
    waiting,
    hook: () => new Promise<boolean>((resolve) => waiting.push(resolve)),
  };
}

test('the publish is answered only after onPublish resolves; tcUrl query params reach the hook', async (t) => {
  const g = gate();
  let query: Record<string, string> = {};
  const app = await startApp({ onPublish: (ctx) => ((query = { ...ctx.query }), g.hook()) });
  t.after(() => app.close());
  const p = publisher(app.rtmp.addresses()[0]!.port, 'cam1?token=t1');
  for (let i = 0; i < 200 && g.waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(g.waiting.length, 1, 'the hook was asked');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(p.events.some((e) => e.type === 'published'), false, 'no Publish.Start while the hook runs');
  assert.equal(app.streams.size, 0, 'no stream yet');
  assert.deepEqual(query, { key: 'k1', token: 't1' });
  g.waiting[0]!(true);
  await p.until((e) => e.type === 'published');
  assert.notEqual(app.streams.get({ vhost: '', app: 'live', stream: 'cam1' }), undefined);
  p.socket.destroy();
});

test('an encoder that leaves while onPublish runs leaves nothing behind when the hook allows', async (t) => {
  const g = gate();
  const app = await startApp({ onPublish: g.hook });
  t.after(() => app.close());
  const p = publisher(app.rtmp.addresses()[0]!.port, 'cam2');
  for (let i = 0; i < 200 && g.waiting.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  p.socket.destroy();
  await p.closed;
  await new Promise((r) => setTimeout(r, 50));
  g.waiting[0]!(true);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(app.streams.size, 0, 'no orphan stream for a gone encoder');
  assert.equal(app.rtmp.connections, 0);
});

test('a refusal is an error status (Unauthorized for 401, Forbidden for 403, BadName for 409: held elsewhere) and the connection closes', async (t) => {
  let status: 401 | 403 | 409 = 401;
  const app = await startApp({ onPublish: () => ({ status, reason: 'nope' }) });
  t.after(() => app.close());
  for (const [s, code] of [
    [401, 'NetStream.Publish.Unauthorized'],
    [403, 'NetStream.Publish.Forbidden'],
    [409, 'NetStream.Publish.BadName'],
  ] as const) {
    status = s;
    const p = publisher(app.rtmp.addresses()[0]!.port, 'cam3');
    const err = await p.until((e) => e.type === 'error' || (e.type === 'status' && e.level === 'error'));
    assert.match(JSON.stringify(err), new RegExp(code.replace(/\./g, '\\.')));
    assert.match(JSON.stringify(err), /publish refused: nope/);
    await p.closed;
  }
  assert.equal(app.streams.size, 0);
});

test('access options are validated, naming the option', async () => {
  await assertOptionsRefused([{ onPublish: 'yes' }, { signedUrls: { secret: 'short' } }, { accessTimeoutMs: 0 }, { onUnpublish: 1 }]);
});
