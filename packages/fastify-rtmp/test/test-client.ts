import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import httpFlv from '@flvcast/fastify-http-flv';
import type { LimitHit } from '@flvcast/hub';
import type { Amf0Object } from '@flvcast/amf0';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import rtmp from '../src/index.js';

export interface Started {
  app: FastifyInstance;
  port: number;
  hits: LimitHit[];
  warns: Array<Record<string, unknown>>;
}

/** The HTTP-FLV and RTMP plugins on loopback, with warn lines and limit events collected. */
export async function startApp(rtmpOpts: Record<string, unknown>, hubOpts: Record<string, unknown> = {}): Promise<Started> {
  const warns: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') warns.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ logger: { level: 'warn', stream } });
  await app.register(httpFlv, { reconnectGraceMs: 0, ...hubOpts });
  await app.register(rtmp, { listen: { host: '127.0.0.1', port: 0 }, ...rtmpOpts });
  await app.ready();
  const hits: LimitHit[] = [];
  app.streams.events.on('limit', (h) => hits.push(h));
  return { app, port: app.rtmp.addresses()[0]!.port, hits, warns };
}

export const until = async (check: () => boolean, what: string, ms = 3000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A real TCP client from a chosen loopback address, driven by our pure client session. */
export class TestClient {
  readonly events: RtmpClientEvent[] = [];
  readonly socket: Socket;
  readonly session = new RtmpClientSession({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live' });
  received = 0;
  closed = false;

  constructor(port: number, localAddress = '127.0.0.1') {
    this.socket = connect({ port, host: '127.0.0.1', localAddress });
    this.socket.once('close', () => (this.closed = true));
    this.socket.on('error', () => {});
    this.socket.on('data', (d: Buffer) => {
      this.received += d.length;
      this.events.push(...this.session.push(new Uint8Array(d)));
      this.flush();
    });
    this.session.start();
    this.flush();
  }
  flush(): void {
    for (const b of this.session.takeOutput()) if (!this.socket.destroyed) this.socket.write(b);
  }
  /** Connected at the RTMP level (handshake and connect answered), or closed by the server. */
  settle(): Promise<void> {
    return until(() => this.closed || this.events.some((e) => e.type === 'connected'), 'the client to connect or be closed');
  }
  get connected(): boolean {
    return !this.closed && this.events.some((e) => e.type === 'connected');
  }
}


/** An event as it arrived, with its arrival time (Date.now()). */
export type TimedEvent = RtmpClientEvent & { at: number };

/**
 * A real TCP player or publisher (or, with 'none', a client that only connects) driven by the pure client
 * session: `tcUrl` and `connectProperties` (say, a forwarding server's flvcastHops) go into its connect.
 */
export function rtmpClient(port: number, name: string, role: 'play' | 'publish' | 'none', opts: { tcUrl?: string; connectProperties?: Amf0Object } = {}) {
  const events: TimedEvent[] = [];
  const session = new RtmpClientSession({ app: 'live', tcUrl: opts.tcUrl ?? 'rtmp://127.0.0.1/live', ...(opts.connectProperties === undefined ? {} : { connectProperties: opts.connectProperties }) });
  const socket = connect({ port, host: '127.0.0.1' });
  let closed = false;
  socket.once('close', () => (closed = true));
  const flush = (): void => {
    for (const b of session.takeOutput()) if (!socket.destroyed) socket.write(b);
  };
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    const at = Date.now();
    for (const e of session.push(new Uint8Array(d))) events.push({ ...e, at });
    flush();
  });
  session.start();
  if (role === 'play') session.play(name);
  else if (role === 'publish') session.publish(name);
  flush();
  const media = () => events.filter((e): e is Extract<TimedEvent, { type: 'audio' | 'video' }> => e.type === 'audio' || e.type === 'video');
  const statuses = () => events.flatMap((e) => (e.type === 'status' ? [e.code] : []));
  return { events, socket, session, flush, closed: () => closed, media, statuses };
}
