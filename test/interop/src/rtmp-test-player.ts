/**
 * An RTMP player over a real loopback socket, driven by our own client session (connect, createStream, play +
 * buffer length): every event recorded with its arrival time, and a switch to stop reading (a player that
 * never reads, for the stall rule). The independent players (ffmpeg, rtmpdump, GStreamer, nginx-rtmp) are
 * spawned by the tests; this one lets a test see each status and message as the server sent it.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Amf0Object } from '@flvcast/amf0';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import { waitUntil } from './tools.js';

export type TimedEvent = RtmpClientEvent & { at: number };

export class RtmpTestPlayer {
  readonly socket: net.Socket;
  readonly session: RtmpClientSession;
  readonly events: TimedEvent[] = [];
  readonly started = performance.now();
  closed = false;
  closedAt: number | undefined;
  bytes = 0;

  constructor(port: number, name: string, opts: { app?: string; connectProperties?: Amf0Object } = {}) {
    const app = opts.app ?? 'live';
    this.session = new RtmpClientSession({ app, tcUrl: `rtmp://127.0.0.1:${port}/${app}`, ...(opts.connectProperties === undefined ? {} : { connectProperties: opts.connectProperties }) });
    this.socket = net.connect({ port, host: '127.0.0.1' });
    this.socket.on('error', () => {});
    this.socket.once('close', () => {
      this.closed = true;
      this.closedAt = performance.now() - this.started;
    });
    this.socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      const at = performance.now() - this.started;
      try {
        for (const e of this.session.push(new Uint8Array(d))) this.events.push({ ...e, at });
      } catch (err) {
        this.events.push({ type: 'error', code: 'client', description: (err as Error).message, at });
        this.socket.destroy();
      }
      this.flush();
    });
    this.session.play(name);
    this.session.start();
    this.flush();
  }

  flush(): void {
    for (const out of this.session.takeOutput()) if (!this.socket.destroyed) this.socket.write(out);
  }

  /** onStatus codes in arrival order. */
  get statuses(): string[] {
    return this.events.flatMap((e) => (e.type === 'status' ? [e.code] : []));
  }

  media(kind?: 'audio' | 'video'): Array<Extract<TimedEvent, { type: 'audio' | 'video' }>> {
    return this.events.filter((e): e is Extract<TimedEvent, { type: 'audio' | 'video' }> => (e.type === 'audio' || e.type === 'video') && (kind === undefined || e.type === kind));
  }

  async waitFor(check: (p: this) => boolean, what: string, ms = 10_000): Promise<void> {
    await waitUntil(() => check(this), ms, what);
  }

  close(): void {
    this.socket.destroy();
  }
}
