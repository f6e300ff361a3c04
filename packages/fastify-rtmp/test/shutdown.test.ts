import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import httpFlv from '@flvcast/fastify-http-flv';
import type { Amf0Object } from '@flvcast/amf0';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import rtmp from '../src/index.js';

async function startApp(shutdownWaitMs: number, onUnpublish?: (ctx: { stream: string; reason: string }) => void): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(httpFlv, { reconnectGraceMs: 0 });
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 }, shutdownWaitMs, ...(onUnpublish === undefined ? {} : { onUnpublish }) });
  await app.ready();
  return app;
}

/** A publisher over a real socket, driven by our own client session; records what arrived before the close. */
class Encoder {
  readonly events: RtmpClientEvent[] = [];
  readonly socket: Socket;
  readonly session: RtmpClientSession;
  /** Status codes received, in order, up to the moment the socket closed. */
  readonly statusesBeforeClose: string[] = [];
  closedAt: number | undefined;
  readonly closed: Promise<void>;

  constructor(port: number, connectProperties: Amf0Object, readonly tcUrl = `rtmp://127.0.0.1:${port}/live`) {
    this.session = new RtmpClientSession({ app: 'live', tcUrl, connectProperties });
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closedAt = performance.now();
        resolve();
      }),
    );
    this.socket.on('data', (d: Buffer) => {
      for (const e of this.session.push(new Uint8Array(d))) {
        this.events.push(e);
        if (e.type === 'status') this.statusesBeforeClose.push(e.code);
      }
      this.flush();
    });
    this.session.start();
    this.flush();
  }

  flush(): void {
    if (this.socket.writable) for (const b of this.session.takeOutput()) this.socket.write(b);
  }

  async publish(name: string): Promise<void> {
    this.session.publish(name);
    this.flush();
    const deadline = Date.now() + 3000;
    while (!this.events.some((e) => e.type === 'published')) {
      if (Date.now() > deadline) throw new Error(`not published; events: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  status(code: string): Extract<RtmpClientEvent, { type: 'status' }> | undefined {
    return this.events.find((e): e is Extract<RtmpClientEvent, { type: 'status' }> => e.type === 'status' && e.code === code);
  }
}

test('close(): an encoder announcing capsEx Reconnect gets ReconnectRequest with its tcUrl; a plain one gets Unpublish.Success', async () => {
  const app = await startApp(300);
  const port = app.rtmp.addresses()[0]!.port;
  // Enhanced RTMP v2: capsEx bit 0x01 = the client can act on NetConnection.Connect.ReconnectRequest.
  const modern = new Encoder(port, { capsEx: 1, fourCcList: ['hvc1'] });
  const plain = new Encoder(port, {});
  await modern.publish('modern');
  await plain.publish('plain');

  const started = performance.now();
  await app.close();
  await Promise.all([modern.closed, plain.closed]);

  assert.ok(modern.statusesBeforeClose.includes('NetConnection.Connect.ReconnectRequest'), `got ${modern.statusesBeforeClose.join(', ')}`);
  const request = modern.status('NetConnection.Connect.ReconnectRequest')!;
  assert.equal(request.level, 'status');
  assert.equal(request.streamId, 0, 'a NetConnection status, not a stream one');
  assert.equal(request.info['tcUrl'], modern.tcUrl, 'points back at the URL the encoder used');
  assert.match(request.description, /shutting down/);

  assert.equal(plain.status('NetConnection.Connect.ReconnectRequest'), undefined, 'no ReconnectRequest without capsEx support');
  assert.ok(plain.statusesBeforeClose.includes('NetStream.Unpublish.Success'), `got ${plain.statusesBeforeClose.join(', ')}`);

  // The plain encoder is let go at once; the modern one was given shutdownWaitMs to leave by itself.
  assert.ok(plain.closedAt! - started < 250, `plain closed after ${(plain.closedAt! - started).toFixed(0)} ms`);
  assert.ok(modern.closedAt! - started >= 250, `modern closed after ${(modern.closedAt! - started).toFixed(0)} ms`);
  assert.ok(performance.now() - started < 2000);
});

test('close(): an encoder that leaves on ReconnectRequest ends the wait early; new connections are refused meanwhile', async () => {
  const app = await startApp(10_000);
  const port = app.rtmp.addresses()[0]!.port;
  const modern = new Encoder(port, { capsEx: 1 });
  await modern.publish('cam');
  // A well-behaved E-RTMP client: on the request it finishes (here at once) and disconnects.
  let refused: Promise<string> | undefined;
  modern.socket.on('data', () => {
    if (modern.status('NetConnection.Connect.ReconnectRequest') === undefined || refused !== undefined) return;
    refused = new Promise((resolve) => {
      const probe = connect({ port, host: '127.0.0.1' });
      probe.once('connect', () => {
        probe.destroy();
        resolve('accepted');
      });
      probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    void refused.then(() => modern.socket.end());
  });

  const started = performance.now();
  await app.close();
  const ms = performance.now() - started;
  assert.ok(refused, 'the ReconnectRequest arrived');
  assert.equal(await refused, 'ECONNREFUSED', 'the listener was closed before the encoders were asked to go');
  assert.ok(ms < 3000, `close() waited ${ms.toFixed(0)} ms although the encoder left (wait was 10 s)`);
});

test('close(): onUnpublish hears of every publisher the shutdown ended, with the reason closed', async () => {
  const told: string[] = [];
  const app = await startApp(0, (ctx) => void told.push(`${ctx.stream} ${ctx.reason}`));
  const port = app.rtmp.addresses()[0]!.port;
  const modern = new Encoder(port, { capsEx: 1 });
  const plain = new Encoder(port, {});
  await modern.publish('modern');
  await plain.publish('plain');
  await app.close();
  await Promise.all([modern.closed, plain.closed]);
  assert.deepEqual(told.sort(), ['modern closed', 'plain closed']);
});
